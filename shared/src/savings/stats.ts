/**
 * Small statistics used by every savings module. Pure, allocation-light, no dependencies.
 */

/**
 * Percentile of `values` by linear interpolation between closest ranks (the "type 7" definition used by
 * numpy's default and Prometheus' `quantile_over_time`, which KRR reads): rank = q x (n - 1).
 * `q` in [0, 1]. Returns `null` for an empty array. Unit: the unit of `values`.
 */
export function percentile(values: readonly number[], q: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(1, Math.max(0, q)) * (sorted.length - 1);
  const lower = Math.floor(rank);
  const upper = Math.ceil(rank);
  const lowValue = sorted[lower] ?? 0;
  const highValue = sorted[upper] ?? lowValue;
  return lowValue + (highValue - lowValue) * (rank - lower);
}

/** Median (= percentile 0.5: the mean of the two middle values for an even count); `null` when empty. */
export function median(values: readonly number[]): number | null {
  return percentile(values, 0.5);
}

/** Largest value, `null` when empty. */
export function maxOf(values: readonly number[]): number | null {
  let max: number | null = null;
  for (const v of values) if (max === null || v > max) max = v;
  return max;
}

/** Clamps `value` into [lo, hi]. */
export function clamp(value: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, value));
}

/** Arithmetic mean; `null` when empty. */
export function mean(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

/**
 * Coefficient of variation = population standard deviation / mean. `null` when fewer than two values or
 * a non-positive mean (a price series that is all zeros has no relative spread). Dimensionless.
 */
export function coefficientOfVariation(values: readonly number[]): number | null {
  if (values.length < 2) return null;
  const m = mean(values);
  if (m === null || m <= 0) return null;
  let squares = 0;
  for (const v of values) squares += (v - m) ** 2;
  return Math.sqrt(squares / values.length) / m;
}
