import { type DashboardClusterInput, hibernationOf, sortedForDashboard, spotOf } from './aggregate';
import type { DashboardCard } from './card';
import type { SummaryView } from './summary-view';

/**
 * A cluster's dashboard digest (ADR 0062): its card without the parts only a few clusters of a fleet's
 * answer show in full, so the fleet's answer can be computed from 16 shard items instead of one card per
 * cluster. Left out: the heatmap's 7 x 24 grid and classes (only the top clusters' are sent), the spot
 * candidates' and blockers' workloads (only the fleet's top 10 of each are sent; the digest keeps each
 * one's figure, which decides the ranking), and the summary's notes (the dashboard does not read them).
 * Everything else is the card's value as it is, so every total computed from digests is the card's.
 *
 * A positional JSON array (about a third of the keyed form): written in the same transaction as its card,
 * from the card itself, so the two cannot disagree.
 */

/** Bumped when the layout changes: a digest of another format is not read (the route reads the cards). */
export const digestFormat = 1;

type Summary = SummaryView;
type Spot = NonNullable<Summary['spot']>;
type Idle = NonNullable<Summary['idle']>;
type Stability = NonNullable<Summary['stability']>;

const capacityOf = (c: Summary['capacity']) => [
  c.cpuMilli,
  c.memoryMiB,
  c.requestedCpuMilli,
  c.requestedMemoryMiB,
  c.usedCpuMilli,
  c.usedMemoryMiB,
];

const spotDigest = (s: Spot) => [
  s.scoreByCount,
  s.scoreByCpu,
  s.eligibleCount,
  s.readyCount,
  s.eligibleCpuMilli,
  s.readyCpuMilli,
  s.firstFailingRuleCounts,
  s.monthlySavingUsd,
  s.alreadyOnSpotCount,
  s.topCandidates.map((w) => w.monthlySavingUsd),
  s.topBlockers.map((w) => w.requestCpuMilli),
];

const idleDigest = (i: Idle) => [
  i.timeZone,
  i.windowStart,
  i.windowEnd,
  i.idleThreshold,
  i.idleCellsPerWeek,
  i.hourlyClusterCostUsd,
  i.monthlyHibernationSavingsUsd,
];

const stabilityDigest = (s: Stability) => [
  s.index,
  [s.pressure.value, s.pressure.penalty, s.pressure.weight, s.pressure.eventsPerNodeDay],
  [s.spot.value, s.spot.penalty, s.spot.weight, s.spot.spotShare, s.spot.meanSpotMonthlyProbability],
  [s.latency.value, s.latency.penalty, s.latency.weight, s.latency.p99Ms, s.latency.objectiveP99Ms],
  s.windowDays,
  s.pressureEventCount,
  s.recent.map((d) => [d.day, d.index, d.pressurePenalty, d.spotPenalty, d.latencyPenalty, d.nodeCount]),
];

const summaryDigest = (s: Summary) => [
  s.computedAt,
  capacityOf(s.capacity),
  [s.cost.hourlyCostUsd, s.cost.monthlyRunRateUsd],
  s.fleet.byFamily.map((f) => [f.capacityType, f.family, f.nodes, f.hourlyCostUsd]),
  s.fleet.byInstanceType?.map((f) => [f.capacityType, f.family, f.instanceType, f.nodes, f.hourlyCostUsd]) ??
    null,
  s.efficiency
    ? [
        s.efficiency.score,
        s.efficiency.grade,
        s.efficiency.cpuUtilization,
        s.efficiency.memoryUtilization,
        s.efficiency.totalHourlyCostUsd,
        s.efficiency.nodeCount,
        s.efficiency.basis,
      ]
    : null,
  s.spot ? spotDigest(s.spot) : null,
  s.idle ? idleDigest(s.idle) : null,
  s.stability ? stabilityDigest(s.stability) : null,
  s.rightsizing.monthlySavingUsd,
  s.binPacking
    ? [
        s.binPacking.currentHourlyCostUsd,
        s.binPacking.planHourlyCostUsd,
        s.binPacking.lowerBoundHourlyCostUsd,
        s.binPacking.monthlySavingUsd,
        s.binPacking.nodesNow,
        s.binPacking.nodesInPlan,
      ]
    : null,
  [s.unmanaged.workloadCount, s.unmanaged.nodeCount, s.unmanaged.monthlyCostUsd],
  s.savings
    ? [
        s.savings.steps.map((x) => [x.source, x.standaloneMonthlyUsd, x.incrementalMonthlyUsd]),
        s.savings.totalMonthlyUsd,
        s.savings.naiveSumMonthlyUsd,
        s.savings.projectedMonthlyCostUsd,
      ]
    : null,
];

