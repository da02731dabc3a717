/**
 * Pricing problem of the column generation: for one bin type, the d-dimensional bounded knapsack
 *
 *   max sum_i profit_i x a_i   s.t.  sum_i a_i x size_i <= capacity (every dimension),
 *                                    0 <= a_i <= maxCount_i, a_i integer, a_i = 0 if i is incompatible.
 *
 * Solved by depth-first branch and bound with a node budget. Whatever the budget, the result carries a
 * proven upper bound on the true maximum, which is what the Farley lower bound needs (see colgen.ts).
 *
 * Upper bound at a node: for each dimension k alone, the fractional (LP) knapsack over the undecided
 * items is an upper bound (dropping the other dimensions and integrality only enlarges the feasible set);
 * the minimum over k is therefore one too.
 */
import { classCount, perBinCap, type VectorProblem } from './vector';

export interface KnapsackResult {
  /** Best pattern value found (0 for the empty pattern). */
  readonly value: number;
  readonly classes: number[];
  readonly counts: number[];
  /**
   * Proven: no feasible pattern has a value above this. Equals `value` when the search proved optimality
   * outright; may be the `threshold` when the search only proved nothing beats it.
   */
  readonly upperBound: number;
  /** True when the search finished within its node budget. */
  readonly complete: boolean;
  /** Up to `collect` patterns worth more than the threshold, best first. */
  readonly patterns: { classes: number[]; counts: number[]; value: number }[];
  readonly nodes: number;
}

export interface KnapsackOptions {
  /** Only patterns worth more than this matter: subtrees that cannot beat it are pruned. */
  readonly threshold: number;
  readonly nodeLimit: number;
  /** Keep the best this many patterns above the threshold (default 1: the best only). */
  readonly collect?: number;
  /**
   * Room to fill instead of the bin type's capacity (per dimension, at most that capacity): what a
   * partly filled pattern leaves, with `maxCount` lowered by the copies it already holds.
   */
  readonly capacity?: ArrayLike<number>;
}

/**
 * Surrogate weights shared by all bin types: lambda_k = 1 / (largest capacity in dimension k). Any
 * lambda >= 0 gives a valid relaxation sum_k lambda_k (size . a) <= sum_k lambda_k capacity.
 */
export function surrogateWeights(p: VectorProblem): Float64Array {
  const d = p.dims;
  const lambda = new Float64Array(d);
  for (let b = 0; b < p.costs.length; b++)
    for (let k = 0; k < d; k++) lambda[k] = Math.max(lambda[k] ?? 0, p.capacities[b * d + k] ?? 0);
  for (let k = 0; k < d; k++) lambda[k] = (lambda[k] ?? 0) > 0 ? 1 / (lambda[k] ?? 1) : 0;
  return lambda;
}

const surrogateSize = (p: VectorProblem, i: number, lambda: ArrayLike<number>): number => {
  let s = 0;
  for (let k = 0; k < p.dims; k++) s += (lambda[k] ?? 0) * (p.sizes[i * p.dims + k] ?? 0);
  return s;
};

/**
 * Per-dimension class orders for `fractionalBound`: classes with zero size first, then by
 * profit / size descending; order number `dims` is the surrogate dimension (`surrogateWeights`).
 */
export function profitOrders(
  p: VectorProblem,
  profit: ArrayLike<number>,
  lambda: ArrayLike<number>,
): Int32Array[] {
  const d = p.dims;
  const m = classCount(p);
  const orders: Int32Array[] = [];
  for (let k = 0; k <= d; k++) {
    const idx = Array.from({ length: m }, (_, i) => i);
    const weight = (i: number) => (k < d ? (p.sizes[i * d + k] ?? 0) : surrogateSize(p, i, lambda));
    const ratio = (i: number) => {
      const w = weight(i);
      return w === 0 ? Number.POSITIVE_INFINITY : (profit[i] ?? 0) / w;
    };
    idx.sort((a, b) => ratio(b) - ratio(a) || a - b);
    orders.push(Int32Array.from(idx));
  }
  return orders;
}

/**
 * Fractional upper bound for bin type b without search, from orders shared by all bin types
 * (`profitOrders`): min over each dimension alone and the surrogate dimension of the LP knapsack.
 */
