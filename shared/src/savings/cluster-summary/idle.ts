import { SavingsError } from '../errors';
import { type ActivityGrid, activityGrid, hibernationMonthlySavingsUsd } from '../idle';
import { hourOf } from '../rollups';
import { round, sum } from './common';
import type { HistoryWindow, RollupSample, SummaryInput } from './types';

export type CompactGrid = ReturnType<typeof compactGrid>;

/** The grid with its numbers rounded to 3 decimals: the Cluster item stays small and the heatmap needs no more. */
export function compactGrid(grid: ActivityGrid) {
  return {
    ...grid,
    grid: grid.grid.map((row) => row.map((v) => (v === null ? null : round(v, 3)))),
  };
}

/**
 * The idle-hour grid of the rollups with usage (`activityGrid` in the cluster's zone, priced at the run
 * rate's hourly cost, USD/h); `null` with the engine's message as `note` when it cannot be computed.
 */
export function idleGridOf(
  rollups: readonly RollupSample[],
  timeZone: string,
  hourlyClusterCostUsd: number,
  now: Date,
): { idle: CompactGrid | null; note: string | null } {
  const samples = rollups
    .filter((r) => r.usageKnown)
    .map((r) => ({
      hourStartEpochMs: Date.parse(r.hour),
      cpuUsedMilli: Math.max(0, r.usedCpuMilli),
      cpuAllocatableMilli: Math.max(0, r.capacityCpuMilli),
      podChurn: Math.max(0, r.podChurn),
      apiRequestRate: Math.max(0, r.apiRequestRate),
    }));
  try {
    return { idle: compactGrid(activityGrid({ samples, timeZone, hourlyClusterCostUsd }, now)), note: null };
  } catch (error) {
    if (!(error instanceof SavingsError)) throw error;
    return { idle: null, note: error.message };
  }
}

/** A grid computed earlier in the hour, repriced at the current hourly cost (USD/h; savings USD/month). */
export function repricedIdle(previous: CompactGrid | null, hourlyClusterCostUsd: number): CompactGrid | null {
  return (
    previous && {
      ...previous,
      hourlyClusterCostUsd,
      monthlyHibernationSavingsUsd: hibernationMonthlySavingsUsd(
        hourlyClusterCostUsd,
        previous.idleCellsPerWeek,
      ),
    }
  );
}

/**
 * The last 7 days of rollups as stability reads them: window in days (rollups / 24, at least one hour), mean
 * node count per rollup and the pressure events summed; `null` without rollups in the week.
 */
export function weekWindowOf(rollups: readonly RollupSample[], now: Date): HistoryWindow['week'] {
  const weekAgo = now.getTime() - 7 * 86_400_000;
  const week = rollups.filter((r) => Date.parse(r.hour) >= weekAgo);
  return week.length === 0
    ? null
    : {
        windowDays: Math.max(1 / 24, week.length / 24),
        nodeCount: sum(week.map((r) => sum(Object.values(r.nodesByCapacityType)))) / week.length,
        pressureEventCount: sum(week.map((r) => r.pressureEvents)),
      };
}

/**
 * Idle hours and hibernation savings, and the week of rollups stability reads. Both move hour by hour:
 * computed from the rollups when they were read (`rollups` is then returned for the daily stability),
 * else the figures of earlier in the hour are reused, the grid repriced at the current hourly cost.
 */
export function historyOf(
  history: SummaryInput['history'],
  timeZone: string,
  hourlyClusterCostUsd: number,
  now: Date,
): {
  idle: CompactGrid | null;
  window: HistoryWindow;
  rollups: readonly RollupSample[] | null;
  note: string | null;
} {
  if ('rollups' in history) {
    const { idle, note } = idleGridOf(history.rollups, timeZone, hourlyClusterCostUsd, now);
    return {
      idle,
      window: { hour: hourOf(now), week: weekWindowOf(history.rollups, now) },
      rollups: history.rollups,
      note,
    };
  }
  return {
    idle: repricedIdle(history.reuse.idle, hourlyClusterCostUsd),
    window: history.reuse.window,
    rollups: null,
    note: null,
  };
}
