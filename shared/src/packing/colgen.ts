/**
 * Column generation for the pattern LP (Gilmore-Gomory), its valid lower bound, and the two ways the
 * packer turns the LP into integer plans (restricted-master MIP and diving).
 *
 * Master LP over patterns p (a bin type b(p) and copies a_ip of each class i that fit together):
 *
 *   z_LP = min sum_p cost_b(p) x_p   s.t.  sum_p a_ip x_p >= demand_i   (dual pi_i >= 0)
 *                                          sum_p x_p       >= minBins    (dual mu >= 0)
 *                                          x >= 0
 *
 * z_LP is a lower bound on the optimal integer cost (every packing is a feasible integer x). Column
 * generation solves it over a growing subset of patterns; the restricted optimum z_RMP is NOT a lower
 * bound by itself. The Farley bound makes every iteration's duals into one:
 *
 *   kappa = max(1, max over all patterns p of (pi . a_p + mu) / cost_p)
 *   LB    = (sum_i demand_i pi_i + minBins mu) / kappa <= z_LP
 *
 * because (pi, mu) / kappa satisfies every dual constraint pi . a_p + mu <= cost_p, so its dual
 * objective is a lower bound on z_LP by weak duality. The maximum over patterns is taken per bin type b
 * from an UPPER bound on the knapsack max pi . a subject to b's capacity (knapsack.ts): exact when the
 * branch and bound finishes, its open-node bound when it runs out of budget, the fractional bound when
 * it is skipped. A heuristic pricing therefore weakens the bound but never invalidates it. When pricing
 * proves no negative reduced cost column exists, kappa = 1 and LB = z_LP.
 */
import { PackingSolverError } from './errors';
import type { Highs, HighsModel } from './highs';
import {
  fractionalBound,
  profitOrders,
  seededGreedyPatterns,
  solveKnapsack,
  surrogateWeights,
} from './knapsack';
import type { KnapsackLpBound } from './knapsack-lp';
import { solveKnapsackMip } from './knapsack-mip';
import { addToBin, classCount, type PackedBin, perBinCap, type VectorProblem } from './vector';

export interface Column {
  readonly bin: number;
  readonly classes: readonly number[];
  readonly counts: readonly number[];
}

export interface LpSolution {
  readonly objective: number;
  /** Row duals of the class rows, clipped at 0. */
  readonly duals: Float64Array;
  /** Dual of the minimum-bin row (0 without one). */
  readonly mu: number;
  /** Column values, indexed like `MasterProblem.columns`. */
  readonly primal: Float64Array;
}

/**
 * Most pods one node of bin type b holds: the copies of the class it holds most of alone (capacity and
 * per-bin caps). Dimensions a type has none of (no GPUs) do not count: only classes that fit matter.
 */
export function podsPerNode(p: VectorProblem, b: number): number {
  const d = p.dims;
  const m = classCount(p);
  let most = 0;
  for (let i = 0; i < m; i++) {
    if (p.compatible[b * m + i] !== 1) continue;
    let copies = perBinCap(p, i, Number.POSITIVE_INFINITY);
    for (let k = 0; k < d && copies > 0; k++) {
      const w = p.sizes[i * d + k] ?? 0;
      if (w > 0) copies = Math.min(copies, Math.floor((p.capacities[b * d + k] ?? 0) / w));
    }
    if (Number.isFinite(copies)) most = Math.max(most, copies);
  }
  return most;
}

const columnKey = (c: Column): string => `${c.bin}|${c.classes.join(',')}|${c.counts.join(',')}`;

const LP_OPTIONS = {
  output_flag: false,
  presolve: 'off',
  solver: 'simplex',
  // Primal simplex: new columns keep the basis primal feasible, so each re-solve starts where the last ended.
  simplex_strategy: 4,
} as const;

/** The restricted master LP, kept in one HiGHS model and re-solved warm as columns are added. */
export class MasterProblem {
  readonly columns: Column[] = [];
  private readonly keys = new Map<string, number>();
  private readonly model: HighsModel;
  private readonly rows: number;
  private readonly rowLower: Float64Array;

