import { apiContracts } from '@spot/shared';
import { getAccount } from '../../domain/accounts';
import { httpHandler } from '../../http/handler';

export const handler = httpHandler(
  { auth: 'user', contract: apiContracts['GET /api/client/accounts/{id}'] },
  async ({ caller, path }) => ({ body: await getAccount(caller.orgId, path.id) }),
);
