import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scheduledStateAt } from '../../src/hibernation/engine';
import {
  mondayMorningAfter,
  monthToDateBaselineUsd,
  weekCellStates,
  weeklyRunningHours,
} from '../../src/hibernation/week';
import { defaultWeeklyGrid, type WeeklyGrid } from '../../src/model/hibernation';

const emptyGrid = (): WeeklyGrid => Array.from({ length: 7 }, () => Array(48).fill(false));

describe('weekCellStates: the painter colours', () => {
  it('marks the half hour before each active block yellow, and nothing when pre-warm is off', () => {
    const cells = weekCellStates(defaultWeeklyGrid(), true);
    expect(cells[0]?.[15]).toBe('pre-warm'); // Monday 07:30
    expect(cells[0]?.[16]).toBe('active'); // Monday 08:00
    expect(cells[0]?.[38]).toBe('sleep'); // Monday 19:00
    expect(cells[5]?.[15]).toBe('sleep'); // Saturday has no block
    expect(weekCellStates(defaultWeeklyGrid(), false)[0]?.[15]).toBe('sleep');
  });

  it('wraps from Sunday 23:30 to Monday 00:00', () => {
    const grid = emptyGrid();
    (grid[0] as boolean[])[0] = true;
    expect(weekCellStates(grid, true)[6]?.[47]).toBe('pre-warm');
  });

  it('agrees with the engine at every slot of a week in UTC (no clock change)', () => {
    const gridArb = fc.array(fc.array(fc.boolean(), { minLength: 48, maxLength: 48 }), {
      minLength: 7,
      maxLength: 7,
    });
    fc.assert(
      fc.property(gridArb, fc.boolean(), fc.integer({ min: 0, max: 7 * 48 - 1 }), (grid, preWarm, index) => {
        const day = Math.floor(index / 48);
        const slot = index % 48;
        // Monday 2027-01-04 00:00 UTC plus the slot.
        const instant = new Date(Date.UTC(2027, 0, 4) + index * 30 * 60_000);
        const engine = scheduledStateAt(
          {
            schedule: { enabled: true, timeZone: 'UTC', weeklyGrid: grid, preWarm },
            overrides: [],
            manualOverride: null,
          },
          instant,
        ).state;
        expect(weekCellStates(grid, preWarm)[day]?.[slot]).toBe(engine);
      }),
      { numRuns: 300 },
    );
  });

  it('counts running hours with pre-warm', () => {
    // Weekdays 08:00-19:00: 5 × 11 h, plus 5 × 0.5 h pre-warm.
    expect(weeklyRunningHours(defaultWeeklyGrid(), false)).toBe(55);
    expect(weeklyRunningHours(defaultWeeklyGrid(), true)).toBe(57.5);
  });
});

describe('mondayMorningAfter: "until Monday morning" in the cluster zone', () => {
  const schedule = { timeZone: 'America/New_York', weeklyGrid: defaultWeeklyGrid() };

  it('ends at the start of Monday first block (08:00 New York) after a Saturday', () => {
    // Saturday 2026-12-05 02:00 New York.
    const until = mondayMorningAfter(schedule, new Date('2026-12-05T07:00:00Z'));
    expect(until.toISOString()).toBe('2026-12-07T13:00:00.000Z');
  });

  it('is today on a Monday before the morning, next week after it', () => {
    expect(mondayMorningAfter(schedule, new Date('2026-12-07T06:00:00Z')).toISOString()).toBe(
      '2026-12-07T13:00:00.000Z',
    );
    expect(mondayMorningAfter(schedule, new Date('2026-12-07T15:00:00Z')).toISOString()).toBe(
      '2026-12-14T13:00:00.000Z',
    );
  });

  it('falls back to 09:00 when Monday has no morning block', () => {
    const until = mondayMorningAfter(
      { timeZone: 'Europe/Berlin', weeklyGrid: emptyGrid() },
      new Date('2026-12-05T12:00:00Z'),
    );
    expect(until.toISOString()).toBe('2026-12-07T08:00:00.000Z');
  });

  it('is always a Monday in the zone, in the future, within 8 days', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2028, 0, 1) }),
        fc.constantFrom('UTC', 'Europe/Berlin', 'America/New_York', 'Australia/Sydney', 'Asia/Kathmandu'),
        (ms, timeZone) => {
          const now = new Date(ms);
          const until = mondayMorningAfter({ timeZone, weeklyGrid: defaultWeeklyGrid() }, now);
          expect(until.getTime()).toBeGreaterThan(ms);
          expect(until.getTime() - ms).toBeLessThanOrEqual(8 * 24 * 3_600_000);
          const weekday = new Intl.DateTimeFormat('en-US', { weekday: 'long', timeZone }).format(until);
          expect(weekday).toBe('Monday');
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('monthToDateBaselineUsd', () => {
  it('is the hourly cost times the hours since the 1st at local midnight', () => {
    // 2026-12-03 00:00 Berlin = 2026-12-02T23:00Z: two days in.
    expect(monthToDateBaselineUsd(2, new Date('2026-12-02T23:00:00Z'), 'Europe/Berlin')).toBe(96);
  });
});
