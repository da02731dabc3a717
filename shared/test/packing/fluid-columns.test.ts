import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { solveFluidRelaxation } from '../../src/packing/fluid';
import {
  byKeyDescending,
  costAwareGreedy,
  firstFitDecreasing,
  resourceValues,
} from '../../src/packing/heuristics';
import { loadHighs } from '../../src/packing/highs';
import { KnapsackLpBound } from '../../src/packing/knapsack-lp';
import { removeDominatedBinTypes, solveVectorPacking } from '../../src/packing/solve';
import { sequentialValueCorrection } from '../../src/packing/value-correction';
import { checkSolution, fitsEmpty, solutionCost, type VectorProblem } from '../../src/packing/vector';
import { vectorProblem } from './helpers';

const highs = await loadHighs();

/**
 * The fluid LP with every pair y_oi of the given options in one cold model (what fluid.ts solved before
 * ADR 0096), as the reference for the column generation.
 */
function fullFluidObjective(p: VectorProblem, options: readonly number[]): number {
  const m = p.demand.length;
  const d = p.dims;
  const pairs: [number, number][] = [];
  for (const [t, o] of options.entries())
    for (let i = 0; i < m; i++) if (fitsEmpty(p, o, i)) pairs.push([t, i]);
  const types = options.length;
  const numCols = types + pairs.length;
  const numRows = m + types * d + 1;
  const starts = [0];
  const indices: number[] = [];
  const values: number[] = [];
  for (const [t, o] of options.entries()) {
    for (let k = 0; k < d; k++) {
      indices.push(m + t * d + k);
      values.push(-(p.capacities[o * d + k] ?? 0));
    }
    indices.push(numRows - 1);
    values.push(1);
    starts.push(indices.length);
  }
  for (const [t, i] of pairs) {
    indices.push(i);
    values.push(1);
    for (let k = 0; k < d; k++) {
      indices.push(m + t * d + k);
      values.push(p.sizes[i * d + k] ?? 0);
    }
    starts.push(indices.length);
  }
  const rowLower = new Float64Array(numRows).fill(-highs.infinity);
  const rowUpper = new Float64Array(numRows);
  for (let i = 0; i < m; i++) {
    rowLower[i] = p.demand[i] ?? 0;
    rowUpper[i] = highs.infinity;
  }
  rowLower[numRows - 1] = p.minBins;
  rowUpper[numRows - 1] = highs.infinity;
  return highs.withModel(
    {
      numCols,
      numRows,
      colCost: Float64Array.from({ length: numCols }, (_, c) =>
        c < types ? (p.costs[options[c] ?? 0] ?? 0) : 0,
      ),
      colLower: new Float64Array(numCols),
      colUpper: new Float64Array(numCols).fill(highs.infinity),
      rowLower,
      rowUpper,
      matrix: {
        format: 'csc',
        numRows,
        numCols,
        starts: Int32Array.from(starts),
        indices: Int32Array.from(indices),
        values: Float64Array.from(values),
      },
    },
    (model) => {
      model.options.set({ output_flag: false });
      model.run();
      return model.getObjectiveValue();
    },
  );
}

/** The fluid relaxation by column generation from each class's cheapest option (small problems would
 * otherwise start with every pair of their options). */
function fluid(p: VectorProblem, start: 'dense' | 'sparse' = 'sparse') {
  const knapsackLp = new KnapsackLpBound(highs, p);
  try {
    return solveFluidRelaxation(highs, p, knapsackLp, { now: () => 0, deadline: 1, start }, 20);
  } finally {
    knapsackLp.dispose();
  }
}

/** Class i's cheapest option per copy on an empty node (the one pair it starts with). */
function cheapestOption(p: VectorProblem, i: number): number {
  const d = p.dims;
  let best = -1;
  let bestRate = Number.POSITIVE_INFINITY;
  for (let o = 0; o < p.costs.length; o++) {
    if (!fitsEmpty(p, o, i)) continue;
    let copies = Number.POSITIVE_INFINITY;
    for (let k = 0; k < d; k++) {
      const w = p.sizes[i * d + k] ?? 0;
      if (w > 0) copies = Math.min(copies, Math.floor((p.capacities[o * d + k] ?? 0) / w));
    }
    const rate = (p.costs[o] ?? 0) / Math.min(copies, 1e9);
    if (rate < bestRate) {
      bestRate = rate;
      best = o;
    }
  }
  return best;
}

