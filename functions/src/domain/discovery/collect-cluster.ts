import { agentFeedsCluster, DomainError, deniedListsReason } from '@spot/shared';
import { hourOf } from '@spot/shared/savings/rollups';
import { clusterEntity, clusterKey } from '../../data/entities/cluster';
import { batchWrite, getItem } from '../../data/repository';
import { port } from '../../ports';
import type { EksCluster } from '../../ports/cloud';
import { withStoredKubeconfig } from '../cluster-kubeconfig';
import { autoReconcileKarpenterQuietly } from '../karpenter-trigger';
import { runSpotFallbackQuietly } from '../spot-fallback';
import type { DiscoveryInput } from './common';
import { asRetryable, describeFailure } from './errors';
import { markClusterQuietly } from './progress';
import {
  applySnapshot,
  type BackfillPlan,
  backfillHours,
  type ClusterItem,
  livePricesOf,
  planBackfill,
  updateClusterFields,
} from './snapshot';
import { discoveryTarget } from './target';

export interface ClusterOutcome {
  clusterId: string;
  ok: boolean;
  source?: string;
  nodeCount?: number;
  backfilledHours?: number;
  error?: { code: string; message: string };
}

// The rule lives in shared/ (the cluster page says which of the two refreshes a cluster).
export { agentFreshnessMs } from '@spot/shared';

const toEksCluster = (c: ClusterItem): EksCluster => ({
  name: c.name,
  arn: c.arn ?? '',
  kubernetesVersion: c.kubernetesVersion,
  status: c.status,
  endpoint: c.endpoint,
  createdAt: c.createdAt ?? '',
  tags: c.tags,
});

/**
 * The packer's budget for one cluster in discovery. CollectCluster is a task of its own (a 5-minute
 * Lambda, or one of four concurrent Map iterations locally), so it can afford what the packing benchmark
 * gives an instance rather than the 300 ms an ingestion request gets: 1.5 ms per pod, between 0.4 s
 * (small clusters close their gap in well under that; the solver stops early once it has) and 1.5 s
 * (`pack()`'s own default, where a 10,000-pod plan lands within 3 % of its bound warm). Beyond 25,000
 * pods the LP phases would not fit the Lambda's memory and time: heuristics and simple bounds only.
 * Up to 1,000 pods at most 0.75 s more (on 300 pods: gap 4.49 % → 3.70 %; 1.5 s gave 3.63 %) tightens the bound the dashboard's "within X %" reads with the
 * converged LP (ADR 0054); beyond, that LP needs several seconds more than a discovery task should spend
 * before it gains anything (docs/packing.md).
 */
export function discoveryPackingBudget(pods: number): {
  timeLimitMs: number;
  heuristicsOnly: boolean;
  boundBudgetMs: number;
} {
  const timeLimitMs = Math.round(Math.min(1_500, Math.max(400, pods * 1.5)));
  return {
    timeLimitMs,
    heuristicsOnly: pods > 25_000,
    boundBudgetMs: pods <= 1_000 ? Math.min(750, timeLimitMs) : 0,
  };
}

type CollectInput = DiscoveryInput & { runId: string; clusterId: string; region: string };

/**
 * Reads a cluster's Kubernetes side through the KubernetesPort, back-fills 30 days of history the first
 * time (where the source keeps history), and applies the snapshot (inventory, rollups, summary). A
 * cluster that cannot be read is reported on its item and in the result; the run goes on. The run's
 * progress counts the cluster (once, whatever the retries) as soon as its figures are on the dashboard,
 * which for a first collection is before its history is all stored.
 */
export async function collectCluster(input: CollectInput, now: Date): Promise<ClusterOutcome> {
  let counted = false;
  const count = async (status: 'collected' | 'failed') => {
    if (counted) return;
    counted = true;
    await markClusterQuietly(input, status, now);
  };
  const outcome = await collectOnce(input, now, () => count('collected'));
  await count(outcome.ok ? 'collected' : 'failed');
  // The periodic actions ride on this 15-minute task (ADR 0046): it already runs per cluster with the
  // account's credentials, agent-fed or not; both never fail the collection.
  if (outcome.ok) {
    await autoReconcileKarpenterQuietly(input.orgId, input.clusterId, now);
    await runSpotFallbackQuietly(input.orgId, input.clusterId, now);
  }
  return outcome;
}

