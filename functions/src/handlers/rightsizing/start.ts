import { apiContracts } from '@spot/shared';
import { planClusterWorkloadPatches, startRightsizingRun } from '../../domain/rightsizing-run';
import { httpHandler } from '../../http/handler';

/** The cluster's workload patches (dry run, nothing written), or the start of a run (audited). */
export const handler = httpHandler(
  {
    auth: 'user',
    contract: apiContracts['POST /api/client/clusters/{id}/rightsizing'],
    audit: { action: 'cluster.rightsizing', resourceType: 'cluster' },
  },
  async ({ caller, path, body, now, audit }) => {
    audit.target = `cluster/${path.id}`;
    if (body.dryRun) {
      const plan = await planClusterWorkloadPatches(caller.orgId, path.id, now);
      audit.after = { dryRun: true, workloads: plan.patches.length, monthlySavingUsd: plan.monthlySavingUsd };
      return { body: plan };
    }
    const run = await startRightsizingRun(caller.orgId, path.id, { email: caller.email }, now);
    Object.assign(audit, { accountId: run.accountId, before: null, after: run.response });
    return { statusCode: 202, body: run.response };
  },
);
