import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  cronMatchesDay,
  ianaZone,
  instantsOfWallTime,
  nextFireTime,
  parseScheduleExpression,
  wallTimeOf,
} from '../src/schedule-expression';

const iso = (d: Date | null) => d?.toISOString() ?? null;
const next = (expression: string, zone: string, after: string) =>
  iso(nextFireTime(expression, zone, new Date(after)));

/** All fire times from `after`, `count` of them. */
function fires(expression: string, zone: string, after: string, count: number): string[] {
  const out: string[] = [];
  let cursor = new Date(after);
  for (let i = 0; i < count; i++) {
    const n = nextFireTime(expression, zone, cursor);
    if (!n) break;
    out.push(n.toISOString());
    cursor = n;
  }
  return out;
}

describe('parseScheduleExpression', () => {
  it.each([
    ['cron(0 8 * * * *)', 'exactly one'],
    ['cron(0 8 ? * ? *)', 'exactly one'],
    ['cron(0 8 * * ?)', '6 fields'],
    ['cron(60 8 * * ? *)', 'minutes'],
    ['cron(0 24 * * ? *)', 'hours'],
    ['cron(0 8 32 * ? *)', 'day-of-month'],
    ['cron(0 8 ? FOO MON *)', 'month'],
    ['cron(0 8 ? * FUN *)', 'day-of-week'],
    ['cron(0 8 ? * MON#6 *)', 'MON#1'],
    ['cron(0 8 * * ? 1969)', 'year'],
    ['cron(0/0 8 * * ? *)', 'increment'],
    ['cron(0 8 5X * ? *)', 'day-of-month'],
    ['rate(0 minutes)', 'positive'],
    ['rate(5 weeks)', 'use at('],
    ['at(2026-02-30T08:00:00)', 'does not exist'],
    ['at(2026-01-01T24:00:00)', 'time'],
    ['at(2026-01-01 08:00:00)', 'use at('],
    ['every day', 'use at('],
  ])('rejects %s', (expression, reason) => {
    expect(() => parseScheduleExpression(expression)).toThrow(reason);
  });

  it('reads names, ranges, lists and steps', () => {
    const parsed = parseScheduleExpression('cron(0/15 9-17 ? JAN,MAR-APR MON-FRI 2026-2027)');
    expect(parsed.kind).toBe('cron');
    if (parsed.kind !== 'cron') return;
    expect(parsed.cron.minutes).toEqual([0, 15, 30, 45]);
    expect(parsed.cron.hours).toEqual([9, 10, 11, 12, 13, 14, 15, 16, 17]);
    expect([...parsed.cron.months].sort((a, b) => a - b)).toEqual([1, 3, 4]);
    expect([...(parsed.cron.dayOfWeek?.days ?? [])].sort()).toEqual([2, 3, 4, 5, 6]);
    expect([...parsed.cron.years]).toEqual([2026, 2027]);
    expect(parsed.cron.dayOfMonth).toBeUndefined();
  });

  it('reads wrapping ranges and lower-case names', () => {
    const parsed = parseScheduleExpression('cron(0 22-2 ? * fri-mon *)');
    if (parsed.kind !== 'cron') throw new Error('not cron');
    expect(parsed.cron.hours).toEqual([0, 1, 2, 22, 23]);
    expect([...(parsed.cron.dayOfWeek?.days ?? [])].sort()).toEqual([1, 2, 6, 7]);
  });

  it('reads rate units in singular and plural', () => {
    expect(parseScheduleExpression('rate(1 minute)')).toMatchObject({ kind: 'rate', periodMs: 60_000 });
    expect(parseScheduleExpression('rate(2 hours)')).toMatchObject({ kind: 'rate', periodMs: 7_200_000 });
    expect(parseScheduleExpression('rate(3 days)')).toMatchObject({ kind: 'rate', unit: 'day' });
  });

  it('refuses zones that are not IANA names', () => {
    expect(() => nextFireTime('rate(1 day)', 'CEST', new Date())).toThrow('IANA');
    expect(() => nextFireTime('rate(1 day)', 'Mars/Olympus', new Date())).toThrow('IANA');
  });
});

