import { apiContracts } from '@spot/shared';
import { listClusterActions } from '../../domain/consolidation';
import { httpHandler } from '../../http/handler';

/** The optimizer's actions on the cluster: in flight first, then done, newest first. */
export const handler = httpHandler(
  { auth: 'user', contract: apiContracts['GET /api/client/clusters/{id}/actions'] },
  async ({ caller, path, query }) => ({
    body: await listClusterActions(caller.orgId, path.id, query),
  }),
);
