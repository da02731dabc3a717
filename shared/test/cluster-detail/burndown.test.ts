import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { costBurndown } from '../../src/cluster-detail/burndown';

const now = new Date('2026-12-07T12:30:00Z');
const hour = (day: number, h: number) => new Date(Date.UTC(2026, 11, day, h)).toISOString();

describe('costBurndown', () => {
  it('adds up the hours per day, spreads the budget over the month and projects the month end', () => {
    const hours = [1, 2, 3, 4, 5, 6, 7].flatMap((day) =>
      Array.from({ length: day === 7 ? 13 : 24 }, (_, h) => ({ hour: hour(day, h), hourlyCostUsd: 2 })),
    );
    const r = costBurndown('c', 3100, hours, now);
    expect(r.month).toBe('2026-12');
    expect(r.days).toHaveLength(31);
    expect(r.days[0]).toEqual({
      date: '2026-12-01',
      spendUsd: 48,
      cumulativeUsd: 48,
      budgetCumulativeUsd: 100,
    });
    expect(r.days[6]).toMatchObject({ spendUsd: 26, cumulativeUsd: 314 });
    expect(r.days[7]).toEqual({
      date: '2026-12-08',
      spendUsd: null,
      cumulativeUsd: null,
      budgetCumulativeUsd: 800,
    });
    expect(r.monthToDateUsd).toBe(314);
    // 24 days and 11.5 hours left at $2/h.
    expect(r.projectedMonthEndUsd).toBe(314 + 2 * (24 * 24 + 11.5));
    // Projected $1,489: within $3,100, within 10% of $1,500, above $1,200.
    expect(r.status).toBe('on-track');
    expect(costBurndown('c', 1500, hours, now).status).toBe('at-risk');
    expect(costBurndown('c', 1200, hours, now).status).toBe('over-budget');
    expect(costBurndown('c', 1200, [], now).status).toBe('on-track');
    expect(costBurndown('c', null, hours, now)).toMatchObject({
      status: 'no-budget',
      monthlyBudgetUsd: null,
    });
  });

  it('ignores hours of the previous month and of the future', () => {
    const r = costBurndown(
      'c',
      100,
      [
        { hour: '2026-11-30T23:00:00.000Z', hourlyCostUsd: 50 },
        { hour: hour(7, 11), hourlyCostUsd: 1 },
        { hour: hour(7, 20), hourlyCostUsd: 50 },
      ],
      now,
    );
    expect(r.monthToDateUsd).toBe(1);
  });

  it('property: cumulative spend never falls and ends at the month-to-date; the projection is at least it', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            day: fc.integer({ min: 1, max: 7 }),
            h: fc.integer({ min: 0, max: 23 }),
            cost: fc.integer({ min: 0, max: 500 }),
          }),
          { maxLength: 200 },
        ),
        fc.option(fc.integer({ min: 1, max: 100_000 }), { nil: null }),
        (xs, budget) => {
          const r = costBurndown(
            'c',
            budget,
            xs.map((x) => ({ hour: hour(x.day, x.h), hourlyCostUsd: x.cost })),
            now,
          );
          const known = r.days.filter((d) => d.cumulativeUsd !== null).map((d) => d.cumulativeUsd as number);
          for (let i = 1; i < known.length; i++)
            expect(known[i]).toBeGreaterThanOrEqual(known[i - 1] as number);
          expect(known.at(-1)).toBeCloseTo(r.monthToDateUsd, 1);
          expect(r.projectedMonthEndUsd).toBeGreaterThanOrEqual(r.monthToDateUsd - 0.01);
        },
      ),
    );
  });
});
