import { type ClusterSnapshot, canonicalJson, savings } from '@spot/shared';
import {
  buildSeriesAttributes,
  encodeLatest,
  encodePacking,
  hourPointOf,
} from '@spot/shared/dashboard/index';
import { z } from 'zod';
import { accountRegionEntity, accountRegionKey } from '../data/entities/account-region';
import { clusterEntity, clusterKey } from '../data/entities/cluster';
import { clusterCardEntity } from '../data/entities/cluster-card';
import { policyEntity, policyKey } from '../data/entities/cluster-policy';
import { clusterRollupEntity, clusterRollupKey, clusterRollupsQuery } from '../data/entities/cluster-rollup';
import { clusterSeriesEntity, clusterSeriesKey } from '../data/entities/cluster-series';
import { hibernationScheduleEntity, hibernationScheduleKey } from '../data/entities/hibernation-schedule';
import { clusterChildrenQuery } from '../data/entities/inventory-partitions';
import { nodeEntity } from '../data/entities/node';
import { nodeGroupEntity } from '../data/entities/node-group';
import { workloadEntity, workloadKeyOf } from '../data/entities/workload';
import { workloadRollupEntity } from '../data/entities/workload-rollup';
import {
  attributesOf,
  batchWrite,
  cancelledConditions,
  getItem,
  keyOfItem,
  queryAll,
  transactCheck,
  transactPut,
  transactUpdate,
  transactWrite,
  updateItem,
  type WriteRequest,
  where,
} from '../data/repository';
import type { ClusterHourSample } from '../ports/kubernetes';
import { cardOf } from './cluster-card';
import { estimateBinPacking, type PackingOptions } from './clusters-packing';
import {
  type ClusterSummary,
  computeClusterSummary,
  defaultSummaryPolicy,
  type SummaryPolicy,
  type WorkloadUsage,
} from './clusters-summary';
import { instanceFamily, type LivePrices, noLivePrices, priceNode } from './inventory-pricing';
import { buildSnapshotModel, hourOf, hourRollupOf, type ModelWorkload } from './inventory-snapshot';

export type ClusterItem = z.infer<typeof clusterEntity.schema>;
type WorkloadItem = z.infer<typeof workloadEntity.schema>;
type NodeGroupItem = z.infer<typeof nodeGroupEntity.schema>;
type WorkloadDay = WorkloadItem['dailyUsage'][string];

/** Days of per-workload usage rightsizing reads (the Workload item keeps at least these). */
export const usageLookbackDays = 14;
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

const policyDocumentSchema = z
  .object({
    exemptions: savings.exemptionPolicySchema.optional(),
    rightsizing: savings.rightsizingPolicySchema.partial().optional(),
  })
  .loose();

/** The cluster policy's exemptions and rightsizing settings; the defaults where it has none. */
async function summaryPolicyOf(orgId: string, clusterId: string): Promise<SummaryPolicy> {
  const policy = await getItem(policyEntity, policyKey(orgId, clusterId));
  const parsed = policyDocumentSchema.safeParse(policy?.document ?? {});
  if (!parsed.success) return defaultSummaryPolicy;
  return {
    exemptions: parsed.data.exemptions ?? defaultSummaryPolicy.exemptions,
    rightsizing: savings.rightsizingPolicySchema.parse(parsed.data.rightsizing ?? {}),
  };
}

async function timeZoneOf(cluster: ClusterItem): Promise<string> {
  const schedule = await getItem(
    hibernationScheduleEntity,
    hibernationScheduleKey(cluster.orgId, cluster.clusterId),
  );
  return schedule?.timeZone ?? cluster.timeZone;
}

const dayOf = (iso: string) => iso.slice(0, 10);
const hourKeyOf = (iso: string) => iso.slice(11, 13);
const unchanged = (a: Record<string, unknown>, b: Record<string, unknown>) =>
  canonicalJson(a) === canonicalJson(b);