async function collectOnce(
  input: CollectInput,
  now: Date,
  figuresIn: () => Promise<void>,
): Promise<ClusterOutcome> {
  const cluster = await getItem(clusterEntity, clusterKey(input.orgId, input.clusterId), true);
  if (!cluster)
    return {
      clusterId: input.clusterId,
      ok: false,
      error: { code: 'NOT_FOUND', message: 'The cluster is gone.' },
    };
  if (agentFeedsCluster(cluster.agent.lastSnapshotAt, now)) {
    return { clusterId: cluster.clusterId, ok: true, source: 'agent', nodeCount: cluster.nodeCount };
  }
  const kubernetes = port('kubernetes');
  try {
    // A cluster registered by kubeconfig is read with that file's credential (ADR 0059), still sealed here.
    const eks = await withStoredKubeconfig(input.orgId, cluster.clusterId, toEksCluster(cluster));
    const target = await discoveryTarget(input.orgId, input.accountId, cluster.region);
    const snapshot = await kubernetes.collectSnapshot(target, eks);
    const live = await livePricesOf(cluster.orgId, cluster.accountId, cluster.region);
    let history = cluster.history;
    let backfill: BackfillPlan | undefined;
    if (!history) {
      const to = new Date(hourOf(now));
      const from = new Date(to.getTime() - backfillHours * 3_600_000);
      const samples = await kubernetes.history(target, eks, from, to);
      if (samples && samples.length > 0) {
        backfill = planBackfill(cluster, samples, live, now);
        history = { at: now.toISOString(), status: 'done', hours: backfill.hours };
      } else {
        history = { at: now.toISOString(), status: 'unavailable', hours: 0 };
      }
    }
    // The back-fill's Puts (about 750 for a small cluster, the bulk of a first collection's writes) are
    // stored while the snapshot is applied with their hours in memory: the summary is the one the stored
    // history gives, and the card is on the dashboard before the history is all written. The Cluster item
    // says the history is done only once it is, so a collection that fails meanwhile back-fills again.
    const storing = backfill ? batchWrite(backfill.writes) : Promise.resolve();
    storing.catch(() => undefined); // awaited below; never an unhandled rejection while the apply runs
    const applied = await applySnapshot(cluster, snapshot, {
      now,
      live,
      packing: discoveryPackingBudget(snapshot.pods.length),
      ...(backfill ? { seeds: backfill.seeds, backfilled: backfill.rollups } : {}),
      clusterUpdate: {
        ...(backfill ? {} : { history }),
        // Read, but a list refused by the cluster's RBAC is named rather than silently left out (ADR 0070).
        collection: {
          status: 'ok',
          reason: deniedListsReason(snapshot.deniedLists),
          source: snapshot.source,
          lastAttemptAt: now.toISOString(),
        },
      },
    });
    await figuresIn();
    await storing;
    if (backfill) await updateClusterFields(cluster.orgId, cluster.clusterId, { history });
    return {
      clusterId: cluster.clusterId,
      ok: true,
      source: snapshot.source,
      nodeCount: applied.nodeCount,
      backfilledHours: history.status === 'done' && !cluster.history ? history.hours : 0,
    };
  } catch (error) {
    const retryable = asRetryable(error);
    if (retryable !== error) throw retryable;
    if (!(error instanceof DomainError)) throw error;
    const failure = describeFailure(error);
    await updateClusterFields(cluster.orgId, cluster.clusterId, {
      collection: {
        status: 'error',
        reason: failure.message,
        source: cluster.collection.source,
        lastAttemptAt: now.toISOString(),
      },
    });
    return { clusterId: cluster.clusterId, ok: false, error: failure };
  }
}
