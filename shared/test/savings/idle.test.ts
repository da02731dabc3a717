import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { SavingsError } from '../../src/savings/errors';
import {
  type ActivitySample,
  activityGrid,
  hibernationMonthlySavingsUsd,
  localHourOfWeek,
} from '../../src/savings/idle';

const HOUR_MS = 3_600_000;

/** Hourly samples for [start, end), activity chosen from the local time in `zone`. */
function samplesBetween(
  startIso: string,
  endIso: string,
  zone: string,
  busy: (local: DateTime) => boolean,
): ActivitySample[] {
  const out: ActivitySample[] = [];
  for (let t = Date.parse(startIso); t < Date.parse(endIso); t += HOUR_MS) {
    const local = DateTime.fromMillis(t, { zone });
    const active = busy(local);
    out.push({
      hourStartEpochMs: t,
      cpuUsedMilli: active ? 6000 : 500,
      cpuAllocatableMilli: 10_000,
      podChurn: active ? 40 : 2,
      apiRequestRate: active ? 120 : 30,
    });
  }
  return out;
}

const officeHours = (l: DateTime) => l.weekday <= 5 && l.hour >= 9 && l.hour < 17;

describe('activity grid', () => {
  it('classifies office hours active and the rest idle, and prices hibernation', () => {
    const now = new Date('2026-03-02T00:00:00Z'); // a Monday, 00:00 UTC
    const samples = samplesBetween('2026-02-02T00:00:00Z', '2026-03-02T00:00:00Z', 'UTC', officeHours);
    const grid = activityGrid({ samples, timeZone: 'UTC', hourlyClusterCostUsd: 2 }, now);
    expect(grid.grid).toHaveLength(7);
    expect(grid.grid.every((row) => row.length === 24)).toBe(true);
    expect(grid.samplesUsed).toBe(672);
    expect(grid.sampleCounts.flat().every((n) => n === 4)).toBe(true);
    // 5 days x 8 hours active, 168 - 40 = 128 idle
    expect(grid.idleCellsPerWeek).toBe(128);
    expect(grid.classification[0]?.[9]).toBe('active');
    expect(grid.classification[0]?.[8]).toBe('idle');
    expect(grid.classification[5]?.[12]).toBe('idle');
    // cpu 0.6 active; churn and requests at their p95 -> 1; idle hours sit at p5 -> 0, cpu 0.05
    expect(grid.grid[0]?.[9]).toBe(1);
    expect(grid.grid[0]?.[3]).toBeCloseTo(0.05, 12);
    expect(grid.normalization).toEqual({ churnP5: 2, churnP95: 40, requestRateP5: 30, requestRateP95: 120 });
    // 2 USD/h x 128 x 52 / 12 = 1109.33 USD/month
    expect(grid.monthlyHibernationSavingsUsd).toBeCloseTo(1109.3333, 3);
    expect(grid.idleThreshold).toBe(0.15);
  });

  it('takes the max of the normalized signals: churn alone can make an hour active', () => {
    const now = new Date('2026-03-02T00:00:00Z');
    const samples = samplesBetween('2026-02-02T00:00:00Z', '2026-03-02T00:00:00Z', 'UTC', () => false).map(
      (s) => {
        // nightly CI at 02:00 on Tuesdays: no CPU to speak of, but pods come and go
        const local = DateTime.fromMillis(s.hourStartEpochMs, { zone: 'UTC' });
        return local.weekday === 2 && local.hour === 2 ? { ...s, podChurn: 30 } : s;
      },
    );
    const grid = activityGrid({ samples, timeZone: 'UTC', hourlyClusterCostUsd: 1 }, now);
    expect(grid.classification[1]?.[2]).toBe('active');
    expect(grid.idleCellsPerWeek).toBe(167);
  });

  it('does not stretch the noise of a flat signal to full scale', () => {
    const now = new Date('2026-03-02T00:00:00Z');
    // steady controller traffic 30 +- 1 req/s and 5 % CPU all week: (31 - 29) / max(2, 15.5) = 0.13 < 0.15
    const samples = samplesBetween('2026-02-02T00:00:00Z', '2026-03-02T00:00:00Z', 'UTC', () => false).map(
      (s, i) => ({
        ...s,
        apiRequestRate: 29 + (i % 3),
      }),
    );
    const grid = activityGrid({ samples, timeZone: 'UTC', hourlyClusterCostUsd: 1 }, now);
    expect(grid.normalization.requestRateP95).toBe(31);
    expect(grid.idleCellsPerWeek).toBe(168);
  });

  it('ignores samples outside the 4 weeks and marks thin cells as no-data', () => {
    const now = new Date('2026-03-02T00:00:00Z');
    const samples = samplesBetween('2026-01-01T00:00:00Z', '2026-03-05T00:00:00Z', 'UTC', () => false);
    const grid = activityGrid({ samples, timeZone: 'UTC', hourlyClusterCostUsd: 1 }, now);
    expect(grid.samplesUsed).toBe(672);
    const oneWeek = samplesBetween('2026-02-23T00:00:00Z', '2026-03-02T00:00:00Z', 'UTC', () => false);
    const thin = activityGrid({ samples: oneWeek, timeZone: 'UTC', hourlyClusterCostUsd: 1 }, now);
    expect(thin.classification.flat().every((c) => c === 'no-data')).toBe(true);
    expect(thin.idleCellsPerWeek).toBe(0);
    expect(thin.monthlyHibernationSavingsUsd).toBe(0);
  });

  it('rejects a zone that is not IANA', () => {
    expect(() =>
      activityGrid({ samples: [], timeZone: 'EST5', hourlyClusterCostUsd: 1 }, new Date()),
    ).toThrow(SavingsError);
    expect(() =>
      activityGrid({ samples: [], timeZone: 'Mars/Olympus', hourlyClusterCostUsd: 1 }, new Date()),
    ).toThrow(/IANA/);
  });

  it('computes hibernation savings as hourly cost x idle cells x 52 / 12', () => {
    expect(hibernationMonthlySavingsUsd(12.5, 100)).toBeCloseTo(5416.6667, 3);
  });
});