export function fractionalBound(
  p: VectorProblem,
  b: number,
  profit: ArrayLike<number>,
  maxCount: ArrayLike<number>,
  orders: readonly Int32Array[],
  lambda: ArrayLike<number>,
): number {
  const d = p.dims;
  const m = classCount(p);
  let surrogateCapacity = 0;
  for (let k = 0; k < d; k++) surrogateCapacity += (lambda[k] ?? 0) * (p.capacities[b * d + k] ?? 0);
  let bound = Number.POSITIVE_INFINITY;
  for (let k = d; k >= 0; k--) {
    let residual = k < d ? (p.capacities[b * d + k] ?? 0) : surrogateCapacity;
    let value = 0;
    const order = orders[k] ?? new Int32Array(0);
    for (let n = 0; n < order.length; n++) {
      const i = order[n] ?? 0;
      const pi = profit[i] ?? 0;
      if (pi <= 0 || p.compatible[b * m + i] !== 1) continue;
      const cap = itemCap(p, b, i, maxCount[i] ?? 0);
      if (cap <= 0) continue;
      const w = k < d ? (p.sizes[i * d + k] ?? 0) : surrogateSize(p, i, lambda);
      if (w === 0) value += pi * cap;
      else if (residual >= w * cap) {
        value += pi * cap;
        residual -= w * cap;
      } else {
        value += (pi * Math.max(0, residual)) / w;
        break;
      }
    }
    if (value < bound) bound = value;
  }
  return Number.isFinite(bound) ? bound : 0;
}

/**
 * Upper bound on the knapsack of bin type b from multipliers lambda >= 0 on its capacity (the LP dual
 * objective, valid for ANY such lambda by weak duality):
 *
 *   lambda . capacity_b + sum_i cap_i x max(0, profit_i - lambda . size_i)
 *
 * over the classes allowed on b (cap_i = copies that fit an empty bin, at most maxCount_i).
 */
export function knapsackDualBound(
  p: VectorProblem,
  b: number,
  profit: ArrayLike<number>,
  maxCount: ArrayLike<number>,
  lambda: ArrayLike<number>,
): number {
  const d = p.dims;
  const m = classCount(p);
  let value = 0;
  for (let k = 0; k < d; k++) value += Math.max(0, lambda[k] ?? 0) * (p.capacities[b * d + k] ?? 0);
  for (let i = 0; i < m; i++) {
    const pi = profit[i] ?? 0;
    if (pi <= 0 || p.compatible[b * m + i] !== 1) continue;
    let reduced = pi;
    for (let k = 0; k < d; k++) reduced -= Math.max(0, lambda[k] ?? 0) * (p.sizes[i * d + k] ?? 0);
    if (reduced > 0) value += itemCap(p, b, i, maxCount[i] ?? 0) * reduced;
  }
  return value;
}

/** Copies of class i that fit an empty bin of type b, capped at `maxCount`. */
export function itemCap(p: VectorProblem, b: number, i: number, maxCount: number): number {
  const d = p.dims;
  let cap = perBinCap(p, i, maxCount);
  for (let k = 0; k < d && cap > 0; k++) {
    const w = p.sizes[i * d + k] ?? 0;
    if (w > 0) cap = Math.min(cap, Math.floor((p.capacities[b * d + k] ?? 0) / w));
  }
  return Math.max(0, cap);
}

/**
 * Branch and bound for one bin type. Items are tried in order of profit per normalized size, counts from
 * the largest that fits down to 0 (so the first dive is the greedy solution). Bound: min over each
 * dimension alone and the surrogate dimension sum_k size_k / capacity_k <= (number of dimensions) of the
 * fractional knapsack over the undecided items.
 */