describe('cron', () => {
  it('fires on weekdays at 08:00 local time', () => {
    expect(fires('cron(0 8 ? * MON-FRI *)', 'Europe/Berlin', '2026-01-01T00:00:00Z', 3)).toEqual([
      '2026-01-01T07:00:00.000Z', // Thursday
      '2026-01-02T07:00:00.000Z', // Friday
      '2026-01-05T07:00:00.000Z', // Monday
    ]);
  });

  it('uses day-of-week 1 = SUN ... 7 = SAT', () => {
    expect(next('cron(0 12 ? * 1 *)', 'UTC', '2026-01-01T00:00:00Z')).toBe('2026-01-04T12:00:00.000Z'); // Sunday
    expect(next('cron(0 12 ? * 7 *)', 'UTC', '2026-01-01T00:00:00Z')).toBe('2026-01-03T12:00:00.000Z'); // Saturday
    expect(next('cron(0 12 ? * L *)', 'UTC', '2026-01-01T00:00:00Z')).toBe('2026-01-03T12:00:00.000Z'); // L = SAT
  });

  it('handles L, L-n, W, LW, nL and #', () => {
    expect(fires('cron(0 0 L * ? *)', 'UTC', '2026-01-15T00:00:00Z', 3)).toEqual([
      '2026-01-31T00:00:00.000Z',
      '2026-02-28T00:00:00.000Z',
      '2026-03-31T00:00:00.000Z',
    ]);
    expect(next('cron(0 0 L-2 * ? *)', 'UTC', '2026-02-01T00:00:00Z')).toBe('2026-02-26T00:00:00.000Z');
    // 2026-02-15 is a Sunday: the nearest weekday is Monday the 16th.
    expect(next('cron(0 9 15W * ? *)', 'UTC', '2026-02-01T00:00:00Z')).toBe('2026-02-16T09:00:00.000Z');
    // 2026-08-01 is a Saturday: 1W cannot go back into July, so it is Monday the 3rd.
    expect(next('cron(0 9 1W * ? *)', 'UTC', '2026-07-15T00:00:00Z')).toBe('2026-08-03T09:00:00.000Z');
    // 2026-01-31 is a Saturday: the last weekday is Friday the 30th.
    expect(next('cron(0 9 LW * ? *)', 'UTC', '2026-01-01T00:00:00Z')).toBe('2026-01-30T09:00:00.000Z');
    expect(next('cron(0 9 ? * 6L *)', 'UTC', '2026-01-01T00:00:00Z')).toBe('2026-01-30T09:00:00.000Z'); // last Friday
    expect(fires('cron(0 9 ? * MON#1 *)', 'UTC', '2026-01-01T00:00:00Z', 3)).toEqual([
      '2026-01-05T09:00:00.000Z',
      '2026-02-02T09:00:00.000Z',
      '2026-03-02T09:00:00.000Z',
    ]);
    expect(next('cron(0 9 ? * 3#5 *)', 'UTC', '2026-01-01T00:00:00Z')).toBe('2026-03-31T09:00:00.000Z'); // 5th Tuesday
  });

  it('skips impossible dates and stops after the last year', () => {
    expect(next('cron(0 0 29 2 ? *)', 'UTC', '2026-03-01T00:00:00Z')).toBe('2028-02-29T00:00:00.000Z');
    expect(next('cron(0 0 30 2 ? *)', 'UTC', '2026-03-01T00:00:00Z')).toBeNull();
    expect(next('cron(0 0 1 1 ? 2026)', 'UTC', '2026-01-01T00:00:00Z')).toBeNull();
    expect(next('cron(0 0 1 1 ? 2026)', 'UTC', '2025-12-31T23:59:59Z')).toBe('2026-01-01T00:00:00.000Z');
  });

  it('is strictly after `after`, to the minute', () => {
    expect(next('cron(30 9 * * ? *)', 'UTC', '2026-05-05T09:30:00Z')).toBe('2026-05-06T09:30:00.000Z');
    expect(next('cron(30 9 * * ? *)', 'UTC', '2026-05-05T09:29:59.999Z')).toBe('2026-05-05T09:30:00.000Z');
    expect(next('cron(* * * * ? *)', 'UTC', '2026-05-05T09:30:10Z')).toBe('2026-05-05T09:31:00.000Z');
  });
});

