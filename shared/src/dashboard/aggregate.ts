import type { ScanProgress } from '../model/account';
import type {
  DashboardBinPacking,
  DashboardClusterRow,
  DashboardEfficiency,
  DashboardHeatmap,
  DashboardRange,
  DashboardResource,
  DashboardResponse,
  DashboardScan,
  DashboardSpot,
  DashboardStability,
  FleetSlice,
  ResourceGapResponse,
} from '../model/dashboard';
import { HOURS_PER_MONTH } from '../savings/cost';
import { type EfficiencyResult, fleetEfficiency } from '../savings/efficiency';
import { type SpotReadinessRule, spotReadinessRules } from '../savings/spot';
import { stabilityLevel } from '../savings/stability';
import { SAVINGS_OVERLAP_RULE } from '../savings/summary';
import { type ClusterSeriesInput, sumSeries } from './series';
import { type PackingView, type SummaryView, spotRuleText } from './summary-view';
import { TopList } from './top';

/**
 * The dashboard built from the clusters' precomputed summaries: pure (no I/O, `now` injected), so the
 * route does one read and this one pass, and the tests can check every total against its parts.
 */

export interface DashboardClusterInput {
  clusterId: string;
  name: string;
  accountId: string;
  /** The connected account's name; `null` when it is gone. */
  accountName: string | null;
  region: string;
  kubernetesVersion: string;
  nodeCount: number;
  podCount: number;
  monthlyRunRateUsd: number;
  timeZone: string;
  tags: Record<string, string>;
  lastSyncedAt: string | null;
  collection: DashboardClusterRow['collection'];
  summary: SummaryView | null;
}

export interface DashboardScope {
  accountId: string | null;
  clusterId: string | null;
}

const nonNeg = (v: number) => (Number.isFinite(v) && v > 0 ? v : 0);
const fraction = (v: number | null) =>
  v === null || !Number.isFinite(v) ? null : Math.min(1, Math.max(0, v));
const clamp100 = (v: number) => Math.min(100, Math.max(0, v));
const monthly = (hourlyUsd: number) => nonNeg(hourlyUsd) * HOURS_PER_MONTH;
const sum = (values: readonly number[]) => values.reduce((s, v) => s + v, 0);

/** A cluster's run rate: the summary's (what its savings were combined against), else the item's. */
export const runRateOf = (c: DashboardClusterInput) =>
  nonNeg(c.summary ? c.summary.cost.monthlyRunRateUsd : c.monthlyRunRateUsd);

/**
 * The scans running in scope, one progress per scanning account, as one: `null` when none runs; the
 * clusters found are unknown (`null`) while any account is still reading its regions.
 */
export function scanOf(scans: readonly ScanProgress[]): DashboardScan | null {
  if (scans.length === 0) return null;
  const found = scans.map((s) => s.clustersFound);
  return {
    accountsScanning: scans.length,
    clustersFound: found.some((f) => f === null) ? null : sum(found as number[]),
    clustersCollected: sum(scans.map((s) => s.clustersCollected)),
    clustersFailed: sum(scans.map((s) => s.clustersFailed)),
  };
}

/** The clusters' part of `dataVersionOf`: one line per cluster, sorted (kept by a cached answer). */
export function dataVersionLines(clusters: readonly DashboardClusterInput[]): string[] {
  return clusters
    .map(
      (c) => `${c.clusterId}@${c.summary?.computedAt ?? ''}@${c.lastSyncedAt ?? ''}@${c.collection.status}`,
    )
    .sort();
}

/** `dataVersionOf` from the clusters' lines (`dataVersionLines`) and the scan. */
export function dataVersionOfLines(lines: readonly string[], scan: DashboardScan | null): string {
  const text = [
    ...lines,
    ...(scan
      ? [
          `scan@${scan.accountsScanning}@${scan.clustersFound}@${scan.clustersCollected}@${scan.clustersFailed}`,
        ]
      : []),
  ].join('\n');
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (let i = 0; i < text.length; i += 1) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 0x01000193) >>> 0;
    h2 = Math.imul(h2 ^ ch, 0x5bd1e995) >>> 0;
  }
  return `${lines.length}-${h1.toString(16).padStart(8, '0')}${h2.toString(16).padStart(8, '0')}`;
}

