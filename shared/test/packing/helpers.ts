import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { parseTrace, traceCluster } from '../../src/packing/benchmark/trace-cluster';
import { solveFluidRelaxation } from '../../src/packing/fluid';
import { costAwareGreedy, resourceValues } from '../../src/packing/heuristics';
import type { Highs } from '../../src/packing/highs';
import { KnapsackLpBound } from '../../src/packing/knapsack-lp';
import { pack } from '../../src/packing/pack';
import { parsePackingProblem } from '../../src/packing/problem';
import { removeDominatedBinTypes } from '../../src/packing/solve';
import type { PackedBin, VectorProblem } from '../../src/packing/vector';

/** A vector problem from plain arrays (classes x dims sizes, types x dims capacities). */
export function vectorProblem(input: {
  sizes: number[][];
  demand: number[];
  capacities: number[][];
  costs: number[];
  compatible?: number[][];
  minBins?: number;
  maxPerBin?: number[];
}): VectorProblem {
  const dims = input.capacities[0]?.length ?? input.sizes[0]?.length ?? 1;
  const m = input.demand.length;
  return {
    dims,
    sizes: Float64Array.from(input.sizes.flat()),
    demand: Int32Array.from(input.demand),
    capacities: Float64Array.from(input.capacities.flat()),
    costs: Float64Array.from(input.costs),
    compatible: Uint8Array.from(
      input.compatible?.flat() ?? new Array<number>(input.costs.length * m).fill(1),
    ),
    minBins: input.minBins ?? 0,
    ...(input.maxPerBin ? { maxPerBin: Int32Array.from(input.maxPerBin) } : {}),
  };
}

/**
 * Exact optimum by exhaustive search (tiny problems only): copies are placed one by one into an open bin
 * or a new bin of any type; bins may later be changed to any type that holds them, which the search
 * covers by choosing the type when a bin opens.
 */
export function bruteForceOptimum(p: VectorProblem): number {
  const d = p.dims;
  const m = p.demand.length;
  const items: number[] = [];
  for (let i = 0; i < m; i++) for (let c = 0; c < (p.demand[i] ?? 0); c++) items.push(i);
  const bins: { type: number; load: number[]; counts: number[] }[] = [];
  const capOf = (i: number) => p.maxPerBin?.[i] ?? Number.POSITIVE_INFINITY;
  let best = Number.POSITIVE_INFINITY;
  const fits = (type: number, load: number[], i: number) => {
    if (p.compatible[type * m + i] !== 1) return false;
    for (let k = 0; k < d; k++)
      if ((load[k] ?? 0) + (p.sizes[i * d + k] ?? 0) > (p.capacities[type * d + k] ?? 0)) return false;
    return true;
  };
  const cheapest = Math.min(...p.costs);
  const place = (n: number, cost: number) => {
    if (cost >= best) return;
    if (n === items.length) {
      const extra = Math.max(0, p.minBins - bins.length) * cheapest;
      best = Math.min(best, cost + extra);
      return;
    }
    const i = items[n] ?? 0;
    for (const bin of bins) {
      if (!fits(bin.type, bin.load, i) || (bin.counts[i] ?? 0) >= capOf(i)) continue;
      for (let k = 0; k < d; k++) bin.load[k] = (bin.load[k] ?? 0) + (p.sizes[i * d + k] ?? 0);
      bin.counts[i] = (bin.counts[i] ?? 0) + 1;
      place(n + 1, cost);
      bin.counts[i] = (bin.counts[i] ?? 0) - 1;
      for (let k = 0; k < d; k++) bin.load[k] = (bin.load[k] ?? 0) - (p.sizes[i * d + k] ?? 0);
    }
    for (let type = 0; type < p.costs.length; type++) {
      const load = new Array<number>(d).fill(0);
      if (!fits(type, load, i)) continue;
      for (let k = 0; k < d; k++) load[k] = p.sizes[i * d + k] ?? 0;
      const counts = new Array<number>(m).fill(0);
      counts[i] = 1;
      bins.push({ type, load, counts });
      place(n + 1, cost + (p.costs[type] ?? 0));
      bins.pop();
    }
  };
  place(0, 0);
  return best;
}

/** Total copies per class in a list of bins. */
export function placedCounts(m: number, bins: readonly PackedBin[]): number[] {
  const counts = new Array<number>(m).fill(0);
  for (const bin of bins)
    for (let j = 0; j < bin.classes.length; j++)
      counts[bin.classes[j] ?? 0] = (counts[bin.classes[j] ?? 0] ?? 0) + (bin.counts[j] ?? 0);
  return counts;
}

/**
 * A 1,000-pod Bitbrains trace cluster (seed 7: z_LP $20.924/h; seed 10: $22.508/h) as the solver sees
 * it (`vector`), and with dominated types dropped (`p`).
 */
export async function bitbrainsTraceProblem(
  highs: Highs,
  seed = 7,
): Promise<{ vector: VectorProblem; p: VectorProblem }> {
  const csv = gunzipSync(
    readFileSync(
      fileURLToPath(
        new URL('../../data/vm_utilization/bitbrains_rnd_2013-08_hourly_100vms.csv.gz', import.meta.url),
      ),
    ),
  ).toString('utf8');
  let vector: VectorProblem | undefined;
  const problem = parsePackingProblem(traceCluster(parseTrace(csv), { pods: 1000, seed }));
  await pack(problem, { highs, timeLimitMs: 200, onBoundProblem: (v) => (vector = v) });
  if (!vector) throw new Error('no vector problem');
  return { vector, p: removeDominatedBinTypes(vector).problem };
}

/** The fluid relaxation's duals and the cost-aware greedy valued by them (as solve.ts computes them). */
export function fluidDualGreedy(
  highs: Highs,
  p: VectorProblem,
): { duals: Float64Array; greedy: PackedBin[] } {
  const knapsackLp = new KnapsackLpBound(highs, p);
  try {
    const fluid = solveFluidRelaxation(highs, p, knapsackLp, {
      now: () => performance.now(),
      deadline: performance.now() + 60_000,
    });
    if (!fluid) throw new Error('no fluid solution');
    const resource = resourceValues(p);
    const values = Float64Array.from(fluid.duals, (v, i) => v + 1e-6 * (resource[i] ?? 0));
    return { duals: fluid.duals, greedy: costAwareGreedy(p, values) };
  } finally {
    knapsackLp.dispose();
  }
}
