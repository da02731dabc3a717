import { type ClusterSnapshot, savings } from '@spot/shared';
import { encodePacking } from '@spot/shared/dashboard/index';
import { estimateBinPacking, type PackingOptions } from '@spot/shared/savings/bin-packing';
import type { ClusterSummary } from '@spot/shared/savings/cluster-summary/index';
import { instanceFamily, type LivePrices, noLivePrices, priceNode } from '@spot/shared/savings/node-pricing';
import { hourOf } from '@spot/shared/savings/rollups';
import { buildSnapshotModel } from '@spot/shared/savings/snapshot-model';
import type { z } from 'zod';
import { accountRegionEntity, accountRegionKey } from '../../data/entities/account-region';
import { clusterEntity, clusterKey } from '../../data/entities/cluster';
import { clusterRollupEntity, clusterRollupsQuery } from '../../data/entities/cluster-rollup';
import { instanceEntity, instancesOfRegionQuery } from '../../data/entities/ec2-instance';
import { hibernationScheduleEntity, hibernationScheduleKey } from '../../data/entities/hibernation-schedule';
import { nodeEntity } from '../../data/entities/node';
import { nodeGroupEntity } from '../../data/entities/node-group';
import { clusterChildrenQuery } from '../../data/entities/partitions';
import { workloadEntity, workloadKeyOf } from '../../data/entities/workload';
import { getItem, queryAll, updateItem, type WriteRequest, where } from '../../data/repository';
import { executePlan } from '../../data/write-plan';
import type { ClusterHourSample } from '../../ports/kubernetes';
import { cardOf } from '../cluster-card';
import { templateOfPolicy } from '../cluster-findings';
import { registryRowText } from '../cluster-registry-row';
import { effectivePolicyOf, summaryPolicyFrom } from '../policy-effective';
import { attachNodesToAsgs } from './asg-nodes';
import {
  type ClusterItem,
  cardAndSeriesFieldsWrite,
  dayOf,
  monthOf,
  monthRollup,
  planSnapshotWrites,
  trimDays,
  type WorkloadDay,
} from './snapshot-plan';

export type { ClusterItem } from './snapshot-plan';
export { usageLookbackDays } from './snapshot-plan';

/** Hours of history a newly discovered cluster is back-filled with. */
export const backfillHours = 30 * 24;
/**
 * Hourly rollups read once an hour: the idle grid (4 weeks), stability (1 week) and the dashboard's
 * Resource Gap series (30 days, from the start of the first 6-hour bucket).
 */
const rollupLookbackHours = 30 * 24 + 6;

/** The live prices discovery fetched for the cluster's region (none yet: the catalog alone). */
export async function livePricesOf(orgId: string, accountId: string, region: string): Promise<LivePrices> {
  const item = await getItem(accountRegionEntity, accountRegionKey(orgId, accountId, region));
  return item
    ? { onDemand: item.onDemandPrices, spot: item.spotPrices, spotHistory: item.spotHistory }
    : noLivePrices;
}

async function timeZoneOf(cluster: ClusterItem): Promise<string> {
  const schedule = await getItem(
    hibernationScheduleEntity,
    hibernationScheduleKey(cluster.orgId, cluster.clusterId),
  );
  return schedule?.timeZone ?? cluster.timeZone;
}

type ClusterRollup = z.infer<typeof clusterRollupEntity.schema>;

export interface ApplyOptions {
  now: Date;
  live?: LivePrices;
  /** Daily usage per workload key from a back-fill, merged where the workload has none yet. */
  seeds?: ReadonlyMap<string, Record<string, WorkloadDay>>;
  /**
   * The hours a back-fill is storing meanwhile: read with the table's rollups as if they were stored
   * already (each replaces the stored one of its hour, as its Put will), so the summary need not wait
   * for hundreds of writes.
   */
  backfilled?: readonly ClusterRollup[];
  packing?: PackingOptions;
  /** Extra fields for the Cluster item (agent state, history, collection). */
  clusterUpdate?: Partial<Pick<ClusterItem, 'agent' | 'history' | 'collection'>>;
}

export interface ApplyResult {
  summary: ClusterSummary;
  nodeCount: number;
  podCount: number;
  monthlyRunRateUsd: number;
  writes: number;
}

/**
 * Applies one snapshot to a cluster's inventory: reads the cluster's items (and, once an hour, its
 * rollups), estimates bin packing, lets `planSnapshotWrites` decide every write and executes the plan.
 * Used by discovery (agentless or sandbox snapshots) and by the ingestion route (agent snapshots) alike.
 */