describe('daylight saving time', () => {
  // America/New_York: 2026-03-08 02:00 EST -> 03:00 EDT; 2026-11-01 02:00 EDT -> 01:00 EST.
  it('America/New_York spring forward: a skipped time does not fire that day', () => {
    expect(fires('cron(30 2 * * ? *)', 'America/New_York', '2026-03-07T00:00:00Z', 3)).toEqual([
      '2026-03-07T07:30:00.000Z', // 02:30 EST
      '2026-03-09T06:30:00.000Z', // 02:30 EDT; 2026-03-08 02:30 does not exist
      '2026-03-10T06:30:00.000Z',
    ]);
  });

  it('America/New_York spring forward: an hourly schedule skips the missing hour', () => {
    expect(fires('cron(0 * * * ? *)', 'America/New_York', '2026-03-08T05:30:00Z', 3)).toEqual([
      '2026-03-08T06:00:00.000Z', // 01:00 EST
      '2026-03-08T07:00:00.000Z', // 03:00 EDT
      '2026-03-08T08:00:00.000Z', // 04:00 EDT
    ]);
  });

  it('America/New_York fall back: a repeated time fires once, at its first occurrence', () => {
    expect(fires('cron(30 1 * * ? *)', 'America/New_York', '2026-10-31T12:00:00Z', 2)).toEqual([
      '2026-11-01T05:30:00.000Z', // 01:30 EDT; the 01:30 EST an hour later does not fire
      '2026-11-02T06:30:00.000Z', // 01:30 EST
    ]);
    expect(fires('cron(0 * * * ? *)', 'America/New_York', '2026-11-01T04:30:00Z', 3)).toEqual([
      '2026-11-01T05:00:00.000Z', // 01:00 EDT
      '2026-11-01T07:00:00.000Z', // 02:00 EST (01:00 EST is the same wall time again)
      '2026-11-01T08:00:00.000Z',
    ]);
  });

  // Europe/Berlin: 2026-03-29 02:00 CET -> 03:00 CEST; 2026-10-25 03:00 CEST -> 02:00 CET.
  it('Europe/Berlin spring forward and fall back', () => {
    expect(fires('cron(30 2 * * ? *)', 'Europe/Berlin', '2026-03-28T00:00:00Z', 2)).toEqual([
      '2026-03-28T01:30:00.000Z', // 02:30 CET
      '2026-03-30T00:30:00.000Z', // 02:30 CEST; 2026-03-29 is skipped
    ]);
    expect(fires('cron(30 2 * * ? *)', 'Europe/Berlin', '2026-10-24T12:00:00Z', 2)).toEqual([
      '2026-10-25T00:30:00.000Z', // 02:30 CEST, first occurrence
      '2026-10-26T01:30:00.000Z', // 02:30 CET
    ]);
  });

  it('keeps an 08:00 schedule at 08:00 local across both changes', () => {
    const berlin = fires('cron(0 8 * * ? *)', 'Europe/Berlin', '2026-03-27T12:00:00Z', 4);
    expect(berlin).toEqual([
      '2026-03-28T07:00:00.000Z',
      '2026-03-29T06:00:00.000Z',
      '2026-03-30T06:00:00.000Z',
      '2026-03-31T06:00:00.000Z',
    ]);
    const zone = ianaZone('Europe/Berlin');
    for (const f of berlin) expect(wallTimeOf(zone, Date.parse(f)).hour).toBe(8);
  });

  it('finds no, one or two instants for a wall time', () => {
    const ny = ianaZone('America/New_York');
    expect(instantsOfWallTime(ny, { year: 2026, month: 3, day: 8, hour: 2, minute: 30, second: 0 })).toEqual(
      [],
    );
    expect(
      instantsOfWallTime(ny, { year: 2026, month: 11, day: 1, hour: 1, minute: 30, second: 0 }).map((t) =>
        new Date(t).toISOString(),
      ),
    ).toEqual(['2026-11-01T05:30:00.000Z', '2026-11-01T06:30:00.000Z']);
  });
});

describe('at()', () => {
  it('fires once at the wall time in the zone', () => {
    expect(next('at(2026-07-01T09:15:30)', 'America/New_York', '2026-01-01T00:00:00Z')).toBe(
      '2026-07-01T13:15:30.000Z',
    );
    expect(next('at(2026-07-01T09:15:30)', 'Asia/Kolkata', '2026-01-01T00:00:00Z')).toBe(
      '2026-07-01T03:45:30.000Z',
    );
    expect(next('at(2026-07-01T09:15:30)', 'UTC', '2026-07-01T09:15:30Z')).toBeNull();
    expect(next('at(2026-07-01T09:15:30)', 'UTC', '2026-07-01T09:15:29Z')).toBe('2026-07-01T09:15:30.000Z');
  });

  it('moves a time inside a spring-forward gap forward by the gap, and takes the first of a repeated time', () => {
    expect(next('at(2026-03-08T02:30:00)', 'America/New_York', '2026-01-01T00:00:00Z')).toBe(
      '2026-03-08T07:30:00.000Z',
    ); // 03:30 EDT
    expect(next('at(2026-03-29T02:30:00)', 'Europe/Berlin', '2026-01-01T00:00:00Z')).toBe(
      '2026-03-29T01:30:00.000Z',
    ); // 03:30 CEST
    expect(next('at(2026-11-01T01:30:00)', 'America/New_York', '2026-01-01T00:00:00Z')).toBe(
      '2026-11-01T05:30:00.000Z',
    ); // EDT
  });
});