function dayFigures(today: NonNullable<WorkloadItem['today']>): WorkloadDay {
  const cpu = Object.values(today.cpuByHourMilli);
  return {
    cpuP50Milli: savings.percentile(cpu, 0.5) ?? 0,
    cpuP95Milli: savings.percentile(cpu, 0.95) ?? 0,
    cpuMaxMilli: Math.max(today.cpuMaxMilli, savings.maxOf(cpu) ?? 0),
    memoryPeakMiB: today.memoryPeakMiB,
    oomKills: Object.values(today.oomByHour).reduce((s, v) => s + v, 0),
  };
}

const lookbackStart = (today: string) =>
  new Date(Date.parse(`${today}T00:00:00Z`) - usageLookbackDays * 86_400_000).toISOString().slice(0, 10);
const monthOf = (day: string) => day.slice(0, 7);

/**
 * The finished days a Workload item keeps: those of the current month (so its month item can be rewritten
 * whole) and at least the `usageLookbackDays` before `today`.
 */
function trimDays(days: Record<string, WorkloadDay>, today: string): Record<string, WorkloadDay> {
  const lookback = lookbackStart(today);
  const monthStart = `${monthOf(today)}-01`;
  const oldest = lookback < monthStart ? lookback : monthStart;
  return Object.fromEntries(Object.entries(days).filter(([d]) => d >= oldest && d < today));
}

/** The WorkloadRollup item of `month`, with the days of that month found in `days`. */
function monthRollup(
  ids: { orgId: string; clusterId: string; accountId: string },
  workloadKey: string,
  month: string,
  days: Record<string, WorkloadDay>,
) {
  return workloadRollupEntity.toItem({
    ...ids,
    workloadKey,
    month,
    days: Object.fromEntries(Object.entries(days).filter(([d]) => monthOf(d) === month)),
  });
}

export interface ApplyOptions {
  now: Date;
  live?: LivePrices;
  /** Daily usage per workload key from a back-fill, merged where the workload has none yet. */
  seeds?: ReadonlyMap<string, Record<string, WorkloadDay>>;
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
 * Applies one snapshot to a cluster's inventory: nodes, workloads and node groups (changed items written,
 * vanished ones deleted), the hour's rollup, each workload's daily usage (a finished day is flushed to a
 * WorkloadRollup item), then the summary on the Cluster item. Used by discovery (agentless or sandbox
 * snapshots) and by the ingestion route (agent snapshots) alike.
 */
