import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseGgaCgtInstance } from '../../src/packing/benchmark/bpplib';
import { perfectPackingInstance } from '../../src/packing/benchmark/generators';
import { type Column, MasterProblem } from '../../src/packing/colgen';
import { firstFitDecreasing } from '../../src/packing/heuristics';
import { loadHighs } from '../../src/packing/highs';
import { type LpDiveStats, lpDive, lpDiveApplies, priceExactly } from '../../src/packing/lp-dive';
import { solveVectorPacking } from '../../src/packing/solve';
import { checkSolution, type PackedBin, type VectorProblem } from '../../src/packing/vector';
import { bruteForceOptimum, vectorProblem } from './helpers';

const highs = await loadHighs();
// Work budgets (discrepancy limit, iterations), not time, decide these tests: the clock never moves.
const frozen = { now: () => 0, deadline: 1 };
/**
 * Wall-time limit of the tests that solve LPs: work-bounded, but slow on a machine shared under load
 * (one took 131 s beside the DynamoDB Local tier in a full run; the limit only stops a hang).
 */
const HEAVY_MS = 300_000;

/** A dive's plan, when it has one: valid, within the dive's target and no better than the optimum. */
function expectPlanWithin(
  p: VectorProblem,
  dive: { bins?: PackedBin[] | null; targetBins: number },
  opt: number,
) {
  if (!dive.bins) return;
  expect(checkSolution(p, dive.bins)).toBeUndefined();
  expect(dive.bins.length).toBeLessThanOrEqual(dive.targetBins);
  expect(dive.bins.length).toBeGreaterThanOrEqual(opt);
}

/** Tiny 1-D identical-bin problems with integer sizes, some with a per-bin cap. */
const tinyOneDim = fc
  .record({
    capacity: fc.integer({ min: 5, max: 20 }),
    sizes: fc.array(fc.integer({ min: 1, max: 20 }), { minLength: 1, maxLength: 4 }),
    demand: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 4, maxLength: 4 }),
    caps: fc.option(fc.array(fc.integer({ min: 1, max: 2 }), { minLength: 4, maxLength: 4 }), {
      nil: undefined,
    }),
  })
  .map(({ capacity, sizes, demand, caps }) =>
    vectorProblem({
      sizes: sizes.map((s) => [Math.min(s, capacity)]),
      demand: demand.slice(0, sizes.length),
      capacities: [[capacity]],
      costs: [1],
      ...(caps ? { maxPerBin: caps.slice(0, sizes.length) } : {}),
    }),
  );

/** max pi . a over every pattern of the residual, by enumeration. */
function bruteForceKnapsack(
  sizes: readonly number[],
  pi: readonly number[],
  bounds: readonly number[],
  capacity: number,
): number {
  let best = 0;
  const go = (i: number, load: number, value: number) => {
    if (i === sizes.length) {
      best = Math.max(best, value);
      return;
    }
    for (let c = 0; c <= (bounds[i] ?? 0) && load + c * (sizes[i] ?? 0) <= capacity; c++)
      go(i + 1, load + c * (sizes[i] ?? 0), value + c * (pi[i] ?? 0));
  };
  go(0, 0, 0);
  return best;
}