export function solveKnapsack(
  p: VectorProblem,
  b: number,
  profit: ArrayLike<number>,
  maxCount: ArrayLike<number>,
  options: KnapsackOptions,
): KnapsackResult {
  const d = p.dims;
  const dd = d + 1;
  const m = classCount(p);
  const capacity = options.capacity ?? p.capacities.subarray(b * d, b * d + d);

  const candidates: number[] = [];
  const caps: number[] = [];
  for (let i = 0; i < m; i++) {
    if ((profit[i] ?? 0) <= 0 || p.compatible[b * m + i] !== 1) continue;
    let cap = itemCap(p, b, i, maxCount[i] ?? 0);
    for (let k = 0; k < d && cap > 0 && options.capacity; k++) {
      const w = p.sizes[i * d + k] ?? 0;
      if (w > 0) cap = Math.min(cap, Math.floor(Math.max(0, capacity[k] ?? 0) / w));
    }
    if (cap > 0) {
      candidates.push(i);
      caps[i] = cap;
    }
  }
  const normalized = (i: number) => {
    let size = 0;
    for (let k = 0; k < d; k++) {
      const c = capacity[k] ?? 0;
      if (c > 0) size += (p.sizes[i * d + k] ?? 0) / c;
    }
    return size;
  };
  const efficiency = (i: number) => {
    const size = normalized(i);
    return size === 0 ? Number.POSITIVE_INFINITY : (profit[i] ?? 0) / size;
  };
  candidates.sort((x, y) => efficiency(y) - efficiency(x) || x - y);
  const n = candidates.length;
  const w = new Float64Array(n * dd);
  const pr = new Float64Array(n);
  const up = new Int32Array(n);
  for (let j = 0; j < n; j++) {
    const i = candidates[j] ?? 0;
    pr[j] = profit[i] ?? 0;
    up[j] = caps[i] ?? 0;
    for (let k = 0; k < d; k++) w[j * dd + k] = p.sizes[i * d + k] ?? 0;
    w[j * dd + d] = normalized(i);
  }
  const residual = new Float64Array(dd);
  for (let k = 0; k < d; k++) {
    residual[k] = capacity[k] ?? 0;
    if ((capacity[k] ?? 0) > 0) residual[d] = (residual[d] ?? 0) + 1;
  }
  // Per-dimension orders over positions; the surrogate dimension is checked first (it prunes most).
  const orders: Int32Array[] = [];
  const dimOrder = [d, ...Array.from({ length: d }, (_, k) => k)];
  for (let k = 0; k < dd; k++) {
    const idx = Array.from({ length: n }, (_, j) => j);
    const ratio = (j: number) => {
      const wk = w[j * dd + k] ?? 0;
      return wk === 0 ? Number.POSITIVE_INFINITY : (pr[j] ?? 0) / wk;
    };
    idx.sort((x, y) => ratio(y) - ratio(x) || x - y);
    orders.push(Int32Array.from(idx));
  }

  // Static orders for the cardinality bound: by size ascending per dimension, and by profit descending.
  const bySize: Int32Array[] = [];
  for (let k = 0; k < d; k++) {
    const idx = Array.from({ length: n }, (_, j) => j);
    idx.sort((x, y) => (w[x * dd + k] ?? 0) - (w[y * dd + k] ?? 0) || x - y);
    bySize.push(Int32Array.from(idx));
  }
  const byProfit = Int32Array.from(
    Array.from({ length: n }, (_, j) => j).sort((x, y) => (pr[y] ?? 0) - (pr[x] ?? 0) || x - y),
  );

  const current = new Int32Array(n);
  const bestCounts = new Int32Array(n);
  /** Copies of each position that still fit the residual on their own (0 = excluded), per node. */
  const fitCap = new Int32Array(n);
  let best = 0;
  let nodes = 0;
  let aborted = false;
  let openMax = 0;
  const threshold = options.threshold;
  const collect = Math.max(1, options.collect ?? 1);
  const kept: { value: number; counts: Int32Array }[] = [];
  /** Value the K-th kept pattern must beat; the prune level while collecting. */
  const kthValue = () => (kept.length < collect ? threshold : (kept[kept.length - 1]?.value ?? threshold));
  const keep = (value: number) => {
    if (value <= kthValue() + 1e-12) return;
    if (kept.length === collect) kept.pop();
    let at = kept.length;
    while (at > 0 && (kept[at - 1]?.value ?? 0) < value) at--;
    kept.splice(at, 0, { value, counts: Int32Array.from(current) });
  };

  /**
   * Upper bound on what positions >= from can add to the residual, each capped at the copies that fit
   * it alone (`fitCap`, items that do not fit are out): the minimum of the fractional bound of each
   * dimension alone, of the surrogate dimension, and of the cardinality bound (no more copies than the
   * smallest ones fill in any dimension, each worth at most the largest profits). Stops at `stop`.
   */
  const bound = (from: number, stop: number): number => {
    let result = Number.POSITIVE_INFINITY;
    for (const k of dimOrder) {
      let r = residual[k] ?? 0;
      let value = 0;
      const order = orders[k] ?? new Int32Array(0);
      for (let t = 0; t < n; t++) {
        const j = order[t] ?? 0;
        const uj = fitCap[j] ?? 0;
        if (j < from || uj === 0) continue;
        const wk = w[j * dd + k] ?? 0;
        const pj = pr[j] ?? 0;
        if (wk === 0) value += pj * uj;
        else if (r >= wk * uj) {
          value += pj * uj;
          r -= wk * uj;
        } else {
          value += (pj * Math.max(0, r)) / wk;
          break;
        }
      }
      if (value < result) result = value;
      if (result <= stop) return result;
    }
    let copies = Number.MAX_SAFE_INTEGER;
    for (let k = 0; k < d; k++) {
      let r = residual[k] ?? 0;
      let c = 0;
      const order = bySize[k] ?? new Int32Array(0);
      for (let t = 0; t < n && c < copies; t++) {
        const j = order[t] ?? 0;
        const uj = fitCap[j] ?? 0;
        if (j < from || uj === 0) continue;
        const wk = w[j * dd + k] ?? 0;
        if (wk === 0) {
          c += uj;
          continue;
        }
        const fit = Math.min(uj, Math.floor(r / wk));
        c += fit;
        r -= fit * wk;
        if (fit < uj) break;
      }
      copies = Math.min(copies, c);
    }
    let value = 0;
    for (let t = 0; t < n && copies > 0; t++) {
      const j = byProfit[t] ?? 0;
      const uj = fitCap[j] ?? 0;
      if (j < from || uj === 0) continue;
      const c = Math.min(uj, copies);
      value += c * (pr[j] ?? 0);
      copies -= c;
    }
    return Math.min(result, value);
  };

  const search = (from: number, value: number): void => {
    nodes++;
    if (value > best) {
      best = value;
      bestCounts.set(current);
    }
    if (collect > 1 && value > threshold) keep(value);
    // Copies of each undecided item that fit the residual alone; the first that fits is branched on.
    let first = -1;
    for (let j = from; j < n; j++) {
      let fit = up[j] ?? 0;
      for (let k = 0; k < d && fit > 0; k++) {
        const wk = w[j * dd + k] ?? 0;
        if (wk > 0) fit = Math.min(fit, Math.floor((residual[k] ?? 0) / wk));
      }
      fitCap[j] = Math.max(0, fit);
      if (first < 0 && fit > 0) first = j;
    }
    if (first < 0) return;
    const j = first;
    const maxFit = fitCap[j] ?? 0;
    const pruneLevel = collect > 1 ? Math.max(threshold, kthValue()) : Math.max(best, threshold);
    const nodeBound = value + bound(j, pruneLevel - value);
    if (nodeBound <= pruneLevel + 1e-12) return;
    if (nodes >= options.nodeLimit) {
      aborted = true;
      openMax = Math.max(openMax, nodeBound);
      return;
    }
    const pj = pr[j] ?? 0;
    for (let c = maxFit; c >= 0; c--) {
      current[j] = c;
      for (let k = 0; k < dd; k++) residual[k] = (residual[k] ?? 0) - c * (w[j * dd + k] ?? 0);
      search(j + 1, value + c * pj);
      for (let k = 0; k < dd; k++) residual[k] = (residual[k] ?? 0) + c * (w[j * dd + k] ?? 0);
      if (aborted) break;
    }
    current[j] = 0;
    if (aborted) openMax = Math.max(openMax, nodeBound);
  };
  search(0, 0);

  const toPattern = (positions: Int32Array) => {
    const classes: number[] = [];
    const counts: number[] = [];
    for (let j = 0; j < n; j++) {
      const c = positions[j] ?? 0;
      if (c > 0) {
        classes.push(candidates[j] ?? 0);
        counts.push(c);
      }
    }
    sortPattern(classes, counts);
    return { classes, counts };
  };
  const { classes, counts } = toPattern(bestCounts);
  const patterns =
    collect > 1
      ? kept.map((k) => ({ ...toPattern(k.counts), value: k.value }))
      : best > threshold
        ? [{ classes, counts, value: best }]
        : [];
  return {
    value: best,
    classes,
    counts,
    patterns,
    upperBound: Math.max(best, threshold, aborted ? openMax : 0),
    complete: !aborted,
    nodes,
  };
}

