import { apiContracts } from '@spot/shared';
import { clusterCompliance } from '../../domain/cluster-detail';
import { httpHandler } from '../../http/handler';

/** The CIS EKS benchmark subset on the cluster's last snapshot (ADR 0052). */
export const handler = httpHandler(
  { auth: 'user', contract: apiContracts['GET /api/client/clusters/{id}/compliance'] },
  async ({ caller, path }) => ({ body: await clusterCompliance(caller.orgId, path.id) }),
);
