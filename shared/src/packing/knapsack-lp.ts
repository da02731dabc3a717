/**
 * The LP relaxation of a pricing knapsack, solved exactly by HiGHS:
 *
 *   max profit . a   s.t.  sum_i a_i size_i <= capacity_b (every dimension),  0 <= a_i <= cap_i
 *
 * Its optimum bounds the integer knapsack from above (it relaxes integrality only), and unlike the
 * per-dimension fractional bounds it respects every dimension at once. For large nodes holding hundreds
 * of pods the branch and bound cannot finish, but this bound is then within a fraction of one pod of the
 * integer optimum, which keeps the Farley bound tight.
 */
import type { Highs, HighsModel } from './highs';
import { itemCap, knapsackDualBound, solveKnapsack } from './knapsack';
import { classCount, type VectorProblem } from './vector';

/** Refills tried after rounding the LP (the rounded-down solution, then less one copy of a class). */
const REFILL_ATTEMPTS = 12;
/** Branch-and-bound nodes per refill: the room left is a few pods, usually searched through. */
const REFILL_NODES = 200;

/** Classes of a count vector, most copies first (removing one of those frees the most room). */
function floorSupport(counts: Float64Array): number[] {
  const support: number[] = [];
  for (let i = 0; i < counts.length; i++) if ((counts[i] ?? 0) > 0) support.push(i);
  return support.sort((x, y) => (counts[y] ?? 0) - (counts[x] ?? 0) || x - y);
}

/** One reusable HiGHS model per vector problem; `bound`/`solve` re-target it at a bin type and duals. */
export class KnapsackLpBound {
  private readonly model: HighsModel;
  private readonly m: number;
  private readonly d: number;

  constructor(
    private readonly highs: Highs,
    private readonly p: VectorProblem,
  ) {
    this.m = classCount(p);
    this.d = p.dims;
    const starts = new Int32Array(this.m + 1);
    const indices: number[] = [];
    const values: number[] = [];
    for (let i = 0; i < this.m; i++) {
      for (let k = 0; k < this.d; k++) {
        const w = p.sizes[i * this.d + k] ?? 0;
        if (w > 0) {
          indices.push(k);
          values.push(w);
        }
      }
      starts[i + 1] = indices.length;
    }
    this.model = highs.createModel({
      numCols: this.m,
      numRows: this.d,
      sense: highs.constants.objectiveSense.maximize,
      colCost: new Float64Array(this.m),
      colLower: new Float64Array(this.m),
      colUpper: new Float64Array(this.m),
      rowLower: new Float64Array(this.d).fill(-highs.infinity),
      rowUpper: new Float64Array(this.d),
      matrix: {
        format: 'csc',
        numRows: this.d,
        numCols: this.m,
        starts,
        indices: Int32Array.from(indices),
        values: Float64Array.from(values),
      },
    });
    this.model.options.set({ output_flag: false, presolve: 'off', solver: 'simplex' });
  }

  /** Upper bound on max profit . a over bin type b's feasible patterns; undefined if HiGHS fails. */
  bound(b: number, profit: ArrayLike<number>, maxCount: ArrayLike<number>): number | undefined {
    return this.solve(b, profit, maxCount, false)?.upperBound;
  }

