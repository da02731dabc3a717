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
import type { Highs, HighsModel } from './highs';
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
  /**
   * Where the LP started sparse: the class duals (clipped at 0) of its first solve, each class on its
   * cheapest option only. Not prices of the relaxation, but values for the cost-aware greedy that
   * priced the trace's plans better than the optimal duals (ADR 0096).
   */
  readonly startDuals?: Float64Array;
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
 * Classes x options up to which the LP starts as before ADR 0096: every pair of each class's
 * `DENSE_OPTIONS` cheapest options (per copy on an empty node). Such LPs solve in tens of ms, and where
 * the budget stops the option pricing (the 15,000-pod constrained cluster's relaxation: 149 classes x
 * 312 options), those options keep the Farley bound where it was ($192.1/h; from each class's cheapest
 * option alone it fell to $171.0/h). Above it each class starts on its cheapest option only.
 */
const DENSE_FLUID = 60_000;
const DENSE_OPTIONS = 8;
/** Pair columns priced negative that a class gains per round at most (the most negative first). */
const PAIRS_PER_ROUND = 2;
/** Pair columns a newly priced-in option starts with: the classes its duals value most densely. */
const NEW_OPTION_PAIRS = 64;
/** Restricted LPs solved at most per option-pricing round (each adds the pairs priced negative). */
const MAX_PAIR_ROUNDS = 60;

/**
 * Solves the fluid relaxation by generating its columns, at two levels (ADR 0096), in one HiGHS model
 * re-solved warm. On large problems (above `DENSE_FLUID`) the LP starts with each class on its
 * cheapest option (by cost per copy on an otherwise empty node), only that pair y_oi. Pricing a pair of
 * an option in the LP is arithmetic on its capacity duals (reduced cost sum_k rho_ok size_ik - pi_i), so
 * each round adds every class's most negative pairs and re-solves from the last basis (primal
 * simplex), until none is negative. Then, as before, every option left out is priced by the knapsack
 * LP (as in `farleyLowerBound`), and those with a negative reduced cost come in with their densest
 * classes. With
 * every pair of the included options in one cold LP (2,119 classes x 105 options on the 10,000-pod
 * trace), HiGHS took 2.6 s of CPU. Whatever round it stops at, the bound it reports is the Farley bound
 * at that round's duals, valid for the full problem.
 */
