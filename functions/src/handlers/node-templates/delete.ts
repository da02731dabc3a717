import { apiContracts } from '@spot/shared';
import { deleteTemplate } from '../../domain/node-templates';
import { httpHandler } from '../../http/handler';

/** Delete: refused (409, naming them) while a policy or cluster uses the template, or while it is the default. */
export const handler = httpHandler(
  {
    auth: 'user',
    contract: apiContracts['DELETE /api/client/node-templates/{id}'],
    audit: { action: 'node-template.delete', resourceType: 'node-template' },
  },
  async ({ caller, path, audit }) => {
    audit.target = `node-template/${path.id}`;
    const { before } = await deleteTemplate(caller.orgId, path.id);
    audit.before = before;
    return { statusCode: 204 };
  },
);