  /**
   * The bound, and a feasible pattern from the LP optimum: every copy count rounded down, then the
   * remaining room filled greedily by profit per normalized size, then refilled exactly (`refill`).
   * Near-optimal for large nodes. `pattern` false: the bound only (the pattern is empty).
   */
  solve(
    b: number,
    profit: ArrayLike<number>,
    maxCount: ArrayLike<number>,
    pattern = true,
    /** Refill the rounded pattern exactly (slower; for when the plain rounding finds no column). */
    refill = false,
  ): { upperBound: number; classes: number[]; counts: number[]; value: number } | undefined {
    const { m, d, p } = this;
    const upper = new Float64Array(m);
    const cost = new Float64Array(m);
    for (let i = 0; i < m; i++) {
      const pi = profit[i] ?? 0;
      if (pi <= 0 || p.compatible[b * m + i] !== 1) continue;
      upper[i] = itemCap(p, b, i, maxCount[i] ?? 0);
      cost[i] = pi;
    }
    if (m === 0) return { upperBound: 0, classes: [], counts: [], value: 0 };
    this.model.changeColsCost({ kind: 'range', from: 0, to: m - 1 }, cost);
    this.model.changeColsBounds({ kind: 'range', from: 0, to: m - 1 }, new Float64Array(m), upper);
    this.model.changeRowsBounds(
      { kind: 'range', from: 0, to: d - 1 },
      new Float64Array(d).fill(-this.highs.infinity),
      p.capacities.subarray(b * d, b * d + d),
    );
    this.model.run();
    if (this.model.getModelStatus() !== this.highs.constants.modelStatus.optimal) return undefined;
    // Not the solver's objective (correct only within its tolerances) but the LP dual objective at the
    // solver's row duals, computed here: by weak duality it bounds the knapsack for ANY multipliers
    // lambda >= 0, so the bound is valid whatever the solver's accuracy or sign convention.
    const solution = this.model.getSolution();
    const duals = solution.rowDual;
    const dualBound = (sign: number) =>
      knapsackDualBound(
        p,
        b,
        profit,
        maxCount,
        Array.from({ length: d }, (_, k) => sign * (duals[k] ?? 0)),
      );
    const upperBound = Math.min(dualBound(1), dualBound(-1));
    if (!pattern) return { upperBound, classes: [], counts: [], value: 0 };
    // Round the LP optimum down, then fill greedily.
    const counts = new Float64Array(m);
    const load = new Float64Array(d);
    for (let i = 0; i < m; i++) {
      const c = Math.min(upper[i] ?? 0, Math.floor((solution.colValue[i] ?? 0) + 1e-9));
      if (c <= 0) continue;
      counts[i] = c;
      for (let k = 0; k < d; k++) load[k] = (load[k] ?? 0) + c * (p.sizes[i * d + k] ?? 0);
    }
    for (let k = 0; k < d; k++)
      if ((load[k] ?? 0) > (p.capacities[b * d + k] ?? 0))
        return { upperBound, classes: [], counts: [], value: 0 };
    const capacity = p.capacities.subarray(b * d, b * d + d);
    const floored = Float64Array.from(counts);
    const density = (i: number) => {
      let size = 0;
      for (let k = 0; k < d; k++)
        if ((capacity[k] ?? 0) > 0) size += (p.sizes[i * d + k] ?? 0) / (capacity[k] ?? 1);
      return (cost[i] ?? 0) / Math.max(size, 1e-12);
    };
    const order = Array.from({ length: m }, (_, i) => i)
      .filter((i) => (upper[i] ?? 0) > (counts[i] ?? 0))
      .sort((x, y) => density(y) - density(x) || x - y);
    for (const i of order) {
      let fit = (upper[i] ?? 0) - (counts[i] ?? 0);
      for (let k = 0; k < d && fit > 0; k++) {
        const w = p.sizes[i * d + k] ?? 0;
        if (w > 0) fit = Math.min(fit, Math.floor(((capacity[k] ?? 0) - (load[k] ?? 0)) / w));
      }
      if (fit <= 0) continue;
      counts[i] = (counts[i] ?? 0) + fit;
      for (let k = 0; k < d; k++) load[k] = (load[k] ?? 0) + fit * (p.sizes[i * d + k] ?? 0);
    }
    let value = 0;
    for (let i = 0; i < m; i++) value += (counts[i] ?? 0) * (cost[i] ?? 0);
    // The rounding loses up to a pod per fractional class, which near the LP optimum is often all of
    // a column's margin: refill the room exactly (a small knapsack over what still fits), from the
    // rounded-down LP solution and from it less one copy of each class it holds.
    if (refill) {
      for (const [n, j] of [-1, ...floorSupport(floored)].entries()) {
        if (n > REFILL_ATTEMPTS) break;
        const base = Float64Array.from(floored);
        if (j >= 0) base[j] = (base[j] ?? 0) - 1;
        const room = Float64Array.from(capacity);
        let baseValue = 0;
        const left = new Float64Array(m);
        for (let i = 0; i < m; i++) {
          const c = base[i] ?? 0;
          baseValue += c * (cost[i] ?? 0);
          left[i] = Math.max(0, (upper[i] ?? 0) - c);
          for (let k = 0; k < d; k++) room[k] = (room[k] ?? 0) - c * (p.sizes[i * d + k] ?? 0);
        }
        const fill = solveKnapsack(p, b, cost, left, {
          threshold: value - baseValue,
          nodeLimit: REFILL_NODES,
          capacity: room,
        });
        if (baseValue + fill.value <= value + 1e-12) continue;
        counts.set(base);
        for (let t = 0; t < fill.classes.length; t++) {
          const i = fill.classes[t] ?? 0;
          counts[i] = (counts[i] ?? 0) + (fill.counts[t] ?? 0);
        }
        value = baseValue + fill.value;
      }
    }
    const classes: number[] = [];
    const result: number[] = [];
    for (let i = 0; i < m; i++) {
      const c = counts[i] ?? 0;
      if (c <= 0) continue;
      classes.push(i);
      result.push(c);
    }
    return { upperBound: Math.max(upperBound, value), classes, counts: result, value };
  }

  dispose(): void {
    this.model.dispose();
  }
}
