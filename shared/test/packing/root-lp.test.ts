import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { podsPerNode } from '../../src/packing/colgen';
import { convergedLp } from '../../src/packing/converged-lp';
import { loadHighs } from '../../src/packing/highs';
import { itemCap, solveKnapsack } from '../../src/packing/knapsack';
import { KnapsackLpBound } from '../../src/packing/knapsack-lp';
import { solveVectorPacking } from '../../src/packing/solve';
import { checkSolution, solutionCost, type VectorProblem } from '../../src/packing/vector';
import { vectorProblem } from './helpers';

const highs = await loadHighs();

/** Best value of a bounded knapsack by enumeration (tiny inputs): counts 0..limit_i within `room`. */
function enumerate(p: VectorProblem, profit: number[], limit: number[], room: number[]): number {
  const d = p.dims;
  let best = 0;
  const walk = (i: number, load: number[], value: number) => {
    if (load.some((l, k) => l > (room[k] ?? 0) + 1e-9)) return;
    if (i === profit.length) {
      best = Math.max(best, value);
      return;
    }
    for (let c = 0; c <= (limit[i] ?? 0); c++)
      walk(
        i + 1,
        load.map((l, k) => l + c * (p.sizes[i * d + k] ?? 0)),
        value + c * (profit[i] ?? 0),
      );
  };
  walk(0, new Array<number>(d).fill(0), 0);
  return best;
}

/** Whether a sparse pattern fits `room`, holds at most `limit` copies of each class and only accepted ones. */
function fits(
  p: VectorProblem,
  b: number,
  pattern: { classes: readonly number[]; counts: readonly number[] },
  limit: ArrayLike<number>,
  room: ArrayLike<number>,
): boolean {
  const d = p.dims;
  const m = p.demand.length;
  const load = new Array<number>(d).fill(0);
  for (let j = 0; j < pattern.classes.length; j++) {
    const i = pattern.classes[j] ?? 0;
    const c = pattern.counts[j] ?? 0;
    if (c <= 0 || c > (limit[i] ?? 0) || p.compatible[b * m + i] !== 1) return false;
    for (let k = 0; k < d; k++) load[k] = (load[k] ?? 0) + c * (p.sizes[i * d + k] ?? 0);
  }
  return load.every((l, k) => l <= (room[k] ?? 0) + 1e-9);
}

/** One node type, 2-4 classes of 2 dimensions, profits in tenths. */
const knapsackCase = fc.record({
  sizes: fc.array(fc.tuple(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 9 })), {
    minLength: 2,
    maxLength: 4,
  }),
  capacity: fc.tuple(fc.integer({ min: 5, max: 30 }), fc.integer({ min: 5, max: 30 })),
  profits: fc.array(fc.integer({ min: 0, max: 20 }), { minLength: 4, maxLength: 4 }),
  demand: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 4, maxLength: 4 }),
  blocked: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
  used: fc.tuple(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 100 })),
});

type KnapsackCase = typeof knapsackCase extends fc.Arbitrary<infer T> ? T : never;

const knapsackOf = (c: KnapsackCase) => {
  const m = c.sizes.length;
  const p = vectorProblem({
    sizes: c.sizes.map(([a, b]) => [a, b]),
    demand: c.demand.slice(0, m),
    capacities: [[c.capacity[0], c.capacity[1]]],
    costs: [1],
    // Class 0 is always accepted, so no case is empty.
    compatible: [c.blocked.slice(0, m).map((x, i) => (x && i > 0 ? 0 : 1))],
  });
  return { p, profit: c.profits.slice(0, m).map((v) => v / 10) };
};