describe('DST', () => {
  const zone = 'America/New_York';

  it('maps instants to the local hour they fell in across spring-forward', () => {
    // 2026-03-08 02:00 EST does not exist: 06:00Z is 01:00 EST, 07:00Z is 03:00 EDT
    expect(localHourOfWeek(Date.parse('2026-03-08T06:00:00Z'), zone)).toEqual({ weekday: 6, hour: 1 });
    expect(localHourOfWeek(Date.parse('2026-03-08T07:00:00Z'), zone)).toEqual({ weekday: 6, hour: 3 });
    // fall-back 2026-11-01: 05:00Z and 06:00Z are both 01:00 local
    expect(localHourOfWeek(Date.parse('2026-11-01T05:00:00Z'), zone)).toEqual({ weekday: 6, hour: 1 });
    expect(localHourOfWeek(Date.parse('2026-11-01T06:00:00Z'), zone)).toEqual({ weekday: 6, hour: 1 });
  });

  it('keeps 168 cells in the spring-forward window with office hours on local time', () => {
    // window: the 4 local weeks before Monday 2026-03-16 00:00 EDT, spanning the 2026-03-08 change
    const now = DateTime.fromISO('2026-03-16T00:00:00', { zone }).toJSDate();
    const samples = samplesBetween('2026-02-10T00:00:00Z', '2026-03-16T12:00:00Z', zone, officeHours);
    const grid = activityGrid({ samples, timeZone: zone, hourlyClusterCostUsd: 1 }, now);
    expect(grid.classification.flat()).toHaveLength(168);
    expect(grid.grid.flat()).toHaveLength(168);
    // the window is 4 x 168 - 1 = 671 real hours; Sunday 02:00 got only 3 samples
    expect(grid.samplesUsed).toBe(671);
    expect(grid.sampleCounts[6]?.[2]).toBe(3);
    expect(grid.sampleCounts.flat().filter((n) => n !== 4)).toEqual([3]);
    // exactly Mon-Fri 09:00-16:59 local is active, before and after the change
    for (let d = 0; d < 7; d++) {
      for (let h = 0; h < 24; h++) {
        const expected = d < 5 && h >= 9 && h < 17 ? 'active' : 'idle';
        expect(grid.classification[d]?.[h]).toBe(expected);
      }
    }
    expect(grid.idleCellsPerWeek).toBe(128);
  });

  it('counts the repeated hour twice in the fall-back week', () => {
    const now = DateTime.fromISO('2026-11-09T00:00:00', { zone }).toJSDate();
    const samples = samplesBetween('2026-10-01T00:00:00Z', '2026-11-10T00:00:00Z', zone, officeHours);
    const grid = activityGrid({ samples, timeZone: zone, hourlyClusterCostUsd: 1 }, now);
    expect(grid.samplesUsed).toBe(673);
    expect(grid.sampleCounts[6]?.[1]).toBe(5);
    expect(grid.idleCellsPerWeek).toBe(128);
  });

  it('always returns a 7 x 24 grid whose counts agree with the classification', () => {
    const zones = fc.constantFrom(
      'America/New_York',
      'Europe/Berlin',
      'Asia/Kolkata',
      'Australia/Lord_Howe',
      'UTC',
    );
    const sample = fc.record({
      offsetHours: fc.integer({ min: -800, max: 10 }),
      cpu: fc.nat(1000),
      churn: fc.nat(50),
      rate: fc.nat(500),
    });
    fc.assert(
      fc.property(
        zones,
        fc.array(sample, { maxLength: 300 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (tz, raw, threshold) => {
          const now = new Date('2026-03-30T00:00:00Z');
          const samples = raw.map((s) => ({
            hourStartEpochMs: now.getTime() + s.offsetHours * HOUR_MS,
            cpuUsedMilli: s.cpu,
            cpuAllocatableMilli: 1000,
            podChurn: s.churn,
            apiRequestRate: s.rate,
          }));
          const grid = activityGrid(
            { samples, timeZone: tz, hourlyClusterCostUsd: 3, idleThreshold: threshold },
            now,
          );
          expect(grid.grid).toHaveLength(7);
          expect(grid.classification.every((r) => r.length === 24)).toBe(true);
          const idle = grid.classification.flat().filter((c) => c === 'idle').length;
          expect(grid.idleCellsPerWeek).toBe(idle);
          expect(grid.sampleCounts.flat().reduce((a, b) => a + b, 0)).toBe(grid.samplesUsed);
          for (const v of grid.grid.flat()) if (v !== null) expect(v).toBeGreaterThanOrEqual(0);
          expect(grid.monthlyHibernationSavingsUsd).toBeCloseTo((3 * idle * 52) / 12, 9);
        },
      ),
      { numRuns: 60 },
    );
  });
});