/**
 * Changes whenever a summary in scope changes (or a cluster comes or goes, or a scan moves on): FNV-1a
 * over the sorted `clusterId@computedAt@lastSyncedAt` and the scan's counts. Not a security hash: only
 * a cache key for the SPA.
 */
export const dataVersionOf = (
  clusters: readonly DashboardClusterInput[],
  scan: DashboardScan | null = null,
): string => dataVersionOfLines(dataVersionLines(clusters), scan);

function efficiencyOf(s: SummaryView | null): DashboardEfficiency {
  const e = s?.efficiency;
  if (!e) {
    return {
      score: null,
      grade: null,
      cpuUtilization: null,
      memoryUtilization: null,
      totalHourlyCostUsd: 0,
      nodeCount: 0,
      basis: 'unavailable',
    };
  }
  return {
    score: fraction(e.score),
    grade: e.grade,
    cpuUtilization: fraction(e.cpuUtilization),
    memoryUtilization: fraction(e.memoryUtilization),
    totalHourlyCostUsd: nonNeg(e.totalHourlyCostUsd),
    nodeCount: Math.max(0, Math.round(e.nodeCount)),
    basis: e.basis,
  };
}

export function clusterRow(c: DashboardClusterInput): DashboardClusterRow {
  return {
    clusterId: c.clusterId,
    name: c.name,
    accountId: c.accountId,
    accountName: c.accountName,
    region: c.region,
    kubernetesVersion: c.kubernetesVersion,
    nodeCount: Math.max(0, Math.round(c.nodeCount)),
    podCount: Math.max(0, Math.round(c.podCount)),
    monthlyRunRateUsd: runRateOf(c),
    efficiency: efficiencyOf(c.summary),
    potentialSavingsMonthlyUsd: nonNeg(c.summary?.savings?.totalMonthlyUsd ?? 0),
    stabilityIndex: c.summary?.stability ? clamp100(c.summary.stability.index) : null,
    spotReadinessScore: fraction(c.summary?.spot?.scoreByCount ?? null),
    timeZone: c.timeZone,
    tags: c.tags,
    lastSyncedAt: c.lastSyncedAt,
    collection: c.collection,
  };
}

/** Header figures: each cluster's combined savings, and its incremental steps by source, summed. */
export function summarize(clusters: readonly DashboardClusterInput[]): DashboardResponse['summary'] {
  const bySource = { hibernation: 0, 'bin-packing': 0, spot: 0, rightsizing: 0 } as Record<string, number>;
  let total = 0;
  let naive = 0;
  let runRate = 0;
  for (const c of clusters) {
    const clusterRunRate = runRateOf(c);
    runRate += clusterRunRate;
    const s = c.summary?.savings;
    if (!s) continue;
    // The steps are the truth; the stored total is their sum (re-added so the header adds up exactly).
    let clusterTotal = 0;
    for (const step of s.steps) {
      const v = nonNeg(step.incrementalMonthlyUsd);
      if (step.source in bySource) {
        bySource[step.source] = (bySource[step.source] ?? 0) + v;
        clusterTotal += v;
      }
    }
    total += Math.min(clusterTotal, clusterRunRate);
    naive += nonNeg(s.naiveSumMonthlyUsd);
  }
  return {
    clusterCount: clusters.length,
    nodeCount: sum(clusters.map((c) => Math.max(0, Math.round(c.nodeCount)))),
    monthlyRunRateUsd: runRate,
    potentialSavings: {
      totalMonthlyUsd: total,
      binPackingMonthlyUsd: bySource['bin-packing'] ?? 0,
      spotMonthlyUsd: bySource.spot ?? 0,
      hibernationMonthlyUsd: bySource.hibernation ?? 0,
      rightsizingMonthlyUsd: bySource.rightsizing ?? 0,
      naiveSumMonthlyUsd: naive,
      projectedMonthlyCostUsd: nonNeg(runRate - total),
    },
    overlapRule: SAVINGS_OVERLAP_RULE,
    unmanaged: {
      workloadCount: sum(
        clusters.map((c) => Math.max(0, Math.round(c.summary?.unmanaged.workloadCount ?? 0))),
      ),
      nodeCount: sum(clusters.map((c) => Math.max(0, Math.round(c.summary?.unmanaged.nodeCount ?? 0)))),
      monthlyCostUsd: sum(clusters.map((c) => nonNeg(c.summary?.unmanaged.monthlyCostUsd ?? 0))),
    },
  };
}