  constructor(
    private readonly highs: Highs,
    private readonly p: VectorProblem,
  ) {
    const m = classCount(p);
    this.rows = m + 1;
    this.model = highs.createModel();
    this.model.options.set(LP_OPTIONS);
    this.rowLower = new Float64Array(this.rows);
    for (let i = 0; i < m; i++) this.rowLower[i] = p.demand[i] ?? 0;
    this.rowLower[m] = p.minBins;
    this.model.addRows({
      lower: this.rowLower,
      upper: new Float64Array(this.rows).fill(highs.infinity),
      matrix: {
        format: 'csr',
        numRows: this.rows,
        numCols: 0,
        starts: new Int32Array(this.rows + 1),
        indices: new Int32Array(0),
        values: new Float64Array(0),
      },
    });
  }

  /** Index of an identical column already in the master, or -1. */
  indexOf(column: Column): number {
    return this.keys.get(columnKey(column)) ?? -1;
  }

  /** Adds the columns not present yet; returns how many were new. */
  addColumns(columns: readonly Column[]): number {
    const fresh: Column[] = [];
    for (const column of columns) {
      const key = columnKey(column);
      if (this.keys.has(key)) continue;
      this.keys.set(key, this.columns.length + fresh.length);
      fresh.push(column);
    }
    if (fresh.length === 0) return 0;
    const m = classCount(this.p);
    const starts = new Int32Array(fresh.length + 1);
    const indices: number[] = [];
    const values: number[] = [];
    for (const [n, column] of fresh.entries()) {
      for (let j = 0; j < column.classes.length; j++) {
        indices.push(column.classes[j] ?? 0);
        values.push(column.counts[j] ?? 0);
      }
      indices.push(m);
      values.push(1);
      starts[n + 1] = indices.length;
    }
    this.addColumnsCsc(
      Float64Array.from(fresh, (c) => this.p.costs[c.bin] ?? 0),
      starts,
      indices,
      values,
    );
    this.columns.push(...fresh);
    return fresh.length;
  }

  /** Adds columns (non-negative, unbounded) to the master in compressed sparse column form. */
  private addColumnsCsc(cost: Float64Array, starts: Int32Array, indices: number[], values: number[]): void {
    this.model.addCols({
      cost,
      lower: new Float64Array(cost.length),
      upper: new Float64Array(cost.length).fill(this.highs.infinity),
      matrix: {
        format: 'csc',
        numRows: this.rows,
        numCols: cost.length,
        starts,
        indices: Int32Array.from(indices),
        values: Float64Array.from(values),
      },
    });
  }

  /**
   * Dual-optimal inequalities for one-dimensional covering (Ben Amor, Desrosiers, Valerio de Carvalho
   * 2006): per pair [larger, smaller], a column of cost 0 that covers one copy of the smaller class with
   * one copy of the larger one (-1 on the larger's row, +1 on the smaller's), i.e. pi_smaller <=
   * pi_larger. The LP value is unchanged (a copy of the larger class in a pattern can always be swapped
   * for the smaller one) and column generation converges in fewer iterations. They enter `columns` with
   * `bin: -1`, never a bin of a plan. Returns how many were added.
   */
  addExchangeColumns(pairs: readonly (readonly [number, number])[]): number {
    const fresh = pairs.filter(([larger, smaller]) => larger !== smaller);
    if (fresh.length === 0) return 0;
    const starts = new Int32Array(fresh.length + 1);
    const indices: number[] = [];
    const values: number[] = [];
    for (const [n, [larger, smaller]] of fresh.entries()) {
      indices.push(Math.min(larger, smaller), Math.max(larger, smaller));
      values.push(larger < smaller ? -1 : 1, larger < smaller ? 1 : -1);
      starts[n + 1] = indices.length;
    }
    this.addColumnsCsc(new Float64Array(fresh.length), starts, indices, values);
    for (const [larger, smaller] of fresh)
      this.columns.push({ bin: -1, classes: [larger, smaller], counts: [-1, 1] });
    return fresh.length;
  }

