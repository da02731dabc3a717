import { savings } from '@spot/shared';
import { dailyStability, type StabilityDay, spotRuleText } from '@spot/shared/dashboard/index';
import type { CapacityType } from '../ports/cloud';
import type { BinPackingEstimate } from './clusters-packing';
import { instanceFamily, type LivePrices, typePrices } from './inventory-pricing';
import { type SnapshotModel, savingsPods } from './inventory-snapshot';

/**
 * The precomputed summary of one cluster, stored on its Cluster item after every snapshot so the dashboard
 * reads one item: run rate, efficiency, spot readiness and savings, the idle-hour grid and hibernation
 * savings, stability, rightsizing, the bin-packing estimate and the combined (non-overlapping) savings.
 * Every figure comes from `shared/src/savings` (one definition each); this module only feeds it.
 */

/** 2: `fleet.byInstanceType` and `stability.recent` (readers tolerate summaries without them). */
export const summarySchemaVersion = 2;

/** One hour of history as the summary reads it (a ClusterRollup item). */
export interface RollupSample {
  hour: string;
  capacityCpuMilli: number;
  usedCpuMilli: number;
  usageKnown: boolean;
  podChurn: number;
  apiRequestRate: number;
  pressureEvents: number;
  nodesByCapacityType: Record<string, number>;
  /** API p99 of the hour, ms (`null` when not measured; absent in older callers). */
  apiLatencyP99Ms?: number | null;
}

/** A workload's usage per replica, by UTC day (the Workload item's `dailyUsage` plus today). */
export interface WorkloadUsage {
  days: {
    cpuP95Milli: number;
    memoryPeakMiB: number;
    oomKills: number;
  }[];
  todayCpuMilli: number[];
  todayMemoryPeakMiB: number | null;
  todayOomKills: number;
}

/** The figures a summary derives from its 4 weeks of rollups; they change hour by hour, not snapshot by snapshot. */
export interface HistoryWindow {
  /** The UTC hour (ISO) they were computed in. */
  hour: string;
  /** Over the last 7 days of rollups; `null` without rollups (the snapshot's events are used). */
  week: { windowDays: number; nodeCount: number; pressureEventCount: number } | null;
  /** Daily stability of the last 7 days (`shared/src/dashboard/stability-recent.ts`); absent before v2. */
  recent?: StabilityDay[];
}

export interface ReusedHistory {
  window: HistoryWindow;
  idle: CompactGrid | null;
}

export interface SummaryPolicy {
  exemptions: savings.ExemptionPolicy;
  rightsizing: savings.RightsizingPolicy;
}

export const defaultSummaryPolicy: SummaryPolicy = {
  exemptions: savings.noExemptions,
  rightsizing: savings.rightsizingPolicySchema.parse({}),
};

export interface SummaryInput {
  model: SnapshotModel;
  live: LivePrices;
  /** The hourly rollups of the last 4 weeks, or the figures computed from them earlier in the same hour. */
  history: { rollups: readonly RollupSample[] } | { reuse: ReusedHistory };
  usage: ReadonlyMap<string, WorkloadUsage>;
  policy: SummaryPolicy;
  timeZone: string;
  binPacking: BinPackingEstimate | null;
  now: Date;
}

const ruleText = spotRuleText;

export interface WorkloadFigures {
  spotEligible: boolean;
  spotReady: boolean;
  spotReason: string | null;
  rightsizing: {
    recommendedCpuMilli: number;
    recommendedMemoryMiB: number;
    monthlySavingUsd: number;
    status: 'apply' | 'below-threshold' | 'no-change';
  } | null;
}

export interface NodeGroupFigures {
  nodeCount: number;
  hourlyCostUsd: number;
  spotReadinessScore: number | null;
}

const round = (v: number, digits = 4) => {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
};