/** Bin packing over the clusters with an estimate: plan within (plan - bound) / plan of the best. */
export function binPackingOf(clusters: readonly DashboardClusterInput[]): DashboardBinPacking {
  const now = {
    capacityCpuMilli: 0,
    requestedCpuMilli: 0,
    usedCpuMilli: null as number | null,
    capacityMemoryMiB: 0,
    requestedMemoryMiB: 0,
    usedMemoryMiB: null as number | null,
  };
  for (const c of clusters) {
    const s = c.summary;
    if (!s) continue;
    now.capacityCpuMilli += nonNeg(s.capacity.cpuMilli);
    now.requestedCpuMilli += nonNeg(s.capacity.requestedCpuMilli);
    now.capacityMemoryMiB += nonNeg(s.capacity.memoryMiB);
    now.requestedMemoryMiB += nonNeg(s.capacity.requestedMemoryMiB);
    if (s.capacity.usedCpuMilli !== null)
      now.usedCpuMilli = (now.usedCpuMilli ?? 0) + nonNeg(s.capacity.usedCpuMilli);
    if (s.capacity.usedMemoryMiB !== null)
      now.usedMemoryMiB = (now.usedMemoryMiB ?? 0) + nonNeg(s.capacity.usedMemoryMiB);
  }
  return { ...packingTotals(clusters.map((c) => c.summary?.binPacking)), now };
}

/**
 * The packer estimates summed over the clusters that have one (the dashboard's Bin packing widget and the
 * Resource Gap route's figures, from the cards and from the series items' copy respectively).
 */
export function packingTotals(
  estimates: readonly (PackingView | null | undefined)[],
): Omit<DashboardBinPacking, 'now'> {
  let saving = 0;
  let current = 0;
  let plan = 0;
  let bound = 0;
  let estimated = 0;
  let nodesNow = 0;
  let nodesInPlan = 0;
  for (const b of estimates) {
    if (!b) continue;
    estimated += 1;
    saving += nonNeg(b.monthlySavingUsd);
    current += monthly(b.currentHourlyCostUsd);
    plan += monthly(b.planHourlyCostUsd);
    bound += monthly(Math.min(b.lowerBoundHourlyCostUsd, b.planHourlyCostUsd));
    nodesNow += Math.max(0, Math.round(b.nodesNow));
    nodesInPlan += Math.max(0, Math.round(b.nodesInPlan));
  }
  return {
    monthlySavingUsd: saving,
    currentMonthlyCostUsd: current,
    planMonthlyCostUsd: plan,
    lowerBoundMonthlyCostUsd: bound,
    withinPctOfBest: estimated > 0 && plan > 0 ? nonNeg(((plan - bound) / plan) * 100) : null,
    clustersEstimated: estimated,
    nodesNow,
    nodesInPlan,
  };
}