  /**
   * Takes columns out of the LP (upper bound 0) or puts them back (no upper bound) without deleting
   * them, so their indices and the warm basis stay (lp-dive.ts alternates seeded and unseeded roots).
   */
  setColumnsEnabled(indices: readonly number[], enabled: boolean): void {
    if (indices.length === 0) return;
    const upper = enabled ? this.highs.infinity : 0;
    this.model.changeColsBounds(
      { kind: 'set', indices: Int32Array.from(indices) },
      new Float64Array(indices.length),
      new Float64Array(indices.length).fill(upper),
    );
  }

  /** Sets the right-hand sides: copies still to cover per class and bins still required. */
  setDemand(demand: ArrayLike<number>, minBins: number): void {
    const m = classCount(this.p);
    for (let r = 0; r < this.rows; r++) {
      const lower = r < m ? (demand[r] ?? 0) : minBins;
      if (lower !== this.rowLower[r]) {
        this.rowLower[r] = lower;
        this.model.changeRowBounds(r, lower, this.highs.infinity);
      }
    }
  }

  /**
   * Simplex variant of the next solves: dual after the right-hand sides changed (the last basis stays dual
   * feasible; lp-dive.ts), primal after new columns were added (the default: the basis stays primal
   * feasible).
   */
  setStrategy(strategy: 'primal' | 'dual'): void {
    this.model.options.set({ simplex_strategy: strategy === 'dual' ? 1 : LP_OPTIONS.simplex_strategy });
  }

  solve(): LpSolution {
    this.model.run();
    const status = this.model.getModelStatus();
    if (status !== this.highs.constants.modelStatus.optimal)
      throw new PackingSolverError(`master LP ended with HiGHS status ${status}`);
    const solution = this.model.getSolution();
    const m = classCount(this.p);
    const duals = new Float64Array(m);
    for (let i = 0; i < m; i++) duals[i] = Math.max(0, solution.rowDual[i] ?? 0);
    return {
      objective: this.model.getObjectiveValue(),
      duals,
      mu: Math.max(0, solution.rowDual[m] ?? 0),
      primal: Float64Array.from(solution.colValue),
    };
  }

  dispose(): void {
    this.model.dispose();
  }
}

/**
 * Adds copies of compatible classes (largest first) while they fit and are still demanded: columns
 * that cover more at the same cost help the integer phases and change no reduced cost.
 */
export function extendPattern(
  p: VectorProblem,
  bin: number,
  classes: readonly number[],
  counts: readonly number[],
  demand: ArrayLike<number>,
  order: readonly number[],
): Column {
  const d = p.dims;
  const m = classCount(p);
  const result: PackedBin = { type: bin, classes: [...classes], counts: [...counts] };
  const load = new Float64Array(d);
  for (let j = 0; j < classes.length; j++)
    for (let k = 0; k < d; k++)
      load[k] = (load[k] ?? 0) + (counts[j] ?? 0) * (p.sizes[(classes[j] ?? 0) * d + k] ?? 0);
  for (const i of order) {
    if (p.compatible[bin * m + i] !== 1) continue;
    const have = result.counts[result.classes.indexOf(i)] ?? 0;
    let fit = perBinCap(p, i, demand[i] ?? 0) - have;
    for (let k = 0; k < d && fit > 0; k++) {
      const w = p.sizes[i * d + k] ?? 0;
      if (w > 0) fit = Math.min(fit, Math.floor(((p.capacities[bin * d + k] ?? 0) - (load[k] ?? 0)) / w));
    }
    if (fit <= 0) continue;
    addToBin(result, i, fit);
    for (let k = 0; k < d; k++) load[k] = (load[k] ?? 0) + fit * (p.sizes[i * d + k] ?? 0);
  }
  const sorted = result.classes
    .map((c, j) => [c, result.counts[j] ?? 0] as const)
    .sort((x, y) => x[0] - y[0]);
  return { bin, classes: sorted.map((s) => s[0]), counts: sorted.map((s) => s[1]) };
}