describe('rate()', () => {
  it('counts fixed durations from the start date, 24 h a day even across DST', () => {
    const start = new Date('2026-03-28T08:00:00Z');
    const after = new Date('2026-03-29T08:00:00Z');
    expect(iso(nextFireTime('rate(1 day)', 'Europe/Berlin', after, { startDate: start }))).toBe(
      '2026-03-30T08:00:00.000Z',
    );
    expect(
      iso(
        nextFireTime('rate(15 minutes)', 'UTC', new Date('2026-01-01T00:07:00Z'), {
          startDate: new Date('2026-01-01T00:00:00Z'),
        }),
      ),
    ).toBe('2026-01-01T00:15:00.000Z');
    expect(
      iso(
        nextFireTime('rate(1 hour)', 'UTC', new Date('2026-01-01T00:00:00Z'), {
          startDate: new Date('2026-01-02T00:00:00Z'),
        }),
      ),
    ).toBe('2026-01-02T00:00:00.000Z');
  });

  it('without a start date, counts from `after` (the last invocation)', () => {
    expect(next('rate(5 minutes)', 'UTC', '2026-01-01T00:00:10Z')).toBe('2026-01-01T00:05:10.000Z');
  });
});

// Property tests: any schedule, any zone, any instant.
const zones = [
  'UTC',
  'America/New_York',
  'Europe/Berlin',
  'Australia/Lord_Howe',
  'Asia/Kathmandu',
  'America/Sao_Paulo',
];
const DAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

const list = (values: fc.Arbitrary<number>, max = 3) =>
  fc.uniqueArray(values, { minLength: 1, maxLength: max }).map((v) => v.join(','));
const minuteField = fc.oneof(
  fc.constant('*'),
  list(fc.integer({ min: 0, max: 59 })),
  fc.integer({ min: 1, max: 30 }).map((s) => `0/${s}`),
);
const hourField = fc.oneof(
  fc.constant('*'),
  list(fc.integer({ min: 0, max: 23 })),
  fc.tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 23 })).map(([a, b]) => `${a}-${b}`),
);
const domField = fc.oneof(
  fc.constant('*'),
  list(fc.integer({ min: 1, max: 31 })),
  fc.constantFrom('L', 'LW', 'L-3', '15W', '1W'),
);
const dowField = fc.oneof(
  fc.constant('*'),
  fc.constantFrom('MON-FRI', 'SAT,SUN', 'L', '6L', 'MON#1', '3#2', 'FRI-MON'),
  list(fc.integer({ min: 1, max: 7 })).map((v) =>
    v
      .split(',')
      .map((d) => DAY_NAMES[Number(d) - 1])
      .join(','),
  ),
);
const cronArb = fc.oneof(
  fc.tuple(minuteField, hourField, domField).map(([m, h, d]) => `cron(${m} ${h} ${d} * ? *)`),
  fc.tuple(minuteField, hourField, dowField).map(([m, h, w]) => `cron(${m} ${h} ? * ${w} *)`),
);
// Instants from 2020 to 2032, with extra weight just before the DST changes of the zones above.
const instantArb = fc.oneof(
  fc.date({
    min: new Date('2020-01-01T00:00:00Z'),
    max: new Date('2032-01-01T00:00:00Z'),
    noInvalidDate: true,
  }),
  fc
    .tuple(
      fc.constantFrom(
        '2026-03-08T06:00:00Z',
        '2026-11-01T05:00:00Z',
        '2026-03-29T00:30:00Z',
        '2026-10-25T00:30:00Z',
        '2026-04-04T14:00:00Z',
      ),
      fc.integer({ min: -3 * 3_600_000, max: 3 * 3_600_000 }),
    )
    .map(([base, offset]) => new Date(Date.parse(base) + offset)),
);