/**
 * Quick columns for one bin type: for each seed class (highest profit first), the seed's copies, then
 * the other classes greedily by profit per normalized size. Returns patterns worth more than `threshold`.
 */
export function seededGreedyPatterns(
  p: VectorProblem,
  b: number,
  profit: ArrayLike<number>,
  maxCount: ArrayLike<number>,
  threshold: number,
  seeds: number,
): { classes: number[]; counts: number[]; value: number }[] {
  const d = p.dims;
  const m = classCount(p);
  const capacity = p.capacities.subarray(b * d, b * d + d);
  const candidates: number[] = [];
  for (let i = 0; i < m; i++)
    if ((profit[i] ?? 0) > 0 && p.compatible[b * m + i] === 1 && itemCap(p, b, i, maxCount[i] ?? 0) > 0)
      candidates.push(i);
  const normalized = (i: number) => {
    let size = 0;
    for (let k = 0; k < d; k++) {
      const c = capacity[k] ?? 0;
      if (c > 0) size += (p.sizes[i * d + k] ?? 0) / c;
    }
    return size;
  };
  const byEfficiency = [...candidates].sort(
    (x, y) =>
      (profit[y] ?? 0) / Math.max(normalized(y), 1e-12) - (profit[x] ?? 0) / Math.max(normalized(x), 1e-12) ||
      x - y,
  );
  const bySeed = [...candidates].sort((x, y) => (profit[y] ?? 0) - (profit[x] ?? 0) || x - y).slice(0, seeds);
  const load = new Float64Array(d);
  const results: { classes: number[]; counts: number[]; value: number }[] = [];
  const fit = (i: number, limit: number) => {
    let f = limit;
    for (let k = 0; k < d && f > 0; k++) {
      const wk = p.sizes[i * d + k] ?? 0;
      if (wk > 0) f = Math.min(f, Math.floor(((capacity[k] ?? 0) - (load[k] ?? 0)) / wk));
    }
    return Math.max(0, f);
  };
  const byProfit = [...candidates].sort((x, y) => (profit[y] ?? 0) - (profit[x] ?? 0) || x - y);
  for (const seed of bySeed) {
    // Two completions per seed: by profit per normalized size, and by profit alone (better when only
    // two or three items fit a bin).
    for (const order of [byEfficiency, byProfit]) {
      load.fill(0);
      const classes: number[] = [];
      const counts: number[] = [];
      let value = 0;
      for (const i of [seed, ...order]) {
        if (i === seed && classes.length > 0) continue;
        const c = fit(i, perBinCap(p, i, maxCount[i] ?? 0));
        if (c <= 0) continue;
        classes.push(i);
        counts.push(c);
        value += c * (profit[i] ?? 0);
        for (let k = 0; k < d; k++) load[k] = (load[k] ?? 0) + c * (p.sizes[i * d + k] ?? 0);
      }
      if (value > threshold) {
        sortPattern(classes, counts);
        results.push({ classes, counts, value });
      }
    }
  }
  return results;
}

/** Sorts a sparse pattern by class index (in place). */
export function sortPattern(classes: number[], counts: number[]): void {
  const order = classes.map((_, j) => j).sort((x, y) => (classes[x] ?? 0) - (classes[y] ?? 0));
  const c0 = order.map((j) => classes[j] ?? 0);
  const n0 = order.map((j) => counts[j] ?? 0);
  classes.splice(0, classes.length, ...c0);
  counts.splice(0, counts.length, ...n0);
}