export interface ColumnGenerationOptions {
  readonly maxIterations: number;
  /** Branch-and-bound nodes per pricing knapsack. */
  readonly nodeLimit: number;
  /** New columns added per iteration at most (most negative reduced cost first). */
  readonly columnsPerIteration: number;
  /** Stop when (z_RMP - LB) <= relativeGap x z_RMP. */
  readonly relativeGap: number;
  /** Costs are integers: stop as soon as ceil(LB) = ceil(z_RMP). */
  readonly integerCosts: boolean;
  /** Stop once LB reaches this (e.g. the incumbent's cost: it is then proven optimal). */
  readonly stopAtBound?: number;
  readonly deadline: number;
  readonly now: () => number;
  /** Class order used to extend new patterns (largest first). */
  readonly extendOrder: readonly number[];
  /** Run the exact pricing every this many iterations even when quick columns exist (0: never). */
  readonly routineExactEvery: number;
  /** Exact LP bound of pricing knapsacks, used where the branch and bound cannot finish. */
  readonly knapsackLp?: KnapsackLpBound;
  /** Duals to start the smoothing from (e.g. the fluid relaxation's), with their proven bound. */
  readonly initialCenter?: { readonly pi: Float64Array; readonly mu: number; readonly bound: number };
  /** Compute a thorough bound when column generation stops short of optimality (default true). */
  readonly finalBound?: boolean;
  /** Allow one long branch-and-bound proof when nothing else finds a column (default true). */
  readonly allowProof?: boolean;
  /**
   * Price every bin type whose fractional bound allows a column by branch and bound with the full node
   * limit, large nodes included (no knapsack-LP rounding, no early stop once enough columns are in
   * hand): slow, for running the LP to convergence (converged-lp.ts). Default false.
   */
  readonly exhaustivePricing?: boolean;
  /** Called with the Farley bound of every iteration (tests check each is a valid bound). */
  readonly onIterationBound?: (bound: number) => void;
  /** Called after every iteration with the restricted master's value and the columns added (profiling). */
  readonly onIteration?: (info: {
    objective: number;
    bound: number;
    added: number;
    found: number;
    priceMs: number;
    lpMs: number;
  }) => void;
  /**
   * When pricing the master's own duals finds no column, price the most promising large node types
   * again with the knapsack LP's exact refill (knapsack-lp.ts) before concluding (default false: the
   * root LP only; in the dive it changed the plans it rounds to and took their budget).
   */
  readonly refillOnStall?: boolean;
  /** With `exhaustivePricing`: price every bin type exactly by HiGHS' MIP (knapsack-mip.ts). */
  readonly exactPricingHighs?: Highs;
}

export interface ColumnGenerationResult {
  readonly lp: LpSolution;
  /** Valid lower bound on the optimal cost of the current demand (Farley; not rounded). */
  readonly lowerBound: number;
  /** True when pricing proved the LP optimal over all patterns. */
  readonly lpOptimal: boolean;
  readonly iterations: number;
}

const EPS = 1e-9;

/** Large node types priced again with the exact refill when the plain rounding found no column. */
const REFILL_TYPES = 6;

/** A clock and the time (same unit) by which work should stop. */
export interface TimeBudget {
  readonly now: () => number;
  readonly deadline: number;
}

interface Pricing {
  /** Farley kappa at the pricing duals (>= 1). */
  readonly kappa: number;
  /** Whether every pricing knapsack finished (the bound at these duals is then exact). */
  readonly complete: boolean;
  readonly patterns: { bin: number; classes: number[]; counts: number[] }[];
  /** Whether a long proof search ran. */
  readonly proved: boolean;
}

/**
 * Prices at duals (pi, mu): fractional bounds for every bin type (enough for a valid Farley kappa),
 * quick seeded-greedy patterns for the most promising types, and, when `exact` (or when nothing quick
 * was found), branch and bound for every promising type, longer in a proof round.
 */
