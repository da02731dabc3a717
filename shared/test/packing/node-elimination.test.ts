import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { eliminateBins, firstFitDecreasing, resourceValues } from '../../src/packing/heuristics';
import { loadHighs } from '../../src/packing/highs';
import { eliminateNodes } from '../../src/packing/node-elimination';
import { solveVectorPacking } from '../../src/packing/solve';
import {
  checkSolution,
  type PackedBin,
  padToMinBins,
  solutionCost,
  type VectorProblem,
} from '../../src/packing/vector';
import { bitbrainsTraceProblem, fluidDualGreedy, vectorProblem } from './helpers';

/** A clock that advances one step per read: the search's deadline checks see the same times every run. */
const countingClock = () => {
  let t = 0;
  return () => t++;
};

const run = (p: VectorProblem, plan: readonly PackedBin[], values: ArrayLike<number> = resourceValues(p)) =>
  eliminateNodes(p, plan, values, { now: countingClock(), deadline: 1e9 });

/** Random small problems: type 0 holds and accepts every class, so each class fits somewhere. */
const problemArb = fc
  .record({
    dims: fc.integer({ min: 1, max: 3 }),
    classes: fc.integer({ min: 1, max: 6 }),
    types: fc.integer({ min: 1, max: 4 }),
    seed: fc.array(fc.integer({ min: 1, max: 10 }), { minLength: 120, maxLength: 120 }),
    minBins: fc.integer({ min: 0, max: 3 }),
    capped: fc.boolean(),
  })
  .map(({ dims, classes, types, seed, minBins, capped }) => {
    let s = 0;
    const next = () => seed[s++ % seed.length] ?? 1;
    const sizes = Array.from({ length: classes }, () => Array.from({ length: dims }, () => next()));
    const capacities = Array.from({ length: types }, (_, b) =>
      Array.from({ length: dims }, () => (b === 0 ? 10 : 4 + next())),
    );
    return vectorProblem({
      sizes,
      demand: Array.from({ length: classes }, () => 1 + (next() % 5)),
      capacities,
      costs: Array.from({ length: types }, (_, b) => (b === 0 ? 10 : 1 + next())),
      compatible: Array.from({ length: types }, (_, b) =>
        Array.from({ length: classes }, () => (b === 0 || next() > 3 ? 1 : 0)),
      ),
      minBins,
      ...(capped ? { maxPerBin: Array.from({ length: classes }, () => 1 + (next() % 3)) } : {}),
    });
  });

const startPlan = (p: VectorProblem) => {
  const plan = firstFitDecreasing(p);
  padToMinBins(p, plan);
  return plan;
};

