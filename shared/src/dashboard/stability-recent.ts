import { stabilityIndex } from '../savings/stability';
import { median } from '../savings/stats';

/**
 * Daily stability values of one cluster over the last 7 UTC days (today included, so far), from its hourly
 * rollups, through the same `stabilityIndex` as the current figure. Approximations, because a rollup keeps
 * counts, not the nodes themselves:
 * - spot: the day's spot share is its share of spot **nodes** (node counts stand in for vCPU), priced at
 *   the vCPU-weighted interruption probability of **today's** spot nodes (`null` = none today: the
 *   engine's unknown-risk default 0.25 applies);
 * - latency: the median of the day's hourly p99 values (a typical hour, not a true daily p99);
 * - pressure: the day's pressure events over its mean node count and its hours (a partial day counts
 *   as the fraction it covers).
 */

export interface StabilityRollup {
  hour: string;
  pressureEvents: number;
  apiLatencyP99Ms: number | null;
  nodesByCapacityType: Record<string, number>;
}

export interface StabilityDay {
  day: string;
  index: number;
  pressurePenalty: number;
  spotPenalty: number;
  latencyPenalty: number;
  /** Mean node count of the day: the weight when days of several clusters are combined. */
  nodeCount: number;
}

export const recentStabilityDays = 7;

export function dailyStability(
  rollups: readonly StabilityRollup[],
  now: Date,
  spotMonthlyProbability: number | null,
): StabilityDay[] {
  const today = now.toISOString().slice(0, 10);
  const firstDay = new Date(Date.parse(`${today}T00:00:00Z`) - (recentStabilityDays - 1) * 86_400_000)
    .toISOString()
    .slice(0, 10);
  const byDay = new Map<string, StabilityRollup[]>();
  for (const r of rollups) {
    const day = r.hour.slice(0, 10);
    if (day < firstDay || day > today) continue;
    const list = byDay.get(day) ?? [];
    list.push(r);
    byDay.set(day, list);
  }
  const out: StabilityDay[] = [];
  for (const [day, hours] of [...byDay.entries()].sort((a, b) => a[0].localeCompare(b[0]))) {
    let nodes = 0;
    let spotNodes = 0;
    let events = 0;
    for (const h of hours) {
      for (const [type, count] of Object.entries(h.nodesByCapacityType)) {
        nodes += Math.max(0, count);
        if (type === 'spot') spotNodes += Math.max(0, count);
      }
      events += Math.max(0, Math.round(h.pressureEvents));
    }
    const nodeCount = nodes / hours.length;
    const spotShare = nodes > 0 ? spotNodes / nodes : 0;
    const latencies = hours.map((h) => h.apiLatencyP99Ms).filter((v): v is number => v !== null && v > 0);
    const s = stabilityIndex({
      windowDays: hours.length / 24,
      nodeCount,
      pressureEventCount: events,
      // Two synthetic nodes carry the day's spot share of a nominal 1 vCPU.
      nodes: [
        {
          capacityType: 'spot',
          allocatableCpuMilli: spotShare * 1000,
          monthlyInterruptionProbability: spotMonthlyProbability,
        },
        {
          capacityType: 'on-demand',
          allocatableCpuMilli: (1 - spotShare) * 1000,
          monthlyInterruptionProbability: null,
        },
      ],
      controlPlaneLatencyP99Ms: median(latencies),
    });
    out.push({
      day,
      index: round(s.index),
      pressurePenalty: round(s.pressure.penalty),
      spotPenalty: round(s.spot.penalty),
      latencyPenalty: round(s.latency.penalty),
      nodeCount: round(nodeCount),
    });
  }
  return out;
}

const round = (v: number) => Math.round(v * 100) / 100;
