import { DateTime } from 'luxon';
import {
  type HibernationSchedule,
  preWarmMinutes,
  slotMinutes,
  slotsPerDay,
  type WeeklyGrid,
} from '../model/hibernation';

/**
 * What the planner shows of a weekly grid, by the engine's rules, for the UI: which cells pre-warm (yellow),
 * when "Wake up until Monday morning" ends, and the 24/7 baseline the month's savings are measured against.
 * Pure; the instant is passed in.
 */

export type CellState = 'active' | 'pre-warm' | 'sleep';

const slotsPerWeek = 7 * slotsPerDay;
const preWarmSlots = preWarmMinutes / slotMinutes;

/**
 * Each cell of a week as the engine reads it in a week without a clock change: active where the grid is
 * active; pre-warm where it sleeps but is active {@link preWarmMinutes} later (the week wraps from Sunday
 * night to Monday morning); sleep elsewhere.
 */
export function weekCellStates(grid: WeeklyGrid, preWarm: boolean): CellState[][] {
  const at = (index: number) => {
    const i = ((index % slotsPerWeek) + slotsPerWeek) % slotsPerWeek;
    return grid[Math.floor(i / slotsPerDay)]?.[i % slotsPerDay] === true;
  };
  return grid.map((day, d) =>
    day.map((active, s) => {
      if (active) return 'active';
      return preWarm && at(d * slotsPerDay + s + preWarmSlots) ? 'pre-warm' : 'sleep';
    }),
  );
}

/** Hours a week the grid keeps nodes up: active cells, plus pre-warm cells when pre-warm is on. */
export function weeklyRunningHours(grid: WeeklyGrid, preWarm: boolean): number {
  const cells = weekCellStates(grid, preWarm).flat();
  return (cells.filter((c) => c !== 'sleep').length * slotMinutes) / 60;
}

/** Before this local time a first Monday block counts as "morning"; otherwise the morning is 09:00. */
const latestMorningSlot = 24; // 12:00
const defaultMorningSlot = 18; // 09:00

/**
 * Until when "Wake up until Monday morning" keeps a cluster up: the next Monday (today, when it is Monday
 * and the morning is still ahead) at the start of Monday's first active block before noon in the
 * cluster's zone, else at 09:00. From that instant on the schedule keeps the cluster up anyway, so the
 * wake hands over without a gap. A wall time skipped by a clock change moves forward to the next one.
 */
export function mondayMorningAfter(
  schedule: Pick<HibernationSchedule, 'timeZone' | 'weeklyGrid'>,
  now: Date,
): Date {
  const monday = schedule.weeklyGrid[0] ?? [];
  const first = monday.findIndex((active) => active);
  const slot = first >= 0 && first < latestMorningSlot ? first : defaultMorningSlot;
  const local = DateTime.fromJSDate(now, { zone: schedule.timeZone });
  const daysAhead = (8 - local.weekday) % 7;
  const at = (days: number) =>
    local
      .startOf('day')
      .plus({ days })
      .set({ hour: Math.floor((slot * slotMinutes) / 60), minute: (slot * slotMinutes) % 60 });
  const candidate = at(daysAhead);
  return (candidate.toMillis() > now.getTime() ? candidate : at(daysAhead + 7)).toJSDate();
}

/**
 * What the cluster would have cost so far this month running 24/7, USD: its hourly cost times the hours
 * since local midnight of the 1st in its zone (the baseline this month's savings are compared with).
 */
export function monthToDateBaselineUsd(hourlyCostUsd: number, now: Date, timeZone: string): number {
  const start = DateTime.fromJSDate(now, { zone: timeZone }).startOf('month').toMillis();
  const hours = Math.max(0, now.getTime() - start) / 3_600_000;
  return Math.round(hourlyCostUsd * hours * 100) / 100;
}
