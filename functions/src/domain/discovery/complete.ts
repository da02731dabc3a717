import { accountRegionEntity, accountRegionKey } from '../../data/entities/account-region';
import { batchWrite, getItem } from '../../data/repository';
import { errorFields, logger } from '../../lib/logger';
import { port } from '../../ports';
import { discoveryScheduleName } from '../accounts';
import { completeDashboardDigests } from '../dashboard-digests-backfill';
import {
  causeMessage,
  type DiscoveryInput,
  discoverySyncExpression,
  discoverySyncPeriodMs,
  setStatusAudited,
  truncate,
} from './common';
import type { RegionFailure, RegionResult } from './plan-collection';
import { completeProgress } from './progress';

/** A CollectCluster outcome, or the ClusterFailed Pass state's `{ clusterId, ok: false, error }`. */
export interface ClusterResult {
  clusterId: string;
  ok: boolean;
  error?: { code: string; message: string } | { Error?: string; Cause?: string };
}

const messageOf = (r: { error?: unknown }) => {
  const e = r.error as { message?: string; Error?: string; Cause?: string } | undefined;
  return e?.message ?? causeMessage(e as { Error?: string; Cause?: string } | undefined);
};

/**
 * The account becomes `active` (with a reason naming what could not be read, if anything), the failed
 * regions are recorded, the run's progress is completed, the periodic re-sync is (re)armed every 15
 * minutes, and the run is audited. The cluster results are those of both collection Maps (the first
 * cluster, then the rest).
 */
export async function completeDiscovery(
  input: DiscoveryInput & {
    runId: string;
    regionResults: RegionResult[];
    firstClusterResults: ClusterResult[];
    clusterResults: ClusterResult[];
  },
  now: Date,
) {
  const clusterResults = [...input.firstClusterResults, ...input.clusterResults];
  const failedRegions = input.regionResults.filter((r): r is RegionFailure => !r.ok);
  const failedClusters = clusterResults.filter((r) => !r.ok);
  for (const f of failedRegions) {
    const previous = await getItem(
      accountRegionEntity,
      accountRegionKey(input.orgId, input.accountId, f.region),
    );
    await batchWrite([
      {
        put: accountRegionEntity.toItem({
          ...(previous ?? {
            orgId: input.orgId,
            accountId: input.accountId,
            region: f.region,
            instanceCount: 0,
            runningInstanceCount: 0,
            autoScalingGroupCount: 0,
            clusterCount: 0,
            monthlyRunRateUsd: 0,
            onDemandPrices: {},
            spotPrices: {},
            spotHistory: {},
            pricesError: null,
          }),
          ok: false,
          error: { code: f.error?.Error ?? 'UNKNOWN', message: causeMessage(f.error) },
          discoveredAt: now.toISOString(),
          runId: input.runId,
        }),
      },
    ]);
  }
  const problems = [
    ...failedRegions.map((r) => `region ${r.region}: ${causeMessage(r.error)}`),
    ...failedClusters.map((c) => `cluster ${c.clusterId}: ${messageOf(c)}`),
  ];
  const reason = problems.length
    ? truncate(`Discovered with gaps (${problems.length}): ${problems.join('; ')}`, 900)
    : null;
  const regionsRead = input.regionResults.filter((r) => r.ok).length;
  await setStatusAudited(input, 'active', reason, now, {
    action: 'discovery.completed',
    outcome: 'success',
    after: {
      regionsRead,
      regionsFailed: failedRegions.map((r) => r.region),
      clusters: clusterResults.length,
      clustersFailed: failedClusters.length,
    },
  });
  try {
    // After the status (a `scanning` account whose run reads complete would show "looking for clusters"
    // for a moment); the run's final counts are for the record, so a failure here fails nothing.
    await completeProgress(input, clusterResults, now);
  } catch (error) {
    logger.warn('discovery progress not completed', { accountId: input.accountId, ...errorFields(error) });
  }
  try {
    await port('scheduler').upsertSchedule({
      name: discoveryScheduleName(input.accountId),
      expression: discoverySyncExpression,
      timeZone: 'UTC',
      target: { workflow: 'discovery', input: { orgId: input.orgId, accountId: input.accountId } },
      // The account was just discovered: the next run is one period from now, not at once (a rate()
      // schedule without a start fires immediately, which ran every first discovery twice).
      startAt: new Date(now.getTime() + discoverySyncPeriodMs),
    });
  } catch (error) {
    // The inventory is fresh and Re-Sync works: a missing schedule is an operational alarm, not a failure.
    logger.error('periodic discovery not scheduled', { accountId: input.accountId, ...errorFields(error) });
  }
  try {
    // Once per organization: the cards written before dashboard digests existed get theirs, so the fleet
    // dashboard can read the digests (ADR 0062); until then it reads the cards, nothing is wrong meanwhile.
    // Last: before the periodic schedule it widened the moment, after the account turns active, in which
    // a stack stopped lost that schedule (the restart test's stops and kills caught it).
    await completeDashboardDigests(input.orgId);
  } catch (error) {
    logger.warn('dashboard digests not completed', { orgId: input.orgId, ...errorFields(error) });
  }
  return { status: 'active' as const, reason, regionsRead, clusters: clusterResults.length };
}
