import { describe, expect, it } from 'vitest';
import {
  desiredStateAt,
  type EngineInput,
  nextScheduledWake,
  nextSleepTransition,
  nextTransitions,
} from '../../src/hibernation/engine';
import { monthToDateSavingsUsd } from '../../src/hibernation/savings';
import { defaultWeeklyGrid, type WeeklyGrid } from '../../src/model/hibernation';

const emptyGrid = (): WeeklyGrid => Array.from({ length: 7 }, () => Array(48).fill(false));
/** A grid active on one weekday (0 = Monday) from slot `from` (inclusive) to `to` (exclusive). */
function gridWith(day: number, from: number, to: number, base = emptyGrid()): WeeklyGrid {
  const grid = base.map((d) => [...d]);
  for (let s = from; s < to; s++) (grid[day] as boolean[])[s] = true;
  return grid;
}

const input = (timeZone: string, weeklyGrid: WeeklyGrid, extra: Partial<EngineInput> = {}): EngineInput => ({
  schedule: { enabled: true, timeZone, weeklyGrid, preWarm: false },
  overrides: [],
  manualOverride: null,
  ...extra,
});
const at = (iso: string) => new Date(iso);
const iso = (d: Date) => d.toISOString();

describe('hibernation engine: an ordinary week', () => {
  const berlin: EngineInput = {
    schedule: { enabled: true, timeZone: 'Europe/Berlin', weeklyGrid: defaultWeeklyGrid(), preWarm: true },
    overrides: [],
    manualOverride: null,
  };

  it('sleeps at night, pre-warms 30 minutes before 08:00 and sleeps again at 19:00 (Berlin, CET)', () => {
    // Monday 2026-12-07 00:00 CET = 2026-12-06T23:00Z.
    const monday = at('2026-12-06T23:00:00Z');
    expect(desiredStateAt(berlin, monday)).toEqual({ state: 'sleep', reason: 'schedule' });
    const next = nextTransitions(berlin, monday, 3);
    expect(next.map((t) => [iso(t.at), t.state])).toEqual([
      ['2026-12-07T06:30:00.000Z', 'pre-warm'],
      ['2026-12-07T07:00:00.000Z', 'active'],
      ['2026-12-07T18:00:00.000Z', 'sleep'],
    ]);
  });

  it('a holiday sleeps the whole local day and a sprint day stays active all of it, grid untouched', () => {
    const withOverrides: EngineInput = {
      ...berlin,
      overrides: [
        { date: '2026-12-07', kind: 'holiday', label: 'Team day off' },
        { date: '2026-12-12', kind: 'sprint-day', label: 'Hackathon' },
      ],
    };
    expect(desiredStateAt(withOverrides, at('2026-12-07T10:00:00Z'))).toEqual({
      state: 'sleep',
      reason: 'holiday',
    });
    // Saturday: the grid sleeps, the sprint day is active from local midnight, pre-warmed from 23:30 Friday.
    expect(desiredStateAt(withOverrides, at('2026-12-12T12:00:00Z'))).toEqual({
      state: 'active',
      reason: 'sprint-day',
    });
    expect(desiredStateAt(withOverrides, at('2026-12-11T22:40:00Z')).state).toBe('pre-warm');
    // Tuesday after the holiday runs as the grid says.
    expect(desiredStateAt(withOverrides, at('2026-12-08T10:00:00Z'))).toEqual({
      state: 'active',
      reason: 'schedule',
    });
    expect(withOverrides.schedule.weeklyGrid).toEqual(defaultWeeklyGrid());
  });

  it('a manual wake wins until it ends, then the schedule takes over', () => {
    const woken: EngineInput = {
      ...berlin,
      manualOverride: {
        state: 'active',
        from: '2026-12-05T20:00:00Z',
        until: '2026-12-05T21:10:00Z',
        by: 'user-1',
      },
    };
    expect(desiredStateAt(woken, at('2026-12-05T20:30:00Z'))).toEqual({
      state: 'active',
      reason: 'manual-wake',
    });
    expect(nextTransitions(woken, at('2026-12-05T20:30:00Z'), 1).map((t) => iso(t.at))).toEqual([
      '2026-12-05T21:10:00.000Z',
    ]);
  });

  it('hibernate-now lasts until the schedule next wants nodes up (the pre-warm)', () => {
    // Friday 2026-12-11 15:00 CET: active; the next wake after the weekend is Monday 07:30 CET.
    expect(iso(nextScheduledWake(berlin, at('2026-12-11T14:00:00Z')) as Date)).toBe(
      '2026-12-14T06:30:00.000Z',
    );
  });

  it('a disabled schedule is always active and has no transitions', () => {
    const off = { ...berlin, schedule: { ...berlin.schedule, enabled: false } };
    expect(desiredStateAt(off, at('2026-12-06T03:00:00Z'))).toEqual({ state: 'active', reason: 'disabled' });
    expect(nextTransitions(off, at('2026-12-06T03:00:00Z'), 1)).toEqual([]);
  });
});

