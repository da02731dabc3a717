import { z } from 'zod';
import { capacityTypeSchema } from './cluster';
import { clamp } from './stats';

/**
 * Stability index 0-100 = 100 - (pressure penalty + spot penalty + latency penalty).
 *
 * | component | measure | penalty (points) | weight |
 * |---|---|---|---|
 * | node pressure | events per node-day r = events / (nodes x days) | 40 x min(1, r / 0.5) | 40 |
 * | spot interruption | risk = spot share of vCPU x vCPU-weighted monthly probability of the spot nodes | 30 x min(1, risk / 0.25) | 30 |
 * | control-plane latency | ratio = API p99 / objective p99 | 30 x clamp((ratio - 1) / 2, 0, 1) | 30 |
 *
 * Saturation points: 0.5 pressure events per node-day is a node hitting kubelet eviction thresholds every
 * other day; risk 0.25 is an all-spot fleet in the advisor's worst bucket (midpoint 25 %/month); a p99 at
 * 3x its objective is an outage in the eyes of every controller. Green >= 80, orange >= 60, red below.
 */

export const STABILITY_WEIGHTS = { pressure: 40, spot: 30, latency: 30 } as const;
export const PRESSURE_SATURATION_PER_NODE_DAY = 0.5;
export const SPOT_RISK_SATURATION = 0.25;
/** Latency ratio (p99 / objective) at which the latency penalty is full. */
export const LATENCY_SATURATION_RATIO = 3;
export const DEFAULT_LATENCY_OBJECTIVE_P99_MS = 1000;

export const stabilityInputSchema = z.object({
  /** Length of the observation window, days. */
  windowDays: z.number().positive().finite(),
  /** Average node count over the window. */
  nodeCount: z.number().nonnegative().finite(),
  /** DiskPressure / MemoryPressure / PIDPressure condition transitions to True in the window. */
  pressureEventCount: z.number().int().nonnegative(),
  /** Current nodes with their vCPU and, for spot nodes, the model's monthly interruption probability. */
  nodes: z.array(
    z.object({
      capacityType: capacityTypeSchema,
      allocatableCpuMilli: z.number().nonnegative().finite(),
      monthlyInterruptionProbability: z.number().min(0).max(1).nullable().default(null),
    }),
  ),
  /** Observed p99 latency of the EKS API over the window, ms; `null` when not measured. */
  controlPlaneLatencyP99Ms: z.number().nonnegative().finite().nullable(),
  latencyObjectiveP99Ms: z.number().positive().finite().default(DEFAULT_LATENCY_OBJECTIVE_P99_MS),
});
export type StabilityInput = z.input<typeof stabilityInputSchema>;

export type StabilityLevel = 'green' | 'orange' | 'red';

export interface StabilityComponent {
  /** The measured value (events per node-day; risk fraction; latency ratio), `null` when unmeasured. */
  value: number | null;
  /** Points taken off 100. */
  penalty: number;
  /** Maximum penalty of the component. */
  weight: number;
}

export interface StabilityIndex {
  /** 0..100. */
  index: number;
  level: StabilityLevel;
  pressure: StabilityComponent & { eventsPerNodeDay: number | null };
  spot: StabilityComponent & { spotShare: number; meanSpotMonthlyProbability: number | null };
  latency: StabilityComponent & { p99Ms: number | null; objectiveP99Ms: number };
}

/** Lower bound (inclusive, index points 0-100) of each level, best first: green >= 80, orange >= 60, else red. */
export const stabilityLevelThresholds: readonly { level: StabilityLevel; minIndex: number }[] = [
  { level: 'green', minIndex: 80 },
  { level: 'orange', minIndex: 60 },
  { level: 'red', minIndex: Number.NEGATIVE_INFINITY },
];

/** The lowest index (points) of a level; `-Infinity` for red. */
export const stabilityLevelMinIndex = (level: StabilityLevel): number =>
  stabilityLevelThresholds.find((t) => t.level === level)?.minIndex ?? Number.NEGATIVE_INFINITY;

/** Level of an index: green >= 80, orange >= 60, red below 60 ({@link stabilityLevelThresholds}). */
export function stabilityLevel(index: number): StabilityLevel {
  for (const t of stabilityLevelThresholds) if (index >= t.minIndex) return t.level;
  return 'red';
}

/**
 * Stability index (0-100, points): 100 - pressure - spot - latency penalties; see the module comment for
 * each component's formula and weight. Spot nodes without a probability count in the spot share and are
 * assumed at the worst bucket midpoint (0.25): unknown risk is not zero risk.
 */
export function stabilityIndex(rawInput: StabilityInput): StabilityIndex {
  const input = stabilityInputSchema.parse(rawInput);
  const nodeDays = input.nodeCount * input.windowDays;
  const eventsPerNodeDay = nodeDays > 0 ? input.pressureEventCount / nodeDays : null;
  const pressurePenalty =
    eventsPerNodeDay === null
      ? 0
      : STABILITY_WEIGHTS.pressure * Math.min(1, eventsPerNodeDay / PRESSURE_SATURATION_PER_NODE_DAY);

  let totalCpu = 0;
  let spotCpu = 0;
  let weightedProbability = 0;
  for (const n of input.nodes) {
    totalCpu += n.allocatableCpuMilli;
    if (n.capacityType !== 'spot') continue;
    spotCpu += n.allocatableCpuMilli;
    weightedProbability += n.allocatableCpuMilli * (n.monthlyInterruptionProbability ?? 0.25);
  }
  const spotShare = totalCpu > 0 ? spotCpu / totalCpu : 0;
  const meanSpotMonthlyProbability = spotCpu > 0 ? weightedProbability / spotCpu : null;
  const spotRisk = spotShare * (meanSpotMonthlyProbability ?? 0);
  const spotPenalty = STABILITY_WEIGHTS.spot * Math.min(1, spotRisk / SPOT_RISK_SATURATION);

  const latencyRatio =
    input.controlPlaneLatencyP99Ms === null
      ? null
      : input.controlPlaneLatencyP99Ms / input.latencyObjectiveP99Ms;
  const latencyPenalty =
    latencyRatio === null
      ? 0
      : STABILITY_WEIGHTS.latency * clamp((latencyRatio - 1) / (LATENCY_SATURATION_RATIO - 1), 0, 1);

  const index = clamp(100 - pressurePenalty - spotPenalty - latencyPenalty, 0, 100);
  return {
    index,
    level: stabilityLevel(index),
    pressure: {
      value: eventsPerNodeDay,
      eventsPerNodeDay,
      penalty: pressurePenalty,
      weight: STABILITY_WEIGHTS.pressure,
    },
    spot: {
      value: spotRisk,
      spotShare,
      meanSpotMonthlyProbability,
      penalty: spotPenalty,
      weight: STABILITY_WEIGHTS.spot,
    },
    latency: {
      value: latencyRatio,
      p99Ms: input.controlPlaneLatencyP99Ms,
      objectiveP99Ms: input.latencyObjectiveP99Ms,
      penalty: latencyPenalty,
      weight: STABILITY_WEIGHTS.latency,
    },
  };
}