function price(
  p: VectorProblem,
  demand: ArrayLike<number>,
  pi: Float64Array,
  mu: number,
  lambda: Float64Array,
  exact: boolean,
  allowProof: boolean,
  options: ColumnGenerationOptions,
  /** Pricing the master's own duals (not a smoothed point): finding nothing ends column generation. */
  atLpDuals = true,
): Pricing {
  const types = p.costs.length;
  const orders = profitOrders(p, pi, lambda);
  const candidates: { bin: number; ratio: number }[] = [];
  let fractionalKappa = 1;
  for (let b = 0; b < types; b++) {
    const ratio = (fractionalBound(p, b, pi, demand, orders, lambda) + mu) / (p.costs[b] ?? 1);
    if (ratio > 1 + EPS) candidates.push({ bin: b, ratio });
    fractionalKappa = Math.max(fractionalKappa, ratio);
  }
  candidates.sort((x, y) => y.ratio - x.ratio || x.bin - y.bin);
  const patterns: { bin: number; classes: number[]; counts: number[] }[] = [];
  const quickTypes = Math.min(types, 3);
  const seeds = types <= 3 ? 60 : 12;
  for (const { bin } of candidates.slice(0, quickTypes)) {
    const threshold = (p.costs[bin] ?? 0) * (1 + EPS) - mu;
    for (const pattern of seededGreedyPatterns(p, bin, pi, demand, threshold, seeds))
      patterns.push({ bin, ...pattern });
  }
  const proof = allowProof && patterns.length === 0;
  if (!exact && patterns.length > 0)
    return { kappa: fractionalKappa, complete: false, patterns, proved: false };
  let kappa = 1;
  let complete = true;
  let proved = false;
  let searched = 0;
  /** Large node types whose rounded LP found no column though their LP bound allows one. */
  const missed: { bin: number; ratio: number }[] = [];
  for (const { bin, ratio } of candidates) {
    const cost = p.costs[bin] ?? 0;
    // Search the most promising types; once enough columns are in hand, the rest keep their
    // fractional bound (still a valid kappa, only less tight).
    const enough =
      !options.exhaustivePricing &&
      searched >= (types <= 3 ? types : 8) &&
      (patterns.length >= options.columnsPerIteration || (patterns.length > 0 && searched >= 16));
    if (enough || options.now() > options.deadline) {
      kappa = Math.max(kappa, ratio);
      complete = false;
      continue;
    }
    searched++;
    const threshold = cost * (1 + EPS) - mu;
    if (options.exhaustivePricing && options.exactPricingHighs) {
      const exact = solveKnapsackMip(options.exactPricingHighs, p, bin, pi, demand, 5);
      if (exact) {
        let upperBound = exact.upperBound;
        if (!exact.complete) {
          complete = false;
          const lp = options.knapsackLp?.bound(bin, pi, demand);
          if (lp !== undefined) upperBound = Math.min(upperBound, Math.max(lp, threshold));
        }
        kappa = Math.max(kappa, Math.min(ratio, (upperBound + mu) / cost));
        if (exact.value > threshold) patterns.push({ bin, classes: exact.classes, counts: exact.counts });
        continue;
      }
    }
    // Large nodes (many pods fit): the knapsack LP, rounded, prices well and bounds tightly, where the
    // branch and bound could not finish. Small nodes: the branch and bound, usually exact.
    if (options.knapsackLp && !options.exhaustivePricing && types > 3 && podsPerNode(p, bin) > 16) {
      const lp = options.knapsackLp.solve(bin, pi, demand);
      if (lp) {
        complete = false;
        kappa = Math.max(kappa, Math.min(ratio, (Math.max(lp.upperBound, threshold) + mu) / cost));
        if (lp.value > threshold) patterns.push({ bin, classes: lp.classes, counts: lp.counts });
        else if (lp.upperBound > threshold) missed.push({ bin, ratio: (lp.upperBound + mu) / cost });
        continue;
      }
    }
    // Many node types: many knapsacks per round, each kept short (the LP bound covers the rest).
    const nodeLimit =
      types <= 3 || options.exhaustivePricing
        ? options.nodeLimit
        : Math.max(100, Math.floor(options.nodeLimit / 8));
    let result = solveKnapsack(p, bin, pi, demand, { threshold, nodeLimit, collect: types <= 3 ? 20 : 8 });
    if (!result.complete && proof && !proved && result.patterns.length === 0) {
      result = solveKnapsack(p, bin, pi, demand, { threshold, nodeLimit: options.nodeLimit * 25 });
      proved = true;
    }
    let upperBound = result.upperBound;
    if (!result.complete) {
      complete = false;
      const lp = options.knapsackLp?.bound(bin, pi, demand);
      if (lp !== undefined) upperBound = Math.min(upperBound, Math.max(lp, threshold));
    }
    kappa = Math.max(kappa, Math.min(ratio, (upperBound + mu) / cost));
    for (const pattern of result.patterns) patterns.push({ bin, ...pattern });
  }
  // Near the LP optimum the plain rounding loses a column's whole margin: when it leaves pricing with
  // no column, the most promising of those types are priced again with the exact refill.
  if (patterns.length === 0 && atLpDuals && options.refillOnStall && options.knapsackLp) {
    missed.sort((x, y) => y.ratio - x.ratio || x.bin - y.bin);
    for (const { bin } of missed.slice(0, REFILL_TYPES)) {
      if (options.now() > options.deadline) break;
      const threshold = (p.costs[bin] ?? 0) * (1 + EPS) - mu;
      const lp = options.knapsackLp.solve(bin, pi, demand, true, true);
      if (lp && lp.value > threshold) patterns.push({ bin, classes: lp.classes, counts: lp.counts });
    }
  }
  return { kappa, complete, patterns, proved };
}

