import { causeMessage, type DiscoveryInput } from './common';
import type { RegionOutcome } from './discover-region';
import { DiscoveryError } from './errors';
import { planProgress } from './progress';

export interface RegionFailure {
  region: string;
  ok: false;
  error?: { Error?: string; Cause?: string };
}
export type RegionResult = RegionOutcome | RegionFailure;

/** One item of the collection Maps: ids only. */
export interface PlannedCluster {
  clusterId: string;
  region: string;
}

/**
 * The order clusters are collected in. `first`: the smallest cluster (fewest nodes), alone, so the first
 * figures reach the dashboard as soon as one cluster can be read; a cluster collected beside three
 * others shares the table's write rate with them and finishes about when they do. `rest`: the others,
 * largest first, so the longest collections start early and the Map does not end waiting on one big
 * cluster started last. Ties by cluster id, so a plan is reproducible.
 */
export function collectionOrder(clusters: readonly (PlannedCluster & { nodeCount: number })[]): {
  first: PlannedCluster[];
  rest: PlannedCluster[];
} {
  const bySize = [...clusters].sort(
    (a, b) => a.nodeCount - b.nodeCount || a.clusterId.localeCompare(b.clusterId),
  );
  const ids = ({ clusterId, region }: PlannedCluster) => ({ clusterId, region });
  const [smallest, ...others] = bySize;
  return {
    first: smallest ? [ids(smallest)] : [],
    rest: others.reverse().map(ids),
  };
}

/**
 * Every cluster of the regions that were read, in collection order, published as the run's `pending`
 * clusters. Fails the run when not a single region could be read.
 */
export async function planCollection(
  input: DiscoveryInput & { runId: string; regionResults: RegionResult[] },
  now: Date,
) {
  const ok = input.regionResults.filter((r): r is RegionOutcome => r.ok);
  const failed = input.regionResults.filter((r): r is RegionFailure => !r.ok);
  if (ok.length === 0 && failed.length > 0) {
    const first = failed[0] as RegionFailure;
    throw new DiscoveryError(
      'DISCOVERY_NO_REGION_SUCCEEDED',
      `No region could be read (${failed.length} failed; ${first.region}: ${causeMessage(first.error)})`,
    );
  }
  const order = collectionOrder(
    ok.flatMap((r) =>
      r.clusters.map((c) => ({ clusterId: c.clusterId, region: r.region, nodeCount: c.nodeCount })),
    ),
  );
  await planProgress(
    input,
    [...order.first, ...order.rest].map((c) => c.clusterId),
    now,
  );
  return {
    ...order,
    regionsRead: ok.length,
    regionsFailed: failed.map((f) => f.region),
  };
}
