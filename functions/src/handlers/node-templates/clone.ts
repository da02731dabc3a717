import { apiContracts } from '@spot/shared';
import { cloneTemplate } from '../../domain/node-templates';
import { httpHandler } from '../../http/handler';

export const handler = httpHandler(
  {
    auth: 'user',
    contract: apiContracts['POST /api/client/node-templates/{id}/clone'],
    audit: { action: 'node-template.clone', resourceType: 'node-template' },
  },
  async ({ caller, path, body, now, audit }) => {
    audit.before = { source: `node-template/${path.id}` };
    const { template } = await cloneTemplate(caller.orgId, path.id, body.name, now);
    Object.assign(audit, { target: `node-template/${template.id}`, after: template });
    return { statusCode: 201, body: template };
  },
);
