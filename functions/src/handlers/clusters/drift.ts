import { apiContracts } from '@spot/shared';
import { clusterDrift } from '../../domain/cluster-detail';
import { httpHandler } from '../../http/handler';

/** Nodes the cluster's node template forbids, who launched them and when (ADR 0052). */
export const handler = httpHandler(
  { auth: 'user', contract: apiContracts['GET /api/client/clusters/{id}/drift'] },
  async ({ caller, path, now }) => ({ body: await clusterDrift(caller.orgId, path.id, now) }),
);
