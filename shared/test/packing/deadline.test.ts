import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { solveFluidRelaxation } from '../../src/packing/fluid';
import {
  costAwareGreedy,
  eliminateBins,
  firstFitDecreasing,
  resourceValues,
} from '../../src/packing/heuristics';
import { loadHighs } from '../../src/packing/highs';
import { KnapsackLpBound } from '../../src/packing/knapsack-lp';
import { solveVectorPacking } from '../../src/packing/solve';
import { checkSolution, downsizeBins, solutionCost, type VectorProblem } from '../../src/packing/vector';
import { vectorProblem } from './helpers';

const highs = await loadHighs();

/** A clock that advances one unit each time it is read (how many reads a phase made is its "time"). */
const tickingClock = () => {
  let t = 0;
  return { now: () => t++, reads: () => t };
};

/** Random problems with caps and blocked types, every class fitting the first (largest) type. */
const problem = fc
  .record({
    classes: fc.integer({ min: 1, max: 6 }),
    types: fc.integer({ min: 1, max: 4 }),
    numbers: fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 30, maxLength: 30 }),
    demand: fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 6, maxLength: 6 }),
    costs: fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 4, maxLength: 4 }),
    blocked: fc.array(fc.boolean(), { minLength: 24, maxLength: 24 }),
    caps: fc.array(fc.option(fc.integer({ min: 1, max: 3 })), { minLength: 6, maxLength: 6 }),
  })
  .map(({ classes, types, numbers, demand, costs, blocked, caps }) => {
    const at = (n: number) => numbers[n % numbers.length] ?? 1;
    return vectorProblem({
      sizes: Array.from({ length: classes }, (_, i) => [at(i * 2), at(i * 2 + 1)]),
      demand: demand.slice(0, classes),
      capacities: Array.from({ length: types }, (_, b) => (b === 0 ? [20, 20] : [8 + at(b), 8 + at(b + 9)])),
      costs: costs.slice(0, types).map((c, b) => (b === 0 ? c + 10 : c)),
      compatible: Array.from({ length: types }, (_, b) =>
        Array.from({ length: classes }, (_, i) => (b > 0 && blocked[b * 6 + i] ? 0 : 1)),
      ),
      maxPerBin: caps.slice(0, classes).map((c) => c ?? 1000),
    });
  });

const downsizedFfd = (p: VectorProblem) => {
  const bins = firstFitDecreasing(p);
  downsizeBins(p, bins);
  return bins;
};

describe('heuristics with a deadline', () => {
  it('the cost-aware greedy stopped at any point still returns a complete plan within every constraint', () => {
    fc.assert(
      fc.property(problem, fc.integer({ min: 0, max: 8 }), (p, deadline) => {
        const clock = tickingClock();
        const bins = costAwareGreedy(p, resourceValues(p), undefined, { now: clock.now, deadline });
        expect(checkSolution(p, bins)).toBeUndefined();
        // One read per opened pattern: the greedy stopped within a read of its deadline.
        expect(clock.reads()).toBeLessThanOrEqual(deadline + 2);
      }),
      { numRuns: 200 },
    );
  });

  it('the greedy past its deadline packs what is left by first fit decreasing', () => {
    const p = vectorProblem({
      sizes: [[3], [5], [2]],
      demand: [4, 3, 5],
      capacities: [[10], [6]],
      costs: [5, 3],
    });
    const stopped = costAwareGreedy(p, resourceValues(p), undefined, { now: () => 1, deadline: 0 });
    expect(stopped).toEqual(downsizedFfd(p));
    // Without a deadline it runs to the end: a plan of its own (here a different one).
    const full = costAwareGreedy(p, resourceValues(p));
    expect(checkSolution(p, full)).toBeUndefined();
    expect(full).not.toEqual(stopped);
  });

  it('local search past its deadline makes no attempt and never raises the cost', () => {
    // Two half-full bins of one type: local search merges them, unless the deadline has passed.
    const p = vectorProblem({ sizes: [[2]], demand: [4], capacities: [[10]], costs: [1] });
    const input = [
      { type: 0, classes: [0], counts: [2] },
      { type: 0, classes: [0], counts: [2] },
    ];
    expect(eliminateBins(p, input)).toHaveLength(1);
    const stopped = eliminateBins(p, input, undefined, { now: () => 1, deadline: 0 });
    expect(stopped).toHaveLength(2);
    expect(checkSolution(p, stopped)).toBeUndefined();
    fc.assert(
      fc.property(problem, fc.integer({ min: 0, max: 6 }), (q, deadline) => {
        const start = downsizedFfd(q);
        const clock = tickingClock();
        const improved = eliminateBins(q, start, undefined, { now: clock.now, deadline });
        expect(checkSolution(q, improved)).toBeUndefined();
        expect(solutionCost(q, improved)).toBeLessThanOrEqual(solutionCost(q, start) + 1e-9);
      }),
      { numRuns: 150 },
    );
  });

  it('the fluid relaxation runs no LP once its LP deadline has passed', () => {
    const p = vectorProblem({ sizes: [[3], [5]], demand: [4, 3], capacities: [[10], [6]], costs: [5, 3] });
    const knapsackLp = new KnapsackLpBound(highs, p);
    try {
      const budget = { now: () => 10, deadline: 100 };
      expect(solveFluidRelaxation(highs, p, knapsackLp, { ...budget, lpDeadline: 5 })).toBeUndefined();
      expect(solveFluidRelaxation(highs, p, knapsackLp, budget)?.lowerBound).toBeGreaterThan(0);
    } finally {
      knapsackLp.dispose();
    }
  });

  it('a solve whose clock is past its deadline after every step still returns a valid plan', async () => {
    await fc.assert(
      fc.asyncProperty(problem, fc.boolean(), async (p, planOnly) => {
        // Each read of the clock moves it a whole second on: every budgeted phase finds its deadline gone.
        let t = 0;
        const result = await solveVectorPacking(p, {
          highs,
          now: () => (t += 1000),
          timeLimitMs: 1500,
          planOnly,
        });
        expect(checkSolution(p, result.bins)).toBeUndefined();
        expect(result.lowerBound).toBeLessThanOrEqual(result.cost + 1e-9);
        // The plan-only root LP does not run past the deadline.
        if (planOnly) expect(result.stats.cgIterations).toBe(0);
      }),
      { numRuns: 60 },
    );
  }, 60_000);
});