describe('exact pricing (bounded knapsack by dynamic programming)', () => {
  it('matches enumeration, and its pattern fits and is worth what it reports', () => {
    fc.assert(
      fc.property(
        tinyOneDim,
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 4, maxLength: 4 }),
        (p, duals) => {
          const m = p.demand.length;
          const pi = duals.slice(0, m);
          const priced = priceExactly(p, pi, p.demand);
          const bounds = Array.from(p.demand, (d, i) => Math.min(d, p.maxPerBin?.[i] ?? d));
          const sizes = Array.from(p.sizes);
          // Classes with a zero dual add nothing: enumerate with them capped at 0 copies, as priced.
          const positive = bounds.map((b, i) => ((pi[i] ?? 0) > 1e-9 ? b : 0));
          const expected = bruteForceKnapsack(sizes, pi, positive, p.capacities[0] ?? 0);
          expect(priced.value).toBeCloseTo(expected, 9);
          let load = 0;
          let value = 0;
          for (const [j, i] of priced.classes.entries()) {
            const copies = priced.counts[j] ?? 0;
            expect(copies).toBeLessThanOrEqual(bounds[i] ?? 0);
            load += copies * (sizes[i] ?? 0);
            value += copies * (pi[i] ?? 0);
          }
          expect(load).toBeLessThanOrEqual(p.capacities[0] ?? 0);
          expect(value).toBeCloseTo(priced.value, 9);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('column-generation dive (lp-dive.ts)', () => {
  it(
    'packs every copy within capacity and caps, with a proven bound at most the optimum',
    () => {
      fc.assert(
        fc.property(tinyOneDim, (p) => {
          const opt = bruteForceOptimum(p);
          const result = lpDive(p, { highs, ...frozen, maxDiscrepancies: 3, randomDives: 0 });
          expect(result.lowerBoundBins).toBeLessThanOrEqual(opt + 1e-6);
          expect(result.targetBins).toBeGreaterThanOrEqual(Math.ceil(result.lowerBoundBins - 1e-6));
          expectPlanWithin(p, result, opt);
        }),
        { numRuns: 150 },
      );
    },
    HEAVY_MS,
  );

  it(
    'solves a perfect-packing instance (every bin full) that FFD does not, at its LP bound',
    () => {
      const g = perfectPackingInstance(20, 1);
      expect(lpDiveApplies(g.problem)).toBe(true);
      const stats: LpDiveStats = {
        nodes: 0,
        iterations: 0,
        pruned: 0,
        discrepancyLimit: 0,
        rootMs: 0,
        rootIterations: 0,
      };
      const result = lpDive(g.problem, { highs, ...frozen, maxDiscrepancies: 4, randomDives: 0, stats });
      expect(firstFitDecreasing(g.problem).length).toBeGreaterThan(g.opt ?? 0);
      expect(result.targetBins).toBe(g.opt);
      expect(checkSolution(g.problem, result.bins ?? [])).toBeUndefined();
      expect(result.bins?.length).toBe(g.opt);
      expect(stats.nodes).toBeGreaterThan(0);
    },
    HEAVY_MS,
  );

  it(
    'finds the optimum of a BPPLIB Hard28 instance (hBPP47: FFD needs one bin more) within work limits',
    () => {
      const path = new URL('../../data/bpplib/hard28/hBPP47.txt', import.meta.url);
      const g = parseGgaCgtInstance('hBPP47', readFileSync(path, 'utf8'), 'hard28', 71);
      const result = lpDive(g.problem, { highs, ...frozen, maxDiscrepancies: 1, randomDives: 0 });
      expect(firstFitDecreasing(g.problem).length).toBe(72);
      expect(result.targetBins).toBe(71);
      expect(checkSolution(g.problem, result.bins ?? [])).toBeUndefined();
      expect(result.bins?.length).toBe(71);
    },
    HEAVY_MS,
  );

  it('stops at the deadline with no plan, and never aims below the bound it is given', () => {
    const g = perfectPackingInstance(20, 2);
    let t = 0;
    const result = lpDive(g.problem, { highs, now: () => t++, deadline: 3, minimumBins: (g.opt ?? 0) + 1 });
    expect(result.bins).toBeUndefined();
    expect(result.targetBins).toBe((g.opt ?? 0) + 1);
  });

  it('applies only to one dimension, one bin type and integer sizes', () => {
    const oneDim = { demand: [2], costs: [1] };
    expect(lpDiveApplies(vectorProblem({ ...oneDim, sizes: [[3]], capacities: [[10]] }))).toBe(true);
    expect(lpDiveApplies(vectorProblem({ ...oneDim, sizes: [[3.5]], capacities: [[10]] }))).toBe(false);
    expect(lpDiveApplies(vectorProblem({ ...oneDim, sizes: [[3, 1]], capacities: [[10, 10]] }))).toBe(false);
    expect(
      lpDiveApplies(vectorProblem({ sizes: [[3]], demand: [2], capacities: [[10], [20]], costs: [1, 2] })),
    ).toBe(false);
  });
});

/** Tiny 1-D problems without per-bin caps (where the dual cuts and the fill-down apply). */
const tinyUncapped = fc
  .record({
    capacity: fc.integer({ min: 5, max: 30 }),
    sizes: fc.array(fc.integer({ min: 1, max: 30 }), { minLength: 1, maxLength: 6 }),
    demand: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 6, maxLength: 6 }),
  })
  .map(({ capacity, sizes, demand }) =>
    vectorProblem({
      sizes: sizes.map((s) => [Math.min(s, capacity)]),
      demand: demand.slice(0, sizes.length),
      capacities: [[capacity]],
      costs: [1],
    }),
  );

const hard28 = (name: string, opt: number) =>
  parseGgaCgtInstance(
    name,
    readFileSync(new URL(`../../data/bpplib/hard28/${name}.txt`, import.meta.url), 'utf8'),
    'hard28',
    opt,
  );

const freshStats = (): LpDiveStats => ({
  nodes: 0,
  iterations: 0,
  pruned: 0,
  discrepancyLimit: 0,
  rootMs: 0,
  rootIterations: 0,
});

describe('dual cuts, fill-down, inherited LP solutions and randomized dives (issue 18, ADR 0082)', () => {
  it(
    'the exchange columns (dual-optimal inequalities) leave the LP bound as it was',
    () => {
      fc.assert(
        fc.property(tinyUncapped, (p) => {
          const withCuts = lpDive(p, { highs, ...frozen, randomDives: 0, maxDiscrepancies: 0 });
          const without = lpDive(p, {
            highs,
            ...frozen,
            randomDives: 0,
            maxDiscrepancies: 0,
            dualCuts: false,
          });
          expect(withCuts.lowerBoundBins).toBeCloseTo(without.lowerBoundBins, 6);
          expect(withCuts.lowerBoundBins).toBeLessThanOrEqual(bruteForceOptimum(p) + 1e-6);
        }),
        { numRuns: 100 },
      );
    },
    HEAVY_MS,
  );

  it(
    'the exchange columns cut the root LP iterations on a Hard28 instance, same bound',
    () => {
      const g = hard28('hBPP47', 71);
      const cut = freshStats();
      const plain = freshStats();
      const a = lpDive(g.problem, { highs, ...frozen, randomDives: 0, maxDiscrepancies: 0, stats: cut });
      const b = lpDive(g.problem, {
        highs,
        ...frozen,
        randomDives: 0,
        maxDiscrepancies: 0,
        dualCuts: false,
        stats: plain,
      });
      expect(a.targetBins).toBe(71);
      expect(b.targetBins).toBe(71);
      expect(a.lowerBoundBins).toBeCloseTo(b.lowerBoundBins, 4);
      expect(cut.rootIterations).toBeLessThan(plain.rootIterations);
    },
    HEAVY_MS,
  );

  it(
    'every plan is a valid packing of every copy in at most the target bins, whatever the options',
    () => {
      fc.assert(
        fc.property(
          tinyUncapped,
          fc.record({
            seed: fc.integer({ min: 1, max: 1000 }),
            randomDives: fc.integer({ min: 0, max: 6 }),
            dualCuts: fc.boolean(),
            fillDown: fc.boolean(),
            inheritLp: fc.boolean(),
          }),
          (p, options) => {
            const opt = bruteForceOptimum(p);
            const result = lpDive(p, { highs, ...frozen, maxDiscrepancies: 2, ...options });
            expect(result.lowerBoundBins).toBeLessThanOrEqual(opt + 1e-6);
            expectPlanWithin(p, result, opt);
          },
        ),
        { numRuns: 150 },
      );
    },
    HEAVY_MS,
  );

  it(
    'randomized dives reach Hard28 optima with the LP solution inherited after integer fixes',
    () => {
      const g = hard28('hBPP47', 71);
      const stats = freshStats();
      const result = lpDive(g.problem, { highs, ...frozen, randomDives: 40, seed: 3, stats });
      expect(checkSolution(g.problem, result.bins ?? [])).toBeUndefined();
      expect(result.bins?.length).toBe(71);
      expect(stats.inherited ?? 0).toBeGreaterThan(0);
    },
    HEAVY_MS,
  );

  it(
    'randomized dives under a frozen clock stop after their count',
    () => {
      // The clock never moves: only the count of randomized dives ends the search if no dive succeeds.
      const g = perfectPackingInstance(20, 2);
      const stats = freshStats();
      const result = lpDive(g.problem, { highs, ...frozen, randomDives: 3, stats });
      expect(result.targetBins).toBe(g.opt);
      if (result.bins) expect(checkSolution(g.problem, result.bins)).toBeUndefined();
      expect(stats.randomDives ?? 0).toBeLessThanOrEqual(3);
    },
    HEAVY_MS,
  );
});

/** A plan's bins as master columns (the solver seeds the dive with its best plan's bins). */
const asColumns = (bins: readonly PackedBin[]): Column[] =>
  bins.map((b) => ({ bin: 0, classes: [...b.classes], counts: [...b.counts] }));

describe('seeded and unseeded roots (issue 18, ADR 0090)', () => {
  it(
    'a column taken out of the master LP gets no value and leaves the LP of the columns left',
    () => {
      fc.assert(
        fc.property(tinyUncapped, fc.integer({ min: 0, max: 1000 }), (p: VectorProblem, pick) => {
          const seeds = asColumns(firstFitDecreasing(p)).filter((c) => c.classes.length > 1);
          if (seeds.length === 0) return;
          const out = seeds[pick % seeds.length] as Column;
          const singletons: Column[] = Array.from(p.demand, (d, i) => ({
            bin: 0,
            classes: [i],
            counts: [Math.min(d, Math.floor((p.capacities[0] ?? 0) / Math.max(p.sizes[i] ?? 1, 1)))],
          }));
          const full = new MasterProblem(highs, p);
          const without = new MasterProblem(highs, p);
          try {
            full.addColumns([...singletons, ...seeds]);
            // Identical bins are one column: drop every copy of the one taken out.
            const same = (c: Column) =>
              JSON.stringify([c.classes, c.counts]) === JSON.stringify([out.classes, out.counts]);
            without.addColumns([...singletons, ...seeds.filter((c) => !same(c))]);
            const before = full.solve().objective;
            const at = full.indexOf(out);
            full.setColumnsEnabled([at], false);
            const off = full.solve();
            // HiGHS reports a column held at an upper bound of 0 as 0 or -0: both are no value.
            expect(Math.abs(off.primal[at] ?? 0)).toBe(0);
            expect(off.objective).toBeCloseTo(without.solve().objective, 6);
            full.setColumnsEnabled([at], true);
            expect(full.solve().objective).toBeCloseTo(before, 6);
          } finally {
            full.dispose();
            without.dispose();
          }
        }),
        { numRuns: 100 },
      );
    },
    HEAVY_MS,
  );

  it(
    'with seed columns, every plan is valid and the bound is the unseeded one, whatever the schedule',
    () => {
      fc.assert(
        fc.property(
          tinyOneDim,
          fc.record({
            seed: fc.integer({ min: 1, max: 1000 }),
            randomDives: fc.integer({ min: 0, max: 6 }),
            unseededEvery: fc.integer({ min: 0, max: 5 }),
          }),
          (p, options) => {
            const opt = bruteForceOptimum(p);
            const stats = freshStats();
            const seeded = lpDive(p, {
              highs,
              ...frozen,
              maxDiscrepancies: 2,
              seedColumns: asColumns(firstFitDecreasing(p)),
              stats,
              ...options,
            });
            const plain = lpDive(p, { highs, ...frozen, maxDiscrepancies: 0, randomDives: 0 });
            expect(seeded.lowerBoundBins).toBeCloseTo(plain.lowerBoundBins, 6);
            expect(seeded.lowerBoundBins).toBeLessThanOrEqual(opt + 1e-6);
            if (options.unseededEvery === 0 || options.randomDives === 0)
              expect(stats.unseededDives ?? 0).toBe(0);
            expectPlanWithin(p, seeded, opt);
          },
        ),
        { numRuns: 150 },
      );
    },
    HEAVY_MS,
  );

  it(
    'seeded with first fit decreasing on a Hard28 instance, the unseeded dives run and the optimum is found',
    () => {
      const g = hard28('hBPP47', 71);
      const seeds = asColumns(firstFitDecreasing(g.problem));
      expect(seeds.length).toBe(72);
      const stats = freshStats();
      const result = lpDive(g.problem, {
        highs,
        ...frozen,
        randomDives: 40,
        seed: 3,
        seedColumns: seeds,
        stats,
      });
      expect(checkSolution(g.problem, result.bins ?? [])).toBeUndefined();
      expect(result.bins?.length).toBe(71);
      expect(stats.unseededDives ?? 0).toBeGreaterThan(0);
    },
    HEAVY_MS,
  );
});

describe('the solver on one-dimensional instances', () => {
  it('reaches the optimum of a perfect-packing instance, proven by its own bound', async () => {
    const g = perfectPackingInstance(50, 3);
    const result = await solveVectorPacking(g.problem, { highs, timeLimitMs: 60_000 });
    expect(result.cost).toBe(g.opt);
    expect(result.lowerBound).toBe(g.opt);
    expect(checkSolution(g.problem, result.bins)).toBeUndefined();
  });

  it('never reports a plan below its bound on random 1-D problems', async () => {
    await fc.assert(
      fc.asyncProperty(tinyOneDim, async (p) => {
        const opt = bruteForceOptimum(p);
        const result = await solveVectorPacking(p, { highs, timeLimitMs: 60_000 });
        expect(checkSolution(p, result.bins)).toBeUndefined();
        expect(result.lowerBound).toBeLessThanOrEqual(opt);
        expect(result.cost).toBeGreaterThanOrEqual(opt);
      }),
      { numRuns: 60 },
    );
  });
});
