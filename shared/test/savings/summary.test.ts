import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { combineSavings, SAVINGS_OVERLAP_RULE } from '../../src/savings/summary';

describe('combined savings', () => {
  it('applies hibernation, bin packing, spot and rightsizing in order without double counting', () => {
    const s = combineSavings({
      monthlyRunRateUsd: 10_000,
      hibernationMonthlyUsd: 3000,
      binPackingMonthlyUsd: 2000,
      spotMonthlyUsd: 1500,
      rightsizingMonthlyUsd: 1000,
    });
    // a = 7000 / 10000 = 0.7; pack 2000 x 0.7 = 1400; spot 1500 x 0.7 = 1050;
    // price factor (5600 - 1050) / 5600 = 0.8125; rightsizing 1000 x 0.7 x 0.8125 = 568.75
    expect(s.steps.map((x) => [x.source, x.incrementalMonthlyUsd])).toEqual([
      ['hibernation', 3000],
      ['bin-packing', 1400],
      ['spot', 1050],
      ['rightsizing', 568.75],
    ]);
    expect(s.totalMonthlyUsd).toBeCloseTo(6018.75, 9);
    expect(s.projectedMonthlyCostUsd).toBeCloseTo(3981.25, 9);
    expect(s.naiveSumMonthlyUsd).toBe(7500);
    expect(s.rule).toBe(SAVINGS_OVERLAP_RULE);
  });

  it('caps at the run rate', () => {
    const s = combineSavings({
      monthlyRunRateUsd: 100,
      hibernationMonthlyUsd: 150,
      binPackingMonthlyUsd: 50,
    });
    expect(s.totalMonthlyUsd).toBe(100);
    expect(s.steps[1]?.incrementalMonthlyUsd).toBe(0);
  });

  it('never exceeds the run rate, the naive sum, or any stand-alone figure', () => {
    const money = fc.double({ min: 0, max: 1e6, noNaN: true });
    fc.assert(
      fc.property(money, money, money, money, money, (c, h, b, sp, r) => {
        const s = combineSavings({
          monthlyRunRateUsd: c,
          hibernationMonthlyUsd: h,
          binPackingMonthlyUsd: b,
          spotMonthlyUsd: sp,
          rightsizingMonthlyUsd: r,
        });
        expect(s.totalMonthlyUsd).toBeLessThanOrEqual(c + 1e-6);
        expect(s.totalMonthlyUsd).toBeLessThanOrEqual(s.naiveSumMonthlyUsd + 1e-6);
        expect(s.totalMonthlyUsd).toBeGreaterThanOrEqual(0);
        for (const step of s.steps) {
          expect(step.incrementalMonthlyUsd).toBeLessThanOrEqual(step.standaloneMonthlyUsd + 1e-9);
          expect(step.remainingMonthlyUsd).toBeGreaterThanOrEqual(-1e-9);
        }
      }),
    );
  });
});
