/**
 * The fluid (assignment) relaxation: pods may be split across nodes and nodes bought fractionally.
 *
 *   min sum_o cost_o n_o
 *   s.t. sum_o y_oi >= demand_i                          (every class placed; dual pi_i >= 0)
 *        sum_i size_ik y_oi <= capacity_ok n_o           (each option's capacity, every dimension)
 *        sum_o n_o >= minBins
 *        y_oi = 0 where class i may not or cannot go on option o;  y, n >= 0
 *
 * One compact LP (options x classes variables) instead of column generation. Its duals pi are feasible
 * for the pattern LP's dual (for any pattern a of option o, pi . a <= sum_k rho_ok (size . a)_k <=
 * sum_k rho_ok capacity_ok <= cost_o), so they feed the Farley bound directly; with hundreds of pods per
 * node the bound is within a fraction of a percent of the pattern LP. Its primal, rounded per option,
 * is a strong starting plan for large clusters.
 */
import type { TimeBudget } from './colgen';
import { costAwareGreedy, firstFitDecreasing, type HeuristicDeadline } from './heuristics';
import type { Highs } from './highs';
import { fractionalBound, knapsackDualBound, profitOrders, surrogateWeights } from './knapsack';
import type { KnapsackLpBound } from './knapsack-lp';
import { classCount, fitsEmpty, type PackedBin, type VectorProblem } from './vector';

export interface FluidSolution {
  /** Class duals (clipped at 0) and the minimum-bin dual. */
  readonly duals: Float64Array;
  readonly mu: number;
  /** The LP objective as reported (not a proven bound by itself). */
  readonly objective: number;
  /** Proven lower bound: the Farley bound at these duals (colgen.ts `farleyLowerBound`). */
  readonly lowerBound: number;
  /** Per option, per class: pods assigned (fractional). */
  readonly assignment: Map<number, Map<number, number>>;
}

/** Copies of class i an empty node of option o holds (capacity only). */
function copiesPerNode(p: VectorProblem, o: number, i: number): number {
  let copies = Number.POSITIVE_INFINITY;
  for (let k = 0; k < p.dims; k++) {
    const w = p.sizes[i * p.dims + k] ?? 0;
    if (w > 0) copies = Math.min(copies, Math.floor((p.capacities[o * p.dims + k] ?? 0) / w));
  }
  return copies;
}

/**
 * Solves the fluid relaxation by generating its columns: it starts from each class's cheapest options
 * (by cost per copy on an otherwise empty node) and adds every option whose pricing (the knapsack LP, as
 * in `farleyLowerBound`) shows a negative reduced cost, until none does. Whatever round it stops at, the
 * bound it reports is the Farley bound at the current duals, valid for the full problem.
 */
export function solveFluidRelaxation(
  highs: Highs,
  p: VectorProblem,
  knapsackLp: KnapsackLpBound,
  budget: TimeBudget & {
    /**
     * Point past which no LP solve may run (HiGHS gets the time left as its limit; a solve it stops is
     * dropped, with the rounds before it kept). The restricted LP is one call that the budget's deadline
     * cannot interrupt: on hundreds of classes x options one takes seconds.
     */
    readonly lpDeadline?: number;
  },
  maxRounds = 4,
): FluidSolution | undefined {
  const m = classCount(p);
  const types = p.costs.length;
  const included = new Uint8Array(types);
  for (let i = 0; i < m; i++) {
    const ranked: [number, number][] = [];
    for (let o = 0; o < types; o++)
      if (fitsEmpty(p, o, i)) ranked.push([o, (p.costs[o] ?? 0) / Math.min(copiesPerNode(p, o, i), 1e9)]);
    ranked.sort((a, b) => a[1] - b[1] || a[0] - b[0]);
    for (const [o] of ranked.slice(0, 8)) included[o] = 1;
  }
  let result: FluidSolution | undefined;
  for (let round = 0; round < maxRounds; round++) {
    const lpMs = budget.lpDeadline === undefined ? undefined : budget.lpDeadline - budget.now();
    if (lpMs !== undefined && lpMs <= 0) return result;
    const solved = solveRestrictedFluid(highs, p, included, lpMs);
    if (!solved) return result;
    // Pricing of the options left out: the knapsack LP. Each value also bounds that option in kappa.
    const excludedBound = new Map<number, number>();
    for (let o = 0; o < types && budget.now() <= budget.deadline; o++) {
      if (included[o] === 1) continue;
      const lp = knapsackLp.bound(o, solved.duals, p.demand);
      if (lp !== undefined) excludedBound.set(o, lp);
    }
    result = { ...solved, lowerBound: fluidFarleyBound(p, solved, included, excludedBound) };
    let added = 0;
    for (const [o, lp] of excludedBound)
      if (lp + solved.mu > (p.costs[o] ?? 0) * (1 + 1e-7)) {
        included[o] = 1;
        added++;
      }
    if (added === 0 || budget.now() > budget.deadline) break;
  }
  return result;
}

