import { apiContracts } from '@spot/shared';
import { registrySummaryOf } from '../../domain/cluster-registry';
import { httpHandler } from '../../http/handler';

/** The registry's status bar: clusters, capacity, efficiency grade, run rate and critical alerts. */
export const handler = httpHandler(
  { auth: 'user', contract: apiContracts['GET /api/client/clusters/summary'] },
  async ({ caller, query, now }) => ({ body: await registrySummaryOf(caller.orgId, query, now) }),
);
