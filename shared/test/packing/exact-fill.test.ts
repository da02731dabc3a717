import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { perfectPackingInstance } from '../../src/packing/benchmark/generators';
import { binCompletion } from '../../src/packing/bin-completion';
import { type ExactFillStats, exactFill, exactFillApplies } from '../../src/packing/exact-fill';
import { firstFitDecreasing } from '../../src/packing/heuristics';
import { loadHighs } from '../../src/packing/highs';
import { solveVectorPacking } from '../../src/packing/solve';
import { checkSolution, type PackedBin, type VectorProblem } from '../../src/packing/vector';
import { bruteForceOptimum, vectorProblem } from './helpers';

// Work budgets (attempts, bins per attempt), not time, decide these tests: the clock never moves.
const frozen = { now: () => 0, deadline: 1 };
/** No cut-offs: one attempt that may enumerate every completion, so the search is exhaustive. */
const exhaustive = { ...frozen, attempts: 1, extraNodes: 1e12, completionsPerBin: 1e9 };

const load = (p: VectorProblem, bin: PackedBin) =>
  bin.classes.reduce((sum, c, k) => sum + (p.sizes[c] ?? 0) * (bin.counts[k] ?? 0), 0);

/** A 1-D perfect packing: `cuts` bins of capacity C, each cut into pieces at random points. */
const perfectPacking = fc
  .record({
    capacity: fc.integer({ min: 4, max: 30 }),
    bins: fc.array(fc.array(fc.integer({ min: 1, max: 29 }), { minLength: 1, maxLength: 3 }), {
      minLength: 1,
      maxLength: 5,
    }),
  })
  .map(({ capacity, bins }) => {
    const items: number[] = [];
    for (const cuts of bins) {
      const points = [...new Set(cuts.filter((c) => c < capacity))].sort((a, b) => a - b);
      let last = 0;
      for (const point of [...points, capacity]) {
        items.push(point - last);
        last = point;
      }
    }
    const counts = new Map<number, number>();
    for (const s of items) counts.set(s, (counts.get(s) ?? 0) + 1);
    const sizes = [...counts.keys()];
    return {
      opt: bins.length,
      problem: vectorProblem({
        sizes: sizes.map((s) => [s]),
        demand: sizes.map((s) => counts.get(s) ?? 0),
        capacities: [[capacity]],
        costs: [1],
      }),
    };
  });

/** Small 1-D problems whose items add up to a whole number of bins (a perfect packing may not exist). */
const wholeBins = fc
  .record({
    capacity: fc.integer({ min: 3, max: 12 }),
    sizes: fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 4 }),
    demand: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 4, maxLength: 4 }),
  })
  .map(({ capacity, sizes, demand }) => {
    const s = sizes.map((v) => Math.min(v, capacity));
    const d = demand.slice(0, s.length);
    const total = s.reduce((sum, v, i) => sum + v * (d[i] ?? 0), 0);
    // Pad with ones up to a whole number of bins.
    const pad = (capacity - (total % capacity)) % capacity;
    if (pad > 0) {
      s.push(1);
      d.push(pad);
    }
    return vectorProblem({ sizes: s.map((v) => [v]), demand: d, capacities: [[capacity]], costs: [1] });
  });

describe('exact-fill search (1-D perfect packings)', () => {
  it('packs every copy once, fills every bin exactly, and finds a perfect packing whenever one exists', () => {
    fc.assert(
      fc.property(perfectPacking, ({ problem, opt }) => {
        expect(exactFillApplies(problem, opt)).toBe(true);
        const bins = exactFill(problem, opt, exhaustive);
        expect(bins).toBeDefined();
        expect(checkSolution(problem, bins ?? [])).toBeUndefined();
        expect(bins?.length).toBe(opt);
        for (const bin of bins ?? []) expect(load(problem, bin)).toBe(problem.capacities[0]);
      }),
      { numRuns: 200 },
    );
  });

  it('exhaustive: a plan of total / C bins is found exactly when the brute-force optimum is that many', () => {
    fc.assert(
      fc.property(wholeBins, (p) => {
        const capacity = p.capacities[0] ?? 1;
        let total = 0;
        for (let i = 0; i < p.demand.length; i++) total += (p.sizes[i] ?? 0) * (p.demand[i] ?? 0);
        const target = total / capacity;
        const opt = bruteForceOptimum(p);
        // The bound total / C never exceeds the optimum.
        expect(target).toBeLessThanOrEqual(opt);
        const bins = exactFill(p, target, exhaustive);
        expect(bins !== undefined).toBe(opt === target);
        if (bins) expect(checkSolution(p, bins)).toBeUndefined();
      }),
      { numRuns: 300 },
    );
  });

  it('does not apply when the bins cannot be exactly full, to several dimensions, or to fractional sizes', () => {
    const base = { capacities: [[10]], costs: [1] };
    const slack = vectorProblem({ ...base, sizes: [[6], [3]], demand: [1, 1] });
    expect(exactFillApplies(slack, 1)).toBe(false);
    expect(exactFill(slack, 1, exhaustive)).toBeUndefined();
    const full = vectorProblem({ ...base, sizes: [[6], [4]], demand: [1, 1] });
    expect(exactFillApplies(full, 1)).toBe(true);
    expect(exactFillApplies(full, 2)).toBe(false);
    const fractional = vectorProblem({ ...base, sizes: [[5.5], [4.5]], demand: [1, 1] });
    expect(exactFillApplies(fractional, 1)).toBe(false);
    const twoDims = vectorProblem({ sizes: [[5, 5]], demand: [2], capacities: [[10, 10]], costs: [1] });
    expect(exactFillApplies(twoDims, 1)).toBe(false);
  });

  it('reaches OPT on generated AI-like perfect packings where FFD and the vector bin completion do not', () => {
    for (const [bins, seed] of [
      [20, 3],
      [50, 1],
      [50, 3],
    ] as const) {
      const g = perfectPackingInstance(bins, seed);
      const opt = g.opt ?? 0;
      const stats: ExactFillStats = { attempts: 0, deepest: 0, enumerationNodes: 0 };
      const plan = exactFill(g.problem, opt, { ...frozen, attempts: 50, stats });
      expect(firstFitDecreasing(g.problem).length).toBeGreaterThan(opt);
      // The vector search (largest item first, no forward check) misses these within the same kind of
      // work budget: one attempt of a million enumeration nodes.
      expect(binCompletion(g.problem, opt, { ...frozen, attempts: 1 })).toBeUndefined();
      expect(plan?.length).toBe(opt);
      expect(checkSolution(g.problem, plan ?? [])).toBeUndefined();
      expect(stats.attempts).toBeGreaterThan(0);
      expect(stats.deepest).toBe(opt);
    }
  });

  it('the packer reports OPT on perfect packings of 50 and 100 bins', async () => {
    const highs = await loadHighs();
    for (const g of [perfectPackingInstance(50, 3), perfectPackingInstance(100, 3)]) {
      const r = await solveVectorPacking(g.problem, { highs, timeLimitMs: 30_000 });
      expect(r.cost).toBe(g.opt);
      expect(r.lowerBound).toBe(g.opt);
      // MBS' reaches OPT on a few of these when it is lucky; otherwise the exact-fill search does.
      expect(['exact-fill', 'min-slack']).toContain(r.stats.origin);
    }
  }, 120_000);
});