describe('hibernation engine: the next sleep (what a notification warns of)', () => {
  it('skips pre-warm and active to the first sleep, and a 30-minute gap between blocks is no sleep', () => {
    // Monday 09:00-10:00 and 10:30-12:00 UTC: the 10:00 gap is pre-warm (nodes stay), the sleep is at 12:00.
    const grid = gridWith(0, 21, 24, gridWith(0, 18, 20));
    const split: EngineInput = {
      ...input('UTC', grid),
      schedule: { ...input('UTC', grid).schedule, preWarm: true },
    };
    const mondayMorning = at('2026-12-07T06:00:00Z');
    expect(nextTransitions(split, mondayMorning, 4).map((t) => t.state)).toEqual([
      'pre-warm',
      'active',
      'pre-warm',
      'active',
    ]);
    expect(iso(nextSleepTransition(split, mondayMorning)?.at as Date)).toBe('2026-12-07T12:00:00.000Z');
    // Strictly after the instant: from the sleep itself, the next one is a week later.
    expect(iso(nextSleepTransition(split, at('2026-12-07T12:00:00Z'))?.at as Date)).toBe(
      '2026-12-14T12:00:00.000Z',
    );
  });

  it('is the end of a manual wake when the schedule sleeps then, and none for an always-active cluster', () => {
    const grid = gridWith(0, 18, 20);
    const woken = input('UTC', grid, {
      manualOverride: {
        state: 'active',
        from: '2026-12-08T01:00:00Z',
        until: '2026-12-08T03:10:00Z',
        by: 'u',
      },
    });
    expect(nextSleepTransition(woken, at('2026-12-08T01:00:00Z'))).toMatchObject({
      at: at('2026-12-08T03:10:00Z'),
      state: 'sleep',
    });
    const always = input(
      'UTC',
      Array.from({ length: 7 }, () => Array(48).fill(true)),
    );
    expect(nextSleepTransition(always, at('2026-12-08T01:00:00Z'))).toBeNull();
  });
});

describe('hibernation engine: daylight saving time', () => {
  it('spring forward (New York, 2026-03-08): a block starting at 02:30 starts at 03:00, no hour lost or doubled', () => {
    // Sunday = day 6; active 02:30-05:00 local (slots 5..9).
    const ny = input('America/New_York', gridWith(6, 5, 10));
    const t = nextTransitions(ny, at('2026-03-08T05:00:00Z'), 2);
    // 03:00 EDT = 07:00Z; 05:00 EDT = 09:00Z: two real hours active (the wall clock skipped 02:00-03:00).
    expect(t.map((x) => [iso(x.at), x.state])).toEqual([
      ['2026-03-08T07:00:00.000Z', 'active'],
      ['2026-03-08T09:00:00.000Z', 'sleep'],
    ]);
  });

  it('spring forward: pre-warm still gets 30 real minutes before a 03:00 start', () => {
    const ny: EngineInput = {
      ...input('America/New_York', gridWith(6, 6, 10)),
      schedule: {
        enabled: true,
        timeZone: 'America/New_York',
        weeklyGrid: gridWith(6, 6, 10),
        preWarm: true,
      },
    };
    const t = nextTransitions(ny, at('2026-03-08T05:00:00Z'), 2);
    expect(t.map((x) => [iso(x.at), x.state])).toEqual([
      ['2026-03-08T06:30:00.000Z', 'pre-warm'],
      ['2026-03-08T07:00:00.000Z', 'active'],
    ]);
  });

  it('a block wholly inside the skipped hour does not happen that day', () => {
    const ny = input('America/New_York', gridWith(6, 4, 6)); // 02:00-03:00 Sunday
    const t = nextTransitions(ny, at('2026-03-08T05:00:00Z'), 1);
    // Next Sunday 02:00 EDT = 06:00Z on 2026-03-15.
    expect(iso((t[0] as { at: Date }).at)).toBe('2026-03-15T06:00:00.000Z');
  });

  it('fall back (New York, 2026-11-01): a sleep block over 01:00-02:00 lasts two real hours', () => {
    const grid = emptyGrid().map((d) => d.map(() => true));
    (grid[6] as boolean[])[2] = false;
    (grid[6] as boolean[])[3] = false;
    const ny = input('America/New_York', grid);
    const t = nextTransitions(ny, at('2026-11-01T03:00:00Z'), 2);
    // 01:00 EDT = 05:00Z; 02:00 EST = 07:00Z.
    expect(t.map((x) => [iso(x.at), x.state])).toEqual([
      ['2026-11-01T05:00:00.000Z', 'sleep'],
      ['2026-11-01T07:00:00.000Z', 'active'],
    ]);
  });

  it('zones with 45-minute offsets and 30-minute DST shifts (Kathmandu, Lord Howe) land on their wall clock', () => {
    const kathmandu = input('Asia/Kathmandu', gridWith(0, 18, 20)); // Monday 09:00-10:00 local (+05:45)
    expect(iso((nextTransitions(kathmandu, at('2026-12-06T00:00:00Z'), 1)[0] as { at: Date }).at)).toBe(
      '2026-12-07T03:15:00.000Z',
    );
    // Lord Howe moves its clock by 30 minutes on 2026-10-04 at 02:00 (+10:30 -> +11:00).
    const lordHowe = input('Australia/Lord_Howe', gridWith(6, 4, 8)); // Sunday 02:00-04:00 local
    const t = nextTransitions(lordHowe, at('2026-10-03T12:00:00Z'), 2);
    expect(t.map((x) => [iso(x.at), x.state])).toEqual([
      ['2026-10-03T15:30:00.000Z', 'active'],
      ['2026-10-03T17:00:00.000Z', 'sleep'],
    ]);
  });
});

describe('month-to-date savings', () => {
  it('counts only the hours asleep since the 1st, local midnight, at each period’s rate', () => {
    const periods = [
      { from: '2026-11-30T20:00:00Z', to: '2026-12-01T07:00:00Z', savedUsdPerHour: 10 },
      { from: '2026-12-04T18:00:00Z', to: null, savedUsdPerHour: 2.5 },
    ];
    // Berlin: the month starts at 2026-11-30T23:00Z; first period counts 8 h, the open one 12 h.
    expect(monthToDateSavingsUsd(periods, at('2026-12-05T06:00:00Z'), 'Europe/Berlin')).toBe(80 + 30);
    expect(monthToDateSavingsUsd(periods, at('2026-12-05T06:00:00Z'), 'UTC')).toBe(70 + 30);
  });
});