/** Capacity type -> family -> instance type; old summaries (no per-type breakdown) stop at the family. */
export function fleetSunburst(clusters: readonly DashboardClusterInput[]): FleetSlice[] {
  type Node = { nodes: number; hourly: number; children: Map<string, Node> };
  const root = new Map<string, Node>();
  const child = (m: Map<string, Node>, name: string) => {
    let node = m.get(name);
    if (!node) {
      node = { nodes: 0, hourly: 0, children: new Map() };
      m.set(name, node);
    }
    return node;
  };
  for (const c of clusters) {
    const fleet = c.summary?.fleet;
    if (!fleet) continue;
    const rows = fleet.byInstanceType ?? fleet.byFamily.map((f) => ({ ...f, instanceType: null }));
    for (const r of rows) {
      const path = [r.capacityType, r.family, ...(r.instanceType ? [r.instanceType] : [])];
      let level = root;
      for (const name of path) {
        const node = child(level, name);
        node.nodes += Math.max(0, Math.round(r.nodes));
        node.hourly += nonNeg(r.hourlyCostUsd);
        level = node.children;
      }
    }
  }
  const toSlices = (m: Map<string, Node>): FleetSlice[] =>
    [...m.entries()]
      .map(([name, node]) => ({
        name,
        nodes: node.nodes,
        monthlyCostUsd: monthly(node.hourly),
        ...(node.children.size ? { children: toSlices(node.children) } : {}),
      }))
      .sort(
        (a, b) => b.monthlyCostUsd - a.monthlyCostUsd || b.nodes - a.nodes || a.name.localeCompare(b.name),
      );
  return toSlices(root);
}

const blockingRules = spotReadinessRules.filter((r) => r !== 'exempt' && r !== 'daemonset');

export function spotOf(clusters: readonly DashboardClusterInput[]): DashboardSpot {
  let eligible = 0;
  let ready = 0;
  let eligibleCpu = 0;
  let readyCpu = 0;
  let onSpot = 0;
  let saving = 0;
  const ruleCounts = new Map<SpotReadinessRule, number>();
  // Only the fleet's top 10 of each are sent: ranked as offered (the clusters' order), built when kept.
  const candidates = new TopList<DashboardSpot['topCandidates'][number]>(10);
  const topBlockers = new TopList<DashboardSpot['topBlockers'][number]>(10);
  for (const c of clusters) {
    const s = c.summary?.spot;
    if (!s) continue;
    eligible += Math.max(0, Math.round(s.eligibleCount));
    ready += Math.max(0, Math.round(s.readyCount));
    eligibleCpu += nonNeg(s.eligibleCpuMilli);
    readyCpu += nonNeg(s.readyCpuMilli);
    onSpot += Math.max(0, Math.round(s.alreadyOnSpotCount));
    saving += nonNeg(s.monthlySavingUsd);
    for (const rule of blockingRules)
      ruleCounts.set(
        rule,
        (ruleCounts.get(rule) ?? 0) + Math.max(0, Math.round(s.firstFailingRuleCounts[rule] ?? 0)),
      );
    for (const w of s.topCandidates) {
      const monthlySavingUsd = nonNeg(w.monthlySavingUsd);
      candidates.offer(monthlySavingUsd, () => ({
        clusterId: c.clusterId,
        clusterName: c.name,
        ...workloadOf(w),
        monthlySavingUsd,
        reason: w.reason,
      }));
    }
    for (const w of s.topBlockers) {
      const requestCpuMilli = nonNeg(w.requestCpuMilli);
      topBlockers.offer(requestCpuMilli, () => ({
        clusterId: c.clusterId,
        clusterName: c.name,
        ...workloadOf(w),
        rule: w.rule,
        reason: w.reason,
        requestCpuMilli,
      }));
    }
  }
  return {
    readinessScore: eligible > 0 ? fraction(ready / eligible) : null,
    readinessScoreByCpu: eligibleCpu > 0 ? fraction(readyCpu / eligibleCpu) : null,
    eligibleCount: eligible,
    readyCount: ready,
    alreadyOnSpotCount: onSpot,
    monthlySavingUsd: saving,
    fleet: fleetSunburst(clusters),
    topCandidates: candidates.items(),
    blockers: [...ruleCounts.entries()]
      .filter(([, count]) => count > 0)
      .sort((a, b) => b[1] - a[1])
      .map(([rule, count]) => ({ rule, reason: spotRuleText[rule], count })),
    topBlockers: topBlockers.items(),
  };
}

