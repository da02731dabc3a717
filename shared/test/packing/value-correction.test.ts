import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { costAwareGreedy, eliminateBins } from '../../src/packing/heuristics';
import { sequentialValueCorrection } from '../../src/packing/value-correction';
import { checkSolution, solutionCost } from '../../src/packing/vector';
import { bruteForceOptimum, vectorProblem } from './helpers';

// Pass counts, not time, decide these tests: the clock never moves.
const frozen = { now: () => 0, deadline: 1 };

/** Small problems: 1-3 dimensions, classes and types, some classes barred from some types, caps. */
const smallProblem = fc
  .record({
    dims: fc.integer({ min: 1, max: 3 }),
    classes: fc.integer({ min: 1, max: 6 }),
    types: fc.integer({ min: 1, max: 3 }),
    numbers: fc.array(fc.integer({ min: 1, max: 10 }), { minLength: 40, maxLength: 40 }),
    demand: fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 6, maxLength: 6 }),
    costs: fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 3, maxLength: 3 }),
    blocked: fc.array(fc.boolean(), { minLength: 18, maxLength: 18 }),
    caps: fc.option(fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 6, maxLength: 6 }), {
      nil: undefined,
    }),
    values: fc.array(fc.double({ min: 0, max: 5, noNaN: true }), { minLength: 6, maxLength: 6 }),
  })
  .map(({ dims, classes, types, numbers, demand, costs, blocked, caps, values }) => {
    const at = (n: number) => numbers[n % numbers.length] ?? 1;
    const sizes = Array.from({ length: classes }, (_, i) =>
      Array.from({ length: dims }, (_, k) => at(i * 3 + k)),
    );
    const capacities = Array.from({ length: types }, (_, b) =>
      Array.from({ length: dims }, (_, k) => (b === 0 ? 20 : 10 + at(20 + b * 3 + k))),
    );
    // Type 0 takes every class and holds any one copy, so the problem stays feasible.
    const compatible = Array.from({ length: types }, (_, b) =>
      Array.from({ length: classes }, (_, i) => (b > 0 && blocked[b * 6 + i] ? 0 : 1)),
    );
    return {
      problem: vectorProblem({
        sizes,
        demand: demand.slice(0, classes),
        capacities,
        costs: costs.slice(0, types).map((c, b) => (b === 0 ? c + 10 : c)),
        compatible,
        ...(caps ? { maxPerBin: caps.slice(0, classes) } : {}),
      }),
      values: values.slice(0, classes),
    };
  });

