import { apiContracts } from '@spot/shared';
import { karpenterStateOf } from '../../domain/karpenter';
import { httpHandler } from '../../http/handler';

/** The cluster's Karpenter objects: desired vs live, drift, the plan and the last reconcile (ADR 0042). */
export const handler = httpHandler(
  { auth: 'user', contract: apiContracts['GET /api/client/clusters/{id}/karpenter'] },
  async ({ caller, path }) => ({ body: await karpenterStateOf(caller.orgId, path.id) }),
);