export async function applySnapshot(
  cluster: ClusterItem,
  snapshot: ClusterSnapshot,
  options: ApplyOptions,
): Promise<ApplyResult> {
  const { orgId, clusterId, accountId } = cluster;
  const now = options.now;
  const live = options.live ?? (await livePricesOf(orgId, accountId, cluster.region));
  const model = buildSnapshotModel(snapshot, cluster.region, live);
  const hour = hourOf(snapshot.capturedAt);
  const day = dayOf(hour);
  const hourKey = hourKeyOf(hour);
  const rollupFrom = new Date(Date.parse(hourOf(now)) - rollupLookbackHours * 3_600_000).toISOString();

  // The 4 weeks of rollups are read once an hour; within the hour, what was derived from them is reused.
  const previous = cluster.summary as Partial<ClusterSummary> | null;
  const reuse =
    !options.seeds && previous?.historyWindow?.hour === hourOf(now) && previous.idle !== undefined
      ? { window: previous.historyWindow, idle: previous.idle }
      : null;
  const [existingNodes, existingWorkloads, existingGroups, rollups, policy, timeZone] = await Promise.all([
    queryAll(nodeEntity, clusterChildrenQuery(orgId, clusterId, 'NODE')),
    queryAll(workloadEntity, clusterChildrenQuery(orgId, clusterId, 'WORKLOAD')),
    queryAll(nodeGroupEntity, clusterChildrenQuery(orgId, clusterId, 'NODEGROUP')),
    reuse ? null : queryAll(clusterRollupEntity, clusterRollupsQuery(orgId, clusterId, rollupFrom)),
    summaryPolicyOf(orgId, clusterId),
    timeZoneOf(cluster),
  ]);
  const previousWorkloads = new Map(existingWorkloads.map((w) => [workloadKeyOf(w), w]));
  const writes: WriteRequest[] = [];

  // Workload usage: today's hourly samples, finished days flushed, 14 days kept.
  const oomByPod = new Map<string, number>();
  const hourStart = Date.parse(hour);
  for (const e of snapshot.events) {
    const t = Date.parse(e.at);
    if (e.reason !== 'OOMKilled' || e.objectKind !== 'Pod' || t < hourStart || t >= hourStart + 3_600_000)
      continue;
    const key = `${e.namespace ?? ''}/${e.objectName}`;
    oomByPod.set(key, (oomByPod.get(key) ?? 0) + e.count);
  }
  const usage = new Map<string, WorkloadUsage>();
  const nextUsage = new Map<string, Pick<WorkloadItem, 'dailyUsage' | 'today'>>();
  let podChurn = 0;
  for (const w of model.workloads) {
    const previous = previousWorkloads.get(w.key);
    podChurn += Math.abs(w.pods.length - (previous?.replicas ?? 0));
    let dailyUsage: Record<string, WorkloadDay> = {
      ...(options.seeds?.get(w.key) ?? {}),
      ...(previous?.dailyUsage ?? {}),
    };
    let today = previous?.today ?? null;
    if (today && today.date !== day) {
      dailyUsage[today.date] = dayFigures(today);
      writes.push({
        put: monthRollup({ orgId, clusterId, accountId }, w.key, monthOf(today.date), dailyUsage),
      });
      today = null;
    }
    dailyUsage = trimDays(dailyUsage, day);
    const replicas = Math.max(1, w.pods.length);
    today ??= { date: day, cpuByHourMilli: {}, cpuMaxMilli: 0, memoryPeakMiB: 0, oomByHour: {} };
    const ooms = w.pods.reduce((s, p) => s + (oomByPod.get(p.key) ?? 0), 0);
    today = {
      ...today,
      cpuByHourMilli:
        w.usedCpuMilli === null
          ? today.cpuByHourMilli
          : { ...today.cpuByHourMilli, [hourKey]: w.usedCpuMilli / replicas },
      cpuMaxMilli: Math.max(today.cpuMaxMilli, w.usedCpuMilli === null ? 0 : w.usedCpuMilli / replicas),
      memoryPeakMiB: Math.max(today.memoryPeakMiB, w.usedMemoryMiB === null ? 0 : w.usedMemoryMiB / replicas),
      oomByHour: { ...today.oomByHour, [hourKey]: Math.max(today.oomByHour[hourKey] ?? 0, ooms) },
    };
    nextUsage.set(w.key, { dailyUsage, today });
    const lookback = lookbackStart(day);
    usage.set(w.key, {
      days: Object.entries(dailyUsage)
        .filter(([d]) => d >= lookback)
        .map(([, figures]) => figures),
      todayCpuMilli: Object.values(today.cpuByHourMilli),
      todayMemoryPeakMiB: w.usedMemoryMiB === null && today.memoryPeakMiB === 0 ? null : today.memoryPeakMiB,
      todayOomKills: Object.values(today.oomByHour).reduce((s, v) => s + v, 0),
    });
  }
  for (const [key, previous] of previousWorkloads) if (!nextUsage.has(key)) podChurn += previous.replicas;

  const allowedTypes = new Map(existingGroups.map((g) => [g.nodeGroupId, g.instanceTypes]));
  const binPacking = await estimateBinPacking(model, live, { allowedTypes, ...options.packing });
  const computed = computeClusterSummary({
    model,
    live,
    history: rollups ? { rollups } : { reuse: reuse as NonNullable<typeof reuse> },
    usage,
    policy,
    timeZone,
    binPacking,
    now,
  });

  // Nodes: written when changed, deleted when gone.
  const nodeNames = new Set<string>();
  const previousNodes = new Map(existingNodes.map((n) => [n.nodeName, n]));
  for (const n of model.nodes) {
    nodeNames.add(n.name);
    const item = nodeEntity.toItem({
      orgId,
      clusterId,
      accountId,
      nodeName: n.name,
      instanceId: n.instanceId,
      instanceType: n.instanceType,
      capacityType: n.capacityType,
      zone: n.zone,
      nodeGroupId: n.nodeGroup?.id ?? null,
      allocatableCpuMilli: n.allocatableCpuMilli,
      allocatableMemoryMiB: n.allocatableMemoryMiB,
      allocatablePods: n.allocatablePods,
      requestedCpuMilli: n.requestedCpuMilli,
      requestedMemoryMiB: n.requestedMemoryMiB,
      usedCpuMilli: n.usedCpuMilli,
      usedMemoryMiB: n.usedMemoryMiB,
      podCount: n.podCount,
      ready: n.ready,
      pressure: n.pressure,
      hourlyPriceUsd: n.price.hourlyPriceUsd,
      priceSource: n.price.priceSource,
      launchedAt: n.createdAt,
    });
    const previous = previousNodes.get(n.name);
    if (!previous || !unchanged(item, nodeEntity.toItem(previous))) writes.push({ put: item });
  }
  for (const n of existingNodes)
    if (!nodeNames.has(n.nodeName)) writes.push({ delete: keyOfItem(nodeEntity.toItem(n)) });

  // Workloads.
  for (const w of model.workloads) {
    const figures = computed.workloadFigures.get(w.key);
    const item = workloadEntity.toItem({
      ...workloadAttributes(w, { orgId, clusterId, accountId }),
      spotReady: figures?.spotReady ?? false,
      spotReason: figures?.spotReason ?? null,
      spotEligible: figures?.spotEligible ?? false,
      rightsizing: figures?.rightsizing ?? null,
      ...(nextUsage.get(w.key) ?? { dailyUsage: {}, today: null }),
    });
    const previous = previousWorkloads.get(w.key);
    if (!previous || !unchanged(item, workloadEntity.toItem(previous))) writes.push({ put: item });
  }
  for (const [key, w] of previousWorkloads) {
    if (nextUsage.has(key)) continue;
    writes.push({ delete: keyOfItem(workloadEntity.toItem(w)) });
    // The last day of a workload that went away is kept in its month's rollup.
    if (w.today) {
      const days = { ...w.dailyUsage, [w.today.date]: dayFigures(w.today) };
      writes.push({ put: monthRollup({ orgId, clusterId, accountId }, key, monthOf(w.today.date), days) });
    }
  }

  // Node groups: discovery's items get the snapshot's figures; groups only the snapshot knows are added.
  const groupsById = new Map(existingGroups.map((g) => [g.nodeGroupId, g]));
  const snapshotGroups = new Map<string, NodeGroupItem>();
  for (const n of model.nodes) {
    if (!n.nodeGroup) continue;
    const existing = groupsById.get(n.nodeGroup.id) ?? snapshotGroups.get(n.nodeGroup.id);
    const seenTypes = new Set([...(existing?.instanceTypes ?? []), n.instanceType]);
    const base: NodeGroupItem = existing ?? {
      orgId,
      clusterId,
      accountId,
      nodeGroupId: n.nodeGroup.id,
      name: n.nodeGroup.name,
      kind: n.nodeGroup.kind,
      capacityType: n.capacityType,
      instanceTypes: [],
      minSize: 0,
      desiredSize: 0,
      maxSize: 0,
      autoScalingGroupNames: [],
      labels: {},
      taints: [],
      status: null,
      nodeCount: 0,
      hourlyCostUsd: 0,
      spotReadinessScore: null,
    };
    const mixed = !groupsById.has(n.nodeGroup.id) && existing && existing.capacityType !== n.capacityType;
    snapshotGroups.set(n.nodeGroup.id, {
      ...base,
      instanceTypes: groupsById.has(n.nodeGroup.id) ? base.instanceTypes : [...seenTypes].sort(),
      capacityType: mixed ? 'mixed' : base.capacityType,
    });
  }
  for (const [id, group] of snapshotGroups) {
    const figures = computed.nodeGroupFigures.get(id);
    const discovered = groupsById.has(id);
    const item = nodeGroupEntity.toItem({
      ...group,
      nodeCount: figures?.nodeCount ?? 0,
      hourlyCostUsd: figures?.hourlyCostUsd ?? 0,
      spotReadinessScore: figures?.spotReadinessScore ?? null,
      ...(discovered
        ? {}
        : {
            desiredSize: figures?.nodeCount ?? 0,
            maxSize: Math.max(group.maxSize, figures?.nodeCount ?? 0),
          }),
    });
    const previous = groupsById.get(id);
    if (!previous || !unchanged(item, nodeGroupEntity.toItem(previous))) writes.push({ put: item });
  }
  for (const g of existingGroups) {
    if (snapshotGroups.has(g.nodeGroupId) || g.nodeCount === 0) continue;
    // A discovered group with no node running now: its figures go to zero, the group stays.
    writes.push({
      put: nodeGroupEntity.toItem({ ...g, nodeCount: 0, hourlyCostUsd: 0, spotReadinessScore: null }),
    });
  }

  await batchWrite(writes);
  const hourFigures = hourRollupOf(model);
  await writeHourRollup(cluster, hourFigures, podChurn);
  const clusterFields = {
    summary: computed.summary,
    nodeCount: model.nodes.length,
    podCount: model.pods.length,
    monthlyRunRateUsd: computed.monthlyRunRateUsd,
    kubernetesVersion: snapshot.kubernetesVersion || cluster.kubernetesVersion,
    lastSyncedAt: snapshot.capturedAt,
    ...options.clusterUpdate,
  };
  const written = await updateClusterSummary(cluster, clusterFields);
  // After the summary: a cluster removed meanwhile fails that update, so no series outlives it.
  await writeSeries(cluster, rollups, hourFigures, cardOf({ ...cluster, ...written }), now);
  return {
    summary: computed.summary,
    nodeCount: model.nodes.length,
    podCount: model.pods.length,
    monthlyRunRateUsd: computed.monthlyRunRateUsd,
    writes: writes.length + 2,
  };
}

