import { apiContracts } from '@spot/shared';
import { getTemplate } from '../../domain/node-templates';
import { httpHandler } from '../../http/handler';

export const handler = httpHandler(
  { auth: 'user', contract: apiContracts['GET /api/client/node-templates/{id}'] },
  async ({ caller, path }) => ({ body: await getTemplate(caller.orgId, path.id) }),
);
