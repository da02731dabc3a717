import { apiContracts } from '@spot/shared';
import { listAccounts } from '../../domain/accounts';
import { httpHandler } from '../../http/handler';

export const handler = httpHandler(
  { auth: 'user', contract: apiContracts['GET /api/client/accounts'] },
  async ({ caller }) => ({ body: { items: await listAccounts(caller.orgId) } }),
);