export function solveFluidRelaxation(
  highs: Highs,
  p: VectorProblem,
  knapsackLp: KnapsackLpBound,
  budget: TimeBudget & {
    /**
     * Point past which no LP solve may run (HiGHS gets the time left as its limit; a solve it stops is
     * dropped, with the rounds before it kept). A solve is one call that the budget's deadline cannot
     * interrupt: the first, cold one takes the longest.
     */
    readonly lpDeadline?: number;
    /** How the LP starts (default: by size, `DENSE_FLUID`); tests force the column generation. */
    readonly start?: 'dense' | 'sparse';
  },
  maxRounds = 4,
): FluidSolution | undefined {
  const m = classCount(p);
  const d = p.dims;
  const types = p.costs.length;
  const dense = budget.start ? budget.start === 'dense' : m * types <= DENSE_FLUID;
  const lp = new FluidLp(highs, p, dense);
  try {
    const initial: [number, number][] = [];
    if (dense) {
      // Each class's 8 cheapest options with all their pairs: the LP as it was before ADR 0096.
      const included = new Uint8Array(types);
      for (let i = 0; i < m; i++) {
        const ranked: [number, number][] = [];
        for (let o = 0; o < types; o++)
          if (fitsEmpty(p, o, i)) ranked.push([o, (p.costs[o] ?? 0) / Math.min(copiesPerNode(p, o, i), 1e9)]);
        ranked.sort((x, y) => x[1] - y[1] || x[0] - y[0]);
        for (const [o] of ranked.slice(0, DENSE_OPTIONS)) included[o] = 1;
      }
      for (let o = 0; o < types; o++)
        if (included[o] === 1) for (let i = 0; i < m; i++) if (fitsEmpty(p, o, i)) initial.push([o, i]);
    } else
      for (let i = 0; i < m; i++) {
        // Each class's cheapest option only (ties: the lower option).
        let best = -1;
        let bestRate = Number.POSITIVE_INFINITY;
        for (let o = 0; o < types; o++) {
          if (!fitsEmpty(p, o, i)) continue;
          const rate = (p.costs[o] ?? 0) / Math.min(copiesPerNode(p, o, i), 1e9);
          if (rate < bestRate) {
            best = o;
            bestRate = rate;
          }
        }
        if (best >= 0) initial.push([best, i]);
      }
    lp.addPairs(initial);
    let last:
      | { solved: RestrictedFluid; included: Uint8Array; excludedBound: Map<number, number> }
      | undefined;
    let startDuals: Float64Array | undefined;
    const finish = () =>
      last && {
        ...(startDuals ? { startDuals } : {}),
        duals: last.solved.duals,
        mu: last.solved.mu,
        objective: last.solved.objective,
        assignment: last.solved.assignment,
        lowerBound: fluidFarleyBound(p, last.solved, last.included, last.excludedBound),
      };
    const lpTimeLeft = () => (budget.lpDeadline === undefined ? undefined : budget.lpDeadline - budget.now());
    for (let round = 0; round < maxRounds; round++) {
      let solved: RestrictedFluid | undefined;
      for (let pairRound = 0; pairRound < MAX_PAIR_ROUNDS; pairRound++) {
        const lpMs = lpTimeLeft();
        if (lpMs !== undefined && lpMs <= 0) return finish();
        solved = lp.solve(lpMs);
        if (!solved) return finish();
        if (!dense && !last) startDuals = solved.duals;
        last = { solved, included: lp.includedOptions(), excludedBound: new Map() };
        // The pair rounds solve one LP (the included options with all their pairs): as when it was one
        // HiGHS call, the budget's deadline does not cut it (an LP stopped halfway has duals far from
        // its optimum, and its Farley bound was 120 instead of 220 $/h on the 10,000-pod trace); only
        // `lpDeadline` does, where the caller proves its bound elsewhere.
        const added = lp.addPairs(negativePairs(p, solved, lp));
        if (added === 0) break;
      }
      if (!solved || budget.now() > budget.deadline) break;
      // Pricing of the options left out: the knapsack LP. Each value also bounds that option in kappa.
      const included = lp.includedOptions();
      // The fractional bound first (no solve): an option it shows cannot price negative needs no LP,
      // and `fluidFarleyBound` recomputes it for kappa. Most options left out end here (10,000 trace
      // pods: the knapsack LPs took 0.2-0.3 s of CPU for all of them).
      const excludedBound = new Map<number, number>();
      const lambda = surrogateWeights(p);
      const orders = profitOrders(p, solved.duals, lambda);
      for (let o = 0; o < types && budget.now() <= budget.deadline; o++) {
        if (included[o] === 1) continue;
        const threshold = ((p.costs[o] ?? 0) - solved.mu) * (1 + 1e-7);
        if (fractionalBound(p, o, solved.duals, p.demand, orders, lambda) <= threshold) continue;
        const value = knapsackLp.bound(o, solved.duals, p.demand);
        if (value !== undefined) excludedBound.set(o, value);
      }
      if (last) last.excludedBound = excludedBound;
      const fresh: [number, number][] = [];
      for (const [o, value] of excludedBound) {
        if (value + solved.mu <= (p.costs[o] ?? 0) * (1 + 1e-7)) continue;
        // Its densest classes at the current duals; the pair pricing of the next rounds adds the rest.
        const densest: [number, number][] = [];
        for (let i = 0; i < m; i++) {
          if ((solved.duals[i] ?? 0) <= 0 || !fitsEmpty(p, o, i)) continue;
          let size = 0;
          for (let k = 0; k < d; k++) {
            const c = p.capacities[o * d + k] ?? 0;
            if (c > 0) size += (p.sizes[i * d + k] ?? 0) / c;
          }
          densest.push([i, (solved.duals[i] ?? 0) / Math.max(size, 1e-12)]);
        }
        densest.sort((x, y) => y[1] - x[1] || x[0] - y[0]);
        for (const [i] of densest.slice(0, NEW_OPTION_PAIRS)) fresh.push([o, i]);
      }
      if (lp.addPairs(fresh) === 0 || budget.now() > budget.deadline) break;
    }
    return finish();
  } finally {
    lp.dispose();
  }
}

/**
 * Pairs y_oi of the options in the LP, not in it yet, whose reduced cost at the LP's duals is negative:
 * sum_k rho_ok size_ik < pi_i, with rho_ok >= 0 the price of option o's capacity in dimension k (HiGHS
 * reports it as the nonpositive dual of the capacity row). Per class, the `PAIRS_PER_ROUND` most
 * negative (ties: the lower option).
 */
