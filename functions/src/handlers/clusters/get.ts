import { apiContracts } from '@spot/shared';
import { getCluster } from '../../domain/clusters';
import { httpHandler } from '../../http/handler';

/** One cluster: summary, node groups, nodes, workloads and its alert feed. */
export const handler = httpHandler(
  { auth: 'user', contract: apiContracts['GET /api/client/clusters/{id}'] },
  async ({ caller, path, now }) => ({ body: await getCluster(caller.orgId, path.id, now) }),
);
