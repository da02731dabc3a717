import { describe, expect, it } from 'vitest';
import { DecayingHistogram, vpaBaselineRecommendation } from '../../src/savings/vpa-baseline';

const HOUR_MS = 3_600_000;
const now = new Date('2026-03-02T00:00:00Z');

function hourly(days: number, value: (hoursAgo: number) => { cpu: number; mem: number }) {
  return Array.from({ length: days * 24 }, (_, i) => {
    const hoursAgo = days * 24 - i;
    const v = value(hoursAgo);
    return { timeEpochMs: now.getTime() - hoursAgo * HOUR_MS, cpuMilli: v.cpu, memoryWorkingSetMiB: v.mem };
  });
}

describe('decaying histogram', () => {
  it('has exponentially growing buckets and reports the upper edge of the percentile bucket', () => {
    const h = new DecayingHistogram(10, 24 * HOUR_MS, now.getTime());
    expect(h.bucketStart(0)).toBe(0);
    expect(h.bucketStart(1)).toBeCloseTo(10, 12);
    expect(h.bucketStart(2)).toBeCloseTo(20.5, 12);
    expect(h.bucketIndex(10)).toBe(1);
    expect(h.bucketIndex(9.99)).toBe(0);
    h.add(15, now.getTime());
    expect(h.percentile(0.9)).toBeCloseTo(20.5, 12);
    expect(new DecayingHistogram(10, 1, 0).percentile(0.5)).toBeNull();
  });

  it('halves the weight of a sample every half-life', () => {
    const h = new DecayingHistogram(10, 24 * HOUR_MS, now.getTime());
    h.add(5, now.getTime() - 24 * HOUR_MS); // weight 0.5, bucket [0, 10)
    h.add(15, now.getTime()); // weight 1, bucket [10, 20.5)
    // total 1.5: p33 = 0.5 reaches bucket 0; p34 needs bucket 1
    expect(h.percentile(0.33)).toBeCloseTo(10, 12);
    expect(h.percentile(0.34)).toBeCloseTo(20.5, 12);
  });
});

describe('VPA-style baseline', () => {
  it('targets p90 x 1.15 of CPU and of daily memory peaks', () => {
    const samples = hourly(14, () => ({ cpu: 100, mem: 1000 }));
    const r = vpaBaselineRecommendation({ samples }, now);
    // 100 m falls in bucket 8 [98.0, 110.3); upper edge 10 x (1.05^9 - 1) / 0.05 = 110.2656 -> x 1.15 -> 127
    expect(r.cpuP90Milli).toBeCloseTo(110.2656, 4);
    expect(r.cpuMilli).toBe(127);
    expect(r.dailyPeakCount).toBe(14);
    expect(r.memoryMiB).toBeGreaterThan(1000 * 1.15);
    expect(r.memoryMiB).toBeLessThan(1000 * 1.05 * 1.15 + 1);
  });

  it('follows recent usage: the last day weighs as much as all days before it', () => {
    const samples = hourly(14, (hoursAgo) => ({ cpu: hoursAgo <= 24 ? 1000 : 100, mem: 500 }));
    const r = vpaBaselineRecommendation({ samples }, now);
    // without decay 1 day in 14 (7 %) would be under p90; with a 24 h half-life it is ~50 % of the weight
    expect(r.cpuMilli).toBeGreaterThan(1000 * 1.15);
  });

  it('adds an OOM bump as a memory peak', () => {
    const samples = hourly(1, () => ({ cpu: 10, mem: 100 }));
    const r = vpaBaselineRecommendation(
      { samples, oomKills: [{ timeEpochMs: now.getTime() - HOUR_MS, memoryAtKillMiB: 400 }] },
      now,
    );
    // peaks {100, max(500, 480) = 500}: p90 lands on the 500 bucket
    expect(r.memoryMiB).toBeGreaterThan(500 * 1.15);
  });

  it('has no recommendation without samples', () => {
    expect(vpaBaselineRecommendation({ samples: [] }, now)).toMatchObject({
      cpuMilli: null,
      memoryMiB: null,
    });
  });
});
