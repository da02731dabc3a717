import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  falkenauerT,
  newClassInstance,
  perfectPackingInstance,
  tripletInstance,
} from '../../src/packing/benchmark/generators';
import { InvalidInstanceError, parseVbp } from '../../src/packing/benchmark/panigrahy';
import { convergedLp } from '../../src/packing/converged-lp';
import { firstFitDecreasing } from '../../src/packing/heuristics';
import { loadHighs } from '../../src/packing/highs';
import { solveKnapsackMip } from '../../src/packing/knapsack-mip';
import { solveVectorPacking } from '../../src/packing/solve';
import { solutionCost } from '../../src/packing/vector';
import { bruteForceOptimum, vectorProblem } from './helpers';

const highs = await loadHighs();

/** Tiny problems with fractional prices (so no bound is rounded up to an integer). */
const tinyProblem = fc
  .record({
    dims: fc.integer({ min: 1, max: 3 }),
    classes: fc.integer({ min: 1, max: 3 }),
    types: fc.integer({ min: 1, max: 3 }),
    numbers: fc.array(fc.integer({ min: 1, max: 10 }), { minLength: 30, maxLength: 30 }),
    demand: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 3, maxLength: 3 }),
    costs: fc.array(fc.integer({ min: 1, max: 90 }), { minLength: 3, maxLength: 3 }),
    minBins: fc.integer({ min: 0, max: 2 }),
  })
  .map(({ dims, classes, types, numbers, demand, costs, minBins }) => {
    const at = (n: number) => numbers[n % numbers.length] ?? 1;
    return vectorProblem({
      sizes: Array.from({ length: classes }, (_, i) => Array.from({ length: dims }, (_, k) => at(i * 3 + k))),
      // Type 0 holds every class (capacity 20 >= any size), so every problem is feasible.
      capacities: Array.from({ length: types }, (_, b) =>
        Array.from({ length: dims }, (_, k) => (b === 0 ? 20 : 10 + at(12 + b * 3 + k))),
      ),
      demand: demand.slice(0, classes),
      costs: costs.slice(0, types).map((c, b) => (b === 0 ? c / 7 + 10.5 : c / 7 + 0.25)),
      minBins,
    });
  });

describe('bounds that converge (issue 18)', () => {
  it('every iteration of the converged LP gives a Farley bound at most the exact optimum', async () => {
    await fc.assert(
      fc.asyncProperty(tinyProblem, async (p) => {
        const optimum = bruteForceOptimum(p);
        const bounds: number[] = [];
        const lp = await convergedLp(p, {
          highs,
          timeLimitMs: 20_000,
          onIterationBound: (b) => bounds.push(b),
        });
        expect(bounds.length).toBeGreaterThan(0);
        for (const bound of bounds) expect(bound).toBeLessThanOrEqual(optimum * (1 + 1e-9) + 1e-9);
        expect(lp.lower).toBeLessThanOrEqual(optimum * (1 + 1e-9) + 1e-9);
        expect(lp.upper).toBeGreaterThanOrEqual(lp.lower);
      }),
      { numRuns: 60, seed: 41 },
    );
  }, 120_000);

  it('the converged LP bound is at least the bound the packer reports within its budget', async () => {
    await fc.assert(
      fc.asyncProperty(tinyProblem, async (p) => {
        const packed = await solveVectorPacking(p, { highs, timeLimitMs: 2000 });
        const lp = await convergedLp(p, { highs, timeLimitMs: 20_000 });
        expect(lp.proven).toBe(true);
        expect(lp.lower).toBeGreaterThanOrEqual(packed.lowerBound * (1 - 1e-6) - 1e-9);
      }),
      { numRuns: 60, seed: 42 },
    );
  }, 120_000);

  it('the reported bound never exceeds the cost of any feasible plan (FFD, the packer, the optimum)', async () => {
    await fc.assert(
      fc.asyncProperty(tinyProblem, async (p) => {
        const packed = await solveVectorPacking(p, { highs, timeLimitMs: 2000 });
        const ffd =
          solutionCost(p, firstFitDecreasing(p)) +
          Math.max(0, p.minBins - firstFitDecreasing(p).length) * Math.min(...p.costs);
        for (const cost of [packed.cost, ffd, bruteForceOptimum(p)])
          expect(packed.lowerBound).toBeLessThanOrEqual(cost * (1 + 1e-9) + 1e-9);
      }),
      { numRuns: 60, seed: 43 },
    );
  }, 60_000);

  it('exact knapsack pricing matches enumeration and bounds it from above', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.integer({ min: 1, max: 9 }),
            fc.integer({ min: 1, max: 9 }),
            fc.integer({ min: 0, max: 20 }),
          ),
          {
            minLength: 1,
            maxLength: 4,
          },
        ),
        fc.integer({ min: 5, max: 25 }),
        (items, capacity) => {
          const p = vectorProblem({
            sizes: items.map(([a, b]) => [a, b]),
            demand: items.map(() => 3),
            capacities: [[capacity, capacity]],
            costs: [1],
          });
          const profit = items.map(([, , v]) => v / 10);
          const result = solveKnapsackMip(highs, p, 0, profit, p.demand, 5);
          // Enumerate every count vector (0..3 copies of each item).
          let best = 0;
          const walk = (j: number, load: [number, number], value: number) => {
            if (load[0] > capacity || load[1] > capacity) return;
            if (j === items.length) {
              best = Math.max(best, value);
              return;
            }
            const [a, b] = items[j] as [number, number, number];
            for (let c = 0; c <= 3; c++)
              walk(j + 1, [load[0] + c * a, load[1] + c * b], value + c * (profit[j] ?? 0));
          };
          walk(0, [0, 0], 0);
          expect(result?.complete).toBe(true);
          expect(result?.value).toBeCloseTo(best, 9);
          expect(result?.upperBound ?? 0).toBeGreaterThanOrEqual(best - 1e-9);
        },
      ),
      { numRuns: 80, seed: 44 },
    );
  });
});

