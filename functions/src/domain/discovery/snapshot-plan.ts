import { type ClusterSnapshot, canonicalJson, savings } from '@spot/shared';
import { workloadSecurityOf } from '@spot/shared/cluster-detail/compliance';
import {
  buildSeriesAttributes,
  encodeLatest,
  encodePacking,
  hourPointOf,
} from '@spot/shared/dashboard/index';
import { nodeTaintsOf, workloadSchedulingOf } from '@spot/shared/policy/pod-placement';
import { movablePodsByNode } from '@spot/shared/policy/preview';
import type { BinPackingEstimate } from '@spot/shared/savings/bin-packing';
import {
  type ClusterSummary,
  computeClusterSummary,
  type ReusedHistory,
  type SummaryPolicy,
  type WorkloadUsage,
} from '@spot/shared/savings/cluster-summary/index';
import type { LivePrices } from '@spot/shared/savings/node-pricing';
import { hourOf, hourRollupOf } from '@spot/shared/savings/rollups';
import type { ModelWorkload, SnapshotModel } from '@spot/shared/savings/snapshot-model';
import type { z } from 'zod';
import type { clusterEntity } from '../../data/entities/cluster';
import { clusterKey } from '../../data/entities/cluster';
import { clusterCardEntity } from '../../data/entities/cluster-card';
import { clusterRollupEntity, clusterRollupKey } from '../../data/entities/cluster-rollup';
import { clusterSeriesEntity, clusterSeriesKey } from '../../data/entities/cluster-series';
import { nodeEntity } from '../../data/entities/node';
import { nodeGroupEntity } from '../../data/entities/node-group';
import { workloadEntity, workloadKeyOf } from '../../data/entities/workload';
import { workloadRollupEntity } from '../../data/entities/workload-rollup';
import { where } from '../../data/expressions';
import { attributesOf, keyOfItem } from '../../data/items';
import type { WriteRequest } from '../../data/repository';
import type { PlannedTransactItem, WriteOperation } from '../../data/write-plan';
import { cardDigestWrites, cardOf } from '../cluster-card';
import {
  type ClusterTemplate,
  clusterFindingsOf,
  type FindingsNode,
  type FindingsWorkload,
} from '../cluster-findings';
import {
  registryRowPut,
  registryRowText,
  registryRowUpdate,
  registryTrendText,
} from '../cluster-registry-row';

/**
 * Planning the writes of one snapshot, without a database: given the items read (nodes, workloads, node
 * groups, the rollups or the figures reused from them), the snapshot's model and the time, which items to
 * put, update and delete, in which order. `applySnapshot` (inventory.ts) reads, calls the planner and
 * executes the plan.
 */

export type ClusterItem = z.infer<typeof clusterEntity.schema>;
type WorkloadItem = z.infer<typeof workloadEntity.schema>;
type NodeItem = z.infer<typeof nodeEntity.schema>;
type NodeGroupItem = z.infer<typeof nodeGroupEntity.schema>;
export type WorkloadDay = WorkloadItem['dailyUsage'][string];

/** Days of per-workload usage rightsizing reads (the Workload item keeps at least these). */
export const usageLookbackDays = 14;

export const dayOf = (iso: string) => iso.slice(0, 10);
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
export const monthOf = (day: string) => day.slice(0, 7);

/**
 * The finished days a Workload item keeps: those of the current month (so its month item can be rewritten
 * whole) and at least the `usageLookbackDays` before `today`.
 */
export function trimDays(days: Record<string, WorkloadDay>, today: string): Record<string, WorkloadDay> {
  const lookback = lookbackStart(today);
  const monthStart = `${monthOf(today)}-01`;
  const oldest = lookback < monthStart ? lookback : monthStart;
  return Object.fromEntries(Object.entries(days).filter(([d]) => d >= oldest && d < today));
}