export async function applySnapshot(
  cluster: ClusterItem,
  snapshot: ClusterSnapshot,
  options: ApplyOptions,
): Promise<ApplyResult> {
  const { orgId, clusterId, accountId } = cluster;
  const now = options.now;
  const live = options.live ?? (await livePricesOf(orgId, accountId, cluster.region));
  const snapshotModel = buildSnapshotModel(snapshot, cluster.region, live);
  const rollupFrom = new Date(Date.parse(hourOf(now)) - rollupLookbackHours * 3_600_000).toISOString();

  // The 4 weeks of rollups are read once an hour; within the hour, what was derived from them is reused.
  const previous = cluster.summary as Partial<ClusterSummary> | null;
  const reuse =
    !options.seeds && previous?.historyWindow?.hour === hourOf(now) && previous.idle !== undefined
      ? { window: previous.historyWindow, idle: previous.idle }
      : null;
  const [nodes, workloads, nodeGroups, rollups, { policy, template }, timeZone, instances] =
    await Promise.all([
      queryAll(nodeEntity, clusterChildrenQuery(orgId, clusterId, 'NODE')),
      queryAll(workloadEntity, clusterChildrenQuery(orgId, clusterId, 'WORKLOAD')),
      queryAll(nodeGroupEntity, clusterChildrenQuery(orgId, clusterId, 'NODEGROUP')),
      reuse
        ? null
        : queryAll(clusterRollupEntity, clusterRollupsQuery(orgId, clusterId, rollupFrom)).then((stored) =>
            options.backfilled ? withBackfilled(stored, options.backfilled, rollupFrom) : stored,
          ),
      // One read of the effective policy: the summary's settings and the node template drift is checked against.
      effectivePolicyOf(orgId, cluster).then(async ({ policy: effective }) => ({
        policy: summaryPolicyFrom(effective),
        template: await templateOfPolicy(orgId, effective),
      })),
      timeZoneOf(cluster),
      // Access pattern 28: which ASG each of the cluster's EC2 instances belongs to (self-managed groups).
      queryAll(instanceEntity, instancesOfRegionQuery(orgId, accountId, cluster.region)),
    ]);
  const asgOfInstance = new Map<string, string>();
  for (const i of instances)
    if (i.autoScalingGroupName && i.clusterName === cluster.name)
      asgOfInstance.set(i.instanceId, i.autoScalingGroupName);
  const model = attachNodesToAsgs(snapshotModel, nodeGroups, asgOfInstance);
  const allowedTypes = new Map(nodeGroups.map((g) => [g.nodeGroupId, g.instanceTypes]));
  const binPacking = await estimateBinPacking(model, live, {
    allowedTypes,
    exemptions: policy.exemptions,
    ...options.packing,
  });
  const plan = planSnapshotWrites({
    cluster,
    snapshot,
    model,
    live,
    nodes,
    workloads,
    nodeGroups,
    rollups,
    reuse,
    policy,
    template,
    timeZone,
    binPacking,
    seeds: options.seeds,
    clusterUpdate: options.clusterUpdate,
    now,
  });
  await executePlan(plan.writes);
  return {
    summary: plan.summary,
    nodeCount: plan.nodeCount,
    podCount: plan.podCount,
    monthlyRunRateUsd: plan.monthlyRunRateUsd,
    writes: plan.writeCount,
  };
}

/**
 * The rollups of the lookback as the table will hold them once a back-fill's Puts have landed: the stored
 * ones, each hour replaced by the back-filled one, in hour order (the order of the Query), each as a read
 * would return it (through the entity's schema, defaults included).
 */
export function withBackfilled(
  stored: readonly ClusterRollup[],
  backfilled: readonly ClusterRollup[],
  fromHourIso: string,
): ClusterRollup[] {
  const byHour = new Map(stored.map((r) => [r.hour, r]));
  for (const r of backfilled)
    if (r.hour >= fromHourIso)
      byHour.set(r.hour, clusterRollupEntity.fromItem(clusterRollupEntity.toItem(r)));
  return [...byHour.values()].sort((a, b) => (a.hour < b.hour ? -1 : a.hour > b.hour ? 1 : 0));
}

/**
 * Sets fields of the Cluster item (never re-creating one that was deleted meanwhile) and refreshes its
 * dashboard card.
 */
export async function updateClusterFields(orgId: string, clusterId: string, fields: Record<string, unknown>) {
  await setClusterFields(orgId, clusterId, fields);
  // A heartbeat (agent state only) changes nothing the dashboard shows: no extra read and write.
  if (Object.keys(fields).some((f) => cardFields.has(f))) await refreshCard(orgId, clusterId);
}

const cardFields = new Set([
  'collection',
  'name',
  'tags',
  'region',
  'kubernetesVersion',
  'timeZone',
  'lastSyncedAt',
  'nodeCount',
  'podCount',
  'monthlyRunRateUsd',
  'summary',
]);

async function setClusterFields(orgId: string, clusterId: string, fields: Record<string, unknown>) {
  if (Object.values(fields).every((v) => v === undefined)) return;
  await updateItem(clusterKey(orgId, clusterId), { set: fields }, { condition: where.itemExists() });
}

/**
 * A collection status set outside a snapshot, e.g. a failed collection: the dashboard card follows it. The
 * card is rebuilt from the Cluster item as it is now; a cluster with no card yet (never read) gets one, so
 * a cluster that cannot be read still shows on the dashboard with its reason. The series item's copy of
 * the bin-packing figures follows the card in the same transaction.
 */
async function refreshCard(orgId: string, clusterId: string) {
  const cluster = await getItem(clusterEntity, clusterKey(orgId, clusterId), true);
  if (!cluster) return;
  const card = cardOf(cluster);
  await executePlan([
    cardAndSeriesFieldsWrite(cluster, card, { packing: encodePacking(card) }, registryRowText(cluster)),
  ]);
}

