import { apiContracts } from '@spot/shared';
import { createTemplateAndReconcile } from '../../domain/node-template-karpenter';
import { httpHandler } from '../../http/handler';

/** Create: the template, its name claim and (when default) the default's move, in one transaction. */
export const handler = httpHandler(
  {
    auth: 'user',
    contract: apiContracts['POST /api/client/node-templates'],
    audit: { action: 'node-template.create', resourceType: 'node-template' },
  },
  async ({ caller, body, now, audit }) => {
    audit.after = { name: body.name };
    const { template } = await createTemplateAndReconcile(caller.orgId, body, now);
    Object.assign(audit, { target: `node-template/${template.id}`, after: template });
    return { statusCode: 201, body: template };
  },
);