describe('sequential value correction', () => {
  it('places every pod within capacity, compatibility and per-bin caps, keeps its best pass, and is deterministic', () => {
    fc.assert(
      fc.property(smallProblem, fc.integer({ min: 1, max: 6 }), ({ problem, values }, passes) => {
        const result = sequentialValueCorrection(problem, values, { ...frozen, passes });
        expect(result).toBeDefined();
        const bins = result?.bins ?? [];
        expect(checkSolution(problem, bins)).toBeUndefined();
        expect(result?.passCosts).toHaveLength(passes);
        expect(solutionCost(problem, bins)).toBeCloseTo(Math.min(...(result?.passCosts ?? [])), 9);
        expect(solutionCost(problem, bins)).toBeGreaterThanOrEqual(bruteForceOptimumIfTiny(problem) - 1e-9);
        expect(sequentialValueCorrection(problem, values, { ...frozen, passes })).toEqual(result);
      }),
      { numRuns: 150 },
    );
  });

  it('refills knapsacks lazily or eagerly: both place every pod, keep their best pass and are deterministic', () => {
    fc.assert(
      fc.property(smallProblem, fc.integer({ min: 1, max: 4 }), ({ problem, values }, passes) => {
        for (const lazy of [true, false]) {
          const result = sequentialValueCorrection(problem, values, { ...frozen, passes, lazy });
          expect(checkSolution(problem, result?.bins ?? [])).toBeUndefined();
          expect(solutionCost(problem, result?.bins ?? [])).toBeCloseTo(
            Math.min(...(result?.passCosts ?? [])),
            9,
          );
          expect(sequentialValueCorrection(problem, values, { ...frozen, passes, lazy })).toEqual(result);
        }
        // Eager is the default.
        expect(sequentialValueCorrection(problem, values, { ...frozen, passes })).toEqual(
          sequentialValueCorrection(problem, values, { ...frozen, passes, lazy: false }),
        );
      }),
      { numRuns: 150 },
    );
  });

  it('places every pod whatever node types it is given (each class keeps its cheapest ones)', () => {
    fc.assert(
      fc.property(smallProblem, fc.integer({ min: 0, max: 2 }), ({ problem, values }, only) => {
        const result = sequentialValueCorrection(problem, values, { ...frozen, passes: 3, types: [only] });
        expect(checkSolution(problem, result?.bins ?? [])).toBeUndefined();
      }),
      { numRuns: 100 },
    );
  });

  it('pairs a CPU-heavy with a memory-heavy pod on the large node where the greedy buys a node for each', () => {
    const problem = pairing();
    const values = pairingValues;
    const result = sequentialValueCorrection(problem, values, frozen);
    const cost = solutionCost(problem, result?.bins ?? []);
    expect(cost).toBe(bruteForceOptimum(problem));
    expect(cost).toBe(15);
    const greedy = solutionCost(problem, eliminateBins(problem, costAwareGreedy(problem, values)));
    expect(greedy).toBeGreaterThan(cost);
    // The large node (type 0) holds the CPU-heavy and the memory-heavy pod together.
    expect(result?.bins.find((bin) => bin.type === 0)?.classes.sort()).toEqual([0, 1]);
  });

  it('stops after the first pass once the deadline has passed, and that pass still places every pod', () => {
    const problem = pairing();
    // Past both deadlines: the first pass completes with first fit decreasing.
    const late = sequentialValueCorrection(problem, pairingValues, { now: () => 10, deadline: 1, passes: 5 });
    expect(late?.passCosts).toHaveLength(1);
    expect(checkSolution(problem, late?.bins ?? [])).toBeUndefined();
    // Past the passes' deadline only: the first pass runs to its own deadline as a knapsack pass.
    const first = sequentialValueCorrection(problem, pairingValues, {
      now: () => 10,
      deadline: 1,
      firstPassDeadline: 20,
      passes: 5,
    });
    expect(first?.passCosts).toHaveLength(1);
    const unhurried = sequentialValueCorrection(problem, pairingValues, { ...frozen, passes: 5 });
    expect(first?.passCosts[0]).toBe(unhurried?.passCosts[0]);
    expect(first?.bins).toEqual(
      sequentialValueCorrection(problem, pairingValues, { ...frozen, passes: 1 })?.bins,
    );
  });

  it('stops once a plan reaches the target', () => {
    const problem = vectorProblem({ sizes: [[2], [3]], demand: [3, 2], capacities: [[6]], costs: [1] });
    const result = sequentialValueCorrection(problem, [1, 1], { ...frozen, passes: 8, target: 2 });
    expect(result?.passCosts).toEqual([2]);
  });
});

/**
 * Optimum $15: the CPU-heavy (class 0) and memory-heavy (class 1) pods share the large node, the third
 * goes on a small one. The cost-aware greedy's fill orders do not pair them.
 */
const pairing = () =>
  vectorProblem({
    sizes: [
      [68, 26],
      [18, 70],
      [24, 36],
    ],
    demand: [1, 1, 1],
    capacities: [
      [100, 100],
      [100, 50],
      [50, 100],
    ],
    costs: [10, 5, 7],
  });
const pairingValues = [4.7, 4.4, 3];

/** The exact optimum where the search is quick (at most 8 copies), else 0. */
function bruteForceOptimumIfTiny(problem: Parameters<typeof bruteForceOptimum>[0]): number {
  const copies = problem.demand.reduce((sum, c) => sum + c, 0);
  return copies <= 8 ? bruteForceOptimum(problem) : 0;
}
