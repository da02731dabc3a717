import { apiContracts } from '@spot/shared';
import { setDefaultTemplateAndReconcile } from '../../domain/node-template-karpenter';
import { httpHandler } from '../../http/handler';

/** The default moves in one transaction: 20 concurrent calls leave exactly one default. */
export const handler = httpHandler(
  {
    auth: 'user',
    contract: apiContracts['POST /api/client/node-templates/{id}/default'],
    audit: { action: 'node-template.set-default', resourceType: 'node-template' },
  },
  async ({ caller, path, now, audit }) => {
    audit.target = `node-template/${path.id}`;
    const { before, template } = await setDefaultTemplateAndReconcile(caller.orgId, path.id, now);
    Object.assign(audit, { before: { isDefault: before.isDefault }, after: { isDefault: true } });
    return { body: template };
  },
);
