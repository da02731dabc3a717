import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { simpleLowerBound } from '../../src/packing/bounds';
import { firstFitDecreasing } from '../../src/packing/heuristics';
import { loadHighs } from '../../src/packing/highs';
import { removeDominatedBinTypes, solveVectorPacking } from '../../src/packing/solve';
import { checkSolution } from '../../src/packing/vector';
import { bruteForceOptimum, vectorProblem } from './helpers';

const highs = await loadHighs();

const tinyProblem = fc
  .record({
    dims: fc.integer({ min: 1, max: 3 }),
    classes: fc.integer({ min: 1, max: 3 }),
    types: fc.integer({ min: 1, max: 3 }),
    numbers: fc.array(fc.integer({ min: 1, max: 10 }), { minLength: 40, maxLength: 40 }),
    demand: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 3, maxLength: 3 }),
    costs: fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 3, maxLength: 3 }),
    blocked: fc.array(fc.boolean(), { minLength: 9, maxLength: 9 }),
    minBins: fc.integer({ min: 0, max: 3 }),
  })
  .map(({ dims, classes, types, numbers, demand, costs, blocked, minBins }) => {
    const at = (n: number) => numbers[n % numbers.length] ?? 1;
    const sizes = Array.from({ length: classes }, (_, i) =>
      Array.from({ length: dims }, (_, k) => at(i * 3 + k)),
    );
    const capacities = Array.from({ length: types }, (_, b) =>
      Array.from({ length: dims }, (_, k) => 10 + at(20 + b * 3 + k)),
    );
    // Every class keeps at least the largest type, so the problem stays feasible.
    const compatible = Array.from({ length: types }, (_, b) =>
      Array.from({ length: classes }, (_, i) => (b > 0 && blocked[b * 3 + i] ? 0 : 1)),
    );
    return vectorProblem({
      sizes,
      demand: demand.slice(0, classes),
      capacities: capacities.map((c, b) => (b === 0 ? c.map(() => 20) : c)),
      costs: costs.slice(0, types).map((c, b) => (b === 0 ? c + 10 : c)),
      compatible,
      minBins,
    });
  });

describe('vector packing solver', () => {
  it('returns valid plans whose proven bound never exceeds the exact optimum', async () => {
    await fc.assert(
      fc.asyncProperty(tinyProblem, async (p) => {
        const optimum = bruteForceOptimum(p);
        const result = await solveVectorPacking(p, { highs });
        expect(checkSolution(p, result.bins)).toBeUndefined();
        expect(result.cost).toBeGreaterThanOrEqual(optimum - 1e-9);
        expect(result.lowerBound).toBeLessThanOrEqual(optimum + 1e-9);
        expect(simpleLowerBound(p)).toBeLessThanOrEqual(optimum + 1e-9);
      }),
      { numRuns: 120 },
    );
  }, 60_000);

  it('honours per-bin caps (anti-affinity of one class) with a bound never above the exact optimum', async () => {
    const capped = fc
      .tuple(tinyProblem, fc.array(fc.integer({ min: 1, max: 2 }), { minLength: 3, maxLength: 3 }))
      .map(([p, caps]) => ({ ...p, maxPerBin: Int32Array.from(caps.slice(0, p.demand.length)) }));
    await fc.assert(
      fc.asyncProperty(capped, fc.boolean(), async (p, heuristicsOnly) => {
        const optimum = bruteForceOptimum(p);
        const result = await solveVectorPacking(p, { highs, heuristicsOnly });
        expect(checkSolution(p, result.bins)).toBeUndefined();
        for (const bin of result.bins)
          for (const [j, i] of bin.classes.entries())
            expect(bin.counts[j] ?? 0).toBeLessThanOrEqual(p.maxPerBin[i] ?? 0);
        expect(result.cost).toBeGreaterThanOrEqual(optimum - 1e-9);
        expect(result.lowerBound).toBeLessThanOrEqual(optimum + 1e-9);
        expect(simpleLowerBound(p)).toBeLessThanOrEqual(optimum + 1e-9);
      }),
      { numRuns: 120, seed: 39 },
    );
  }, 60_000);

  it('keeps the optimum when removing dominated bin types', () => {
    fc.assert(
      fc.property(tinyProblem, (p) => {
        expect(bruteForceOptimum(removeDominatedBinTypes(p).problem)).toBeCloseTo(bruteForceOptimum(p), 9);
      }),
      { numRuns: 100 },
    );
  });

  it('proves the optimum where first fit decreasing misses it', async () => {
    // Bin 10x10, items (5,1) x2, (1,5) x2, (4,4) x2. FFD pairs the two (5,1), then the two (1,5), and
    // needs a third bin for the (4,4); the optimum is 2 bins of {(5,1), (1,5), (4,4)} = (10,10).
    const p = vectorProblem({
      sizes: [
        [5, 1],
        [5, 1],
        [1, 5],
        [1, 5],
        [4, 4],
        [4, 4],
      ],
      demand: [1, 1, 1, 1, 1, 1],
      capacities: [[10, 10]],
      costs: [1],
    });
    expect(firstFitDecreasing(p).length).toBe(3);
    const result = await solveVectorPacking(p, { highs });
    expect(result.cost).toBe(2);
    expect(bruteForceOptimum(p)).toBe(2);
    expect(result.lowerBound).toBe(result.cost);
  });

  it('is deterministic', async () => {
    const p = vectorProblem({
      sizes: [
        [3, 7],
        [6, 2],
        [5, 5],
      ],
      demand: [7, 5, 4],
      capacities: [
        [10, 10],
        [20, 20],
      ],
      costs: [1, 1.9],
    });
    const a = await solveVectorPacking(p, { highs });
    const b = await solveVectorPacking(p, { highs });
    expect(JSON.stringify(a.bins)).toBe(JSON.stringify(b.bins));
    expect(a.lowerBound).toBe(b.lowerBound);
  });
});
