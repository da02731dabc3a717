import type { DashboardHeatmap } from '@spot/shared';
import { palette } from './colors';

/** Rows of the activity grid: the cluster's local weekdays, Monday first (as the API sends them). */
export const weekdays = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'] as const;

export type CellState = DashboardHeatmap['classification'][number][number];

/** Numeric code of a cell state for the chart's piecewise color map. */
export const cellCode: Record<CellState, number> = { 'no-data': 0, idle: 1, active: 2 };

/** Red active, blue idle (a "blue zone"), grey no data. */
export const cellColor: Record<CellState, string> = {
  active: palette.active,
  idle: palette.idle,
  'no-data': palette.noData,
};

const hh = (hour: number) => `${String(hour).padStart(2, '0')}:00`;

/** "Mon–Fri", "Sat, Mon", "Tue": consecutive days as ranges. */
export function formatDays(days: readonly number[]): string {
  const sorted = [...new Set(days)].sort((a, b) => a - b);
  const parts: string[] = [];
  let i = 0;
  while (i < sorted.length) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === (sorted[j] as number) + 1) j++;
    const first = weekdays[sorted[i] as number];
    const last = weekdays[sorted[j] as number];
    if (j === i) parts.push(first as string);
    else if (j === i + 1) parts.push(`${first}, ${last}`);
    else parts.push(`${first}–${last}`);
    i = j + 1;
  }
  return parts.join(', ');
}

export interface BlueZone {
  /** Days (0 = Monday) on which the same hours are idle. */
  days: number[];
  startHour: number;
  /** Exclusive: 24 means until midnight. */
  endHour: number;
  /** Idle cells the zone covers per week. */
  cells: number;
  label: string;
}

/**
 * The "blue zones" of a 7 x 24 classification: each run of idle hours within a day, with the days that
 * share the same run grouped ("Mon–Fri 00:00–07:00"), largest first.
 */
export function blueZones(classification: readonly (readonly CellState[])[]): BlueZone[] {
  const byRun = new Map<string, { start: number; end: number; days: number[] }>();
  classification.forEach((row, day) => {
    let hour = 0;
    while (hour < row.length) {
      if (row[hour] !== 'idle') {
        hour++;
        continue;
      }
      const start = hour;
      while (hour < row.length && row[hour] === 'idle') hour++;
      const key = `${start}-${hour}`;
      const run = byRun.get(key) ?? { start, end: hour, days: [] };
      run.days.push(day);
      byRun.set(key, run);
    }
  });
  return [...byRun.values()]
    .map((run) => ({
      days: run.days,
      startHour: run.start,
      endHour: run.end,
      cells: run.days.length * (run.end - run.start),
      label:
        run.start === 0 && run.end === 24
          ? `${formatDays(run.days)} all day`
          : `${formatDays(run.days)} ${hh(run.start)}–${run.end === 24 ? '24:00' : hh(run.end)}`,
    }))
    .sort((a, b) => b.cells - a.cells || (a.days[0] ?? 0) - (b.days[0] ?? 0) || a.startHour - b.startHour);
}

/** Counts of the grid's cells by state. */
export function cellCounts(classification: readonly (readonly CellState[])[]): Record<CellState, number> {
  const counts: Record<CellState, number> = { idle: 0, active: 0, 'no-data': 0 };
  for (const row of classification) for (const cell of row) counts[cell]++;
  return counts;
}

/** "Mon 09:00–10:00". */
export const cellLabel = (day: number, hour: number): string =>
  `${weekdays[day] ?? '?'} ${hh(hour)}–${hour === 23 ? '24:00' : hh(hour + 1)}`;