/**
 * The Farley bound at the fluid duals, cheaply: for an option in the LP, its own capacity duals rho_o
 * are multipliers for `knapsackDualBound` (no solve needed); for an option left out, the knapsack LP
 * value computed while pricing it, else the fractional bound. Every one is a valid upper bound, so the
 * result is valid whatever the LP's accuracy.
 */
function fluidFarleyBound(
  p: VectorProblem,
  solved: Omit<FluidSolution, 'lowerBound'> & { capacityDuals: Map<number, number[]> },
  included: Uint8Array,
  excludedBound: ReadonlyMap<number, number>,
): number {
  const { duals, mu } = solved;
  const lambda = surrogateWeights(p);
  const orders = profitOrders(p, duals, lambda);
  // Resource prices of the options in the LP, as nonnegative multipliers (either sign convention).
  const prices: number[][] = [];
  for (const rho of solved.capacityDuals.values())
    for (const sign of [1, -1]) {
      const lambdaK = rho.map((v) => Math.max(0, sign * v));
      if (lambdaK.some((v) => v > 0)) prices.push(lambdaK);
    }
  let kappa = 1;
  for (let o = 0; o < p.costs.length; o++) {
    const cost = p.costs[o] ?? 1;
    let upper = fractionalBound(p, o, duals, p.demand, orders, lambda);
    const threshold = cost - mu;
    if (upper > threshold) {
      const rho = solved.capacityDuals.get(o);
      const own = included[o] === 1 && rho ? [rho, rho.map((v) => -v)] : [];
      const lp = excludedBound.get(o);
      if (lp !== undefined) upper = Math.min(upper, lp);
      // Its own prices first; otherwise any option's prices are valid multipliers too.
      for (const multipliers of [...own, ...(lp === undefined ? prices : [])]) {
        upper = Math.min(upper, knapsackDualBound(p, o, duals, p.demand, multipliers));
        if (upper <= threshold * (1 + 1e-9)) break;
      }
    }
    kappa = Math.max(kappa, (upper + mu) / cost);
  }
  let value = p.minBins * mu;
  for (let i = 0; i < classCount(p); i++) value += (p.demand[i] ?? 0) * (duals[i] ?? 0);
  return (value / kappa) * (1 - 1e-9);
}

