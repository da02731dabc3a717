import { isDomainError, NotFoundError } from '@spot/shared';
import { clusterEntity, clustersOfAccountQuery, clustersOfOrgQuery } from '../data/entities/cluster';
import type { PolicyScope } from '../data/entities/cluster-policy';
import { consolidationRunEntity, consolidationRunKey } from '../data/entities/consolidation-run';
import { getItem, queryAll } from '../data/repository';
import { port } from '../ports';
import { appendAudit } from './audit';
import { loadCluster } from './clusters';
import { hibernationBlockOf } from './consolidation-hibernation';
import { startConsolidationRun } from './consolidation-run';
import { maintenanceOf } from './maintenance';
import { effectivePolicyOf } from './policy-effective';

/**
 * Scheduled consolidation (issue 14, ADR 0044). A cluster whose effective policy has
 * `infrastructure.binPacking.automationEnabled` has an EventBridge Scheduler schedule
 * (`consolidation-<clusterId>`, hourly) that starts the `consolidation-schedule` workflow; its one task
 * ({@link runScheduledConsolidation}) checks the policy, maintenance mode, hibernation and a run in flight
 * right before it starts a run, and audits a skip with the reason (actor `system: optimizer`). Saving a policy at any level
 * re-arms the schedules of the clusters it covers ({@link syncConsolidationSchedules}).
 */

export const consolidationScheduleName = (clusterId: string) => `consolidation-${clusterId}`;
/** Often enough to keep up with the day's load changes; each run drains at most 90 nodes. */
export const consolidationScheduleExpression = 'rate(1 hour)';
const periodMs = 3600_000;
const optimizer = { actorType: 'system', actorId: null, actorName: 'system: optimizer' } as const;

/** Arms or removes one cluster's schedule as its effective policy says; answers whether it is armed. */
export async function syncConsolidationSchedule(
  orgId: string,
  cluster: { clusterId: string; accountId: string },
  now: Date,
): Promise<boolean> {
  const { policy } = await effectivePolicyOf(orgId, cluster);
  const scheduler = port('scheduler');
  const name = consolidationScheduleName(cluster.clusterId);
  if (!policy.infrastructure.binPacking.automationEnabled) {
    await scheduler.deleteSchedule(name);
    return false;
  }
  await scheduler.upsertSchedule({
    name,
    expression: consolidationScheduleExpression,
    timeZone: 'UTC',
    target: { workflow: 'consolidation-schedule', input: { orgId, clusterId: cluster.clusterId } },
    // The first run one period from now: a person switching automation on has just seen the preview and
    // can start one at once with Start.
    startAt: new Date(now.getTime() + periodMs),
  });
  return true;
}

/** After a policy save: the schedules of every cluster the saved level covers. */
export async function syncConsolidationSchedules(orgId: string, scope: PolicyScope, now: Date) {
  const clusters =
    scope.level === 'cluster'
      ? [await loadCluster(orgId, scope.id)]
      : await queryAll(
          clusterEntity,
          scope.level === 'account' ? clustersOfAccountQuery(orgId, scope.id) : clustersOfOrgQuery(orgId),
        );
  for (const c of clusters) await syncConsolidationSchedule(orgId, c, now);
}

export type ScheduledConsolidation =
  | { started: true; runId: string }
  | {
      started: false;
      skipped:
        | 'automation-off'
        | 'maintenance'
        | 'hibernating'
        | 'run-in-flight'
        | 'refused'
        | 'cluster-gone';
      reason: string;
    };

/**
 * The schedule fired: start a run unless the policy, maintenance mode, hibernation (asleep or
 * mid-transition) or a run in flight says no.
 */
export async function runScheduledConsolidation(
  orgId: string,
  clusterId: string,
  now: Date,
): Promise<ScheduledConsolidation> {
  let cluster: Awaited<ReturnType<typeof loadCluster>>;
  try {
    cluster = await loadCluster(orgId, clusterId);
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error;
    await port('scheduler').deleteSchedule(consolidationScheduleName(clusterId));
    return { started: false, skipped: 'cluster-gone', reason: 'The cluster no longer exists.' };
  }
  const skip = async (
    skipped: Exclude<ScheduledConsolidation, { started: true }>['skipped'],
    reason: string,
  ): Promise<ScheduledConsolidation> => {
    await appendAudit(
      orgId,
      {
        ...optimizer,
        action: 'consolidation.scheduled.skip',
        resourceType: 'cluster',
        target: `cluster/${clusterId}`,
        accountId: cluster.accountId,
        outcome: 'denied',
        before: null,
        after: { skipped, reason },
        sourceIp: null,
        userAgent: null,
        requestId: null,
      },
      now,
    );
    return { started: false, skipped, reason };
  };
  const { policy } = await effectivePolicyOf(orgId, cluster);
  if (!policy.infrastructure.binPacking.automationEnabled) {
    // The policy changed since the schedule was armed: it goes until automation is on again.
    await port('scheduler').deleteSchedule(consolidationScheduleName(clusterId));
    return skip('automation-off', 'Consolidation automation is off in the effective policy.');
  }
  const maintenance = await maintenanceOf(orgId, clusterId, true);
  if (maintenance.enabled) {
    return skip(
      'maintenance',
      `The cluster is in maintenance mode (since ${maintenance.since ?? 'now'}${maintenance.by ? `, by ${maintenance.by}` : ''}).`,
    );
  }
  // The schedule stays armed: the next firing after the wake runs.
  const hibernation = await hibernationBlockOf(orgId, clusterId, now);
  if (hibernation) return skip('hibernating', hibernation.message);
  const current = await getItem(consolidationRunEntity, consolidationRunKey(orgId, clusterId), true);
  if (current?.state === 'running') {
    return skip('run-in-flight', `Run ${current.runId} is still in progress.`);
  }
  try {
    const run = await startConsolidationRun(orgId, clusterId, { email: optimizer.actorName }, now);
    await appendAudit(
      orgId,
      {
        ...optimizer,
        action: 'consolidation.run.start',
        resourceType: 'cluster',
        target: `cluster/${clusterId}`,
        accountId: cluster.accountId,
        outcome: 'success',
        before: null,
        after: { scheduled: true, ...run.response },
        sourceIp: null,
        userAgent: null,
        requestId: null,
      },
      now,
    );
    return { started: true, runId: run.response.runId };
  } catch (error) {
    // Nothing to remove, the agent offline, a start racing another: a skip with the reason, not a failure.
    if (!isDomainError(error)) throw error;
    return skip(error.code === 'CONSOLIDATION_RUNNING' ? 'run-in-flight' : 'refused', error.message);
  }
}