/**
 * Farley kappa at duals (pi, mu) with the best bounds available for every bin type: the fractional
 * bound, then the exact knapsack LP, then a short branch and bound where those leave a ratio above 1.
 */
function kappaAt(
  p: VectorProblem,
  demand: ArrayLike<number>,
  pi: Float64Array,
  mu: number,
  lambda: Float64Array,
  knapsackLp: KnapsackLpBound | undefined,
  budget?: TimeBudget,
): number {
  const orders = profitOrders(p, pi, lambda);
  let kappa = 1;
  for (let b = 0; b < p.costs.length; b++) {
    const cost = p.costs[b] ?? 1;
    let ratio = (fractionalBound(p, b, pi, demand, orders, lambda) + mu) / cost;
    // Past the deadline the fractional bound alone (valid, looser) is used.
    if (ratio <= 1 + EPS || (budget && budget.now() > budget.deadline)) {
      kappa = Math.max(kappa, ratio);
      continue;
    }
    const lp = knapsackLp?.bound(b, pi, demand);
    if (lp !== undefined) ratio = Math.min(ratio, (lp + mu) / cost);
    if (ratio > 1 + EPS) {
      const result = solveKnapsack(p, b, pi, demand, { threshold: cost - mu, nodeLimit: 300 });
      ratio = Math.min(ratio, (result.upperBound + mu) / cost);
    }
    kappa = Math.max(kappa, ratio);
  }
  return kappa;
}

/**
 * The Farley lower bound at any duals pi >= 0, mu >= 0 (e.g. the fluid relaxation's):
 * (demand . pi + minBins mu) / kappa, kappa from `kappaAt`. Valid whatever produced the duals.
 */
export function farleyLowerBound(
  p: VectorProblem,
  pi: Float64Array,
  mu: number,
  knapsackLp?: KnapsackLpBound,
  budget?: TimeBudget,
): number {
  const kappa = kappaAt(p, p.demand, pi, mu, surrogateWeights(p), knapsackLp, budget);
  let value = p.minBins * mu;
  for (let i = 0; i < classCount(p); i++) value += (p.demand[i] ?? 0) * (pi[i] ?? 0);
  return (value / kappa) * (1 - 1e-9);
}

/**
 * Solves the master LP for `demand`/`minBins` (already set on the master) by column generation with
 * Wentges dual smoothing: pricing happens at alpha x (the duals with the best bound so far) + (1 - alpha)
 * x (the current LP duals), which damps the oscillation that makes plain column generation tail off.
 * The Farley bound holds at any dual point, so every pricing point yields a valid bound; a column is
 * added only if its reduced cost at the LP duals is negative, and when the smoothed point finds none
 * ("mispricing") the LP duals themselves are priced before concluding.
 */
