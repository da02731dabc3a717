import { apiContracts } from '@spot/shared';
import { clusterSyncState } from '../../domain/cluster-sync';
import { httpHandler } from '../../http/handler';

/** Whether the snapshot Sync Now asked the cluster's agent for has arrived (the page follows it). */
export const handler = httpHandler(
  { auth: 'user', contract: apiContracts['GET /api/client/clusters/{id}/sync'] },
  async ({ caller, path, now }) => ({ body: await clusterSyncState(caller.orgId, path.id, now) }),
);