function workloadAttributes(w: ModelWorkload, ids: { orgId: string; clusterId: string; accountId: string }) {
  return {
    ...ids,
    namespace: w.namespace,
    kind: w.kind,
    name: w.name,
    replicas: w.pods.length,
    requestCpuMilli: w.requestCpuMilli,
    requestMemoryMiB: w.requestMemoryMiB,
    usedCpuMilli: w.usedCpuMilli,
    usedMemoryMiB: w.usedMemoryMiB,
    monthlyCostUsd: savings.toMonthlyUsd(w.hourlyCostUsd),
    hpaScaledResources: w.hpaScaledResources,
  };
}

/**
 * The hour's rollup: the gauges of the latest snapshot of the hour, pod churn added up over the hour's
 * snapshots (UpdateItem with ADD, so two snapshots in one hour both count).
 */
async function writeHourRollup(cluster: ClusterItem, r: ReturnType<typeof hourRollupOf>, podChurn: number) {
  const item = clusterRollupEntity.toItem({
    orgId: cluster.orgId,
    clusterId: cluster.clusterId,
    accountId: cluster.accountId,
    ...r,
    podChurn: 0,
    source: 'snapshot',
  });
  const { podChurn: _zero, ...fields } = attributesOf(item);
  await updateItem(clusterRollupKey(cluster.orgId, cluster.clusterId, r.hour), {
    set: fields,
    add: { podChurn },
  });
}