const workloadOf = (w: { namespace: string; kind: string; name: string; replicas: number }) => ({
  namespace: w.namespace,
  kind: w.kind,
  name: w.name,
  replicas: Math.max(0, Math.round(w.replicas)),
});

/**
 * What a fleet's dashboard answer carries per cluster, at most (issue 17: under 100 KiB at 500
 * clusters, where every heatmap and row was 1.66 MB). The totals always cover every cluster in scope;
 * the lists are the top ones: heatmaps by hibernation saving (a 7 x 24 grid is ~2.5 KiB; the next
 * `heatmapChoices` are named and fetched on selection), the clusters table by run rate (the registry
 * pages through all of them), the least stable clusters (the gauge shows three).
 */
export const dashboardLimits = { heatmaps: 5, heatmapChoices: 100, clusterRows: 50, stabilityClusters: 10 };

export function hibernationOf(clusters: readonly DashboardClusterInput[]): DashboardResponse['hibernation'] {
  const maps: DashboardHeatmap[] = [];
  let saving = 0;
  for (const c of clusters) {
    const idle = c.summary?.idle;
    if (!idle) continue;
    saving += nonNeg(idle.monthlyHibernationSavingsUsd);
    maps.push({
      clusterId: c.clusterId,
      clusterName: c.name,
      timeZone: idle.timeZone || c.timeZone,
      grid: idle.grid,
      classification: idle.classification,
      idleThreshold: idle.idleThreshold,
      idleCellsPerWeek: Math.max(0, Math.round(idle.idleCellsPerWeek)),
      hourlyClusterCostUsd: nonNeg(idle.hourlyClusterCostUsd),
      monthlySavingUsd: nonNeg(idle.monthlyHibernationSavingsUsd),
      windowStart: idle.windowStart,
      windowEnd: idle.windowEnd,
    });
  }
  const sorted = maps.sort((a, b) => b.monthlySavingUsd - a.monthlySavingUsd);
  return {
    monthlySavingUsd: saving,
    clusters: sorted.slice(0, dashboardLimits.heatmaps),
    others: sorted.slice(dashboardLimits.heatmaps, dashboardLimits.heatmapChoices).map((m) => ({
      clusterId: m.clusterId,
      clusterName: m.clusterName,
      monthlySavingUsd: m.monthlySavingUsd,
    })),
  };
}

const round2 = (v: number) => Math.round(v * 100) / 100;

/**
 * Node-weighted over the clusters with a stability figure (a cluster with no node counts once, so a
 * fleet of empty clusters still has an index): the index, each penalty and each measured value.
 */