/** A reference check, written independently of the search: is `instant` a fire time of the cron? */
function fireInstantChecker(expression: string, zoneName: string): (instant: number) => boolean {
  const parsed = parseScheduleExpression(expression);
  if (parsed.kind !== 'cron') throw new Error('cron only');
  const { cron } = parsed;
  const zone = ianaZone(zoneName);
  return (instant) => {
    if (instant % 60_000 !== 0) return false;
    const wall = wallTimeOf(zone, instant);
    return (
      cron.minutes.includes(wall.minute) &&
      cron.hours.includes(wall.hour) &&
      cronMatchesDay(cron, wall.year, wall.month, wall.day) &&
      instantsOfWallTime(zone, wall)[0] === instant
    );
  };
}

describe('properties', () => {
  it('cron: the next fire is strictly after `after` and is a fire instant (first occurrence of a matching wall time)', () => {
    fc.assert(
      fc.property(cronArb, fc.constantFrom(...zones), instantArb, (expression, zone, after) => {
        const result = nextFireTime(expression, zone, after);
        if (result === null) return;
        expect(result.getTime()).toBeGreaterThan(after.getTime());
        expect(fireInstantChecker(expression, zone)(result.getTime())).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('cron: nothing fires in between (checked minute by minute against a brute-force search)', () => {
    fc.assert(
      fc.property(cronArb, fc.constantFrom(...zones), instantArb, (expression, zone, after) => {
        const result = nextFireTime(expression, zone, after);
        const isFire = fireInstantChecker(expression, zone);
        const horizon = after.getTime() + 30 * 3_600_000;
        const end = result === null ? horizon : Math.min(result.getTime(), horizon);
        for (let t = Math.floor(after.getTime() / 60_000) * 60_000 + 60_000; t < end; t += 60_000) {
          if (isFire(t)) {
            throw new Error(
              `${expression} in ${zone} fires at ${new Date(t).toISOString()}, before ${iso(result)}`,
            );
          }
        }
      }),
      { numRuns: 100 },
    );
  }, 60_000);

  it('cron: following the schedule never fires a wall time twice', () => {
    fc.assert(
      fc.property(cronArb, fc.constantFrom('America/New_York', 'Europe/Berlin'), (expression, zone) => {
        const seen = new Set<string>();
        const z = ianaZone(zone);
        for (const f of fires(expression, zone, '2026-10-24T00:00:00Z', 60)) {
          const w = wallTimeOf(z, Date.parse(f));
          const key = `${w.year}-${w.month}-${w.day} ${w.hour}:${w.minute}`;
          expect(seen.has(key)).toBe(false);
          seen.add(key);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('rate: the next fire is the first multiple of the period after `after`', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 500 }),
        fc.constantFrom('minutes', 'hours', 'days'),
        instantArb,
        fc.integer({ min: -10 * 86_400_000, max: 86_400_000 }),
        (value, unit, after, startOffset) => {
          const start = new Date(after.getTime() + startOffset);
          const period = value * { minutes: 60_000, hours: 3_600_000, days: 86_400_000 }[unit as 'minutes'];
          const result = nextFireTime(`rate(${value} ${unit})`, 'Europe/Berlin', after, { startDate: start });
          expect(result).not.toBeNull();
          const t = (result as Date).getTime();
          expect(t).toBeGreaterThan(after.getTime());
          expect((t - start.getTime()) % period).toBe(0);
          expect(t - period <= after.getTime() || t === start.getTime()).toBe(true);
        },
      ),
    );
  });

  it('at: fires at its wall time if that is still ahead, never otherwise', () => {
    fc.assert(
      fc.property(
        fc.date({
          min: new Date('2021-01-01T00:00:00Z'),
          max: new Date('2031-01-01T00:00:00Z'),
          noInvalidDate: true,
        }),
        fc.constantFrom(...zones),
        instantArb,
        (when, zone, after) => {
          const wall = wallTimeOf(ianaZone('UTC'), Math.floor(when.getTime() / 1000) * 1000);
          const pad = (n: number) => String(n).padStart(2, '0');
          const expression = `at(${wall.year}-${pad(wall.month)}-${pad(wall.day)}T${pad(wall.hour)}:${pad(wall.minute)}:${pad(wall.second)})`;
          const result = nextFireTime(expression, zone, after);
          const instants = instantsOfWallTime(ianaZone(zone), wall);
          if (result === null) {
            if (instants[0] !== undefined) expect(instants[0]).toBeLessThanOrEqual(after.getTime());
            return;
          }
          expect(result.getTime()).toBeGreaterThan(after.getTime());
          if (instants[0] !== undefined) expect(result.getTime()).toBe(instants[0]);
        },
      ),
    );
  });
});