/** The digest of a card (as `decodeCard` returns it); the cluster's id is the attribute's name, not in it. */
export function encodeDigest(card: DashboardCard): string {
  return JSON.stringify([
    digestFormat,
    card.name,
    card.accountId,
    card.region,
    card.kubernetesVersion,
    card.nodeCount,
    card.podCount,
    card.monthlyRunRateUsd,
    card.timeZone,
    card.tags,
    card.lastSyncedAt,
    [card.collection.status, card.collection.reason, card.collection.source],
    card.summary ? summaryDigest(card.summary) : null,
  ]);
}

// The decoders below read what `encodeDigest` wrote (a format checked first): positions, not guesses.
type Json = unknown[];
const arr = (v: unknown): Json => (Array.isArray(v) ? v : []);

function decodeSpot(v: Json): Spot {
  const [scoreByCount, scoreByCpu, eligibleCount, readyCount, eligibleCpu, readyCpu, rules, saving, onSpot] =
    v;
  return {
    scoreByCount: scoreByCount as number | null,
    scoreByCpu: scoreByCpu as number | null,
    eligibleCount: eligibleCount as number,
    readyCount: readyCount as number,
    eligibleCpuMilli: eligibleCpu as number,
    readyCpuMilli: readyCpu as number,
    firstFailingRuleCounts: rules as Record<string, number>,
    monthlySavingUsd: saving as number,
    alreadyOnSpotCount: onSpot as number,
    // Only the figure that ranks each: the fleet's top ones are read from their cards.
    topCandidates: arr(v[9]).map((x) => ({
      namespace: '',
      kind: '',
      name: '',
      replicas: 0,
      monthlySavingUsd: x as number,
      reason: '',
    })),
    topBlockers: arr(v[10]).map((x) => ({
      namespace: '',
      kind: '',
      name: '',
      replicas: 0,
      rule: '',
      reason: '',
      requestCpuMilli: x as number,
    })),
  };
}

function decodeIdle(v: Json): Idle {
  const [timeZone, windowStart, windowEnd, idleThreshold, idleCells, hourly, saving] = v;
  return {
    timeZone: timeZone as string,
    windowStart: windowStart as string,
    windowEnd: windowEnd as string,
    idleThreshold: idleThreshold as number,
    // Only the top clusters' heatmaps are sent: theirs are read from their cards.
    grid: [],
    classification: [],
    idleCellsPerWeek: idleCells as number,
    hourlyClusterCostUsd: hourly as number,
    monthlyHibernationSavingsUsd: saving as number,
  };
}

function decodeStability(v: Json): Stability {
  const [index, p, s, l, windowDays, pressureEventCount, recent] = v;
  const [pv, pp, pw, events] = arr(p);
  const [sv, sp, sw, share, probability] = arr(s);
  const [lv, lp, lw, p99, objective] = arr(l);
  return {
    index: index as number,
    pressure: {
      value: pv as number | null,
      penalty: pp as number,
      weight: pw as number,
      eventsPerNodeDay: events as number | null,
    },
    spot: {
      value: sv as number | null,
      penalty: sp as number,
      weight: sw as number,
      spotShare: share as number,
      meanSpotMonthlyProbability: probability as number | null,
    },
    latency: {
      value: lv as number | null,
      penalty: lp as number,
      weight: lw as number,
      p99Ms: p99 as number | null,
      objectiveP99Ms: objective as number,
    },
    windowDays: windowDays as number,
    pressureEventCount: pressureEventCount as number,
    recent: arr(recent).map((d) => {
      const [day, i, pressurePenalty, spotPenalty, latencyPenalty, nodeCount] = arr(d);
      return {
        day: day as string,
        index: i as number,
        pressurePenalty: pressurePenalty as number,
        spotPenalty: spotPenalty as number,
        latencyPenalty: latencyPenalty as number,
        nodeCount: nodeCount as number,
      };
    }),
  };
}

