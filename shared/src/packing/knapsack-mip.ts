/**
 * Exact pricing for the converged LP (converged-lp.ts): the integer knapsack of one bin type,
 *
 *   max profit . a   s.t.  sum_i a_i size_i <= capacity_b (every dimension),  a_i in {0 .. cap_i}
 *
 * solved by HiGHS' branch and cut. Cluster knapsacks (3-4 dimensions, a few dozen classes, hundreds of
 * pods per large node) are beyond our own branch and bound's node budget but take HiGHS milliseconds.
 * Only the benchmark's long convergence run uses it: within the packer's budget the knapsack LP bound
 * (knapsack-lp.ts) stays the cheaper choice (ADR 0008, 0041).
 *
 * The pattern returned is checked here in exact arithmetic; the upper bound is HiGHS' proven dual bound
 * with a relative margin for its tolerances, and never above the knapsack LP's bound when one is given.
 */
import type { Highs } from './highs';
import { itemCap } from './knapsack';
import { classCount, type VectorProblem } from './vector';

export interface KnapsackMipResult {
  readonly value: number;
  readonly classes: number[];
  readonly counts: number[];
  /** Upper bound on the knapsack optimum. */
  readonly upperBound: number;
  /** HiGHS proved the pattern optimal (within 1e-9 relative). */
  readonly complete: boolean;
}

export function solveKnapsackMip(
  highs: Highs,
  p: VectorProblem,
  b: number,
  profit: ArrayLike<number>,
  maxCount: ArrayLike<number>,
  timeLimitSeconds: number,
): KnapsackMipResult | undefined {
  const m = classCount(p);
  const d = p.dims;
  const items: number[] = [];
  for (let i = 0; i < m; i++)
    if ((profit[i] ?? 0) > 0 && p.compatible[b * m + i] === 1 && itemCap(p, b, i, maxCount[i] ?? 0) > 0)
      items.push(i);
  if (items.length === 0) return { value: 0, classes: [], counts: [], upperBound: 0, complete: true };
  const n = items.length;
  const starts = new Int32Array(n + 1);
  const indices: number[] = [];
  const values: number[] = [];
  for (const [j, i] of items.entries()) {
    for (let k = 0; k < d; k++) {
      const w = p.sizes[i * d + k] ?? 0;
      if (w > 0) {
        indices.push(k);
        values.push(w);
      }
    }
    starts[j + 1] = indices.length;
  }
  const model = highs.createModel({
    numCols: n,
    numRows: d,
    sense: highs.constants.objectiveSense.maximize,
    colCost: Float64Array.from(items, (i) => profit[i] ?? 0),
    colLower: new Float64Array(n),
    colUpper: Float64Array.from(items, (i) => itemCap(p, b, i, maxCount[i] ?? 0)),
    rowLower: new Float64Array(d).fill(-highs.infinity),
    rowUpper: Float64Array.from(p.capacities.subarray(b * d, b * d + d)),
    matrix: {
      format: 'csc',
      numRows: d,
      numCols: n,
      starts,
      indices: Int32Array.from(indices),
      values: Float64Array.from(values),
    },
    integrality: new Int32Array(n).fill(highs.constants.variableType.integer),
  });
  try {
    model.options.set({
      output_flag: false,
      mip_rel_gap: 1e-9,
      mip_abs_gap: 1e-12,
      time_limit: Math.max(0.01, timeLimitSeconds),
      random_seed: 1,
    });
    model.run();
    const status = model.getModelStatus();
    const dual = model.info.get('mip_dual_bound');
    const dualBound = typeof dual === 'number' ? dual : Number.NaN;
    if (!Number.isFinite(dualBound)) return undefined;
    const x = model.getSolution().colValue;
    const classes: number[] = [];
    const counts: number[] = [];
    const load = new Float64Array(d);
    let value = 0;
    for (const [j, i] of items.entries()) {
      const c = Math.max(0, Math.round(x[j] ?? 0));
      if (c === 0) continue;
      classes.push(i);
      counts.push(c);
      value += c * (profit[i] ?? 0);
      for (let k = 0; k < d; k++) load[k] = (load[k] ?? 0) + c * (p.sizes[i * d + k] ?? 0);
    }
    const feasible = load.every((l, k) => l <= (p.capacities[b * d + k] ?? 0));
    // HiGHS works to feasibility tolerances of ~1e-7: the margin keeps its dual bound an upper bound.
    const upperBound = Math.max(feasible ? value : 0, dualBound * (1 + 1e-6) + 1e-9);
    return {
      value: feasible ? value : 0,
      classes: feasible ? classes : [],
      counts: feasible ? counts : [],
      upperBound,
      complete: feasible && status === highs.constants.modelStatus.optimal,
    };
  } finally {
    model.dispose();
  }
}