/** The WorkloadRollup item of `month`, with the days of that month found in `days`. */
export function monthRollup(
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

export interface SnapshotPlanInput {
  cluster: ClusterItem;
  snapshot: ClusterSnapshot;
  model: SnapshotModel;
  live: LivePrices;
  /** The cluster's items as read before the snapshot. */
  nodes: readonly NodeItem[];
  workloads: readonly WorkloadItem[];
  nodeGroups: readonly NodeGroupItem[];
  /** The hourly rollups of the lookback (read once an hour), or `null` with `reuse` set. */
  rollups: readonly z.infer<typeof clusterRollupEntity.schema>[] | null;
  reuse: ReusedHistory | null;
  policy: SummaryPolicy;
  /** The node template the cluster is held to (drift is counted against it), `null` when none. */
  template: ClusterTemplate | null;
  timeZone: string;
  binPacking: BinPackingEstimate | null;
  /** Daily usage per workload key from a back-fill, merged where the workload has none yet. */
  seeds?: ReadonlyMap<string, Record<string, WorkloadDay>> | undefined;
  /** Extra fields for the Cluster item (agent state, history, collection). */
  clusterUpdate?: Partial<Pick<ClusterItem, 'agent' | 'history' | 'collection'>> | undefined;
  now: Date;
}

export interface SnapshotPlan {
  /** In order: inventory items (batch), the hour's rollup, the Cluster item, then its card and series. */
  writes: WriteOperation[];
  summary: ClusterSummary;
  nodeCount: number;
  podCount: number;
  monthlyRunRateUsd: number;
  /** Items written: the batch's requests, the rollup and the Cluster item. */
  writeCount: number;
}

/**
 * Plans one snapshot: nodes, workloads and node groups (changed items written, vanished ones deleted), the
 * hour's rollup, each workload's daily usage (a finished day is flushed to a WorkloadRollup item), then the
 * summary on the Cluster item and its dashboard card and series. Pure.
 */
export function planSnapshotWrites(input: SnapshotPlanInput): SnapshotPlan {
  const { cluster, snapshot, model, live, now } = input;
  const { orgId, clusterId, accountId } = cluster;
  const hour = hourOf(snapshot.capturedAt);
  const day = dayOf(hour);
  const hourKey = hourKeyOf(hour);
  const existingNodes = input.nodes;
  const existingGroups = input.nodeGroups;
  const previousWorkloads = new Map(input.workloads.map((w) => [workloadKeyOf(w), w]));
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
      ...(input.seeds?.get(w.key) ?? {}),
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

  const computed = computeClusterSummary({
    model,
    live,
    history: input.rollups ? { rollups: input.rollups } : { reuse: input.reuse as ReusedHistory },
    usage,
    policy: input.policy,
    timeZone: input.timeZone,
    binPacking: input.binPacking,
    now,
  });

  // Nodes: written when changed, deleted when gone.
  const nodeNames = new Set<string>();
  const previousNodes = new Map(existingNodes.map((n) => [n.nodeName, n]));
  const podsByNode = movablePodsByNode(model.pods);
  // Every item as stored after the plan (written or unchanged): the Compliance & Drift findings read them.
  const nodeItems: FindingsNode[] = [];
  const workloadItems: FindingsWorkload[] = [];
  for (const n of model.nodes) {
    nodeNames.add(n.name);
    const node = {
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
      movablePods: [...(podsByNode.get(n.name)?.movablePods ?? [])],
      labels: boundedLabels(n.labels),
      taints: nodeTaintsOf(n.taints),
      doNotDisrupt: podsByNode.get(n.name)?.doNotDisrupt ?? false,
      ready: n.ready,
      pressure: n.pressure,
      hourlyPriceUsd: n.price.hourlyPriceUsd,
      priceSource: n.price.priceSource,
      launchedAt: n.createdAt,
    };
    nodeItems.push(node);
    const item = nodeEntity.toItem(node);
    const previous = previousNodes.get(n.name);
    if (!previous || !unchanged(item, nodeEntity.toItem(previous))) writes.push({ put: item });
  }
  for (const n of existingNodes)
    if (!nodeNames.has(n.nodeName)) writes.push({ delete: keyOfItem(nodeEntity.toItem(n)) });

  // Workloads.
  for (const w of model.workloads) {
    const figures = computed.workloadFigures.get(w.key);
    const attributes = workloadAttributes(w, { orgId, clusterId, accountId });
    workloadItems.push(attributes);
    const item = workloadEntity.toItem({
      ...attributes,
      pdb: pdbOf(w, model.snapshot.pdbs),
      scheduling: w.pods[0] ? workloadSchedulingOf(w.pods[0]) : null,
      unmanagedReason: figures?.unmanagedReason ?? null,
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
      tags: {},
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
    if (snapshotGroups.has(g.nodeGroupId)) continue;
    // A group only snapshots knew (no ASG behind it): gone with its nodes, or its nodes now found in
    // their real ASG (asg-nodes.ts). Nothing else would ever remove it.
    if (g.kind === 'asg' && g.autoScalingGroupNames.length === 0) {
      writes.push({ delete: keyOfItem(nodeGroupEntity.toItem(g)) });
      continue;
    }
    if (g.nodeCount === 0) continue;
    // A discovered group with no node running now: its figures go to zero, the group stays.
    writes.push({
      put: nodeGroupEntity.toItem({ ...g, nodeCount: 0, hourlyCostUsd: 0, spotReadinessScore: null }),
    });
  }

  const hourFigures = hourRollupOf(model);
  const groupItems = [
    ...existingGroups.filter((g) => !snapshotGroups.has(g.nodeGroupId)),
    ...snapshotGroups.values(),
  ];
  const clusterFields = {
    summary: computed.summary,
    nodeCount: model.nodes.length,
    podCount: model.pods.length,
    monthlyRunRateUsd: computed.monthlyRunRateUsd,
    kubernetesVersion: snapshot.kubernetesVersion || cluster.kubernetesVersion,
    lastSyncedAt: snapshot.capturedAt,
    // What the Compliance & Drift tab will find in the items this plan leaves: the registry's shield.
    findings: clusterFindingsOf({ ...cluster, lastSyncedAt: snapshot.capturedAt }, input.template, {
      nodes: nodeItems,
      groups: groupItems,
      workloads: workloadItems,
    }),
    ...input.clusterUpdate,
  };
  const written = {
    ...clusterFields,
    collection: clusterFields.collection ?? {
      status: 'ok' as const,
      reason: null,
      source: computed.summary.source,
      lastAttemptAt: computed.summary.computedAt,
    },
  };
  return {
    writes: [
      { kind: 'batch', requests: writes },
      hourRollupWrite(cluster, hourFigures, podChurn),
      // Never re-creates a Cluster item deleted meanwhile: the plan stops there, so no series outlives it.
      {
        kind: 'update',
        key: clusterKey(orgId, clusterId),
        spec: { set: written },
        condition: where.itemExists(),
      },
      seriesWrite(
        cluster,
        input.rollups,
        hourFigures,
        cardOf({ ...cluster, ...written } as ClusterItem),
        now,
        registryRowText({ ...cluster, ...written } as ClusterItem),
      ),
    ],
    summary: computed.summary,
    nodeCount: model.nodes.length,
    podCount: model.pods.length,
    monthlyRunRateUsd: computed.monthlyRunRateUsd,
    writeCount: writes.length + 2,
  };
}

/**
 * Labels kept on an item for the policy preview's label exemptions: at most 64, values cut at 256
 * characters (Kubernetes allows 63 per value; the cap guards the item size against a misbehaving agent).
 */
function boundedLabels(labels: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(labels)
      .slice(0, 64)
      .map(([k, v]) => [k.slice(0, 317), v.slice(0, 256)]),
  );
}

/** The PDB covering a workload's pods (the first pod's: a workload's pods share their labels), if any. */
function pdbOf(
  w: ModelWorkload,
  pdbs: readonly { namespace: string; name: string; disruptionsAllowed: number }[],
): { name: string; disruptionsAllowed: number } | null {
  const name = w.pods.find((p) => p.pdbName !== undefined)?.pdbName;
  if (name === undefined) return null;
  const pdb = pdbs.find((b) => b.namespace === w.namespace && b.name === name);
  return pdb ? { name, disruptionsAllowed: pdb.disruptionsAllowed } : null;
}

function workloadAttributes(w: ModelWorkload, ids: { orgId: string; clusterId: string; accountId: string }) {
  return {
    ...ids,
    labels: boundedLabels(w.pods[0]?.labels ?? {}),
    namespace: w.namespace,
    kind: w.kind,
    name: w.name,
    replicas: w.pods.length,
    requestCpuMilli: w.requestCpuMilli,
    requestMemoryMiB: w.requestMemoryMiB,
    limitCpuMilli: w.limitCpuMilli,
    limitMemoryMiB: w.limitMemoryMiB,
    usedCpuMilli: w.usedCpuMilli,
    usedMemoryMiB: w.usedMemoryMiB,
    monthlyCostUsd: savings.toMonthlyUsd(w.hourlyCostUsd),
    hpaScaledResources: w.hpaScaledResources,
    security: workloadSecurityOf(w.pods),
  };
}
/**
 * The hour's rollup: the gauges of the latest snapshot of the hour, pod churn added up over the hour's
 * snapshots (an update with ADD, so two snapshots in one hour both count).
 */
function hourRollupWrite(
  cluster: ClusterItem,
  r: ReturnType<typeof hourRollupOf>,
  podChurn: number,
): WriteOperation {
  const item = clusterRollupEntity.toItem({
    orgId: cluster.orgId,
    clusterId: cluster.clusterId,
    accountId: cluster.accountId,
    ...r,
    podChurn: 0,
    source: 'snapshot',
  });
  const { podChurn: _zero, ...fields } = attributesOf(item);
  return {
    kind: 'update',
    key: clusterRollupKey(cluster.orgId, cluster.clusterId, r.hour),
    spec: { set: fields, add: { podChurn } },
  };
}

/**
 * The cluster's dashboard card and Resource Gap series, in one transaction (they belong together: the
 * series item's bin-packing figures are the card's). The series is rewritten whole from the completed
 * hours when the rollups were read (once an hour, and right after a back-fill), otherwise only its
 * `latest` point and figures are set (no read). The current hour is always `latest`, never a bucket, so
 * the hourly rewrite and the per-snapshot update cannot count it twice.
 */
function seriesWrite(
  cluster: ClusterItem,
  rollups: SnapshotPlanInput['rollups'],
  hour: ReturnType<typeof hourRollupOf>,
  card: string,
  now: Date,
  registryRow: string,
): WriteOperation {
  const latest = encodeLatest(hourPointOf(hour));
  const packing = encodePacking(card);
  if (rollups) {
    const completed = rollups.filter((r) => r.hour < hour.hour).map(hourPointOf);
    return {
      kind: 'transaction',
      items: [
        cardPut(cluster, card),
        ...registryRowPut(cluster, registryRow, registryTrendText(rollups, now)),
        {
          put: clusterSeriesEntity.toItem({
            orgId: cluster.orgId,
            clusterId: cluster.clusterId,
            accountId: cluster.accountId,
            computedAt: now.toISOString(),
            latest,
            packing,
            ...(buildSeriesAttributes(completed, now) as SeriesStrings),
          }),
        },
        ...cardDigestWrites(cluster, card),
      ],
    };
  }
  return cardAndSeriesFieldsWrite(cluster, card, { latest, packing }, registryRow);
}

type Ids = { orgId: string; clusterId: string; accountId: string };

const cardPut = (ids: Ids, card: string): PlannedTransactItem => ({
  put: clusterCardEntity.toItem({
    orgId: ids.orgId,
    clusterId: ids.clusterId,
    accountId: ids.accountId,
    card,
  }),
});

/**
 * The card (created if need be) and, in the same transaction, fields of the existing series item. With no
 * series item yet (never read hourly, e.g. a cluster whose first collection failed), the card alone: the
 * next hourly rewrite creates the series. Nothing when the cluster was removed meanwhile.
 */
export function cardAndSeriesFieldsWrite(
  ids: Ids,
  card: string,
  fields: Record<string, unknown>,
  registryRow: string,
): WriteOperation {
  // The registry row follows the card (ADR 0045); last in each transaction, so the items the conditions
  // name keep their positions.
  const row = registryRowUpdate(ids, registryRow);
  // The card's digest (ADR 0062) and its shard's counter (ADR 0064) follow it, in the same transaction,
  // last for the same reason.
  const digest = cardDigestWrites(ids, card);
  const clusterExists: PlannedTransactItem = {
    check: clusterKey(ids.orgId, ids.clusterId),
    condition: where.itemExists(),
  };
  return {
    kind: 'transaction',
    items: [
      cardPut(ids, card),
      {
        update: clusterSeriesKey(ids.orgId, ids.clusterId),
        spec: { set: fields },
        condition: where.itemExists(),
      },
      ...row,
      ...digest,
    ],
    ifConditionFails: {
      item: 1,
      // The card alone, as long as its cluster exists (one removed meanwhile leaves no card behind).
      instead: {
        kind: 'transaction',
        items: [cardPut(ids, card), clusterExists, ...row, ...digest],
        ifConditionFails: { item: 1 },
      },
    },
  };
}

type SeriesStrings = Pick<
  z.infer<typeof clusterSeriesEntity.schema>,
  'gap24hCpu' | 'gap24hMemory' | 'gap7dCpu' | 'gap7dMemory' | 'gap30dCpu' | 'gap30dMemory'
>;