export function stabilityOf(clusters: readonly DashboardClusterInput[]): DashboardStability {
  const rated = clusters.filter((c) => c.summary?.stability);
  const weightOf = (c: DashboardClusterInput) => Math.max(1, c.nodeCount);
  const weighted = (f: (s: NonNullable<SummaryView['stability']>) => number | null) => {
    let w = 0;
    let v = 0;
    for (const c of rated) {
      const s = c.summary?.stability;
      const x = s ? f(s) : null;
      if (x === null || !Number.isFinite(x)) continue;
      w += weightOf(c);
      v += weightOf(c) * x;
    }
    return w > 0 ? v / w : null;
  };
  const index = rated.length ? clamp100(weighted((s) => s.index) ?? 100) : null;
  const pressure = weighted((s) => s.pressure.value);
  const risk = weighted((s) => s.spot.value);
  const latency = weighted((s) => s.latency.value);
  const components: DashboardStability['components'] = rated.length
    ? [
        {
          key: 'pressure',
          label: 'Node pressure',
          weight: 40,
          penalty: nonNeg(weighted((s) => s.pressure.penalty) ?? 0),
          value: pressure,
          detail:
            pressure === null ? 'No node-days observed' : `${round2(pressure)} pressure events per node-day`,
        },
        {
          key: 'spot',
          label: 'Spot interruption risk',
          weight: 30,
          penalty: nonNeg(weighted((s) => s.spot.penalty) ?? 0),
          value: risk,
          detail: `${round2((risk ?? 0) * 100)} % expected capacity interrupted per month`,
        },
        {
          key: 'latency',
          label: 'Control-plane latency',
          weight: 30,
          penalty: nonNeg(weighted((s) => s.latency.penalty) ?? 0),
          value: latency,
          detail:
            latency === null ? 'API latency not measured' : `API p99 at ${round2(latency)}x its objective`,
        },
      ]
    : [];
  // Recent days: per day, node-weighted by each cluster's mean node count that day.
  const days = new Map<string, { w: number; index: number; p: number; s: number; l: number }>();
  for (const c of rated) {
    for (const d of c.summary?.stability?.recent ?? []) {
      const w = Math.max(1, d.nodeCount);
      const acc = days.get(d.day) ?? { w: 0, index: 0, p: 0, s: 0, l: 0 };
      acc.w += w;
      acc.index += w * d.index;
      acc.p += w * d.pressurePenalty;
      acc.s += w * d.spotPenalty;
      acc.l += w * d.latencyPenalty;
      days.set(d.day, acc);
    }
  }
  const recent = [...days.entries()]
    .sort((a, b) => a[0].localeCompare(b[0]))
    .slice(-7)
    .map(([day, a]) => ({
      day,
      index: clamp100(round2(a.index / a.w)),
      pressurePenalty: nonNeg(round2(a.p / a.w)),
      spotPenalty: nonNeg(round2(a.s / a.w)),
      latencyPenalty: nonNeg(round2(a.l / a.w)),
    }));
  return {
    index,
    level: index === null ? null : stabilityLevel(index),
    components,
    recent,
    clusters: rated
      .map((c) => {
        const i = clamp100(c.summary?.stability?.index ?? 100);
        return { clusterId: c.clusterId, clusterName: c.name, index: i, level: stabilityLevel(i) };
      })
      .sort((a, b) => a.index - b.index || a.clusterName.localeCompare(b.clusterName))
      .slice(0, dashboardLimits.stabilityClusters),
  };
}

/** Fleet efficiency: `savings.fleetEfficiency` over the clusters' results (equal to pooling their nodes). */
export function efficiencyFleet(clusters: readonly DashboardClusterInput[]): DashboardEfficiency {
  const results: EfficiencyResult[] = [];
  let measured = false;
  for (const c of clusters) {
    const e = c.summary?.efficiency;
    if (!e) continue;
    if (e.basis === 'metrics-server') measured = true;
    results.push({
      score: e.score,
      grade: e.grade,
      cpuUtilization: e.cpuUtilization,
      memoryUtilization: e.memoryUtilization,
      totalHourlyCostUsd: nonNeg(e.totalHourlyCostUsd),
      nodeCount: Math.max(0, Math.round(e.nodeCount)),
    });
  }
  const fleet = fleetEfficiency(results);
  return {
    score: fraction(fleet.score),
    grade: fleet.grade,
    cpuUtilization: fraction(fleet.cpuUtilization),
    memoryUtilization: fraction(fleet.memoryUtilization),
    totalHourlyCostUsd: nonNeg(fleet.totalHourlyCostUsd),
    nodeCount: fleet.nodeCount,
    basis: measured ? 'metrics-server' : 'unavailable',
  };
}

/**
 * The order every list and every sum of the answer follows: run rate, the highest first, then name,
 * then id (a code-unit comparison: the order of the cards' sort keys), so the answer does not depend on
 * the order its clusters were read in (cards by key, or digests by shard).
 */
export function sortedForDashboard(clusters: readonly DashboardClusterInput[]): DashboardClusterInput[] {
  return [...clusters].sort(
    (a, b) =>
      runRateOf(b) - runRateOf(a) ||
      a.name.localeCompare(b.name) ||
      (a.clusterId < b.clusterId ? -1 : a.clusterId > b.clusterId ? 1 : 0),
  );
}