export function computeClusterSummary(input: SummaryInput) {
  const { model, live, now } = input;
  const snapshot = model.snapshot;
  const notes: string[] = [];
  const pricedNodes = model.nodes.filter((n) => n.price.hourlyPriceUsd !== null);
  const unpricedNodes = model.nodes.length - pricedNodes.length;
  if (unpricedNodes > 0) {
    notes.push(
      `${unpricedNodes} node(s) have an instance type with no live or catalog price in ${model.region}; they are not in the run rate.`,
    );
  }

  // Run rate and fleet composition.
  const runRate = savings.monthlyRunRate(
    pricedNodes.map((n) => ({
      hourlyPriceUsd: n.price.hourlyPriceUsd as number,
      source: n.price.priceSource as savings.PriceSource,
      ...(n.price.catalogAsOf ? { catalogAsOf: n.price.catalogAsOf } : {}),
    })),
  );
  const byCapacityType: Record<CapacityType, { nodes: number; cpuMilli: number; hourlyCostUsd: number }> = {
    'on-demand': { nodes: 0, cpuMilli: 0, hourlyCostUsd: 0 },
    spot: { nodes: 0, cpuMilli: 0, hourlyCostUsd: 0 },
  };
  const byFamily = new Map<
    string,
    { capacityType: CapacityType; family: string; nodes: number; hourlyCostUsd: number }
  >();
  // The sunburst's outer ring: capacity type -> family -> instance type.
  const byInstanceType = new Map<
    string,
    { capacityType: CapacityType; family: string; instanceType: string; nodes: number; hourlyCostUsd: number }
  >();
  for (const n of model.nodes) {
    const c = byCapacityType[n.capacityType];
    c.nodes += 1;
    c.cpuMilli += n.allocatableCpuMilli;
    c.hourlyCostUsd += n.price.hourlyPriceUsd ?? 0;
    const family = instanceFamily(n.instanceType);
    const key = `${n.capacityType}/${family}`;
    const f = byFamily.get(key) ?? { capacityType: n.capacityType, family, nodes: 0, hourlyCostUsd: 0 };
    f.nodes += 1;
    f.hourlyCostUsd += n.price.hourlyPriceUsd ?? 0;
    byFamily.set(key, f);
    const typeKey = `${n.capacityType}/${n.instanceType}`;
    const t = byInstanceType.get(typeKey) ?? {
      capacityType: n.capacityType,
      family,
      instanceType: n.instanceType,
      nodes: 0,
      hourlyCostUsd: 0,
    };
    t.nodes += 1;
    t.hourlyCostUsd += n.price.hourlyPriceUsd ?? 0;
    byInstanceType.set(typeKey, t);
  }

  // Capacity, requests, usage.
  const usageNodes = model.nodes.filter((n) => n.usedCpuMilli !== null && n.usedMemoryMiB !== null);
  const capacity = {
    nodes: model.nodes.length,
    readyNodes: model.nodes.filter((n) => n.ready).length,
    pods: model.pods.length,
    pendingPods: model.pods.filter((p) => p.phase === 'Pending').length,
    cpuMilli: sum(model.nodes.map((n) => n.allocatableCpuMilli)),
    memoryMiB: sum(model.nodes.map((n) => n.allocatableMemoryMiB)),
    requestedCpuMilli: sum(model.nodes.map((n) => n.requestedCpuMilli)),
    requestedMemoryMiB: sum(model.nodes.map((n) => n.requestedMemoryMiB)),
    usedCpuMilli: usageNodes.length ? sum(usageNodes.map((n) => n.usedCpuMilli ?? 0)) : null,
    usedMemoryMiB: usageNodes.length ? sum(usageNodes.map((n) => n.usedMemoryMiB ?? 0)) : null,
    zones: [...new Set(model.nodes.map((n) => n.zone))].sort(),
  };

  // Efficiency: cost-weighted utilization of the nodes with usage metrics and a price.
  const efficiencyNodes = pricedNodes.filter(
    (n) =>
      n.usedCpuMilli !== null &&
      n.usedMemoryMiB !== null &&
      n.allocatableCpuMilli > 0 &&
      n.allocatableMemoryMiB > 0,
  );
  const efficiency = {
    ...savings.clusterEfficiency(
      efficiencyNodes.map((n) => ({
        hourlyPriceUsd: n.price.hourlyPriceUsd as number,
        cpuUsedMilli: n.usedCpuMilli as number,
        cpuAllocatableMilli: n.allocatableCpuMilli,
        memoryUsedMiB: n.usedMemoryMiB as number,
        memoryAllocatableMiB: n.allocatableMemoryMiB,
      })),
    ),
    basis: efficiencyNodes.length > 0 ? ('metrics-server' as const) : ('unavailable' as const),
  };
  if (efficiencyNodes.length === 0 && model.nodes.length > 0) {
    notes.push('No usage metrics (metrics-server) in the snapshot: efficiency cannot be graded.');
  }

  // Spot readiness and spot savings.
  const pods = savingsPods(model);
  const readiness = savings.spotReadiness({
    pods,
    pdbs: snapshot.pdbs.map((p) => ({
      namespace: p.namespace,
      name: p.name,
      disruptionsAllowed: p.disruptionsAllowed,
    })),
    exemptions: input.policy.exemptions,
  });
  const pricing: savings.NodeSpotPricing[] = [];
  for (const n of model.nodes) {
    const p = typePrices(live, model.region, n.instanceType);
    if (p.onDemandHourlyUsd === null || p.onDemandHourlyUsd <= 0) continue;
    pricing.push({
      nodeName: n.name,
      onDemandHourlyPriceUsd: p.onDemandHourlyUsd,
      spotHourlyPriceUsd: p.spotHourlyUsd,
    });
  }
  const spotSavings = savings.spotSavings({
    readiness,
    nodes: model.nodes
      .filter((n) => n.allocatableCpuMilli > 0 && n.allocatableMemoryMiB > 0)
      .map((n) => ({
        name: n.name,
        capacityType: n.capacityType,
        allocatableCpuMilli: n.allocatableCpuMilli,
        allocatableMemoryMiB: n.allocatableMemoryMiB,
      })),
    pods,
    pricing,
  });
  const podByKey = new Map(model.pods.map((p) => [p.key, p]));
  const readinessByPod = new Map(readiness.pods.map((r) => [r.pod, r]));
  const savingByWorkload = new Map<string, number>();
  for (const s of spotSavings.pods) {
    const wk = podByKey.get(s.pod)?.workloadKey;
    if (wk) savingByWorkload.set(wk, (savingByWorkload.get(wk) ?? 0) + s.hourlySavingUsd);
  }

  const workloadFigures = new Map<string, WorkloadFigures>();
  const blockers: { key: string; rule: savings.SpotReadinessRule; cpuMilli: number }[] = [];
  for (const w of model.workloads) {
    const states = w.pods.map((p) => readinessByPod.get(p.key)).filter((r) => r !== undefined);
    const eligible = states.filter((r) => r.eligible);
    const firstUnready = eligible.find((r) => !r.ready) ?? (eligible.length === 0 ? states[0] : undefined);
    const spotReady = eligible.length > 0 && eligible.every((r) => r.ready);
    workloadFigures.set(w.key, {
      spotEligible: eligible.length > 0,
      spotReady,
      spotReason: spotReady ? null : (firstUnready?.firstFailingRule ?? null),
      rightsizing: null,
    });
    if (eligible.length > 0 && !spotReady && firstUnready?.firstFailingRule) {
      blockers.push({ key: w.key, rule: firstUnready.firstFailingRule, cpuMilli: w.requestCpuMilli });
    }
  }
  const workloadByKey = new Map(model.workloads.map((w) => [w.key, w]));
  const describeWorkload = (key: string) => {
    const w = workloadByKey.get(key);
    return {
      key,
      namespace: w?.namespace ?? '',
      kind: w?.kind ?? '',
      name: w?.name ?? '',
      replicas: w?.pods.length ?? 0,
    };
  };
  const spot = {
    scoreByCount: readiness.scoreByCount,
    scoreByCpu: readiness.scoreByCpu,
    eligibleCount: readiness.eligibleCount,
    readyCount: readiness.readyCount,
    eligibleCpuMilli: readiness.eligibleCpuMilli,
    readyCpuMilli: readiness.readyCpuMilli,
    firstFailingRuleCounts: readiness.firstFailingRuleCounts,
    hourlySavingUsd: spotSavings.hourlySavingUsd,
    monthlySavingUsd: spotSavings.monthlySavingUsd,
    alreadyOnSpotCount: spotSavings.alreadyOnSpotCount,
    noSpotPriceCount: spotSavings.noSpotPriceCount,
    topCandidates: [...savingByWorkload.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 10)
      .map(([key, hourly]) => ({
        ...describeWorkload(key),
        monthlySavingUsd: savings.toMonthlyUsd(hourly),
        reason: 'Replicated, no volume claims, disruption allowed: can move to spot nodes',
      })),
    topBlockers: blockers
      .sort((a, b) => b.cpuMilli - a.cpuMilli)
      .slice(0, 10)
      .map((b) => ({
        ...describeWorkload(b.key),
        rule: b.rule,
        reason: ruleText[b.rule],
        requestCpuMilli: b.cpuMilli,
      })),
  };

  // Idle hours (4 weeks of hourly rollups in the cluster's zone) and hibernation savings, and the week of
  // rollups stability reads. Both move hour by hour: within the hour they were computed, they are reused.
  let idle: CompactGrid | null;
  let historyWindow: HistoryWindow;
  let readRollups: readonly RollupSample[] | null = null;
  if ('rollups' in input.history) {
    const rollups = input.history.rollups;
    readRollups = rollups;
    const samples = rollups
      .filter((r) => r.usageKnown)
      .map((r) => ({
        hourStartEpochMs: Date.parse(r.hour),
        cpuUsedMilli: Math.max(0, r.usedCpuMilli),
        cpuAllocatableMilli: Math.max(0, r.capacityCpuMilli),
        podChurn: Math.max(0, r.podChurn),
        apiRequestRate: Math.max(0, r.apiRequestRate),
      }));
    idle = null;
    try {
      idle = compactGrid(
        savings.activityGrid(
          { samples, timeZone: input.timeZone, hourlyClusterCostUsd: runRate.hourlyCostUsd },
          now,
        ),
      );
    } catch (error) {
      if (!(error instanceof savings.SavingsError)) throw error;
      notes.push(error.message);
    }
    const weekAgo = now.getTime() - 7 * 86_400_000;
    const week = rollups.filter((r) => Date.parse(r.hour) >= weekAgo);
    historyWindow = {
      hour: hourStart(now),
      week:
        week.length === 0
          ? null
          : {
              windowDays: Math.max(1 / 24, week.length / 24),
              nodeCount: sum(week.map((r) => sum(Object.values(r.nodesByCapacityType)))) / week.length,
              pressureEventCount: sum(week.map((r) => r.pressureEvents)),
            },
    };
  } else {
    historyWindow = input.history.reuse.window;
    const previous = input.history.reuse.idle;
    idle = previous && {
      ...previous,
      hourlyClusterCostUsd: runRate.hourlyCostUsd,
      monthlyHibernationSavingsUsd: savings.hibernationMonthlySavingsUsd(
        runRate.hourlyCostUsd,
        previous.idleCellsPerWeek,
      ),
    };
  }

  // Stability over the last 7 days of rollups (the snapshot's own events when there is no history yet).
  const windowDays = historyWindow.week?.windowDays ?? 1;
  const nodeCount = historyWindow.week?.nodeCount ?? model.nodes.length;
  const pressureEventCount =
    historyWindow.week?.pressureEventCount ??
    sum(
      snapshot.events
        .filter((e) => ['DiskPressure', 'MemoryPressure', 'PIDPressure'].includes(e.reason))
        .map((e) => e.count),
    );
  const stability = {
    ...savings.stabilityIndex({
      windowDays,
      nodeCount,
      pressureEventCount,
      nodes: model.nodes.map((n) => ({
        capacityType: n.capacityType,
        allocatableCpuMilli: n.allocatableCpuMilli,
        monthlyInterruptionProbability:
          n.capacityType === 'spot' ? interruptionProbability(live, model.region, n.instanceType) : null,
      })),
      controlPlaneLatencyP99Ms:
        snapshot.controlPlane.latencyP99Ms > 0 ? snapshot.controlPlane.latencyP99Ms : null,
    }),
    windowDays,
    pressureEventCount,
    recent: [] as StabilityDay[],
  };
  // Daily values of the last 7 days, from the rollups when they were read (once an hour), else kept.
  if (readRollups) {
    historyWindow.recent = dailyStability(
      readRollups.map((r) => ({
        hour: r.hour,
        pressureEvents: r.pressureEvents,
        apiLatencyP99Ms: r.apiLatencyP99Ms ?? null,
        nodesByCapacityType: r.nodesByCapacityType,
      })),
      now,
      stability.spot.meanSpotMonthlyProbability,
    );
  }
  stability.recent = historyWindow.recent ?? [];

  // Rightsizing per workload (per replica) at the cluster's unit prices.
  const unit = savings.unitPricesFromNodes(
    pricedNodes
      .filter((n) => n.allocatableCpuMilli > 0 && n.allocatableMemoryMiB > 0)
      .map((n) => ({
        hourlyPriceUsd: n.price.hourlyPriceUsd as number,
        allocatableCpuMilli: n.allocatableCpuMilli,
        allocatableMemoryMiB: n.allocatableMemoryMiB,
      })),
  );
  const containers: savings.ContainerUsage[] = [];
  for (const w of model.workloads) {
    if (input.policy.exemptions.namespaces.includes(w.namespace)) continue;
    const replicas = Math.max(1, w.pods.length);
    const usage = input.usage.get(w.key);
    const cpu = [...(usage?.days.map((d) => d.cpuP95Milli) ?? []), ...(usage?.todayCpuMilli ?? [])];
    const mem = [
      ...(usage?.days.map((d) => d.memoryPeakMiB) ?? []),
      ...(usage?.todayMemoryPeakMiB !== null && usage?.todayMemoryPeakMiB !== undefined
        ? [usage.todayMemoryPeakMiB]
        : []),
    ];
    if (cpu.length === 0 && w.usedCpuMilli !== null) cpu.push(w.usedCpuMilli / replicas);
    if (mem.length === 0 && w.usedMemoryMiB !== null) mem.push(w.usedMemoryMiB / replicas);
    const ooms = sum(usage?.days.map((d) => d.oomKills) ?? []) + (usage?.todayOomKills ?? 0);
    const limitPerReplica = w.pods[0]?.memoryLimitMiB ?? w.requestMemoryMiB / replicas;
    containers.push({
      namespace: w.namespace,
      workload: w.key,
      container: '*',
      replicas,
      cpuRequestMilli: w.requestCpuMilli / replicas,
      memoryRequestMiB: w.requestMemoryMiB / replicas,
      cpuUsageMilli: cpu,
      memoryWorkingSetMiB: mem,
      oomKills: Array.from({ length: ooms }, () => ({ memoryAtKillMiB: limitPerReplica })),
      hpaScaledResources: w.hpaScaledResources,
    });
  }
  const rightsizingReport = savings.rightsizeContainers(containers, input.policy.rightsizing, unit);
  for (const rec of rightsizingReport.containers) {
    const figures = workloadFigures.get(rec.workload);
    if (!figures || (rec.cpu.skipped === 'no-samples' && rec.memory.skipped === 'no-samples')) continue;
    figures.rightsizing = {
      recommendedCpuMilli: rec.cpu.recommendedMilli,
      recommendedMemoryMiB: rec.memory.recommendedMiB,
      monthlySavingUsd: rec.monthlySavingUsd,
      status: rec.status,
    };
  }
  const rightsizing = {
    monthlySavingUsd: rightsizingReport.monthlySavingUsd,
    applyCount: rightsizingReport.applyCount,
    belowThresholdCount: rightsizingReport.belowThresholdCount,
    workloadCount: containers.length,
    headroomPercent: input.policy.rightsizing.headroomPercent,
    severityThresholdMonthlyUsd: input.policy.rightsizing.severityThresholdMonthlyUsd,
    top: rightsizingReport.containers
      .filter((c) => c.status === 'apply')
      .sort((a, b) => b.monthlySavingUsd - a.monthlySavingUsd)
      .slice(0, 10)
      .map((c) => ({
        ...describeWorkload(c.workload),
        cpuRequestMilli: c.cpu.currentMilli,
        recommendedCpuMilli: c.cpu.recommendedMilli,
        memoryRequestMiB: c.memory.currentMiB,
        recommendedMemoryMiB: c.memory.recommendedMiB,
        monthlySavingUsd: c.monthlySavingUsd,
      })),
  };

  const combined = savings.combineSavings({
    monthlyRunRateUsd: runRate.monthlyRunRateUsd,
    hibernationMonthlyUsd: idle?.monthlyHibernationSavingsUsd ?? 0,
    binPackingMonthlyUsd: input.binPacking?.monthlySavingUsd ?? 0,
    spotMonthlyUsd: spot.monthlySavingUsd,
    rightsizingMonthlyUsd: rightsizing.monthlySavingUsd,
  });

  // Per node group: nodes, cost and the spot readiness of the pods on its nodes.
  const nodeGroupFigures = new Map<string, NodeGroupFigures>();
  const groupOfNode = new Map(model.nodes.map((n) => [n.name, n.nodeGroup?.id ?? null]));
  for (const n of model.nodes) {
    if (!n.nodeGroup) continue;
    const g = nodeGroupFigures.get(n.nodeGroup.id) ?? {
      nodeCount: 0,
      hourlyCostUsd: 0,
      spotReadinessScore: null,
    };
    g.nodeCount += 1;
    g.hourlyCostUsd += n.price.hourlyPriceUsd ?? 0;
    nodeGroupFigures.set(n.nodeGroup.id, g);
  }
  for (const [id, g] of nodeGroupFigures) {
    const onGroup = readiness.pods.filter((r) => r.eligible && groupOfNode.get(r.nodeName) === id);
    g.spotReadinessScore = onGroup.length ? onGroup.filter((r) => r.ready).length / onGroup.length : null;
  }

  const summary = {
    schemaVersion: summarySchemaVersion,
    computedAt: now.toISOString(),
    snapshotAt: snapshot.capturedAt,
    source: snapshot.source,
    kubernetesVersion: snapshot.kubernetesVersion,
    capacity,
    cost: {
      hourlyCostUsd: runRate.hourlyCostUsd,
      monthlyRunRateUsd: runRate.monthlyRunRateUsd,
      bySource: runRate.bySource,
      oldestCatalogAsOf: runRate.oldestCatalogAsOf,
      unpricedNodes,
    },
    fleet: {
      byCapacityType,
      byFamily: [...byFamily.values()].sort((a, b) => b.hourlyCostUsd - a.hourlyCostUsd),
      byInstanceType: [...byInstanceType.values()].sort((a, b) => b.hourlyCostUsd - a.hourlyCostUsd),
    },
    efficiency,
    spot,
    idle,
    stability,
    rightsizing,
    binPacking: input.binPacking,
    savings: combined,
    controlPlane: snapshot.controlPlane,
    historyWindow,
    notes,
  };
  return { summary, workloadFigures, nodeGroupFigures, monthlyRunRateUsd: runRate.monthlyRunRateUsd };
}

export type ClusterSummary = ReturnType<typeof computeClusterSummary>['summary'];

export type CompactGrid = ReturnType<typeof compactGrid>;

const hourStart = (d: Date) => {
  const h = new Date(d);
  h.setUTCMinutes(0, 0, 0);
  return h.toISOString();
};

/** The grid with its numbers rounded: the Cluster item stays small and the heatmap needs no more. */
function compactGrid(grid: savings.ActivityGrid) {
  return {
    ...grid,
    grid: grid.grid.map((row) => row.map((v) => (v === null ? null : round(v, 3)))),
  };
}

function interruptionProbability(live: LivePrices, region: string, instanceType: string): number | null {
  const prices = typePrices(live, region, instanceType);
  if (prices.interruptionBucket === null) return null;
  return savings.estimateInterruption({
    instanceType,
    region,
    bucket: savings.bucketFromIndex(prices.interruptionBucket),
    spotPriceHistoryUsd: prices.spotHistory,
  }).monthlyProbability;
}

function sum(values: readonly number[]): number {
  let s = 0;
  for (const v of values) s += v;
  return s;
}