/**
 * The cluster's dashboard card and Resource Gap series, in one transaction (they belong together: the
 * series item's bin-packing figures are the card's). The series is rewritten whole from the completed
 * hours when the rollups were read (once an hour, and right after a back-fill), otherwise only its
 * `latest` point and figures are set (no read). The current hour is always `latest`, never a bucket, so
 * the hourly rewrite and the per-snapshot update cannot count it twice.
 */
async function writeSeries(
  cluster: ClusterItem,
  rollups: readonly z.infer<typeof clusterRollupEntity.schema>[] | null,
  hour: ReturnType<typeof hourRollupOf>,
  card: string,
  now: Date,
) {
  const latest = encodeLatest(hourPointOf(hour));
  const packing = encodePacking(card);
  if (rollups) {
    const completed = rollups.filter((r) => r.hour < hour.hour).map(hourPointOf);
    await transactWrite([
      cardPut(cluster, card),
      transactPut(clusterSeriesEntity, {
        orgId: cluster.orgId,
        clusterId: cluster.clusterId,
        accountId: cluster.accountId,
        computedAt: now.toISOString(),
        latest,
        packing,
        ...(buildSeriesAttributes(completed, now) as SeriesStrings),
      }),
    ]);
    return;
  }
  await writeCardAndSeriesFields(cluster, card, { latest, packing });
}