function solveRestrictedFluid(
  highs: Highs,
  p: VectorProblem,
  included: Uint8Array,
  timeLimitMs?: number,
): (Omit<FluidSolution, 'lowerBound'> & { capacityDuals: Map<number, number[]> }) | undefined {
  const m = classCount(p);
  const d = p.dims;
  const options: number[] = [];
  for (let o = 0; o < p.costs.length; o++) if (included[o] === 1) options.push(o);
  const types = options.length;
  // Columns: n_o for every included option, then y_oi for every allowed pair.
  const pairs: [number, number][] = [];
  for (const [t, o] of options.entries())
    for (let i = 0; i < m; i++) if (fitsEmpty(p, o, i)) pairs.push([t, i]);
  const numCols = types + pairs.length;
  // Rows: m demand rows, types x d capacity rows, 1 minimum-bin row.
  const numRows = m + types * d + 1;
  const starts = new Int32Array(numCols + 1);
  const indices: number[] = [];
  const values: number[] = [];
  for (const [t, o] of options.entries()) {
    for (let k = 0; k < d; k++) {
      const c = p.capacities[o * d + k] ?? 0;
      if (c > 0) {
        indices.push(m + t * d + k);
        values.push(-c);
      }
    }
    indices.push(m + types * d);
    values.push(1);
    starts[t + 1] = indices.length;
  }
  for (const [n, [t, i]] of pairs.entries()) {
    indices.push(i);
    values.push(1);
    for (let k = 0; k < d; k++) {
      const w = p.sizes[i * d + k] ?? 0;
      if (w > 0) {
        indices.push(m + t * d + k);
        values.push(w);
      }
    }
    starts[types + n + 1] = indices.length;
  }
  const rowLower = new Float64Array(numRows).fill(-highs.infinity);
  const rowUpper = new Float64Array(numRows);
  for (let i = 0; i < m; i++) {
    rowLower[i] = p.demand[i] ?? 0;
    rowUpper[i] = highs.infinity;
  }
  rowLower[numRows - 1] = p.minBins;
  rowUpper[numRows - 1] = highs.infinity;
  const colCost = new Float64Array(numCols);
  for (const [t, o] of options.entries()) colCost[t] = p.costs[o] ?? 0;
  const model = highs.createModel({
    numCols,
    numRows,
    colCost,
    colLower: new Float64Array(numCols),
    colUpper: new Float64Array(numCols).fill(highs.infinity),
    rowLower,
    rowUpper,
    matrix: {
      format: 'csc',
      numRows,
      numCols,
      starts,
      indices: Int32Array.from(indices),
      values: Float64Array.from(values),
    },
  });
  try {
    model.options.set({
      output_flag: false,
      ...(timeLimitMs !== undefined ? { time_limit: Math.max(0.01, timeLimitMs / 1000) } : {}),
    });
    model.run();
    if (model.getModelStatus() !== highs.constants.modelStatus.optimal) return undefined;
    const solution = model.getSolution();
    const duals = new Float64Array(m);
    for (let i = 0; i < m; i++) duals[i] = Math.max(0, solution.rowDual[i] ?? 0);
    const assignment = new Map<number, Map<number, number>>();
    for (const [n, [t, i]] of pairs.entries()) {
      const y = solution.colValue[types + n] ?? 0;
      if (y <= 1e-9) continue;
      const o = options[t] ?? 0;
      let row = assignment.get(o);
      if (!row) {
        row = new Map();
        assignment.set(o, row);
      }
      row.set(i, y);
    }
    const capacityDuals = new Map<number, number[]>();
    for (const [t, o] of options.entries())
      capacityDuals.set(
        o,
        Array.from({ length: d }, (_, k) => solution.rowDual[m + t * d + k] ?? 0),
      );
    return {
      duals,
      mu: Math.max(0, solution.rowDual[numRows - 1] ?? 0),
      objective: model.getObjectiveValue(),
      assignment,
      capacityDuals,
    };
  } finally {
    model.dispose();
  }
}

/**
 * A plan from the fluid solution: each option packs the whole pods the LP gave it (rounded down) into
 * nodes of that option by first fit decreasing; the pods left by rounding are packed by first fit
 * decreasing over all options. The caller improves it further (local search).
 */
export function roundFluidSolution(
  p: VectorProblem,
  fluid: FluidSolution,
  limit?: HeuristicDeadline,
): PackedBin[] {
  const m = classCount(p);
  const remaining = Int32Array.from(p.demand);
  const bins: PackedBin[] = [];
  const options = [...fluid.assignment.keys()].sort((a, b) => a - b);
  for (const o of options) {
    const row = fluid.assignment.get(o) ?? new Map<number, number>();
    const demand = new Int32Array(m);
    for (const [i, y] of row) {
      const take = Math.min(remaining[i] ?? 0, Math.floor(y + 1e-6));
      demand[i] = take;
      remaining[i] = (remaining[i] ?? 0) - take;
    }
    if (demand.every((v) => v === 0)) continue;
    // Single-option subproblem: the same classes, only option o.
    const single: VectorProblem = {
      ...p,
      capacities: p.capacities.subarray(o * p.dims, o * p.dims + p.dims),
      costs: Float64Array.of(p.costs[o] ?? 0),
      compatible: p.compatible.subarray(o * m, o * m + m),
      minBins: 0,
    };
    const packed = firstFitDecreasing(single, demand);
    // The option's last node is usually part-filled (the LP bought a fraction of it): its pods join the
    // leftovers, packed below across all options.
    const last = packed.length > 1 ? packed.pop() : undefined;
    if (last)
      for (let j = 0; j < last.classes.length; j++)
        remaining[last.classes[j] ?? 0] = (remaining[last.classes[j] ?? 0] ?? 0) + (last.counts[j] ?? 0);
    for (const bin of packed) bins.push({ ...bin, type: o });
  }
  if (remaining.some((r) => r > 0)) bins.push(...costAwareGreedy(p, fluid.duals, remaining, limit));
  return bins;
}
