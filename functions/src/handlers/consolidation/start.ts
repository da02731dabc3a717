import { apiContracts } from '@spot/shared';
import { planClusterConsolidation, startClusterConsolidation } from '../../domain/consolidation';
import { httpHandler } from '../../http/handler';

/** The cluster's consolidation plan (dry run, nothing written), or the start of a run. */
export const handler = httpHandler(
  { auth: 'user', contract: apiContracts['POST /api/client/clusters/{id}/consolidation'] },
  async ({ caller, path, body, now }) => ({
    body: body.dryRun
      ? await planClusterConsolidation(caller.orgId, path.id, now)
      : await startClusterConsolidation(caller.orgId, path.id),
  }),
);
