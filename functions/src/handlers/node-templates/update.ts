import { apiContracts } from '@spot/shared';
import { updateTemplateAndReconcile } from '../../domain/node-template-karpenter';
import { httpHandler } from '../../http/handler';

/** Replace: only at the version the caller read (409 with the current template otherwise). */
export const handler = httpHandler(
  {
    auth: 'user',
    contract: apiContracts['PUT /api/client/node-templates/{id}'],
    audit: { action: 'node-template.update', resourceType: 'node-template' },
  },
  async ({ caller, path, body, now, audit }) => {
    audit.target = `node-template/${path.id}`;
    const { before, template } = await updateTemplateAndReconcile(caller.orgId, path.id, body, now);
    Object.assign(audit, { before, after: template });
    return { body: template };
  },
);
