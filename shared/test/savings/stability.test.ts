import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stabilityIndex, stabilityLevel } from '../../src/savings/stability';

const fleet = (onDemand: number, spot: number, p: number | null) => [
  ...Array.from({ length: onDemand }, () => ({
    capacityType: 'on-demand' as const,
    allocatableCpuMilli: 2000,
  })),
  ...Array.from({ length: spot }, () => ({
    capacityType: 'spot' as const,
    allocatableCpuMilli: 2000,
    monthlyInterruptionProbability: p,
  })),
];

describe('stability index', () => {
  it('adds the three documented penalties', () => {
    const s = stabilityIndex({
      windowDays: 7,
      nodeCount: 10,
      pressureEventCount: 7,
      nodes: fleet(6, 4, 0.075),
      controlPlaneLatencyP99Ms: 1500,
    });
    // pressure: 7 / (10 x 7) = 0.1 per node-day -> 40 x 0.1 / 0.5 = 8
    expect(s.pressure.eventsPerNodeDay).toBeCloseTo(0.1, 12);
    expect(s.pressure.penalty).toBeCloseTo(8, 10);
    // spot: share 0.4 x 0.075 = 0.03 -> 30 x 0.03 / 0.25 = 3.6
    expect(s.spot.spotShare).toBeCloseTo(0.4, 12);
    expect(s.spot.value).toBeCloseTo(0.03, 12);
    expect(s.spot.penalty).toBeCloseTo(3.6, 10);
    // latency: 1500 / 1000 = 1.5 -> 30 x 0.5 / 2 = 7.5
    expect(s.latency.value).toBeCloseTo(1.5, 12);
    expect(s.latency.penalty).toBeCloseTo(7.5, 10);
    expect(s.index).toBeCloseTo(80.9, 10);
    expect(s.level).toBe('green');
  });

  it('saturates each component at its weight', () => {
    const s = stabilityIndex({
      windowDays: 1,
      nodeCount: 2,
      pressureEventCount: 50,
      nodes: fleet(0, 3, 0.3),
      controlPlaneLatencyP99Ms: 9000,
      latencyObjectiveP99Ms: 1000,
    });
    expect([s.pressure.penalty, s.spot.penalty, s.latency.penalty]).toEqual([40, 30, 30]);
    expect(s.index).toBe(0);
    expect(s.level).toBe('red');
  });

  it('does not penalize what was not measured, and assumes the worst bucket for unknown spot risk', () => {
    const s = stabilityIndex({
      windowDays: 7,
      nodeCount: 0,
      pressureEventCount: 0,
      nodes: fleet(1, 1, null),
      controlPlaneLatencyP99Ms: null,
    });
    expect(s.pressure.value).toBeNull();
    expect(s.latency.penalty).toBe(0);
    // share 0.5 x 0.25 = 0.125 -> 15 points
    expect(s.spot.penalty).toBeCloseTo(15, 10);
    expect(s.index).toBeCloseTo(85, 10);
  });

  it('turns orange below 80 and red below 60', () => {
    expect(stabilityLevel(80)).toBe('green');
    expect(stabilityLevel(79.99)).toBe('orange');
    expect(stabilityLevel(60)).toBe('orange');
    expect(stabilityLevel(59.99)).toBe('red');
  });

  it('stays within [0, 100]', () => {
    fc.assert(
      fc.property(
        fc.record({
          windowDays: fc.double({ min: 0.01, max: 90, noNaN: true }),
          nodeCount: fc.double({ min: 0, max: 500, noNaN: true }),
          pressureEventCount: fc.nat(10_000),
          nodes: fc.array(
            fc.record({
              capacityType: fc.constantFrom('on-demand' as const, 'spot' as const),
              allocatableCpuMilli: fc.nat(64_000),
              monthlyInterruptionProbability: fc.option(fc.double({ min: 0, max: 1, noNaN: true })),
            }),
            { maxLength: 20 },
          ),
          controlPlaneLatencyP99Ms: fc.option(fc.double({ min: 0, max: 1e6, noNaN: true })),
        }),
        (input) => {
          const s = stabilityIndex(input);
          expect(s.index).toBeGreaterThanOrEqual(0);
          expect(s.index).toBeLessThanOrEqual(100);
          expect(s.pressure.penalty + s.spot.penalty + s.latency.penalty).toBeLessThanOrEqual(100);
        },
      ),
    );
  });
});
