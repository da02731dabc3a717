import { apiContracts } from '@spot/shared';
import { listTemplates } from '../../domain/node-templates';
import { httpHandler } from '../../http/handler';

/** The organization's node templates, the default first, filtered by `search` in the name. */
export const handler = httpHandler(
  { auth: 'user', contract: apiContracts['GET /api/client/node-templates'] },
  async ({ caller, query }) => ({ body: { items: await listTemplates(caller.orgId, query.search) } }),
);
