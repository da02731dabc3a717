import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  clusterEfficiency,
  type EfficiencyGrade,
  efficiencyGrade,
  efficiencyGrades,
  fleetEfficiency,
  type NodeUtilization,
} from '../../src/savings/efficiency';

const n = (price: number, cpu: number, mem: number): NodeUtilization => ({
  hourlyPriceUsd: price,
  cpuUsedMilli: cpu * 1000,
  cpuAllocatableMilli: 1000,
  memoryUsedMiB: mem * 4096,
  memoryAllocatableMiB: 4096,
});

describe('efficiency score', () => {
  it('is the cost-weighted mean of CPU and memory utilization', () => {
    // cpu = (0.1 x 0.5 + 0.3 x 0.9) / 0.4 = 0.8; mem = (0.1 x 0.7 + 0.3 x 0.5) / 0.4 = 0.55
    const e = clusterEfficiency([n(0.1, 0.5, 0.7), n(0.3, 0.9, 0.5)]);
    expect(e.cpuUtilization).toBeCloseTo(0.8, 12);
    expect(e.memoryUtilization).toBeCloseTo(0.55, 12);
    expect(e.score).toBeCloseTo(0.675, 12);
    expect(e.grade).toBe('B');
    expect(e.totalHourlyCostUsd).toBeCloseTo(0.4, 12);
    expect(e.nodeCount).toBe(2);
  });

  it('caps a node reporting more use than allocatable at 100 %', () => {
    expect(clusterEfficiency([n(1, 1.3, 1)]).score).toBe(1);
  });

  it('grades at the documented boundaries', () => {
    const cases: [number, EfficiencyGrade][] = [
      [1, 'A'],
      [0.8, 'A'],
      [0.7999, 'B'],
      [0.65, 'B'],
      [0.6499, 'C'],
      [0.5, 'C'],
      [0.35, 'D'],
      [0.3499, 'F'],
      [0, 'F'],
    ];
    for (const [score, grade] of cases) expect(efficiencyGrade(score)).toBe(grade);
  });

  it('has no score without nodes or cost', () => {
    expect(clusterEfficiency([])).toMatchObject({ score: null, grade: null, nodeCount: 0 });
    expect(clusterEfficiency([n(0, 0.5, 0.5)]).score).toBeNull();
  });

  it('aggregates a fleet weighted by cluster cost', () => {
    const a = clusterEfficiency([n(0.1, 0.5, 0.7), n(0.3, 0.9, 0.5)]); // 0.675 at 0.4 USD/h
    const b = clusterEfficiency([n(0.6, 0.2, 0.2)]); // 0.2 at 0.6 USD/h
    const fleet = fleetEfficiency([a, b, clusterEfficiency([])]);
    // (0.4 x 0.675 + 0.6 x 0.2) / 1.0 = 0.39
    expect(fleet.score).toBeCloseTo(0.39, 12);
    expect(fleet.grade).toBe('D');
    expect(fleet.nodeCount).toBe(3);
  });

  const arbNode = fc.record({
    hourlyPriceUsd: fc.double({ min: 0.001, max: 50, noNaN: true }),
    cpuUsedMilli: fc.double({ min: 0, max: 200_000, noNaN: true }),
    cpuAllocatableMilli: fc.double({ min: 1, max: 100_000, noNaN: true }),
    memoryUsedMiB: fc.double({ min: 0, max: 1e6, noNaN: true }),
    memoryAllocatableMiB: fc.double({ min: 1, max: 1e6, noNaN: true }),
  });

  it('stays in [0, 1], and the fleet equals pooling all nodes', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(arbNode, { minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 4 }),
        (clusters) => {
          const results = clusters.map(clusterEfficiency);
          for (const r of results) {
            expect(r.score).not.toBeNull();
            expect(r.score ?? -1).toBeGreaterThanOrEqual(0);
            expect(r.score ?? 2).toBeLessThanOrEqual(1 + 1e-12);
          }
          const fleet = fleetEfficiency(results);
          const pooled = clusterEfficiency(clusters.flat());
          expect(fleet.score ?? 0).toBeCloseTo(pooled.score ?? 0, 9);
        },
      ),
    );
  });

  it('never gives a worse grade to a higher score', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (x, y) => {
          const [lo, hi] = x <= y ? [x, y] : [y, x];
          expect(efficiencyGrades.indexOf(efficiencyGrade(hi))).toBeLessThanOrEqual(
            efficiencyGrades.indexOf(efficiencyGrade(lo)),
          );
        },
      ),
    );
  });
});