export function columnGeneration(
  master: MasterProblem,
  p: VectorProblem,
  demand: ArrayLike<number>,
  minBins: number,
  options: ColumnGenerationOptions,
): ColumnGenerationResult {
  const m = classCount(p);
  const lambda = surrogateWeights(p);
  const dualObjective = (pi: Float64Array, mu: number) => {
    let value = minBins * mu;
    for (let i = 0; i < m; i++) value += (demand[i] ?? 0) * (pi[i] ?? 0);
    return value;
  };
  let center: { pi: Float64Array; mu: number; bound: number } | undefined = options.initialCenter;
  let lowerBound = options.initialCenter?.bound ?? 0;
  let t1 = options.now();
  let lp = master.solve();
  let lpMs = options.now() - t1;
  let iterations = 0;
  let lpOptimal = false;
  let alpha = 0.5;
  // Long proof searches are expensive: one per call.
  let proofsLeft = options.allowProof === false ? 0 : 1;
  for (;;) {
    iterations++;
    const smoothing = center !== undefined && alpha > 0;
    const pi = smoothing
      ? Float64Array.from(lp.duals, (v, i) => alpha * (center?.pi[i] ?? 0) + (1 - alpha) * v)
      : lp.duals;
    const mu = smoothing ? alpha * (center?.mu ?? 0) + (1 - alpha) * lp.mu : lp.mu;
    const exact =
      !smoothing || (options.routineExactEvery > 0 && iterations % options.routineExactEvery === 0);
    const t0 = options.now();
    const pricing = price(p, demand, pi, mu, lambda, exact, proofsLeft > 0, options, !smoothing);
    const priceMs = options.now() - t0;
    if (pricing.proved) proofsLeft--;
    // Relative safety margin for floating-point error in the dual objective and the knapsack bounds.
    const bound = (dualObjective(pi, mu) / pricing.kappa) * (1 - 1e-9);
    options.onIterationBound?.(bound);
    lowerBound = Math.max(lowerBound, bound);
    if (!center || bound > center.bound) center = { pi: Float64Array.from(pi), mu, bound };

    const found: { column: Column; reducedCost: number }[] = [];
    for (const pattern of pricing.patterns) {
      const cost = p.costs[pattern.bin] ?? 0;
      let value = lp.mu;
      for (let j = 0; j < pattern.classes.length; j++)
        value += (pattern.counts[j] ?? 0) * (lp.duals[pattern.classes[j] ?? 0] ?? 0);
      if (value <= cost * (1 + EPS)) continue;
      found.push({
        column: extendPattern(p, pattern.bin, pattern.classes, pattern.counts, demand, options.extendOrder),
        reducedCost: (cost - value) / cost,
      });
    }
    found.sort((x, y) => x.reducedCost - y.reducedCost || x.column.bin - y.column.bin);
    const added = master.addColumns(found.slice(0, options.columnsPerIteration).map((f) => f.column));
    const z = lp.objective;
    options.onIteration?.({ objective: z, bound, added, found: pricing.patterns.length, priceMs, lpMs });
    if (added === 0) {
      if (smoothing) {
        // Mispricing: look at the LP duals themselves before concluding.
        alpha = 0;
        continue;
      }
      lpOptimal = pricing.complete && found.length === 0;
      if (lpOptimal)
        lowerBound = Math.max(lowerBound, Math.min(z, dualObjective(lp.duals, lp.mu)) * (1 - 1e-9));
      break;
    }
    alpha = 0.5;
    if (z - lowerBound <= options.relativeGap * z) break;
    if (options.integerCosts && Math.ceil(lowerBound - 1e-6) >= Math.ceil(z - 1e-6)) break;
    if (options.stopAtBound !== undefined && lowerBound >= options.stopAtBound - 1e-9) break;
    if (iterations >= options.maxIterations || options.now() > options.deadline) break;
    t1 = options.now();
    lp = master.solve();
    lpMs = options.now() - t1;
  }
  // A last, more thorough bound at the best dual point and at the final LP duals.
  if (!lpOptimal && options.finalBound !== false && center && center !== options.initialCenter) {
    for (const point of [center]) {
      const kappa = kappaAt(p, demand, point.pi, point.mu, lambda, options.knapsackLp, options);
      lowerBound = Math.max(lowerBound, (dualObjective(point.pi, point.mu) / kappa) * (1 - 1e-9));
    }
  }
  // The last solve may predate the newest columns: pad the primal (new columns are at 0).
  if (lp.primal.length < master.columns.length) {
    const primal = new Float64Array(master.columns.length);
    primal.set(lp.primal);
    lp = { ...lp, primal };
  }
  return { lp, lowerBound, lpOptimal, iterations };
}

