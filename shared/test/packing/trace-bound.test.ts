import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { convergedLp } from '../../src/packing/converged-lp';
import { loadHighs } from '../../src/packing/highs';
import { solveVectorPacking } from '../../src/packing/solve';
import { sequentialValueCorrection } from '../../src/packing/value-correction';
import { checkSolution, solutionCost } from '../../src/packing/vector';
import { bitbrainsTraceProblem, bruteForceOptimum, fluidDualGreedy, vectorProblem } from './helpers';

const highs = await loadHighs();

/**
 * Trace-like problems (ADR 0091): many small classes of a few copies each on several node types of
 * different shapes and prices, sizes on the trace's 50 m / 128 MiB grid (here 1 and 1 units).
 */
const traceLike = fc
  .record({
    sizes: fc.array(fc.tuple(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 8 })), {
      minLength: 3,
      maxLength: 6,
    }),
    demand: fc.array(fc.integer({ min: 1, max: 2 }), { minLength: 6, maxLength: 6 }),
    shapes: fc.array(
      fc.tuple(
        fc.integer({ min: 8, max: 16 }),
        fc.integer({ min: 8, max: 16 }),
        fc.integer({ min: 3, max: 40 }),
      ),
      { minLength: 2, maxLength: 4 },
    ),
  })
  .map(({ sizes, demand, shapes }) =>
    vectorProblem({
      sizes: sizes.map(([c, m]) => [c, m]),
      // Type 0 holds every class, so every problem is feasible; prices are not integers (no rounding).
      capacities: [[16, 16], ...shapes.map(([c, m]) => [c, m])],
      costs: [2.05, ...shapes.map(([c, m, price]) => ((c + m) * price) / 400 + 0.013)],
      demand: demand.slice(0, sizes.length),
    }),
  );

describe('the bound on trace-like clusters (ADR 0091)', () => {
  it('the converged LP closes on the same value with and without its warm phase, never above the optimum', async () => {
    await fc.assert(
      fc.asyncProperty(traceLike, async (p) => {
        const bounds: number[] = [];
        const warm = await convergedLp(p, {
          highs,
          timeLimitMs: 20_000,
          onIterationBound: (b) => bounds.push(b),
        });
        const cold = await convergedLp(p, { highs, timeLimitMs: 20_000, warmStart: false });
        // Both brackets close (proven, or within the default relative gap of 1e-4) on the same z_LP:
        // the warm phase changes how it is reached, not what.
        for (const lp of [warm, cold])
          expect(lp.upper - lp.lower).toBeLessThanOrEqual(1e-4 * lp.upper + 1e-9);
        expect(warm.lower).toBeLessThanOrEqual(cold.upper * (1 + 1e-9) + 1e-9);
        expect(cold.lower).toBeLessThanOrEqual(warm.upper * (1 + 1e-9) + 1e-9);
        // Every Farley bound of the warm phase, and the bracket's lower end, is a valid lower bound.
        const optimum = bruteForceOptimum(p);
        for (const bound of bounds) expect(bound).toBeLessThanOrEqual(optimum * (1 + 1e-9) + 1e-9);
        expect(warm.lower).toBeLessThanOrEqual(optimum * (1 + 1e-9) + 1e-9);
      }),
      { numRuns: 40, seed: 91 },
    );
  }, 180_000);
});

describe('the plan on the Bitbrains trace (ADR 0091)', () => {
  it('a trace cluster gets a plan no dearer than the fluid-dual greedy even when the LP phases barely run', async () => {
    const { vector, p } = await bitbrainsTraceProblem(highs);
    const greedy = solutionCost(p, fluidDualGreedy(highs, p).greedy);
    // One root iteration, no dive, no MIP, no repacking: without the fluid-dual greedy as a
    // candidate the plan comes from the first greedies or the LP greedy of an unconverged root.
    const packed = await solveVectorPacking(vector, {
      highs,
      timeLimitMs: 60_000,
      maxIterations: 1,
      diveIterations: 0,
      repackRounds: 0,
      restrictedMip: false,
    });
    expect(packed.cost).toBeLessThanOrEqual(greedy + 1e-9);
    expect(packed.cost).toBeLessThan(packed.stats.greedyCost - 1e-9);
  }, 120_000);
});

describe('sequential value correction on the Bitbrains trace (ADR 0095)', () => {
  it('from the fluid duals it packs within 1.5 % of z_LP, well below the fluid-dual greedy, and so does the solver', async () => {
    const { vector, p } = await bitbrainsTraceProblem(highs);
    const { duals, greedy: greedyPlan } = fluidDualGreedy(highs, p);
    const greedy = solutionCost(p, greedyPlan);
    // A frozen clock: the 32 passes decide, not the machine.
    const svc = sequentialValueCorrection(p, duals, { now: () => 0, deadline: 1 });
    if (!svc) throw new Error('no plan');
    expect(checkSolution(p, svc.bins)).toBeUndefined();
    expect(svc.passCosts).toHaveLength(32);
    const cost = solutionCost(p, svc.bins);
    // Measured: $21.14/h against the converged LP's $20.924/h (ADR 0091) and a greedy of $22.31/h.
    expect(cost).toBeLessThanOrEqual(1.015 * 20.924);
    expect(cost).toBeLessThan(0.97 * greedy);
    // The solver runs it (369 classes on about 65 nodes; its fluid duals, hence its passes, may differ
    // from these in the last digits) and its plan is as close to z_LP; without SVC these settings give
    // the greedy's plan or worse (the test above).
    const packed = await solveVectorPacking(vector, {
      highs,
      timeLimitMs: 60_000,
      maxIterations: 1,
      diveIterations: 0,
      repackRounds: 0,
      restrictedMip: false,
    });
    expect(packed.cost).toBeLessThanOrEqual(1.015 * 20.924);
  }, 120_000);
});