function cheapestOptions(p: VectorProblem): Set<number> {
  return new Set(p.demand.map((_, i) => cheapestOption(p, i)).filter((o) => o >= 0));
}

/** Two or three node shapes and classes of mixed shapes; type 0 holds every class. */
const mixedShapes = fc
  .record({
    sizes: fc.array(fc.tuple(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 9 })), {
      minLength: 3,
      maxLength: 8,
    }),
    demand: fc.array(fc.integer({ min: 1, max: 30 }), { minLength: 8, maxLength: 8 }),
    shapes: fc.array(
      fc.tuple(
        fc.integer({ min: 4, max: 24 }),
        fc.integer({ min: 4, max: 24 }),
        fc.integer({ min: 5, max: 60 }),
      ),
      { minLength: 1, maxLength: 2 },
    ),
  })
  .map(({ sizes, demand, shapes }) =>
    vectorProblem({
      sizes,
      capacities: [[12, 12], ...shapes.map(([c, m]) => [c, m])],
      costs: [1.17, ...shapes.map(([c, m, price]) => ((c + m) * price) / 600 + 0.01)],
      demand: demand.slice(0, sizes.length),
    }),
  );

describe('the fluid relaxation by pair columns (ADR 0096)', () => {
  it('reaches the full fluid LP over its options: pricing adds every pair that lowers it', () => {
    // Where every option is some class's cheapest, the LP starts with all of them and only the pair
    // pricing can lower it to the optimum; without it each class would stay on its cheapest option.
    fc.assert(
      fc.property(mixedShapes, (p) => {
        const options = [...cheapestOptions(p)].sort((x, y) => x - y);
        fc.pre(options.length === p.costs.length);
        const result = fluid(p);
        if (!result) throw new Error('no fluid solution');
        const full = fullFluidObjective(p, options);
        expect(Math.abs(result.objective - full)).toBeLessThanOrEqual(1e-6 * full + 1e-9);
      }),
      { numRuns: 60, seed: 96 },
    );
  });

  it('never reports a bound above the fluid LP over all options or a valid plan', () => {
    fc.assert(
      fc.property(mixedShapes, (p) => {
        const result = fluid(p);
        if (!result) throw new Error('no fluid solution');
        const all = Array.from({ length: p.costs.length }, (_, o) => o);
        // The restricted LP is never below the full one, and its Farley bound is a valid bound.
        expect(result.objective).toBeGreaterThanOrEqual(fullFluidObjective(p, all) * (1 - 1e-7) - 1e-9);
        expect(result.lowerBound).toBeLessThanOrEqual(solutionCost(p, firstFitDecreasing(p)) * (1 + 1e-9));
        expect(result.lowerBound).toBeLessThanOrEqual(result.objective * (1 + 1e-6) + 1e-9);
      }),
      { numRuns: 60, seed: 960 },
    );
  });

  it('mixes shapes on one node where each class alone prefers another option', () => {
    // A (16 CPU, 4 memory, $0.2) is the CPU-heavy class's cheapest per copy, B (16, 16, $0.3) the
    // memory-heavy one's: each alone on its own costs 10 x 0.2/4 + 10 x 0.3/4 = 1.25, both on B
    // 50/16 x 0.3 = 0.94. Only the pair (B, CPU-heavy class), which no class starts with, gets there.
    const p = vectorProblem({
      sizes: [
        [4, 1],
        [1, 4],
      ],
      demand: [10, 10],
      capacities: [
        [16, 4],
        [16, 16],
      ],
      costs: [0.2, 0.3],
    });
    const result = fluid(p);
    if (!result) throw new Error('no fluid solution');
    const onePairEach = 10 * (0.2 / 4) + 10 * (0.3 / 4);
    const full = fullFluidObjective(p, [0, 1]);
    expect(full).toBeLessThan(onePairEach - 1e-6);
    expect(result.objective).toBeCloseTo(full, 9);
    expect(result.assignment.get(1)?.get(0) ?? 0).toBeGreaterThan(0);
  });

  it('reports the duals of its first solve where it starts sparse, and only there', () => {
    fc.assert(
      fc.property(mixedShapes, (p) => {
        const sparse = fluid(p);
        const dense = fluid(p, 'dense');
        expect(dense?.startDuals).toBeUndefined();
        const start = sparse?.startDuals;
        if (!start) throw new Error('no start duals');
        // Each class alone on its cheapest option o (per whole copy on an empty node): its dual is at
        // most o's price for the copy's share of a node (a fraction of a node of o covers it), never
        // negative.
        const m = p.demand.length;
        for (let i = 0; i < m; i++) {
          expect(start[i] ?? -1).toBeGreaterThanOrEqual(0);
          const o = cheapestOption(p, i);
          let share = 0;
          for (let k = 0; k < p.dims; k++) {
            const c = p.capacities[o * p.dims + k] ?? 0;
            if (c > 0) share = Math.max(share, (p.sizes[i * p.dims + k] ?? 0) / c);
          }
          expect(start[i] ?? 0).toBeLessThanOrEqual((p.costs[o] ?? 0) * share * (1 + 1e-7) + 1e-9);
        }
      }),
      { numRuns: 40, seed: 961 },
    );
  });

  it('is deterministic', () => {
    fc.assert(
      fc.property(mixedShapes, (p) => {
        const a = fluid(p);
        const b = fluid(p);
        expect(b?.objective).toBe(a?.objective);
        expect(b?.lowerBound).toBe(a?.lowerBound);
        expect(Array.from(b?.duals ?? [])).toEqual(Array.from(a?.duals ?? []));
        // Started dense (as small problems are), the LP reaches the same optimum.
        expect(fluid(p, 'dense')?.objective).toBeCloseTo(a?.objective ?? 0, 6);
      }),
      { numRuns: 20, seed: 9600 },
    );
  });
});