/**
 * Bumped when `DashboardBase` changes shape or one of its figures is computed differently: a part kept by
 * code of another format is not answered, it is built again (ADR 0072).
 */
export const dashboardBaseFormat = 1;

/**
 * Everything of the answer that its clusters decide (all but the time, the scans and the version that
 * covers them): what a reader may keep while its clusters' data has not changed (ADR 0064).
 */
export interface DashboardBase {
  scope: DashboardScope;
  versionLines: string[];
  /** `dataVersion` when no scan runs in scope (the usual request: no hash per request). */
  dataVersionWithoutScan: string;
  parts: Omit<DashboardResponse, 'generatedAt' | 'scope' | 'dataVersion' | 'scan'>;
}

export function buildDashboardBase(
  input: Pick<Parameters<typeof buildDashboard>[0], 'clusters' | 'scope'>,
): DashboardBase {
  const clusters = sortedForDashboard(input.clusters);
  const notes: string[] = [];
  const unread = clusters.filter((c) => !c.summary);
  if (unread.length)
    notes.push(
      `${unread.length} cluster(s) not read yet (${unread
        .slice(0, 5)
        .map((c) => c.name)
        .join(', ')}${unread.length > 5 ? ', …' : ''}): they add no figures until their first snapshot.`,
    );
  for (const c of clusters.filter((x) => x.collection.status === 'error').slice(0, 5))
    notes.push(
      `${c.name}: the last collection failed (${c.collection.reason ?? 'no reason given'}); figures are from its last snapshot.`,
    );
  const synced = clusters.map((c) => c.lastSyncedAt).filter((t): t is string => t !== null);
  const versionLines = dataVersionLines(clusters);
  return {
    scope: input.scope,
    versionLines,
    dataVersionWithoutScan: dataVersionOfLines(versionLines, null),
    parts: {
      lastSyncedAt: synced.sort().at(-1) ?? null,
      summary: summarize(clusters),
      clusters: clusters.slice(0, dashboardLimits.clusterRows).map(clusterRow),
      binPacking: binPackingOf(clusters),
      spot: spotOf(clusters),
      hibernation: hibernationOf(clusters),
      stability: stabilityOf(clusters),
      efficiency: efficiencyFleet(clusters),
      notes,
    },
  };
}

/** The answer from its clusters' part (`buildDashboardBase`), the scans in scope and the time. */
export function dashboardFromBase(
  base: DashboardBase,
  scans: readonly ScanProgress[],
  now: Date,
): DashboardResponse {
  const scan = scanOf(scans);
  const { lastSyncedAt, ...rest } = base.parts;
  return {
    generatedAt: now.toISOString(),
    scope: base.scope,
    dataVersion: scan ? dataVersionOfLines(base.versionLines, scan) : base.dataVersionWithoutScan,
    lastSyncedAt,
    scan,
    ...rest,
  };
}

export function buildDashboard(input: {
  clusters: readonly DashboardClusterInput[];
  scope: DashboardScope;
  /** The progress of each scanning account in scope (none: no scan runs). */
  scans?: readonly ScanProgress[];
  now: Date;
}): DashboardResponse {
  return dashboardFromBase(buildDashboardBase(input), input.scans ?? [], input.now);
}

export function buildResourceGap(input: {
  range: DashboardRange;
  resource: DashboardResource;
  /** The clusters in scope: their series and their bin-packing estimates (`packing`). */
  series: readonly ClusterSeriesInput[];
  now: Date;
}): ResourceGapResponse {
  const summed = sumSeries(input.series, input.range, input.resource, input.now);
  const packing = packingTotals(input.series.map((s) => s.packing));
  return {
    range: input.range,
    resource: input.resource,
    unit: input.resource === 'cpu' ? 'vCPU' : 'GiB',
    stepMinutes: summed.stepMinutes,
    points: summed.points,
    binPacking: { monthlySavingUsd: packing.monthlySavingUsd, withinPctOfBest: packing.withinPctOfBest },
  };
}
