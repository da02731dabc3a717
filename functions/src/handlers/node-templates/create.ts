import { apiContracts } from '@spot/shared';
import { createTemplate } from '../../domain/node-templates';
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
    const { template } = await createTemplate(caller.orgId, body, now);
    Object.assign(audit, { target: `node-template/${template.id}`, after: template });
    return { statusCode: 201, body: template };
  },
);