/** Bins of an integer column vector: column c repeated x_c times, copies capped at the demand. */
export function binsFromColumns(
  p: VectorProblem,
  columns: readonly Column[],
  x: ArrayLike<number>,
  demand: ArrayLike<number>,
): PackedBin[] {
  const remaining = Int32Array.from({ length: classCount(p) }, (_, i) => demand[i] ?? 0);
  const bins: PackedBin[] = [];
  for (let c = 0; c < columns.length; c++) {
    const copies = Math.round(x[c] ?? 0);
    const column = columns[c] as Column;
    for (let r = 0; r < copies; r++) {
      const bin: PackedBin = { type: column.bin, classes: [], counts: [] };
      for (let j = 0; j < column.classes.length; j++) {
        const i = column.classes[j] ?? 0;
        const take = Math.min(column.counts[j] ?? 0, remaining[i] ?? 0);
        if (take > 0) {
          bin.classes.push(i);
          bin.counts.push(take);
          remaining[i] = (remaining[i] ?? 0) - take;
        }
      }
      bins.push(bin);
    }
  }
  return bins;
}

export interface RestrictedMipOptions {
  readonly timeLimitSeconds: number;
  readonly nodeLimit: number;
  /** A feasible start (column multiplicities), e.g. the incumbent expressed in columns. */
  readonly start?: Float64Array;
}

/**
 * Integer program over the generated columns only ("price and branch"): min cost x s.t. the same rows,
 * x integer. Returns column multiplicities, or undefined when HiGHS found no solution in its budget.
 */
export function solveRestrictedMip(
  highs: Highs,
  p: VectorProblem,
  columns: readonly Column[],
  options: RestrictedMipOptions,
): Float64Array | undefined {
  const m = classCount(p);
  const rows = m + 1;
  const n = columns.length;
  const starts = new Int32Array(n + 1);
  const indices: number[] = [];
  const values: number[] = [];
  const upper = new Float64Array(n);
  for (const [c, column] of columns.entries()) {
    let needed = column.classes.length === 0 ? p.minBins : 0;
    for (let j = 0; j < column.classes.length; j++) {
      const i = column.classes[j] ?? 0;
      indices.push(i);
      values.push(column.counts[j] ?? 0);
      needed = Math.max(needed, Math.ceil((p.demand[i] ?? 0) / (column.counts[j] ?? 1)));
    }
    indices.push(m);
    values.push(1);
    starts[c + 1] = indices.length;
    // No optimal plan needs more copies of a pattern than its most demanded class requires.
    upper[c] = Math.max(needed, p.minBins);
  }
  const rowLower = new Float64Array(rows);
  for (let i = 0; i < m; i++) rowLower[i] = p.demand[i] ?? 0;
  rowLower[m] = p.minBins;
  const model = highs.createModel({
    numCols: n,
    numRows: rows,
    colCost: Float64Array.from(columns, (c) => p.costs[c.bin] ?? 0),
    colLower: new Float64Array(n),
    colUpper: upper,
    rowLower,
    rowUpper: new Float64Array(rows).fill(highs.infinity),
    matrix: {
      format: 'csc',
      numRows: rows,
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
      time_limit: Math.max(0.01, options.timeLimitSeconds),
      mip_max_nodes: options.nodeLimit,
      random_seed: 1,
    });
    if (options.start) model.setSolution({ colValue: options.start });
    model.run();
    const solution = model.getSolution();
    const x = Float64Array.from(solution.colValue, (v) => Math.round(v));
    // Accept only a truly feasible integer vector (HiGHS may stop without one).
    const covered = new Float64Array(rows);
    for (const [c, column] of columns.entries()) {
      const copies = x[c] ?? 0;
      if (copies < 0) return undefined;
      for (let j = 0; j < column.classes.length; j++)
        covered[column.classes[j] ?? 0] =
          (covered[column.classes[j] ?? 0] ?? 0) + copies * (column.counts[j] ?? 0);
      covered[m] = (covered[m] ?? 0) + copies;
    }
    for (let r = 0; r < rows; r++) if ((covered[r] ?? 0) < (rowLower[r] ?? 0)) return undefined;
    return x;
  } finally {
    model.dispose();
  }
}