describe('generated benchmark classes', () => {
  it('triplet instances fill n/3 bins exactly in every dimension (OPT = n/3 by construction)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('Falkenauer' as const, 'Caprara' as const, 'Mommessin' as const),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: 0, max: 1000 }),
        (kind, triplets, d, seed) => {
          const g = tripletInstance(kind, triplets * 3, d, seed);
          expect(g.opt).toBe(triplets);
          const { sizes, demand, dims } = g.problem;
          for (let k = 0; k < dims; k++) {
            let total = 0;
            for (let i = 0; i < demand.length; i++) total += (sizes[i * dims + k] ?? 0) * (demand[i] ?? 0);
            expect(total).toBe(100 * triplets);
          }
          for (const s of sizes) {
            expect(Number.isInteger(s)).toBe(true);
            expect(s).toBeGreaterThanOrEqual(kind === 'Falkenauer' ? 1 : 0);
            expect(s).toBeLessThanOrEqual(100);
          }
        },
      ),
      { numRuns: 100, seed: 45 },
    );
  });

  it('New classes draw n integer items within the bin; 1-D sets fill their known optimum exactly', () => {
    for (const cls of [1, 2, 3, 4, 5, 6] as const) {
      const g = newClassInstance(cls, 60, 5, 3);
      expect(Array.from(g.problem.demand).reduce((s, v) => s + v, 0)).toBe(60);
      for (const s of g.problem.sizes) expect(Number.isInteger(s) && s >= 0 && s <= 100).toBe(true);
    }
    for (const g of [falkenauerT(120, 2), perfectPackingInstance(30, 2)]) {
      const total = Array.from(g.problem.demand).reduce((s, v, i) => s + v * (g.problem.sizes[i] ?? 0), 0);
      expect(total).toBe((g.opt ?? 0) * (g.problem.capacities[0] ?? 0));
    }
  });

  it('the perfect-packing and triplet sets are solved to their known optimum on small sizes', async () => {
    for (const g of [
      perfectPackingInstance(8, 5),
      tripletInstance('Falkenauer', 30, 3, 5),
      falkenauerT(30, 5),
    ]) {
      const r = await solveVectorPacking(g.problem, { highs, timeLimitMs: 3000 });
      expect(r.lowerBound).toBeLessThanOrEqual(g.opt ?? 0);
      expect(r.cost).toBeGreaterThanOrEqual(g.opt ?? 0);
    }
  });

  it('rejects .vbp files with negative or fractional sizes, naming the item', () => {
    expect(() => parseVbp('neg', '2\n10 10\n1\n-1 3 1\n')).toThrow(InvalidInstanceError);
    expect(() => parseVbp('neg', '2\n10 10\n1\n-1 3 1\n')).toThrow(
      /neg: item 1 size 1 is -1; sizes.*non-negative integers/,
    );
    expect(() => parseVbp('frac', '2\n10 10\n2\n1 3 1\n2.5 3 1\n')).toThrow(/frac: item 2 size 1 is 2.5/);
    expect(() => parseVbp('cap', '1\n0\n1\n1 1\n')).toThrow(/capacity 1 is 0.*positive integers/);
  });
});