describe('node elimination', () => {
  it('removes a node where moving pods into free room alone (eliminateBins) cannot', () => {
    // Two dimensions, one node type (10 x 10, price 1), five nodes for pods that need at least four
    // (33 units of memory). No node's pods fit the others' free room; swaps make it (found by a random
    // search over small plans).
    const p = vectorProblem({
      sizes: [
        [4, 5],
        [1, 1],
        [7, 8],
        [6, 2],
        [1, 7],
        [2, 9],
        [9, 1],
      ],
      demand: [1, 1, 1, 1, 1, 1, 1],
      capacities: [[10, 10]],
      costs: [1],
    });
    const plan: PackedBin[] = [
      { type: 0, classes: [0, 1], counts: [1, 1] },
      { type: 0, classes: [2], counts: [1] },
      { type: 0, classes: [3, 4], counts: [1, 1] },
      { type: 0, classes: [5], counts: [1] },
      { type: 0, classes: [6], counts: [1] },
    ];
    expect(checkSolution(p, plan)).toBeUndefined();
    expect(solutionCost(p, eliminateBins(p, plan))).toBe(5);
    const result = run(p, plan);
    expect(result).toBeDefined();
    expect(checkSolution(p, result ?? [])).toBeUndefined();
    expect(solutionCost(p, result ?? [])).toBe(4);
  });

  it('gives a node a dearer type when that lets a removed node go for a net saving', () => {
    // Types: small (10 x 10, $1), large (20 x 20, $1.5). Two small nodes of 8 x 8 each: one large node
    // holds both for $1.5 instead of $2.
    const p = vectorProblem({
      sizes: [[8, 8]],
      demand: [2],
      capacities: [
        [10, 10],
        [20, 20],
      ],
      costs: [1, 1.5],
    });
    const plan: PackedBin[] = [
      { type: 0, classes: [0], counts: [1] },
      { type: 0, classes: [0], counts: [1] },
    ];
    const result = run(p, plan);
    expect(checkSolution(p, result ?? [])).toBeUndefined();
    expect(solutionCost(p, result ?? [])).toBeCloseTo(1.5, 9);
  });

  it('keeps at least minBins nodes', () => {
    const p = vectorProblem({ sizes: [[1]], demand: [2], capacities: [[10]], costs: [1], minBins: 2 });
    const plan: PackedBin[] = [
      { type: 0, classes: [0], counts: [1] },
      { type: 0, classes: [0], counts: [1] },
    ];
    const result = run(p, plan);
    expect(result === undefined || checkSolution(p, result) === undefined).toBe(true);
    expect(result?.length ?? 2).toBeGreaterThanOrEqual(2);
  });

  it('returns a valid plan, strictly cheaper than its input, or nothing; the same one every run', () => {
    fc.assert(
      fc.property(problemArb, fc.boolean(), (p, dualLike) => {
        const plan = startPlan(p);
        expect(checkSolution(p, plan)).toBeUndefined();
        const values = dualLike
          ? Float64Array.from(resourceValues(p), (v, i) => v * (1 + (i % 3)))
          : undefined;
        const first = run(p, plan, values);
        const second = run(p, plan, values);
        expect(second).toEqual(first);
        if (first) {
          expect(checkSolution(p, first)).toBeUndefined();
          expect(solutionCost(p, first)).toBeLessThan(solutionCost(p, plan) - 1e-9);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('leaves the input plan untouched', () => {
    fc.assert(
      fc.property(problemArb, (p) => {
        const plan = startPlan(p);
        const copy = structuredClone(plan);
        run(p, plan);
        expect(plan).toEqual(copy);
      }),
      { numRuns: 100 },
    );
  });

  it('brings the Bitbrains trace plan within 1.5 % of z_LP from the fluid-dual greedy (ADR 0094)', async () => {
    // 1,000 pods, seed 7: z_LP $20.924/h, the fluid-dual greedy's plan $22.309/h. The attempts are
    // counted (50), so the plan is the same on any machine: $21.14/h with the spill move, $21.40/h
    // without it.
    const highs = await loadHighs();
    const { p } = await bitbrainsTraceProblem(highs);
    const { duals, greedy: greedyPlan } = fluidDualGreedy(highs, p);
    const greedy = eliminateBins(p, greedyPlan);
    const result = eliminateNodes(p, greedy, duals, {
      now: countingClock(),
      deadline: 1e12,
      maxAttempts: 50,
    });
    expect(result).toBeDefined();
    expect(checkSolution(p, result ?? [])).toBeUndefined();
    expect(solutionCost(p, result ?? [])).toBeLessThan(solutionCost(p, greedy) - 1e-9);
    expect(solutionCost(p, result ?? [])).toBeLessThanOrEqual(1.015 * 20.924);
  }, 120_000);

  it('brings a trace plan of about 50 nodes within 1 % of z_LP (seed 10: 362 classes)', async () => {
    // Before node elimination also ran on plans under 60 nodes, the plan here was the dive's, 3.7-4.1 %
    // above z_LP ($22.508/h) at the default budget. A counting clock: the same plan on any machine. (With
    // this budget the final elimination pass alone also gets there: this checks the outcome, not which
    // pass reached it.)
    const highs = await loadHighs();
    const { vector } = await bitbrainsTraceProblem(highs, 10);
    let t = 0;
    const result = await solveVectorPacking(vector, { highs, now: () => t++, timeLimitMs: 20_000 });
    expect(checkSolution(vector, result.bins)).toBeUndefined();
    expect(result.stats.origin).toBe('node-elimination');
    expect(result.cost).toBeLessThanOrEqual(1.01 * 22.508);
  }, 120_000);
});