export interface BackfillPlan {
  hours: number;
  /** Every Put of the history: the hourly ClusterRollups, then the monthly WorkloadRollups. */
  writes: WriteRequest[];
  /** The hourly rollups among them (what `applySnapshot` reads as `backfilled`). */
  rollups: ClusterRollup[];
  /** Daily usage per workload key (the last 14 days), to seed the Workload items. */
  seeds: Map<string, Record<string, WorkloadDay>>;
}

/**
 * The history of a newly discovered cluster, to write: one ClusterRollup per hour (cost from the hour's
 * node mix at today's prices) and one WorkloadRollup per workload per day (p50 / p95 of the hourly means,
 * max of the hourly maxima, peak memory, OOM kills). No I/O: the caller stores `writes` (`batchWrite`).
 */
export function planBackfill(
  cluster: ClusterItem,
  samples: readonly ClusterHourSample[],
  live: LivePrices,
  now: Date,
): BackfillPlan {
  const { orgId, clusterId, accountId } = cluster;
  const writes: WriteRequest[] = [];
  const rollups: ClusterRollup[] = [];
  const priceCache = new Map<string, number>();
  const hourlyPrice = (instanceType: string, capacityType: 'on-demand' | 'spot') => {
    const key = `${instanceType}|${capacityType}`;
    let price = priceCache.get(key);
    if (price === undefined) {
      price = priceNode(live, cluster.region, { instanceType, capacityType, zone: null }).hourlyPriceUsd ?? 0;
      priceCache.set(key, price);
    }
    return price;
  };
  const days = new Map<string, Map<string, { cpu: number[]; cpuMax: number; mem: number; oom: number }>>();
  for (const s of samples) {
    const nodesByCapacityType: Record<string, number> = {};
    const nodesByFamily: Record<string, number> = {};
    let cost = 0;
    for (const n of s.nodes) {
      nodesByCapacityType[n.capacityType] = (nodesByCapacityType[n.capacityType] ?? 0) + n.count;
      const family = instanceFamily(n.instanceType);
      nodesByFamily[family] = (nodesByFamily[family] ?? 0) + n.count;
      cost += hourlyPrice(n.instanceType, n.capacityType) * n.count;
    }
    const rollup: ClusterRollup = {
      orgId,
      clusterId,
      accountId,
      hour: s.hour,
      capacityCpuMilli: s.capacityCpuMilli,
      requestedCpuMilli: s.requestedCpuMilli,
      usedCpuMilli: s.usedCpuMilli,
      capacityMemoryMiB: s.capacityMemoryMiB,
      requestedMemoryMiB: s.requestedMemoryMiB,
      usedMemoryMiB: s.usedMemoryMiB,
      usageKnown: true,
      nodesByCapacityType,
      nodesByFamily,
      hourlyCostUsd: cost,
      podChurn: s.podChurn,
      apiRequestRate: s.apiRequestRate,
      apiLatencyP99Ms: s.apiLatencyP99Ms,
      pressureEvents: s.pressureEvents,
      spotInterruptions: s.spotInterruptions,
      oomKills: s.workloads.reduce((sum, w) => sum + w.oomKills, 0),
      source: 'history',
    };
    rollups.push(rollup);
    writes.push({ put: clusterRollupEntity.toItem(rollup) });
    const day = dayOf(s.hour);
    const perDay = days.get(day) ?? new Map();
    days.set(day, perDay);
    for (const w of s.workloads) {
      const key = workloadKeyOf(w);
      const acc = perDay.get(key) ?? { cpu: [], cpuMax: 0, mem: 0, oom: 0 };
      acc.cpu.push(w.cpuMilli);
      acc.cpuMax = Math.max(acc.cpuMax, w.cpuMaxMilli);
      acc.mem = Math.max(acc.mem, w.memoryPeakMiB);
      acc.oom += w.oomKills;
      perDay.set(key, acc);
    }
  }
  const today = dayOf(now.toISOString());
  const seeds = new Map<string, Record<string, WorkloadDay>>();
  for (const [day, perDay] of days) {
    // Today is still running: its samples start on the Workload item, not as a finished day.
    if (day >= today) continue;
    for (const [key, acc] of perDay) {
      const seed = seeds.get(key) ?? {};
      seed[day] = {
        cpuP50Milli: savings.percentile(acc.cpu, 0.5) ?? 0,
        cpuP95Milli: savings.percentile(acc.cpu, 0.95) ?? 0,
        cpuMaxMilli: acc.cpuMax,
        memoryPeakMiB: acc.mem,
        oomKills: acc.oom,
      };
      seeds.set(key, seed);
    }
  }
  for (const [key, seed] of seeds) {
    for (const month of new Set(Object.keys(seed).map(monthOf))) {
      writes.push({ put: monthRollup({ orgId, clusterId, accountId }, key, month, seed) });
    }
    seeds.set(key, trimDays(seed, today));
  }
  return { hours: samples.length, writes, rollups, seeds };
}
