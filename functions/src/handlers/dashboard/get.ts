import { apiContracts } from '@spot/shared';
import { getDashboard } from '../../domain/dashboard';
import { httpHandler } from '../../http/handler';

/** The dashboard of the organization, one account (`accountId`) or one cluster (`clusterId`). */
export const handler = httpHandler(
  { auth: 'user', contract: apiContracts['GET /api/client/dashboard'] },
  async ({ caller, query, now }) => ({
    body: await getDashboard(caller.orgId, query, now),
  }),
);