function decodeSummary(v: Json): Summary {
  const [computedAt, capacity, cost, byFamily, byType, efficiency, spot, idle, stability, rightsizing] = v;
  const [binPacking, unmanaged, savings] = [v[10], v[11], v[12]];
  const [cpuMilli, memoryMiB, requestedCpuMilli, requestedMemoryMiB, usedCpuMilli, usedMemoryMiB] =
    arr(capacity);
  const e = Array.isArray(efficiency) ? efficiency : null;
  const b = Array.isArray(binPacking) ? binPacking : null;
  const u = arr(unmanaged);
  const s = Array.isArray(savings) ? savings : null;
  return {
    computedAt: computedAt as string,
    capacity: {
      cpuMilli: cpuMilli as number,
      memoryMiB: memoryMiB as number,
      requestedCpuMilli: requestedCpuMilli as number,
      requestedMemoryMiB: requestedMemoryMiB as number,
      usedCpuMilli: usedCpuMilli as number | null,
      usedMemoryMiB: usedMemoryMiB as number | null,
    },
    cost: { hourlyCostUsd: arr(cost)[0] as number, monthlyRunRateUsd: arr(cost)[1] as number },
    fleet: {
      byFamily: arr(byFamily).map((r) => {
        const [capacityType, family, nodes, hourlyCostUsd] = arr(r);
        return {
          capacityType: capacityType as string,
          family: family as string,
          nodes: nodes as number,
          hourlyCostUsd: hourlyCostUsd as number,
        };
      }),
      byInstanceType: Array.isArray(byType)
        ? byType.map((r) => {
            const [capacityType, family, instanceType, nodes, hourlyCostUsd] = arr(r);
            return {
              capacityType: capacityType as string,
              family: family as string,
              instanceType: instanceType as string,
              nodes: nodes as number,
              hourlyCostUsd: hourlyCostUsd as number,
            };
          })
        : null,
    },
    efficiency: e
      ? {
          score: e[0] as number | null,
          grade: e[1] as NonNullable<Summary['efficiency']>['grade'],
          cpuUtilization: e[2] as number | null,
          memoryUtilization: e[3] as number | null,
          totalHourlyCostUsd: e[4] as number,
          nodeCount: e[5] as number,
          basis: e[6] as NonNullable<Summary['efficiency']>['basis'],
        }
      : null,
    spot: Array.isArray(spot) ? decodeSpot(spot) : null,
    idle: Array.isArray(idle) ? decodeIdle(idle) : null,
    stability: Array.isArray(stability) ? decodeStability(stability) : null,
    rightsizing: { monthlySavingUsd: rightsizing as number },
    binPacking: b
      ? {
          currentHourlyCostUsd: b[0] as number,
          planHourlyCostUsd: b[1] as number,
          lowerBoundHourlyCostUsd: b[2] as number,
          monthlySavingUsd: b[3] as number,
          nodesNow: b[4] as number,
          nodesInPlan: b[5] as number,
        }
      : null,
    unmanaged: {
      workloadCount: u[0] as number,
      nodeCount: u[1] as number,
      monthlyCostUsd: u[2] as number,
    },
    savings: s
      ? {
          steps: arr(s[0]).map((x) => {
            const [source, standalone, incremental] = arr(x);
            return {
              source: source as string,
              standaloneMonthlyUsd: standalone as number,
              incrementalMonthlyUsd: incremental as number,
            };
          }),
          totalMonthlyUsd: s[1] as number,
          naiveSumMonthlyUsd: s[2] as number,
          projectedMonthlyCostUsd: s[3] as number,
        }
      : null,
    notes: [],
  };
}

/**
 * The card a digest stands for, with the parts it leaves out empty (see above): `null` when the text is
 * not a digest of this format (the route then answers from the cards).
 */
export function decodeDigest(clusterId: string, text: string): DashboardCard | null {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return null;
  }
  if (!Array.isArray(raw) || raw[0] !== digestFormat || raw.length !== 13) return null;
  const [, name, accountId, region, version, nodeCount, podCount, runRate, timeZone, tags, synced] = raw;
  const [status, reason, source] = arr(raw[11]);
  if (typeof name !== 'string' || typeof accountId !== 'string') return null;
  return {
    clusterId,
    name,
    accountId,
    region: region as string,
    kubernetesVersion: version as string,
    nodeCount: nodeCount as number,
    podCount: podCount as number,
    monthlyRunRateUsd: runRate as number,
    timeZone: timeZone as string,
    tags: tags as Record<string, string>,
    lastSyncedAt: synced as string | null,
    collection: {
      status: status as DashboardCard['collection']['status'],
      reason: reason as string | null,
      source: source as DashboardCard['collection']['source'],
    },
    summary: Array.isArray(raw[12]) ? decodeSummary(raw[12]) : null,
  };
}

/**
 * The clusters whose full cards a fleet's answer needs, from their digests: the ones whose heatmaps it
 * sends and the owners of its top spot candidates and blockers. Found by the same functions that build
 * the answer, over the same order, so the ranking (ties included) is the answer's: the digests keep every
 * figure the rankings compare. Every other cluster's left-out parts never reach the answer.
 */
export function clustersShownInFull(clusters: readonly DashboardClusterInput[]): Set<string> {
  const sorted = sortedForDashboard(clusters);
  const ids = new Set(hibernationOf(sorted).clusters.map((h) => h.clusterId));
  const spot = spotOf(sorted);
  for (const w of spot.topCandidates) ids.add(w.clusterId);
  for (const w of spot.topBlockers) ids.add(w.clusterId);
  return ids;
}

/**
 * The fleet's inputs: each cluster's digest, except the clusters `clustersShownInFull` named, given as
 * read from their cards (`full`; one missing, e.g. removed between the two reads, stays its digest).
 */
export function withFullCards(
  digests: readonly DashboardClusterInput[],
  full: ReadonlyMap<string, DashboardClusterInput>,
): DashboardClusterInput[] {
  return digests.map((d) => full.get(d.clusterId) ?? d);
}
