import { DateTime, IANAZone } from 'luxon';
import { z } from 'zod';
import { SavingsError } from './errors';
import { clamp, median, percentile } from './stats';

/**
 * Idle hours: the 24 x 7 activity heatmap and the hibernation savings it implies.
 *
 * Per hourly sample, three signals in [0, 1]:
 *   cpu     = cpuUsedMilli / cpuAllocatableMilli                       (absolute: already a fraction)
 *   churn   = clamp((podChurn - p5) / span, 0, 1),  span = max(p95 - p5, 0.5 x p95)
 *   request = clamp((apiRequestRate - p5) / span, 0, 1)   (span of the request rate likewise)
 * with p5 / p95 taken over the samples of the window (relative to this cluster's own range). Subtracting p5
 * removes the floor every cluster has even when nobody uses it (kubelet lease renewals, controller
 * list/watch, CronJob churn); the minimum span (half of p95) keeps the noise of a flat signal from being
 * stretched to full scale. When span = 0 (a constant signal), a value above it counts as 1, else 0: a rare
 * burst (a weekly CI run, under 5 % of hours) is still activity.
 *   activity = max(cpu, churn, request)  -- any one signal is enough to call an hour active.
 * Each sample falls in the hour-of-week cell of its local (IANA zone) weekday and hour, DST included;
 * a cell's value is the median activity of its samples over the last 4 weeks. A cell is idle when it has
 * at least `minSamplesPerCell` samples and its median < threshold (default 0.15); active when >=; no-data
 * otherwise (never counted as idle). See docs/decisions/0009-idle-activity-signal.md for the choice.
 */

/** Default idle threshold on the median activity of a cell (fraction). */
export const DEFAULT_IDLE_THRESHOLD = 0.15;
/** Minimum normalization span of churn and request rate, as a fraction of their p95. */
export const MIN_RELATIVE_SPAN = 0.5;
/** Look-back of the heatmap. */
export const IDLE_WINDOW_WEEKS = 4;
/** Fewer samples than this in a cell over the window = no-data (one odd week must not decide). */
export const DEFAULT_MIN_SAMPLES_PER_CELL = 2;

export const activitySampleSchema = z.object({
  /** Start of the sampled hour, epoch milliseconds (UTC instant). */
  hourStartEpochMs: z.number().int(),
  cpuUsedMilli: z.number().nonnegative().finite(),
  cpuAllocatableMilli: z.number().nonnegative().finite(),
  /** Pods created + deleted during the hour. */
  podChurn: z.number().nonnegative().finite(),
  /** Mean API server request rate during the hour, requests/s. */
  apiRequestRate: z.number().nonnegative().finite(),
});
export type ActivitySample = z.infer<typeof activitySampleSchema>;

export const activityGridInputSchema = z.object({
  samples: z.array(activitySampleSchema),
  /** IANA time zone of the cluster's schedule, e.g. `America/New_York`. */
  timeZone: z.string().min(1),
  /** Cluster cost per running hour (sum of node hourly prices), USD/h. */
  hourlyClusterCostUsd: z.number().nonnegative().finite(),
  idleThreshold: z.number().min(0).max(1).default(DEFAULT_IDLE_THRESHOLD),
  minSamplesPerCell: z.number().int().positive().default(DEFAULT_MIN_SAMPLES_PER_CELL),
});
export type ActivityGridInput = z.input<typeof activityGridInputSchema>;

export type CellState = 'idle' | 'active' | 'no-data';

export interface ActivityGrid {
  timeZone: string;
  /** Window [start, end) as ISO instants in the cluster's zone. */
  windowStart: string;
  windowEnd: string;
  idleThreshold: number;
  normalization: { churnP5: number; churnP95: number; requestRateP5: number; requestRateP95: number };
  /** 7 rows (Monday first) x 24 hours of median activity; `null` where the cell has no samples. */
  grid: (number | null)[][];
  /** 7 x 24 samples per cell. */
  sampleCounts: number[][];
  /** 7 x 24 classification (blue = idle, red = active). */
  classification: CellState[][];
  samplesUsed: number;
  idleCellsPerWeek: number;
  hourlyClusterCostUsd: number;
  /** hourlyClusterCostUsd x idleCellsPerWeek x 52 / 12, USD/month. */
  monthlyHibernationSavingsUsd: number;
}

