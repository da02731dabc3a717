import { apiContracts } from '@spot/shared';
import { clusterBudget } from '../../domain/cluster-budget';
import { httpHandler } from '../../http/handler';

/** The cluster's monthly budget and its cost burndown for the current month (ADR 0052). */
export const handler = httpHandler(
  { auth: 'user', contract: apiContracts['GET /api/client/clusters/{id}/budget'] },
  async ({ caller, path, now }) => ({ body: await clusterBudget(caller.orgId, path.id, now) }),
);