const cardPut = (ids: { orgId: string; clusterId: string; accountId: string }, card: string) =>
  transactPut(clusterCardEntity, {
    orgId: ids.orgId,
    clusterId: ids.clusterId,
    accountId: ids.accountId,
    card,
  });

/**
 * The card (created if need be) and, in the same transaction, fields of the existing series item. With no
 * series item yet (never read hourly, e.g. a cluster whose first collection failed), the card alone: the
 * next hourly rewrite creates the series. Nothing when the cluster was removed meanwhile.
 */
async function writeCardAndSeriesFields(
  ids: { orgId: string; clusterId: string; accountId: string },
  card: string,
  fields: Record<string, unknown>,
) {
  const seriesUpdate = transactUpdate(
    clusterSeriesKey(ids.orgId, ids.clusterId),
    { set: fields },
    where.itemExists(),
  );
  try {
    await transactWrite([cardPut(ids, card), seriesUpdate]);
    return;
  } catch (error) {
    if (!cancelledConditions(error)?.[1]) throw error;
  }
  // The card alone, as long as its cluster exists (one removed meanwhile leaves no card behind).
  const clusterExists = transactCheck(clusterKey(ids.orgId, ids.clusterId), where.itemExists());
  try {
    await transactWrite([cardPut(ids, card), clusterExists]);
  } catch (error) {
    if (!cancelledConditions(error)?.[1]) throw error;
  }
}

type SeriesStrings = Pick<
  z.infer<typeof clusterSeriesEntity.schema>,
  'gap24hCpu' | 'gap24hMemory' | 'gap7dCpu' | 'gap7dMemory' | 'gap30dCpu' | 'gap30dMemory'
>;

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

async function updateClusterSummary(cluster: ClusterItem, fields: Record<string, unknown>) {
  const written = {
    ...fields,
    collection: (fields.collection as ClusterItem['collection'] | undefined) ?? {
      status: 'ok',
      reason: null,
      source: (fields.summary as ClusterSummary).source,
      lastAttemptAt: (fields.summary as ClusterSummary).computedAt,
    },
  };
  await setClusterFields(cluster.orgId, cluster.clusterId, written);
  return written as Partial<ClusterItem>;
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
  await writeCardAndSeriesFields(cluster, card, { packing: encodePacking(card) });
}

export interface BackfillResult {
  hours: number;
  writes: number;
  /** Daily usage per workload key (the last 14 days), to seed the Workload items. */
  seeds: Map<string, Record<string, WorkloadDay>>;
}

/**
 * Writes the history of a newly discovered cluster: one ClusterRollup per hour (cost from the hour's node
 * mix at today's prices) and one WorkloadRollup per workload per day (p50 / p95 of the hourly means, max of
 * the hourly maxima, peak memory, OOM kills).
 */
export async function backfillHistory(
  cluster: ClusterItem,
  samples: readonly ClusterHourSample[],
  live: LivePrices,
  now: Date,
): Promise<BackfillResult> {
  const { orgId, clusterId, accountId } = cluster;
  const writes: WriteRequest[] = [];
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
    writes.push({
      put: clusterRollupEntity.toItem({
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
      }),
    });
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
  await batchWrite(writes);
  return { hours: samples.length, writes: writes.length, seeds };
}