/** Throws `SAVINGS_UNKNOWN_TIME_ZONE` unless `timeZone` is an IANA zone name luxon knows. */
export function assertIanaTimeZone(timeZone: string): void {
  if (!IANAZone.isValidZone(timeZone)) {
    throw new SavingsError(
      'SAVINGS_UNKNOWN_TIME_ZONE',
      `"${timeZone}" is not an IANA time zone; use a name such as America/New_York or Europe/Berlin.`,
    );
  }
}

/** Local (weekday 0 = Monday .. 6 = Sunday, hour 0..23) of an instant in `timeZone`, DST-aware. */
export function localHourOfWeek(epochMs: number, timeZone: string): { weekday: number; hour: number } {
  const local = DateTime.fromMillis(epochMs, { zone: timeZone });
  return { weekday: local.weekday - 1, hour: local.hour };
}

function normalizer(values: readonly number[]): { p5: number; p95: number; scale: (v: number) => number } {
  const p5 = percentile(values, 0.05) ?? 0;
  const p95 = percentile(values, 0.95) ?? 0;
  const span = Math.max(p95 - p5, MIN_RELATIVE_SPAN * p95);
  return { p5, p95, scale: (v) => (span > 0 ? clamp((v - p5) / span, 0, 1) : v > p5 ? 1 : 0) };
}

/**
 * Builds the hour-of-week activity grid over the 4 weeks before `now` (local calendar weeks in the
 * cluster's zone) and the hibernation savings:
 *   monthlyHibernationSavingsUsd = hourlyClusterCostUsd (USD/h) x idle cells per week x 52 / 12.
 * Samples outside [now - 4 weeks, now) are ignored. See the module comment for the activity formula.
 */
export function activityGrid(rawInput: ActivityGridInput, now: Date): ActivityGrid {
  const input = activityGridInputSchema.parse(rawInput);
  assertIanaTimeZone(input.timeZone);
  const end = DateTime.fromJSDate(now, { zone: input.timeZone });
  const start = end.minus({ weeks: IDLE_WINDOW_WEEKS });
  const startMs = start.toMillis();
  const endMs = end.toMillis();
  const samples = input.samples.filter((s) => s.hourStartEpochMs >= startMs && s.hourStartEpochMs < endMs);

  const churn = normalizer(samples.map((s) => s.podChurn));
  const requests = normalizer(samples.map((s) => s.apiRequestRate));
  const cells: number[][][] = Array.from({ length: 7 }, () => Array.from({ length: 24 }, () => []));
  for (const s of samples) {
    const cpu = s.cpuAllocatableMilli > 0 ? clamp(s.cpuUsedMilli / s.cpuAllocatableMilli, 0, 1) : 0;
    const activity = Math.max(cpu, churn.scale(s.podChurn), requests.scale(s.apiRequestRate));
    const { weekday, hour } = localHourOfWeek(s.hourStartEpochMs, input.timeZone);
    cells[weekday]?.[hour]?.push(activity);
  }

  let idleCellsPerWeek = 0;
  const grid = cells.map((row) => row.map((values) => median(values)));
  const sampleCounts = cells.map((row) => row.map((values) => values.length));
  const classification = cells.map((row) =>
    row.map((values): CellState => {
      const m = median(values);
      if (m === null || values.length < input.minSamplesPerCell) return 'no-data';
      if (m < input.idleThreshold) {
        idleCellsPerWeek += 1;
        return 'idle';
      }
      return 'active';
    }),
  );
  return {
    timeZone: input.timeZone,
    windowStart: start.toISO() ?? '',
    windowEnd: end.toISO() ?? '',
    idleThreshold: input.idleThreshold,
    normalization: {
      churnP5: churn.p5,
      churnP95: churn.p95,
      requestRateP5: requests.p5,
      requestRateP95: requests.p95,
    },
    grid,
    sampleCounts,
    classification,
    samplesUsed: samples.length,
    idleCellsPerWeek,
    hourlyClusterCostUsd: input.hourlyClusterCostUsd,
    monthlyHibernationSavingsUsd: hibernationMonthlySavingsUsd(input.hourlyClusterCostUsd, idleCellsPerWeek),
  };
}

/** Hibernation savings (USD/month) = hourly cluster cost (USD/h) x idle cells per week x 52 / 12. */
export function hibernationMonthlySavingsUsd(hourlyClusterCostUsd: number, idleCellsPerWeek: number): number {
  return (hourlyClusterCostUsd * idleCellsPerWeek * 52) / 12;
}
