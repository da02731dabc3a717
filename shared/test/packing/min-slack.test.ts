import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tripletInstance } from '../../src/packing/benchmark/generators';
import { binCompletion } from '../../src/packing/bin-completion';
import { firstFitDecreasing } from '../../src/packing/heuristics';
import { loadHighs } from '../../src/packing/highs';
import { minimumBinSlack } from '../../src/packing/min-slack';
import { solveVectorPacking } from '../../src/packing/solve';
import { checkSolution } from '../../src/packing/vector';
import { bruteForceOptimum, vectorProblem } from './helpers';

const highs = await loadHighs();
// Work budgets, not time, decide these tests: the deadline is only a far-away safety net.
const ample = { now: () => 0, deadline: 1 };

/** Tiny identical-bin problems, some with a per-bin cap (hostname anti-affinity). */
const tinyIdentical = fc
  .record({
    dims: fc.integer({ min: 1, max: 3 }),
    sizes: fc.array(fc.array(fc.integer({ min: 1, max: 10 }), { minLength: 3, maxLength: 3 }), {
      minLength: 1,
      maxLength: 4,
    }),
    demand: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 4, maxLength: 4 }),
    caps: fc.array(fc.option(fc.integer({ min: 1, max: 2 }), { nil: undefined }), {
      minLength: 4,
      maxLength: 4,
    }),
  })
  .map(({ dims, sizes, demand, caps }) =>
    vectorProblem({
      sizes: sizes.map((s) => s.slice(0, dims)),
      demand: demand.slice(0, sizes.length),
      capacities: [new Array<number>(dims).fill(12)],
      costs: [1],
      ...(caps.some((c) => c !== undefined)
        ? { maxPerBin: caps.slice(0, sizes.length).map((c) => c ?? 1000) }
        : {}),
    }),
  );

describe('minimum bin slack (MBS)', () => {
  it('packs every copy within capacity and per-bin caps, never below the optimum', () => {
    fc.assert(
      fc.property(tinyIdentical, (p) => {
        const bins = minimumBinSlack(p, { ...ample, target: 0, maxPasses: 3 });
        expect(bins).toBeDefined();
        expect(checkSolution(p, bins ?? [])).toBeUndefined();
        expect((bins ?? []).length).toBeGreaterThanOrEqual(bruteForceOptimum(p));
      }),
      { numRuns: 150 },
    );
  });

  it('finds the optimum of a Mommessin triplet instance (n/3 perfect bins) where FFD does not', () => {
    const g = tripletInstance('Mommessin', 60, 5, 1);
    const bins = minimumBinSlack(g.problem, {
      now: () => performance.now(),
      deadline: Infinity,
      target: g.opt ?? 0,
    });
    expect(checkSolution(g.problem, bins ?? [])).toBeUndefined();
    expect(bins?.length).toBe(g.opt);
    expect(firstFitDecreasing(g.problem).length).toBeGreaterThan(g.opt ?? 0);
  });

  it('does not apply to several bin types', () => {
    const p = vectorProblem({ sizes: [[1]], demand: [1], capacities: [[2], [3]], costs: [1, 2] });
    expect(minimumBinSlack(p, { ...ample, target: 1 })).toBeUndefined();
  });
});

describe('bin completion', () => {
  it('finds a plan of exactly the optimal bin count, and none with one bin fewer (unlimited search)', () => {
    fc.assert(
      fc.property(tinyIdentical, (p) => {
        const opt = bruteForceOptimum(p);
        const unlimited = { ...ample, completionsPerBin: 10_000, nodeLimit: 10_000_000, attempts: 1 };
        const bins = binCompletion(p, opt, unlimited);
        expect(checkSolution(p, bins ?? [])).toBeUndefined();
        expect(bins?.length).toBe(opt);
        expect(binCompletion(p, opt - 1, unlimited)).toBeUndefined();
      }),
      { numRuns: 150 },
    );
  });

  it('fills every bin exactly on a Falkenauer triplet instance', () => {
    const g = tripletInstance('Falkenauer', 60, 5, 2);
    const bins = binCompletion(g.problem, g.opt ?? 0, { now: () => performance.now(), deadline: Infinity });
    expect(checkSolution(g.problem, bins ?? [])).toBeUndefined();
    expect(bins?.length).toBe(g.opt);
  });
});

describe('the solver on triplet instances', () => {
  it('returns the optimum n/3, proven by its own bound', async () => {
    const g = tripletInstance('Caprara', 120, 5, 1);
    const result = await solveVectorPacking(g.problem, { highs, timeLimitMs: 60_000 });
    expect(result.cost).toBe(g.opt);
    expect(result.lowerBound).toBe(g.opt);
    expect(['min-slack', 'bin-completion']).toContain(result.stats.origin);
  });
});
