import type { ScanProgress } from '@spot/shared';
import type { z } from 'zod';
import {
  type ClusterProgressStatus,
  discoveryProgressEntity,
  discoveryProgressKey,
} from '../../data/entities/discovery-progress';
import { getItem, isConditionalCheckFailed, putItem, updateItem, where } from '../../data/repository';
import { errorFields, logger } from '../../lib/logger';
import type { DiscoveryInput } from './common';

/**
 * The progress of a discovery run, published as it goes so that people waiting for a first scan see
 * clusters arrive one by one ("Scanning: 5 of 12 clusters collected"):
 *
 *   LoadAccount        starts the run's record (clusters not known yet)
 *   PlanCollection     every cluster found, `pending`
 *   CollectCluster     its cluster `collected` or `failed`, counted once
 *   CompleteDiscovery  what no step marked (a cluster whose iteration failed outright) `failed`; done
 *
 * Every update is conditioned on the run: a step of an older run still going (a Re-Sync started a new
 * one) changes nothing. A cluster is counted by the update that moves it from `pending`, so a retried
 * step (a Lambda that timed out after its write) never counts it twice: collected + failed <= found.
 */

export type DiscoveryProgress = z.infer<typeof discoveryProgressEntity.schema>;
type RunInput = DiscoveryInput & { runId: string };

/** LoadAccount: the run's record, replacing the previous run's. */
export async function startProgress(input: RunInput, now: Date): Promise<void> {
  const at = now.toISOString();
  await putItem(discoveryProgressEntity, {
    orgId: input.orgId,
    accountId: input.accountId,
    runId: input.runId,
    startedAt: at,
    updatedAt: at,
    completedAt: null,
    clustersFound: null,
    clustersCollected: 0,
    clustersFailed: 0,
    clusters: {},
  });
}

/** Runs `write` unless the run is no longer the account's latest (its condition failed): then false. */
async function ifCurrentRun(write: () => Promise<unknown>): Promise<boolean> {
  try {
    await write();
    return true;
  } catch (error) {
    if (isConditionalCheckFailed(error)) return false;
    throw error;
  }
}

/** PlanCollection: the clusters the regions hold, all `pending`. */
export function planProgress(input: RunInput, clusterIds: readonly string[], now: Date): Promise<boolean> {
  return ifCurrentRun(() =>
    updateItem(
      discoveryProgressKey(input.orgId, input.accountId),
      {
        set: {
          clustersFound: clusterIds.length,
          clusters: Object.fromEntries(clusterIds.map((id) => [id, 'pending'])),
          updatedAt: now.toISOString(),
        },
      },
      { condition: where.eq('runId', input.runId) },
    ),
  );
}

/**
 * One cluster of the run is done: `collected` (its figures are in) or `failed`. True when this call
 * counted it; false when it was counted before (a retried step) or the run is not the latest.
 */
export function markCluster(
  input: RunInput & { clusterId: string },
  status: Exclude<ClusterProgressStatus, 'pending'>,
  now: Date,
): Promise<boolean> {
  return ifCurrentRun(() =>
    updateItem(
      discoveryProgressKey(input.orgId, input.accountId),
      {
        setPaths: [{ path: ['clusters', input.clusterId], value: status }],
        set: { updatedAt: now.toISOString() },
        add: { [status === 'collected' ? 'clustersCollected' : 'clustersFailed']: 1 },
      },
      {
        condition: where.and(
          where.eq('runId', input.runId),
          where.eq(['clusters', input.clusterId], 'pending'),
        ),
      },
    ),
  );
}

/**
 * CollectCluster's mark. Progress is what people watch, not what the run depends on: a failed write is
 * logged and left to CompleteDiscovery, which marks whatever is still pending, rather than failing (and
 * repeating) a whole collection.
 */
export async function markClusterQuietly(
  input: RunInput & { clusterId: string },
  status: Exclude<ClusterProgressStatus, 'pending'>,
  now: Date,
): Promise<void> {
  try {
    await markCluster(input, status, now);
  } catch (error) {
    logger.warn('discovery progress not recorded', { clusterId: input.clusterId, ...errorFields(error) });
  }
}

/**
 * CompleteDiscovery: each cluster still `pending` takes its result (`ok` or not; a cluster with no
 * result failed), then the run is complete.
 */
export async function completeProgress(
  input: RunInput,
  results: readonly { clusterId: string; ok: boolean }[],
  now: Date,
): Promise<void> {
  const progress = await getItem(
    discoveryProgressEntity,
    discoveryProgressKey(input.orgId, input.accountId),
    true,
  );
  if (!progress || progress.runId !== input.runId) return;
  const ok = new Map(results.map((r) => [r.clusterId, r.ok]));
  for (const [clusterId, status] of Object.entries(progress.clusters)) {
    if (status !== 'pending') continue;
    await markCluster({ ...input, clusterId }, ok.get(clusterId) ? 'collected' : 'failed', now);
  }
  await ifCurrentRun(() =>
    updateItem(
      discoveryProgressKey(input.orgId, input.accountId),
      { set: { completedAt: now.toISOString(), updatedAt: now.toISOString() } },
      { condition: where.eq('runId', input.runId) },
    ),
  );
}

/**
 * What the API shows of a run: its counts while the account is `scanning` and the run not complete
 * (a Re-Sync whose run has not started yet still holds the last, complete one: nothing to show yet,
 * the clusters are being looked for); `null` otherwise, including the quiet scheduled re-syncs of an
 * `active` account.
 */
export function scanProgressOf(
  status: string,
  progress: Pick<
    DiscoveryProgress,
    'completedAt' | 'clustersFound' | 'clustersCollected' | 'clustersFailed'
  > | null,
): ScanProgress | null {
  if (status !== 'scanning') return null;
  if (!progress || progress.completedAt !== null)
    return { clustersFound: null, clustersCollected: 0, clustersFailed: 0 };
  return {
    clustersFound: progress.clustersFound,
    clustersCollected: progress.clustersCollected,
    clustersFailed: progress.clustersFailed,
  };
}
