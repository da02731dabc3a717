import { apiContracts } from '@spot/shared';
import { listClusters } from '../../domain/clusters';
import { httpHandler } from '../../http/handler';

/** The organization's clusters, paginated (`limit`, `cursor`), filtered by account, region, tag or name. */
export const handler = httpHandler(
  { auth: 'user', contract: apiContracts['GET /api/client/clusters'] },
  async ({ caller, query }) => ({
    body: await listClusters(caller.orgId, query),
  }),
);
