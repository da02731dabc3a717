import type { DateOverride } from '@spot/shared';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addDays,
  badgeOf,
  calendarMonths,
  countryOptions,
  fleetStateOf,
  formatCountdown,
  formatTag,
  mergeHolidays,
  parseTag,
  setOverride,
  weekdayOf,
  zoneDifference,
} from './hibernation-display';

describe('the status badge', () => {
  it('reads the engine state and what the last run did', () => {
    expect(badgeOf({ state: 'sleep', actual: 'sleeping' })).toBe('HIBERNATING');
    expect(badgeOf({ state: 'sleep', actual: 'running' })).toBe('HIBERNATING');
    expect(badgeOf({ state: 'pre-warm', actual: 'sleeping' })).toBe('WAKING');
    expect(badgeOf({ state: 'active', actual: 'sleeping' })).toBe('WAKING');
    expect(badgeOf({ state: 'active', actual: 'running' })).toBe('ACTIVE');
    expect(badgeOf({ state: 'active', actual: null })).toBe('ACTIVE');
  });

  it('says NO SCHEDULE for a cluster without an enabled schedule that is not asleep', () => {
    const status = { state: 'active' as const, actual: null, manualOverride: null };
    expect(fleetStateOf({ configured: false, enabled: false, status })).toBe('NO SCHEDULE');
    expect(fleetStateOf({ configured: true, enabled: true, status })).toBe('ACTIVE');
    expect(
      fleetStateOf({
        configured: true,
        enabled: false,
        status: { ...status, state: 'sleep', actual: 'sleeping' },
      }),
    ).toBe('HIBERNATING');
  });
});

describe('formatCountdown', () => {
  it('writes hours, minutes and seconds as the specification does', () => {
    expect(formatCountdown((8 * 3600 + 12 * 60 + 5) * 1000)).toBe('08h 12m 05s');
    expect(formatCountdown(0)).toBe('00h 00m 00s');
    expect(formatCountdown(-5000)).toBe('00h 00m 00s');
    expect(formatCountdown((2 * 86_400 + 3 * 3600 + 7 * 60) * 1000)).toBe('2d 03h 07m');
  });

  it('never goes up as time passes', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 86_399_000 }),
        fc.integer({ min: 1000, max: 3_600_000 }),
        (ms, step) => {
          const key = (s: string) => s.replace(/\D/g, '');
          expect(Number(key(formatCountdown(ms - step)))).toBeLessThanOrEqual(
            Number(key(formatCountdown(ms))),
          );
        },
      ),
    );
  });
});

describe('zoneDifference', () => {
  it('gives the cluster zone against the viewer', () => {
    const winter = new Date('2026-12-06T12:00:00Z');
    expect(zoneDifference(winter, 'Europe/Berlin', 'America/New_York')).toBe('−6 h');
    expect(zoneDifference(winter, 'UTC', 'Asia/Kolkata')).toBe('+5 h 30 min');
    expect(zoneDifference(winter, 'UTC', 'UTC')).toBe('same time');
  });
});

describe('calendarMonths', () => {
  it('lays out Monday-first weeks from the current month', () => {
    const [dec, jan] = calendarMonths('2026-12-06', 2);
    expect(dec?.title).toBe('December 2026');
    // 1 December 2026 is a Tuesday.
    expect(dec?.weeks[0]).toEqual([
      null,
      '2026-12-01',
      '2026-12-02',
      '2026-12-03',
      '2026-12-04',
      '2026-12-05',
      '2026-12-06',
    ]);
    expect(jan?.key).toBe('2027-01');
  });

  it('holds every day of each month once, in weeks of seven, on the right weekday', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2000, max: 2099 }), fc.integer({ min: 1, max: 12 }), (year, month) => {
        const today = `${year}-${String(month).padStart(2, '0')}-15`;
        for (const m of calendarMonths(today, 12)) {
          const days = m.weeks.flat().filter((d): d is string => d !== null);
          expect(new Set(days).size).toBe(days.length);
          expect(days[0]).toBe(`${m.key}-01`);
          expect(addDays(days.at(-1) as string, 1).slice(8)).toBe('01');
          for (const week of m.weeks) {
            expect(week).toHaveLength(7);
            week.forEach((d, i) => {
              if (d) expect(weekdayOf(d)).toBe(i);
            });
          }
        }
      }),
      { numRuns: 50 },
    );
  });
});

describe('overrides', () => {
  const holiday = (date: string, label = ''): DateOverride => ({ date, kind: 'holiday', label });

  it('sets, replaces and clears one date', () => {
    let list = setOverride([], '2026-12-24', 'holiday', 'Christmas Eve');
    list = setOverride(list, '2026-12-10', 'sprint-day');
    expect(list.map((o) => o.date)).toEqual(['2026-12-10', '2026-12-24']);
    list = setOverride(list, '2026-12-24', 'sprint-day');
    expect(list.find((o) => o.date === '2026-12-24')?.kind).toBe('sprint-day');
    expect(setOverride(list, '2026-12-10', null)).toHaveLength(1);
  });

  it('imports holidays from today on and keeps dates already set', () => {
    const mine = [{ date: '2026-12-25', kind: 'sprint-day' as const, label: 'Release' }];
    const merge = mergeHolidays(
      mine,
      [
        holiday('2026-01-01', 'New Year'),
        holiday('2026-12-25', 'Christmas'),
        holiday('2026-12-26', 'Boxing Day'),
      ],
      '2026-12-06',
    );
    expect(merge.added.map((h) => h.date)).toEqual(['2026-12-26']);
    expect(merge.past.map((h) => h.date)).toEqual(['2026-01-01']);
    expect(merge.kept.map((h) => h.date)).toEqual(['2026-12-25']);
    expect(merge.overrides.find((o) => o.date === '2026-12-25')?.kind).toBe('sprint-day');
  });
});

describe('settings helpers', () => {
  it('parses and writes tag rules', () => {
    expect(parseTag('env=critical')).toEqual({ key: 'env', value: 'critical' });
    expect(parseTag(' team ')).toEqual({ key: 'team' });
    expect(formatTag({ key: 'env', value: 'prod' })).toBe('env=prod');
    expect(formatTag({ key: 'env' })).toBe('env');
  });

  it('lists countries from the platform data', () => {
    const options = countryOptions();
    expect(options.find((o) => o.value === 'DE')?.label).toBe('Germany (DE)');
    expect(options.find((o) => o.value === 'US')).toBeDefined();
    expect(options.some((o) => o.value === 'ZZ' || o.value === 'EU')).toBe(false);
    expect(options.length).toBeGreaterThan(200);
  });
});
