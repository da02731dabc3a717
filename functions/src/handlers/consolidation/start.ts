import { apiContracts } from '@spot/shared';
import { previewConsolidation } from '../../domain/consolidation-hibernation';
import { startConsolidationRun } from '../../domain/consolidation-run';
import { httpHandler } from '../../http/handler';

/** The cluster's consolidation plan (dry run, nothing written), or the start of a run (audited). */
export const handler = httpHandler(
  {
    auth: 'user',
    contract: apiContracts['POST /api/client/clusters/{id}/consolidation'],
    audit: { action: 'cluster.consolidation', resourceType: 'cluster' },
  },
  async ({ caller, path, body, now, audit }) => {
    audit.target = `cluster/${path.id}`;
    if (body.dryRun) {
      // Audited too (the route writes when it starts a run): a dry run records that the plan was read.
      const plan = await previewConsolidation(caller.orgId, path.id, now);
      audit.after = { dryRun: true, nodes: plan.steps.length, monthlySavingUsd: plan.monthlySavingUsd };
      return { body: plan };
    }
    const run = await startConsolidationRun(caller.orgId, path.id, { email: caller.email }, now);
    Object.assign(audit, { accountId: run.accountId, before: null, after: run.response });
    return { statusCode: 202, body: run.response };
  },
);
