import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  fractionalBound,
  profitOrders,
  seededGreedyPatterns,
  solveKnapsack,
  surrogateWeights,
} from '../../src/packing/knapsack';
import type { VectorProblem } from '../../src/packing/vector';
import { vectorProblem } from './helpers';

/** Exhaustive maximum of profit . a over feasible patterns of bin type b. */
function bruteForceKnapsack(p: VectorProblem, b: number, profit: number[]): number {
  const d = p.dims;
  const m = p.demand.length;
  let best = 0;
  const load = new Array<number>(d).fill(0);
  const go = (i: number, value: number) => {
    if (i === m) {
      best = Math.max(best, value);
      return;
    }
    go(i + 1, value);
    if (p.compatible[b * m + i] !== 1) return;
    let copies = 0;
    while (copies < (p.demand[i] ?? 0)) {
      for (let k = 0; k < d; k++) load[k] = (load[k] ?? 0) + (p.sizes[i * d + k] ?? 0);
      copies++;
      let fits = true;
      for (let k = 0; k < d; k++) if ((load[k] ?? 0) > (p.capacities[b * d + k] ?? 0)) fits = false;
      if (!fits) {
        copies--;
        for (let k = 0; k < d; k++) load[k] = (load[k] ?? 0) - (p.sizes[i * d + k] ?? 0);
        break;
      }
      go(i + 1, value + copies * (profit[i] ?? 0));
    }
    for (let k = 0; k < d; k++) load[k] = (load[k] ?? 0) - copies * (p.sizes[i * d + k] ?? 0);
  };
  go(0, 0);
  return best;
}

const knapsackCase = fc
  .record({
    dims: fc.integer({ min: 1, max: 3 }),
    classes: fc.integer({ min: 1, max: 6 }),
    seed: fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 64, maxLength: 64 }),
    profits: fc.array(fc.double({ min: 0, max: 5, noNaN: true }), { minLength: 6, maxLength: 6 }),
    demand: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 6, maxLength: 6 }),
    incompatible: fc.integer({ min: -1, max: 5 }),
  })
  .map(({ dims, classes, seed, profits, demand, incompatible }) => {
    const sizes = Array.from({ length: classes }, (_, i) =>
      Array.from({ length: dims }, (_, k) => seed[(i * dims + k) % seed.length] ?? 0),
    );
    const capacity = Array.from({ length: dims }, (_, k) => 40 + (seed[63 - k] ?? 0));
    const compatible = [Array.from({ length: classes }, (_, i) => (i === incompatible ? 0 : 1))];
    const p = vectorProblem({
      sizes,
      demand: demand.slice(0, classes),
      capacities: [capacity],
      costs: [1],
      compatible,
    });
    return { p, profit: profits.slice(0, classes) };
  });

describe('pricing knapsack', () => {
  it('finds the exhaustive optimum when it completes, and never claims a bound below it', () => {
    fc.assert(
      fc.property(knapsackCase, fc.integer({ min: 1, max: 200 }), ({ p, profit }, nodeLimit) => {
        const optimum = bruteForceKnapsack(p, 0, profit);
        const exact = solveKnapsack(p, 0, profit, p.demand, { threshold: 0, nodeLimit: 1_000_000 });
        expect(exact.complete).toBe(true);
        expect(exact.value).toBeCloseTo(optimum, 9);
        // Any budget, any threshold: the upper bound stays valid.
        const limited = solveKnapsack(p, 0, profit, p.demand, { threshold: optimum / 2, nodeLimit });
        expect(limited.upperBound).toBeGreaterThanOrEqual(optimum - 1e-9);
        expect(limited.value).toBeLessThanOrEqual(optimum + 1e-9);
        const collected = solveKnapsack(p, 0, profit, p.demand, { threshold: 0, nodeLimit, collect: 5 });
        expect(collected.upperBound).toBeGreaterThanOrEqual(optimum - 1e-9);
      }),
      { numRuns: 300 },
    );
  });

  it('has a fractional bound at least the optimum, and greedy patterns within it', () => {
    fc.assert(
      fc.property(knapsackCase, ({ p, profit }) => {
        const optimum = bruteForceKnapsack(p, 0, profit);
        const lambda = surrogateWeights(p);
        const bound = fractionalBound(p, 0, profit, p.demand, profitOrders(p, profit, lambda), lambda);
        expect(bound).toBeGreaterThanOrEqual(optimum - 1e-9);
        for (const pattern of seededGreedyPatterns(p, 0, profit, p.demand, -1, 10)) {
          expect(pattern.value).toBeLessThanOrEqual(optimum + 1e-9);
          for (let k = 0; k < p.dims; k++) {
            let load = 0;
            for (let j = 0; j < pattern.classes.length; j++)
              load += (pattern.counts[j] ?? 0) * (p.sizes[(pattern.classes[j] ?? 0) * p.dims + k] ?? 0);
            expect(load).toBeLessThanOrEqual(p.capacities[k] ?? 0);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