function negativePairs(p: VectorProblem, solved: RestrictedFluid, lp: FluidLp): [number, number][] {
  const m = classCount(p);
  const d = p.dims;
  // The best reduced costs per class so far, most negative first (PAIRS_PER_ROUND slots each).
  const slots = PAIRS_PER_ROUND;
  const bestOption = new Int32Array(m * slots).fill(-1);
  const bestReduced = new Float64Array(m * slots);
  const options = [...solved.capacityDuals.keys()].sort((x, y) => x - y);
  for (const o of options) {
    const rho = solved.capacityDuals.get(o) ?? [];
    for (let i = 0; i < m; i++) {
      const pi = solved.rawDuals[i] ?? 0;
      if (pi <= 0 || p.compatible[o * m + i] !== 1 || lp.hasPair(o, i)) continue;
      let price = 0;
      let fits = true;
      for (let k = 0; k < d; k++) {
        const w = p.sizes[i * d + k] ?? 0;
        if (w > (p.capacities[o * d + k] ?? 0)) fits = false;
        price -= (rho[k] ?? 0) * w;
      }
      const reduced = price - pi;
      if (!fits || reduced >= -1e-9 * pi - 1e-12) continue;
      // Insert into the class's slots (options come in increasing order, so ties keep the lower one).
      for (let s = 0; s < slots; s++) {
        const at = i * slots + s;
        if ((bestOption[at] ?? -1) < 0 || reduced < (bestReduced[at] ?? 0)) {
          for (let t = slots - 1; t > s; t--) {
            bestOption[i * slots + t] = bestOption[i * slots + t - 1] ?? -1;
            bestReduced[i * slots + t] = bestReduced[i * slots + t - 1] ?? 0;
          }
          bestOption[at] = o;
          bestReduced[at] = reduced;
          break;
        }
      }
    }
  }
  const result: [number, number][] = [];
  for (let i = 0; i < m; i++)
    for (let s = 0; s < slots; s++) {
      const o = bestOption[i * slots + s] ?? -1;
      if (o >= 0) result.push([o, i]);
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
  solved: RestrictedFluid,
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

type RestrictedFluid = Omit<FluidSolution, 'lowerBound'> & {
  /** Per option in the LP, its capacity rows' duals as HiGHS reports them (nonpositive). */
  readonly capacityDuals: Map<number, number[]>;
  /** The demand rows' duals, not clipped. */
  readonly rawDuals: Float64Array;
};

/**
 * The restricted fluid LP in one HiGHS model: rows are the m demand rows, the minimum-bin row, then d
 * capacity rows per option, added with the option's first pair; columns are n_o per option and the
 * pairs y_oi added so far. Re-solves start from the last basis (primal simplex: new columns and new
 * rows with basic slacks keep it primal feasible).
 */
class FluidLp {
  private readonly model: HighsModel;
  /** First capacity row of each option in the LP. */
  private readonly optionRow = new Map<number, number>();
  private rows: number;
  /** Per column: its option and class (-1 for n_o). */
  private readonly columns: [number, number][] = [];
  private readonly pairs: Uint8Array;
  private solved = false;

  constructor(
    private readonly highs: Highs,
    private readonly p: VectorProblem,
    /** Started with every pair of its options: HiGHS' default options (presolve) for the first solve. */
    private readonly dense: boolean,
  ) {
    const m = classCount(p);
    this.rows = m + 1;
    this.pairs = new Uint8Array(p.costs.length * m);
    this.model = highs.createModel();
    this.model.options.set({ output_flag: false });
    const lower = new Float64Array(this.rows);
    for (let i = 0; i < m; i++) lower[i] = p.demand[i] ?? 0;
    lower[m] = p.minBins;
    this.model.addRows({
      lower,
      upper: new Float64Array(this.rows).fill(highs.infinity),
      matrix: emptyMatrix('csr', this.rows, 0),
    });
  }

  hasPair(o: number, i: number): boolean {
    return this.pairs[o * classCount(this.p) + i] === 1;
  }

  includedOptions(): Uint8Array {
    const included = new Uint8Array(this.p.costs.length);
    for (const o of this.optionRow.keys()) included[o] = 1;
    return included;
  }

  /** Adds the pairs not in the LP yet (with their options' rows and n_o); returns how many. */
  addPairs(pairs: readonly (readonly [number, number])[]): number {
    const { p, highs } = this;
    const m = classCount(p);
    const d = p.dims;
    const fresh = pairs.filter(([o, i]) => {
      if (this.pairs[o * m + i] === 1) return false;
      this.pairs[o * m + i] = 1;
      return true;
    });
    if (fresh.length === 0) return 0;
    const options = [...new Set(fresh.map(([o]) => o))]
      .filter((o) => !this.optionRow.has(o))
      .sort((x, y) => x - y);
    if (options.length > 0) {
      const count = options.length * d;
      this.model.addRows({
        lower: new Float64Array(count).fill(-highs.infinity),
        upper: new Float64Array(count),
        matrix: emptyMatrix('csr', count, this.columns.length),
      });
      for (const o of options) {
        this.optionRow.set(o, this.rows);
        this.rows += d;
      }
    }
    const cost: number[] = [];
    const starts: number[] = [0];
    const indices: number[] = [];
    const values: number[] = [];
    for (const o of options) {
      const row = this.optionRow.get(o) ?? 0;
      for (let k = 0; k < d; k++) {
        const c = p.capacities[o * d + k] ?? 0;
        if (c > 0) {
          indices.push(row + k);
          values.push(-c);
        }
      }
      indices.push(m);
      values.push(1);
      starts.push(indices.length);
      cost.push(p.costs[o] ?? 0);
      this.columns.push([o, -1]);
    }
    for (const [o, i] of fresh) {
      const row = this.optionRow.get(o) ?? 0;
      indices.push(i);
      values.push(1);
      for (let k = 0; k < d; k++) {
        const w = p.sizes[i * d + k] ?? 0;
        if (w > 0) {
          indices.push(row + k);
          values.push(w);
        }
      }
      starts.push(indices.length);
      cost.push(0);
      this.columns.push([o, i]);
    }
    this.model.addCols({
      cost: Float64Array.from(cost),
      lower: new Float64Array(cost.length),
      upper: new Float64Array(cost.length).fill(highs.infinity),
      matrix: {
        format: 'csc',
        numRows: this.rows,
        numCols: cost.length,
        starts: Int32Array.from(starts),
        indices: Int32Array.from(indices),
        values: Float64Array.from(values),
      },
    });
    return fresh.length;
  }

  solve(timeLimitMs?: number): RestrictedFluid | undefined {
    const { p, highs, model } = this;
    const m = classCount(p);
    const d = p.dims;
    model.options.set({
      // The first solve is cold (dual simplex; presolve only slowed it down on the trace); later ones
      // add columns to an optimal basis, which stays primal feasible.
      ...(this.solved ? { simplex_strategy: 4 } : this.dense ? {} : { presolve: 'off' }),
      // HiGHS' default time limit is infinite, but the option takes finite values only.
      time_limit: timeLimitMs !== undefined ? Math.max(0.01, timeLimitMs / 1000) : 1e9,
    });
    model.run();
    if (model.getModelStatus() !== highs.constants.modelStatus.optimal) return undefined;
    this.solved = true;
    const solution = model.getSolution();
    const rawDuals = Float64Array.from({ length: m }, (_, i) => solution.rowDual[i] ?? 0);
    const duals = rawDuals.map((v) => Math.max(0, v));
    const assignment = new Map<number, Map<number, number>>();
    for (const [c, [o, i]] of this.columns.entries()) {
      const y = solution.colValue[c] ?? 0;
      if (i < 0 || y <= 1e-9) continue;
      let row = assignment.get(o);
      if (!row) {
        row = new Map();
        assignment.set(o, row);
      }
      row.set(i, y);
    }
    const capacityDuals = new Map<number, number[]>();
    for (const [o, row] of this.optionRow)
      capacityDuals.set(
        o,
        Array.from({ length: d }, (_, k) => solution.rowDual[row + k] ?? 0),
      );
    return {
      duals,
      mu: Math.max(0, solution.rowDual[m] ?? 0),
      objective: model.getObjectiveValue(),
      assignment,
      capacityDuals,
      rawDuals,
    };
  }

  dispose(): void {
    this.model.dispose();
  }
}

function emptyMatrix(format: 'csr', numRows: number, numCols: number) {
  return {
    format,
    numRows,
    numCols,
    starts: new Int32Array(numRows + 1),
    indices: new Int32Array(0),
    values: new Float64Array(0),
  };
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