describe('root column generation (issue 18: the root LP on large clusters)', () => {
  it('counts the pods a node holds from the classes it accepts, whatever other types have (GPUs)', () => {
    // CPU, memory, pod slots, GPUs: type 0 has no GPU, type 1 has one. The GPU class cannot go on type
    // 0, which must not make type 0 "hold no pods" (it holds 30 of the small class).
    const p = vectorProblem({
      sizes: [
        [100, 100, 1, 0],
        [500, 400, 1, 0],
        [1000, 1000, 1, 1],
      ],
      demand: [50, 10, 2],
      capacities: [
        [3000, 8000, 110, 0],
        [4000, 16000, 58, 1],
      ],
      costs: [1, 3],
      compatible: [
        [1, 1, 0],
        [1, 1, 1],
      ],
    });
    expect(podsPerNode(p, 0)).toBe(30);
    expect(podsPerNode(p, 1)).toBe(40);
  });

  it('a knapsack over the room a partial pattern leaves fits that room and, when complete, is optimal', () => {
    fc.assert(
      fc.property(knapsackCase, (c) => {
        const { p, profit } = knapsackOf(c);
        // Room: a share of the capacity, as left by copies already placed.
        const room = [
          Math.floor((c.capacity[0] * (100 - c.used[0])) / 100),
          Math.floor((c.capacity[1] * (100 - c.used[1])) / 100),
        ];
        const result = solveKnapsack(p, 0, profit, p.demand, {
          threshold: 0,
          nodeLimit: 10_000,
          capacity: room,
        });
        expect(fits(p, 0, result, p.demand, room)).toBe(result.classes.length > 0 || result.value === 0);
        const limit = Array.from(p.demand, (dm, i) => (p.compatible[i] === 1 ? dm : 0));
        const best = enumerate(p, profit, limit, room);
        expect(result.upperBound).toBeGreaterThanOrEqual(best - 1e-9);
        if (result.complete) expect(result.value).toBeCloseTo(best, 9);
      }),
      { numRuns: 200, seed: 83 },
    );
  });

  it('the refilled LP rounding is a feasible pattern, no worse than the plain one, under the LP bound', () => {
    fc.assert(
      fc.property(knapsackCase, (c) => {
        const { p, profit } = knapsackOf(c);
        const lp = new KnapsackLpBound(highs, p);
        try {
          const plain = lp.solve(0, profit, p.demand);
          const refilled = lp.solve(0, profit, p.demand, true, true);
          expect(plain && refilled).toBeTruthy();
          if (!plain || !refilled) return;
          const limit = Array.from({ length: p.demand.length }, (_, i) => itemCap(p, 0, i, p.demand[i] ?? 0));
          expect(fits(p, 0, refilled, limit, p.capacities)).toBe(true);
          let value = 0;
          for (let j = 0; j < refilled.classes.length; j++)
            value += (refilled.counts[j] ?? 0) * (profit[refilled.classes[j] ?? 0] ?? 0);
          expect(refilled.value).toBeCloseTo(value, 9);
          expect(refilled.value).toBeGreaterThanOrEqual(plain.value - 1e-9);
          const best = enumerate(
            p,
            profit,
            limit.map((l, i) => (p.compatible[i] === 1 ? l : 0)),
            Array.from(p.capacities),
          );
          expect(refilled.value).toBeLessThanOrEqual(best + 1e-9);
          expect(refilled.upperBound).toBeGreaterThanOrEqual(best - 1e-9);
        } finally {
          lp.dispose();
        }
      }),
      { numRuns: 150, seed: 84 },
    );
  });

  /**
   * Cluster-like problems on the path the fix opened: more than three node types, a GPU dimension that
   * most types have none of, nodes holding dozens of pods (knapsack-LP pricing and its refill).
   */
  const clusterLike = fc
    .record({
      classes: fc.array(
        fc.record({
          cpu: fc.integer({ min: 1, max: 8 }),
          memory: fc.integer({ min: 1, max: 8 }),
          gpu: fc.integer({ min: 0, max: 3 }),
          demand: fc.integer({ min: 1, max: 40 }),
        }),
        { minLength: 2, maxLength: 6 },
      ),
      types: fc.array(
        fc.record({
          cpu: fc.integer({ min: 20, max: 120 }),
          memory: fc.integer({ min: 20, max: 120 }),
          gpu: fc.boolean(),
          price: fc.integer({ min: 5, max: 60 }),
        }),
        { minLength: 4, maxLength: 7 },
      ),
    })
    .map(({ classes, types }) => {
      // A GPU class needs a GPU type; the first type always has one, so every class fits somewhere.
      const gpu = (t: number) => t === 0 || types[t]?.gpu === true;
      return vectorProblem({
        sizes: classes.map((c) => [c.cpu, c.memory, 1, c.gpu === 3 ? 1 : 0]),
        demand: classes.map((c) => c.demand),
        capacities: types.map((t, n) => [Math.max(t.cpu, 8), Math.max(t.memory, 8), 110, gpu(n) ? 4 : 0]),
        costs: types.map((t, n) => t.price / 7 + (gpu(n) ? 3 : 0)),
      });
    });

  it('plans stay valid and the bound stays below the converged LP on cluster-like problems', async () => {
    await fc.assert(
      fc.asyncProperty(clusterLike, async (p) => {
        const packed = await solveVectorPacking(p, { highs, timeLimitMs: 1500 });
        expect(
          checkSolution(
            p,
            packed.bins.map((b) => ({ ...b })),
          ),
        ).toBeUndefined();
        expect(packed.cost).toBeCloseTo(solutionCost(p, packed.bins), 9);
        expect(packed.lowerBound).toBeLessThanOrEqual(packed.cost * (1 + 1e-9));
        // z_LP <= the converged restricted master's value, and every valid bound is <= z_LP.
        const lp = await convergedLp(p, { highs, timeLimitMs: 10_000 });
        expect(packed.lowerBound).toBeLessThanOrEqual(lp.upper * (1 + 1e-9) + 1e-9);
        expect(lp.lower).toBeLessThanOrEqual(packed.cost * (1 + 1e-9));
      }),
      { numRuns: 25, seed: 85 },
    );
  }, 240_000);
});
