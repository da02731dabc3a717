import { z } from 'zod';
import { CPU_FLOOR_MILLI, MEMORY_FLOOR_MIB, OOM_BUMP_RATIO, OOM_MIN_BUMP_MIB } from './rightsizing';

/**
 * A VPA-style recommender, the baseline rightsizing is compared against (the Kubernetes VPA recommender's
 * method, re-implemented from its documented design):
 * - samples go into a histogram with exponentially growing buckets (first bucket 10 m / 10 MiB wide, each
 *   next one 5 % wider) and an exponential decay: a sample's weight = 2^((t - now) / 24 h);
 * - CPU target = p90 of the CPU histogram x 1.15 (VPA's 15 % safety margin);
 * - memory target = p90 of a histogram of daily peaks (one peak per 24 h interval, VPA's aggregation
 *   interval) x 1.15; an OOM kill adds a peak of max(used + 100 MiB, used x 1.2);
 * - a percentile is the upper edge of the bucket that reaches it (as VPA reports it).
 * Deviations, for comparability with our recommender: CPU samples are weighted by decay only (VPA also
 * weights by the container's CPU request, constant here) and our floors (10 m / 64 MiB) are applied
 * instead of VPA's pod minimums (25 m / 250 MiB).
 */

export const VPA_HALF_LIFE_MS = 24 * 3600 * 1000;
export const VPA_TARGET_PERCENTILE = 0.9;
export const VPA_SAFETY_MARGIN = 0.15;
export const VPA_BUCKET_GROWTH = 1.05;

/** Histogram with exponential buckets and exponentially decaying sample weights. */
export class DecayingHistogram {
  private readonly weights = new Map<number, number>();
  private totalWeight = 0;

  /**
   * @param firstBucketSize width of bucket 0 (unit of the values)
   * @param halfLifeMs a sample `halfLifeMs` older than `referenceMs` weighs half as much
   * @param referenceMs the "now" the decay is measured from (injected)
   */
  constructor(
    private readonly firstBucketSize: number,
    private readonly halfLifeMs: number,
    private readonly referenceMs: number,
    private readonly growth = VPA_BUCKET_GROWTH,
  ) {}

  /** Start of bucket i = firstBucketSize x (growth^i - 1) / (growth - 1). */
  bucketStart(index: number): number {
    return (this.firstBucketSize * (this.growth ** index - 1)) / (this.growth - 1);
  }

  bucketIndex(value: number): number {
    if (value <= 0) return 0;
    // Invert bucketStart; the small epsilon keeps exact bucket edges in the upper bucket despite rounding.
    const index = Math.floor(
      Math.log(1 + (value * (this.growth - 1)) / this.firstBucketSize) / Math.log(this.growth) + 1e-9,
    );
    return Math.max(0, index);
  }

  /** Adds a sample at time `timeMs` with weight `weight x 2^((timeMs - referenceMs) / halfLifeMs)`. */
  add(value: number, timeMs: number, weight = 1): void {
    const w = weight * 2 ** ((timeMs - this.referenceMs) / this.halfLifeMs);
    if (!(w > 0)) return;
    const index = this.bucketIndex(value);
    this.weights.set(index, (this.weights.get(index) ?? 0) + w);
    this.totalWeight += w;
  }

  /** Upper edge of the first bucket whose cumulative weight reaches q x total; `null` when empty. */
  percentile(q: number): number | null {
    if (this.totalWeight <= 0) return null;
    const threshold = q * this.totalWeight;
    const indices = [...this.weights.keys()].sort((a, b) => a - b);
    let cumulative = 0;
    let last = 0;
    for (const index of indices) {
      cumulative += this.weights.get(index) ?? 0;
      last = index;
      if (cumulative >= threshold * (1 - 1e-12)) break;
    }
    return this.bucketStart(last + 1);
  }
}

export const vpaBaselineInputSchema = z.object({
  samples: z.array(
    z.object({
      timeEpochMs: z.number().int(),
      cpuMilli: z.number().nonnegative().finite(),
      memoryWorkingSetMiB: z.number().nonnegative().finite(),
    }),
  ),
  oomKills: z
    .array(z.object({ timeEpochMs: z.number().int(), memoryAtKillMiB: z.number().nonnegative().finite() }))
    .default([]),
});
export type VpaBaselineInput = z.input<typeof vpaBaselineInputSchema>;

export interface VpaBaselineRecommendation {
  cpuMilli: number | null;
  memoryMiB: number | null;
  cpuP90Milli: number | null;
  memoryPeakP90MiB: number | null;
  dailyPeakCount: number;
}

/**
 * VPA-style target (see the module comment):
 *   cpuMilli  = max(10, ceil(p90_decay(CPU samples) x 1.15))
 *   memoryMiB = max(64, ceil(p90_decay(daily peaks [+ OOM bumps]) x 1.15))
 * Daily intervals are 24 h long, counted back from `now`; decay half-life 24 h.
 */
export function vpaBaselineRecommendation(rawInput: VpaBaselineInput, now: Date): VpaBaselineRecommendation {
  const input = vpaBaselineInputSchema.parse(rawInput);
  const nowMs = now.getTime();
  const cpu = new DecayingHistogram(10, VPA_HALF_LIFE_MS, nowMs);
  const memory = new DecayingHistogram(10, VPA_HALF_LIFE_MS, nowMs);
  const dayMs = 24 * 3600 * 1000;
  const peaks = new Map<number, { peak: number; timeMs: number }>();
  for (const s of input.samples) {
    if (s.timeEpochMs > nowMs) continue;
    cpu.add(s.cpuMilli, s.timeEpochMs);
    // Intervals (now - 24 h x (k + 1), now - 24 h x k]: a sample at exactly now - 24 h is in day 0.
    const day = Math.max(0, Math.ceil((nowMs - s.timeEpochMs) / dayMs) - 1);
    const current = peaks.get(day);
    if (current === undefined || s.memoryWorkingSetMiB > current.peak) {
      peaks.set(day, { peak: s.memoryWorkingSetMiB, timeMs: s.timeEpochMs });
    }
  }
  for (const { peak, timeMs } of peaks.values()) memory.add(peak, timeMs);
  for (const kill of input.oomKills) {
    if (kill.timeEpochMs > nowMs) continue;
    const used = kill.memoryAtKillMiB;
    memory.add(Math.max(used + OOM_MIN_BUMP_MIB, used * OOM_BUMP_RATIO), kill.timeEpochMs);
  }
  const cpuP90 = cpu.percentile(VPA_TARGET_PERCENTILE);
  const memP90 = memory.percentile(VPA_TARGET_PERCENTILE);
  return {
    cpuMilli: cpuP90 === null ? null : Math.max(CPU_FLOOR_MILLI, Math.ceil(cpuP90 * (1 + VPA_SAFETY_MARGIN))),
    memoryMiB:
      memP90 === null ? null : Math.max(MEMORY_FLOOR_MIB, Math.ceil(memP90 * (1 + VPA_SAFETY_MARGIN))),
    cpuP90Milli: cpuP90,
    memoryPeakP90MiB: memP90,
    dailyPeakCount: peaks.size,
  };
}