describe('byKeyDescending (the cost-aware greedy orders)', () => {
  it('gives the comparator sort by decreasing key, ties by increasing item', () => {
    const key = fc.oneof(
      fc.double({ noNaN: true }),
      fc.constantFrom(0, -0, 1, 2, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY),
    );
    fc.assert(
      fc.property(
        fc.array(key, { maxLength: 60 }),
        fc.array(fc.boolean(), { maxLength: 60 }),
        (keys, keep) => {
          const items = keys.map((_, i) => i).filter((i) => keep[i] ?? true);
          const expected = Int32Array.from(items).sort((x, y) => (keys[y] ?? 0) - (keys[x] ?? 0) || x - y);
          expect(Array.from(byKeyDescending(items, keys))).toEqual(Array.from(expected));
        },
      ),
      { numRuns: 300, seed: 7 },
    );
  });
});

/**
 * A problem of more than 100,000 classes x types after dominance (the solve order of ADR 0096): node
 * types of many shapes (CPU, memory, pod slots) priced near their size, and classes of mixed shapes.
 */
function largeProblem(podScale = 1): VectorProblem {
  let seed = 0x2545f491;
  const random = () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 2 ** 32;
  };
  const types = 260;
  const capacities = Array.from({ length: types }, () => [
    8 + Math.floor(random() * 120),
    8 + Math.floor(random() * 240),
    10 + Math.floor(random() * 100),
  ]);
  const costs = capacities.map(
    ([c = 0, m = 0, s = 0]) => (c / 128 + m / 256 + s / 400) * (0.8 + 0.4 * random()),
  );
  const sizes = Array.from({ length: 560 }, () => [
    1 + Math.floor(random() * 8 * podScale),
    1 + Math.floor(random() * 16 * podScale),
    1,
  ]);
  return vectorProblem({
    sizes,
    demand: sizes.map(() => 1 + Math.floor(random() * 4)),
    capacities,
    costs,
  });
}

