import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  bucketFromIndex,
  buildInterruptionModel,
  estimateInterruption,
  interruptionBucketRanges,
  interruptionBuckets,
} from '../../src/savings/interruption';

const base = { instanceType: 'm5.large', region: 'us-east-1' };

describe('interruption model', () => {
  it('uses the bucket midpoint and converts it to hourly and daily figures', () => {
    const e = estimateInterruption({ ...base, bucket: '5-10%' });
    expect(e.monthlyProbability).toBeCloseTo(0.075, 12);
    // lambda = -ln(1 - 0.075) / 730 = 0.0779615 / 730 = 1.067966e-4 per hour
    expect(e.hourlyHazard).toBeCloseTo(1.067966e-4, 9);
    // p_day = 1 - exp(-24 lambda) = 0.0025598
    expect(e.dailyProbability).toBeCloseTo(0.0025598, 7);
    expect(e.expectedInterruptionsPerMonth).toBeCloseTo(0.0779615, 6);
    expect(e.volatilityMultiplier).toBe(1);
    expect(estimateInterruption({ ...base, bucket: '>20%' }).monthlyProbability).toBe(0.25);
    expect(estimateInterruption({ ...base, bucket: '<5%' }).monthlyProbability).toBe(0.025);
  });

  it('moves toward the upper edge of the bucket with price volatility, bounded', () => {
    // [0.9, 1.1]: mean 1, population sd 0.1, CV 0.1 -> score 0.5 -> 0.075 + 0.025 x 0.5
    const half = estimateInterruption({ ...base, bucket: '5-10%', spotPriceHistoryUsd: [0.9, 1.1] });
    expect(half.priceVolatilityCv).toBeCloseTo(0.1, 12);
    expect(half.monthlyProbability).toBeCloseTo(0.0875, 12);
    expect(half.volatilityMultiplier).toBeCloseTo(0.0875 / 0.075, 12);
    // CV 0.2 and beyond saturate at the upper edge
    const full = estimateInterruption({ ...base, bucket: '5-10%', spotPriceHistoryUsd: [0.5, 1.5] });
    expect(full.monthlyProbability).toBeCloseTo(0.1, 12);
    const flat = estimateInterruption({ ...base, bucket: '10-15%', spotPriceHistoryUsd: [0.04, 0.04, 0.04] });
    expect(flat.monthlyProbability).toBe(0.125);
  });

  it('keys a model table by region and type', () => {
    const model = buildInterruptionModel([
      { ...base, bucket: '<5%' },
      { instanceType: 'c5.large', region: 'eu-west-1', bucket: '15-20%' },
    ]);
    expect(model.get('eu-west-1/c5.large')?.monthlyProbability).toBe(0.175);
    expect(bucketFromIndex(4)).toBe('>20%');
    expect(() => bucketFromIndex(5)).toThrow(RangeError);
  });

  it('stays inside the advisor bucket without volatility, and with any volatility', () => {
    const bucket = fc.constantFrom(...interruptionBuckets);
    fc.assert(
      fc.property(bucket, fc.double({ min: 0.001, max: 10, noNaN: true }), fc.nat(20), (b, price, n) => {
        const r = interruptionBucketRanges[b];
        const e = estimateInterruption({ ...base, bucket: b, spotPriceHistoryUsd: Array(n).fill(price) });
        expect(e.monthlyProbability).toBeGreaterThanOrEqual(r.lower);
        expect(e.monthlyProbability).toBeLessThanOrEqual(r.upper);
        expect(e.monthlyProbability).toBeCloseTo(r.midpoint, 12);
      }),
    );
    fc.assert(
      fc.property(
        bucket,
        fc.array(fc.double({ min: 0, max: 5, noNaN: true }), { maxLength: 50 }),
        (b, history) => {
          const r = interruptionBucketRanges[b];
          const e = estimateInterruption({ ...base, bucket: b, spotPriceHistoryUsd: history });
          expect(e.monthlyProbability).toBeGreaterThanOrEqual(r.midpoint);
          expect(e.monthlyProbability).toBeLessThanOrEqual(r.upper + 1e-15);
          expect(e.dailyProbability).toBeLessThanOrEqual(e.monthlyProbability);
        },
      ),
    );
  });
});
