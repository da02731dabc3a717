import { z } from 'zod';
import { HOURS_PER_MONTH } from './cost';
import { clamp, coefficientOfVariation } from './stats';

/**
 * Interruption-probability model per instance type and region, calibrated to the AWS Spot Instance
 * Advisor's interruption buckets. The advisor publishes, per type and region, the share of spot capacity
 * reclaimed in the trailing month as one of five buckets; that is a monthly frequency, so the model's
 * monthly probability must stay inside the published bucket.
 *
 * Assumptions (documented in docs/savings-engine.md):
 * 1. Monthly probability with no volatility = the bucket midpoint (2.5 %, 7.5 %, 12.5 %, 17.5 %). The open
 *    bucket ">20%" is given a nominal range 20-30 % and midpoint 25 %.
 * 2. Interruptions are a Poisson process with constant hazard over the month: hourly hazard
 *    lambda = -ln(1 - p_month) / 730, daily probability = 1 - exp(-24 lambda).
 * 3. Price volatility (coefficient of variation of the spot price history) is a leading indicator of a
 *    tightening capacity pool. It moves the estimate from the midpoint toward the bucket's upper edge,
 *    linearly, saturating at CV = 0.2, and never out of the bucket: the advisor's measured frequency wins.
 */

export const interruptionBuckets = ['<5%', '5-10%', '10-15%', '15-20%', '>20%'] as const;
export const interruptionBucketSchema = z.enum(interruptionBuckets);
export type InterruptionBucket = z.infer<typeof interruptionBucketSchema>;

/** Monthly interruption probability range [lower, upper] and midpoint of each advisor bucket (fractions). */
export const interruptionBucketRanges: Readonly<
  Record<InterruptionBucket, { lower: number; upper: number; midpoint: number }>
> = {
  '<5%': { lower: 0, upper: 0.05, midpoint: 0.025 },
  '5-10%': { lower: 0.05, upper: 0.1, midpoint: 0.075 },
  '10-15%': { lower: 0.1, upper: 0.15, midpoint: 0.125 },
  '15-20%': { lower: 0.15, upper: 0.2, midpoint: 0.175 },
  '>20%': { lower: 0.2, upper: 0.3, midpoint: 0.25 },
};

/** The advisor feed's numeric bucket index (0..4) -> label. */
export function bucketFromIndex(index: number): InterruptionBucket {
  const bucket = interruptionBuckets[index];
  if (bucket === undefined) throw new RangeError(`Spot advisor bucket index must be 0..4, got ${index}`);
  return bucket;
}

/** Price coefficient of variation at which volatility reaches the bucket's upper edge. */
export const VOLATILITY_SATURATION_CV = 0.2;

export const interruptionModelInputSchema = z.object({
  instanceType: z.string().min(1),
  region: z.string().min(1),
  bucket: interruptionBucketSchema,
  /** Spot prices of the type in the region over the look-back window (USD/h), oldest first; may be empty. */
  spotPriceHistoryUsd: z.array(z.number().nonnegative().finite()).default([]),
});
export type InterruptionModelInput = z.input<typeof interruptionModelInputSchema>;

export interface InterruptionEstimate {
  instanceType: string;
  region: string;
  bucket: InterruptionBucket;
  bucketLower: number;
  bucketUpper: number;
  /** Coefficient of variation of the price history, `null` when fewer than 2 prices. */
  priceVolatilityCv: number | null;
  /** min(1, CV / 0.2); 0 without history. */
  volatilityScore: number;
  /** monthlyProbability / midpoint, in [1, upper / midpoint]. */
  volatilityMultiplier: number;
  /** Probability of at least one interruption of a node in a month (fraction). */
  monthlyProbability: number;
  /** Poisson hazard per hour. */
  hourlyHazard: number;
  /** Probability of at least one interruption in a day (fraction). */
  dailyProbability: number;
  /** Expected interruptions per node-month = lambda x 730 = -ln(1 - p_month). */
  expectedInterruptionsPerMonth: number;
}

/**
 * Interruption estimate of a spot instance type in a region:
 *   score   = min(1, CV(price history) / 0.2)                       (0 without history)
 *   p_month = midpoint + (upper - midpoint) x score                   (fraction, always inside the bucket)
 *   lambda  = -ln(1 - p_month) / 730                                  (per hour)
 *   p_day   = 1 - exp(-24 x lambda)
 */
export function estimateInterruption(input: InterruptionModelInput): InterruptionEstimate {
  const bucket = input.bucket;
  const range = interruptionBucketRanges[bucket];
  const cv = coefficientOfVariation(input.spotPriceHistoryUsd ?? []);
  const volatilityScore = cv === null ? 0 : clamp(cv / VOLATILITY_SATURATION_CV, 0, 1);
  const monthlyProbability = range.midpoint + (range.upper - range.midpoint) * volatilityScore;
  const expectedInterruptionsPerMonth = -Math.log(1 - monthlyProbability);
  const hourlyHazard = expectedInterruptionsPerMonth / HOURS_PER_MONTH;
  return {
    instanceType: input.instanceType,
    region: input.region,
    bucket,
    bucketLower: range.lower,
    bucketUpper: range.upper,
    priceVolatilityCv: cv,
    volatilityScore,
    volatilityMultiplier: monthlyProbability / range.midpoint,
    monthlyProbability,
    hourlyHazard,
    dailyProbability: 1 - Math.exp(-24 * hourlyHazard),
    expectedInterruptionsPerMonth,
  };
}

/** Key of the model's lookup table: `region/instanceType`. */
export const interruptionModelKey = (region: string, instanceType: string): string =>
  `${region}/${instanceType}`;

/**
 * Builds the lookup table `region/instanceType` -> estimate from advisor rows (and price history where it
 * exists). A later row for the same key replaces an earlier one.
 */
export function buildInterruptionModel(
  rows: readonly InterruptionModelInput[],
): ReadonlyMap<string, InterruptionEstimate> {
  const model = new Map<string, InterruptionEstimate>();
  for (const row of rows)
    model.set(interruptionModelKey(row.region, row.instanceType), estimateInterruption(row));
  return model;
}