describe('the solve order on thousands of classes x hundreds of types (ADR 0096)', () => {
  const p = largeProblem();
  const kept = removeDominatedBinTypes(p).problem;
  const options = {
    now: () => 0,
    maxIterations: 1,
    diveIterations: 0,
    repackRounds: 0,
    restrictedMip: false,
  };

  it('starts from the fluid: the greedy on resource values does not run', async () => {
    expect(kept.demand.length * kept.costs.length).toBeGreaterThan(100_000);
    const result = await solveVectorPacking(p, { highs, ...options });
    expect(checkSolution(p, result.bins)).toBeUndefined();
    expect(result.stats.lpError).toBeUndefined();
    // The first plan was first fit decreasing's; the fluid's dual greedy (or a later phase) beat it.
    expect(result.stats.greedyCost).toBe(result.stats.ffdCost);
    expect(['ffd', 'greedy']).not.toContain(result.stats.origin);
    expect(result.cost).toBeLessThan(result.stats.ffdCost);
    expect(result.lowerBound).toBeLessThanOrEqual(result.cost);
    // Both fluid-dual greedies were candidates: the plan is no dearer than either.
    const knapsackLp = new KnapsackLpBound(highs, kept);
    try {
      const relaxation = solveFluidRelaxation(highs, kept, knapsackLp, { now: () => 0, deadline: 1 });
      const resource = resourceValues(kept);
      for (const duals of [relaxation?.startDuals, relaxation?.duals]) {
        if (!duals) throw new Error('no fluid duals');
        const values = Float64Array.from(duals, (v, i) => v + 1e-6 * (resource[i] ?? 0));
        expect(result.cost).toBeLessThanOrEqual(solutionCost(kept, costAwareGreedy(kept, values)) + 1e-9);
      }
    } finally {
      knapsackLp.dispose();
    }
  }, 60_000);

  it('where classes outnumber the nodes of first fit decreasing, SVC from the start duals makes the first plan (ADR 0098)', async () => {
    // The case of the 10,000-pod trace (2,119 classes on ~620 nodes): smaller pods, fewer nodes.
    const small = largeProblem(0.25);
    const kept = removeDominatedBinTypes(small).problem;
    expect(kept.demand.length * kept.costs.length).toBeGreaterThan(100_000);
    expect(firstFitDecreasing(kept).length).toBeLessThanOrEqual(kept.demand.length);
    const result = await solveVectorPacking(small, { highs, ...options, nodeElimination: false });
    expect(checkSolution(small, result.bins)).toBeUndefined();
    expect(result.stats.origin).toBe('svc');
    // No dearer than SVC's passes from the start duals over the fluid's support alone.
    const knapsackLp = new KnapsackLpBound(highs, kept);
    try {
      const relaxation = solveFluidRelaxation(highs, kept, knapsackLp, { now: () => 0, deadline: 1 });
      const start = relaxation?.startDuals;
      if (!relaxation || !start) throw new Error('no fluid start duals');
      const support = [...relaxation.assignment]
        .filter(([, row]) => [...row.values()].some((y) => y > 1e-9))
        .map(([o]) => o)
        .sort((x, y) => x - y);
      const svc = sequentialValueCorrection(kept, start, { now: () => 0, deadline: 1, types: support });
      expect(result.cost).toBeLessThanOrEqual(solutionCost(kept, svc?.bins ?? []) + 1e-9);
    } finally {
      knapsackLp.dispose();
    }
  }, 60_000);

  it('falls back to the greedy on resource values when the fluid gives nothing', async () => {
    // The master and the knapsack LP get their models; the fluid's HiGHS model fails.
    let models = 0;
    const failing = new Proxy(highs, {
      get(target, property) {
        if (property === 'createModel')
          return (...args: Parameters<typeof highs.createModel>) => {
            models++;
            if (models > 2) throw new Error('no model left');
            return target.createModel(...args);
          };
        const value = Reflect.get(target, property, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const result = await solveVectorPacking(p, { highs: failing, ...options });
    expect(result.stats.lpError).toBe('no model left');
    expect(checkSolution(p, result.bins)).toBeUndefined();
    expect(result.stats.origin).toBe('greedy');
    const greedy = costAwareGreedy(kept, resourceValues(kept));
    expect(result.stats.greedyCost).toBeLessThanOrEqual(solutionCost(kept, greedy) + 1e-9);
    expect(result.cost).toBeLessThan(result.stats.ffdCost);
  }, 60_000);
});
