/**
 * Constructive heuristics and local search on the vector problem. All deterministic: ties break on the
 * lower index.
 */
import {
  addToBin,
  binLoad,
  binTypeCount,
  classCount,
  cloneBin,
  downsizeBins,
  type PackedBin,
  perBinCap,
  solutionCost,
  type VectorProblem,
} from './vector';

/** Largest capacity of each dimension over all bin types (for normalizing sizes). */
function maxCapacities(p: VectorProblem): Float64Array {
  const d = p.dims;
  const result = new Float64Array(d);
  for (let b = 0; b < binTypeCount(p); b++)
    for (let k = 0; k < d; k++) result[k] = Math.max(result[k] ?? 0, p.capacities[b * d + k] ?? 0);
  return result;
}

/** Sum over dimensions of size / reference capacity. */
function normalizedSize(p: VectorProblem, i: number, reference: ArrayLike<number>): number {
  let s = 0;
  for (let k = 0; k < p.dims; k++) {
    const c = reference[k] ?? 0;
    if (c > 0) s += (p.sizes[i * p.dims + k] ?? 0) / c;
  }
  return s;
}

/** Copies of class i that still fit a bin with this load holding `have` of them, capped at `limit`. */
function copiesThatFit(
  p: VectorProblem,
  b: number,
  load: ArrayLike<number>,
  i: number,
  limit: number,
  have = 0,
): number {
  const d = p.dims;
  let fit = Math.min(limit, perBinCap(p, i, limit + have) - have);
  for (let k = 0; k < d && fit > 0; k++) {
    const w = p.sizes[i * d + k] ?? 0;
    if (w > 0) fit = Math.min(fit, Math.floor(((p.capacities[b * d + k] ?? 0) - (load[k] ?? 0)) / w));
  }
  return Math.max(0, fit);
}

function addLoad(p: VectorProblem, load: Float64Array, i: number, count: number): void {
  for (let k = 0; k < p.dims; k++) load[k] = (load[k] ?? 0) + count * (p.sizes[i * p.dims + k] ?? 0);
}

/**
 * First fit decreasing: classes by decreasing normalized size (sum over dimensions of size / largest
 * capacity); each copy goes into the first open bin it fits; a new bin takes the compatible type with
 * the lowest cost per normalized capacity. With one bin type this is the textbook FFD (sum rule).
 */
export function firstFitDecreasing(p: VectorProblem, demand?: ArrayLike<number>): PackedBin[] {
  const m = classCount(p);
  const d = p.dims;
  const reference = maxCapacities(p);
  const order = Array.from({ length: m }, (_, i) => i).sort(
    (x, y) => normalizedSize(p, y, reference) - normalizedSize(p, x, reference) || x - y,
  );
  const bins: PackedBin[] = [];
  const loads: Float64Array[] = [];
  const types = binTypeCount(p);
  const score = new Float64Array(types);
  for (let b = 0; b < types; b++) {
    let s = 0;
    for (let k = 0; k < d; k++) {
      const r = reference[k] ?? 0;
      if (r > 0) s += (p.capacities[b * d + k] ?? 0) / r;
    }
    score[b] = (p.costs[b] ?? 0) / Math.max(s, 1e-12);
  }
  const empty = new Float64Array(d);
  for (const i of order) {
    let remaining = demand?.[i] ?? p.demand[i] ?? 0;
    if (remaining <= 0) continue;
    for (let n = 0; n < bins.length && remaining > 0; n++) {
      const bin = bins[n] as PackedBin;
      if (p.compatible[bin.type * m + i] !== 1) continue;
      const load = loads[n] as Float64Array;
      const fit = copiesThatFit(p, bin.type, load, i, remaining, bin.counts[bin.classes.indexOf(i)] ?? 0);
      if (fit > 0) {
        addToBin(bin, i, fit);
        addLoad(p, load, i, fit);
        remaining -= fit;
      }
    }
    if (remaining <= 0) continue;
    // The type new bins of this class take does not depend on the open bins: chosen once per class (it
    // was chosen again for every new bin, thousands of times on capped classes and hundreds of options).
    let bestType = -1;
    for (let b = 0; b < types; b++) {
      if (p.compatible[b * m + i] !== 1 || copiesThatFit(p, b, empty, i, 1) < 1) continue;
      if (bestType < 0 || (score[b] ?? 0) < (score[bestType] ?? 0)) bestType = b;
    }
    if (bestType < 0) throw new Error(`class ${i} fits no bin type`);
    while (remaining > 0) {
      const load = new Float64Array(d);
      const fit = copiesThatFit(p, bestType, load, i, remaining);
      const bin: PackedBin = { type: bestType, classes: [i], counts: [fit] };
      addLoad(p, load, i, fit);
      bins.push(bin);
      loads.push(load);
      remaining -= fit;
    }
  }
  return bins;
}

/**
 * Value of each class for the cost-aware greedy when no LP duals are known: the cost of its most
 * expensive dimension at the cheapest compatible price per unit of that dimension.
 */
export function resourceValues(p: VectorProblem): Float64Array {
  const m = classCount(p);
  const d = p.dims;
  const values = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    let value = 0;
    for (let k = 0; k < d; k++) {
      const w = p.sizes[i * d + k] ?? 0;
      if (w === 0) continue;
      let rate = Number.POSITIVE_INFINITY;
      for (let b = 0; b < binTypeCount(p); b++) {
        const c = p.capacities[b * d + k] ?? 0;
        if (p.compatible[b * m + i] === 1 && c > 0) rate = Math.min(rate, (p.costs[b] ?? 0) / c);
      }
      if (Number.isFinite(rate)) value = Math.max(value, w * rate);
    }
    values[i] = value;
  }
  return values;
}

/**
 * A point in time after which a heuristic stops improving and completes what is left quickly. The clock
 * is the caller's (solve.ts passes its injected `now`), so domain code never reads the time itself.
 */
export interface HeuristicDeadline {
  readonly now: () => number;
  readonly deadline: number;
}

const pastDeadline = (limit: HeuristicDeadline | undefined) =>
  limit !== undefined && limit.now() > limit.deadline;

/**
 * `items` (increasing) by decreasing key, ties by increasing item: the order of
 * `items.sort((x, y) => key[y] - key[x] || x - y)` for keys that are not NaN. The keys are sorted by the
 * typed array's own numeric sort and each item is placed at its key's first position plus the items of
 * equal key placed before it: the comparator sort took most of the cost-aware greedy's set-up on
 * thousands of classes x hundreds of types (10,000 trace pods: two sorts per type, 0.13 s of CPU).
 */
export function byKeyDescending(items: ArrayLike<number>, key: ArrayLike<number>): Int32Array {
  const n = items.length;
  // Negated, so that ascending is the wanted order; `+ 0` turns -0 into 0, which the comparator ties.
  const sorted = new Float64Array(n);
  for (let j = 0; j < n; j++) sorted[j] = -(key[items[j] ?? 0] ?? 0) + 0;
  sorted.sort();
  const placed = new Int32Array(n);
  const result = new Int32Array(n);
  for (let j = 0; j < n; j++) {
    const k = -(key[items[j] ?? 0] ?? 0) + 0;
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((sorted[mid] ?? 0) < k) lo = mid + 1;
      else hi = mid;
    }
    result[lo + (placed[lo] ?? 0)] = items[j] ?? 0;
    placed[lo] = (placed[lo] ?? 0) + 1;
  }
  return result;
}

/**
 * Cost-aware greedy (set-cover style): repeatedly, for every bin type, fill an empty bin greedily with
 * the remaining copies (two orders: value density, and decreasing size); open the bin type and pattern
 * with the lowest cost per unit of value, as many times as the remaining copies allow.
 * `values` are class values: LP duals when known (LP-guided), `resourceValues` otherwise.
 * Past `limit.deadline` (checked once per opened pattern) the copies left are packed by first fit
 * decreasing, so the plan is always complete and feasible.
 */
export function costAwareGreedy(
  p: VectorProblem,
  values: ArrayLike<number>,
  demand?: ArrayLike<number>,
  limit?: HeuristicDeadline,
): PackedBin[] {
  const m = classCount(p);
  const d = p.dims;
  const types = binTypeCount(p);
  const remaining = Int32Array.from({ length: m }, (_, i) => demand?.[i] ?? p.demand[i] ?? 0);
  // Two orders per bin type. The sort keys are computed once per type (comparators recomputing them
  // cost about a third of the greedy on hundreds of classes x options), with the same arithmetic.
  const orders: Int32Array[] = [];
  const sizeKey = new Float64Array(m);
  const densityKey = new Float64Array(m);
  const usable: number[] = [];
  for (let b = 0; b < types; b++) {
    usable.length = 0;
    for (let i = 0; i < m; i++) {
      if (p.compatible[b * m + i] !== 1 || perBinCap(p, i, 1) < 1) continue;
      let fits = true;
      for (let k = 0; k < d && fits; k++) {
        const w = p.sizes[i * d + k] ?? 0;
        if (w > 0 && Math.floor((p.capacities[b * d + k] ?? 0) / w) < 1) fits = false;
      }
      if (!fits) continue;
      usable.push(i);
      let size = 0;
      for (let k = 0; k < d; k++) {
        const c = p.capacities[b * d + k] ?? 0;
        if (c > 0) size += (p.sizes[i * d + k] ?? 0) / c;
      }
      sizeKey[i] = size;
      densityKey[i] = (values[i] ?? 0) / Math.max(size, 1e-12);
    }
    orders.push(byKeyDescending(usable, densityKey));
    orders.push(byKeyDescending(usable, sizeKey));
  }
  /**
   * A bin of type b is full once the room left in some dimension k is below `smallest[b * d + k]`, the
   * least size in k of the classes it takes (0 when one of them does not use k): no later class fits, so
   * a pattern's fill stops there. Division as in copiesThatFit, so the test agrees with it exactly.
   */
  const smallest = new Float64Array(types * d);
  for (let b = 0; b < types; b++) {
    const order = orders[2 * b] as Int32Array;
    for (let k = 0; k < d; k++) {
      let least = order.length > 0 ? Number.POSITIVE_INFINITY : 0;
      for (const i of order) least = Math.min(least, p.sizes[i * d + k] ?? 0);
      smallest[b * d + k] = least;
    }
  }
  const full = (b: number, load: Float64Array) => {
    for (let k = 0; k < d; k++) {
      const w = smallest[b * d + k] ?? 0;
      if (w > 0 && Math.floor(((p.capacities[b * d + k] ?? 0) - (load[k] ?? 0)) / w) < 1) return true;
    }
    return false;
  };
  /** Live length of each order: classes with no copies left are dropped from the front part for good. */
  const live = Int32Array.from(orders, (order) => order.length);
  const bins: PackedBin[] = [];
  const load = new Float64Array(d);
  let left = remaining.reduce((s, v) => s + v, 0);
  // An order's greedy pattern is min(remaining, room) per class in order, so it only changes when one of
  // its classes falls below the count the pattern takes (the room left for later classes is then the
  // same, and classes that did not fit still do not): patterns are cached and recomputed only then.
  const cached: (PackedBin | null | undefined)[] = new Array(orders.length).fill(undefined);
  const ratios = new Float64Array(orders.length);
  const stillValid = (pattern: PackedBin) => {
    for (let j = 0; j < pattern.classes.length; j++)
      if ((remaining[pattern.classes[j] ?? 0] ?? 0) < (pattern.counts[j] ?? 0)) return false;
    return true;
  };
  // Optimistic ratio per bin type: its value is at most capacity_k x the best value per unit of k over
  // the classes it takes (for any dimension every such class uses). Orders are visited by optimistic
  // ratio and the scan stops once no later one can beat the best (ties: the lower order, as before).
  const optimistic = new Float64Array(orders.length);
  for (let o = 0; o < orders.length; o++) {
    const b = o >> 1;
    const order = orders[o] as Int32Array;
    let bound = Number.POSITIVE_INFINITY;
    for (let k = 0; k < d; k++) {
      let best = 0;
      let everyUses = true;
      for (const i of order) {
        const w = p.sizes[i * d + k] ?? 0;
        if (w <= 0) {
          everyUses = false;
          break;
        }
        best = Math.max(best, Math.max(values[i] ?? 0, 1e-9) / w);
      }
      if (everyUses && order.length > 0) bound = Math.min(bound, (p.capacities[b * d + k] ?? 0) * best);
    }
    optimistic[o] = bound > 0 ? (p.costs[b] ?? 0) / bound : Number.POSITIVE_INFINITY;
  }
  const visit = Array.from({ length: orders.length }, (_, o) => o).sort(
    (x, y) => (optimistic[x] ?? 0) - (optimistic[y] ?? 0) || x - y,
  );
  while (left > 0) {
    if (pastDeadline(limit)) {
      bins.push(...firstFitDecreasing(p, remaining));
      break;
    }
    let best: PackedBin | undefined;
    let bestRatio = Number.POSITIVE_INFINITY;
    let bestOrder = -1;
    for (const o of visit) {
      const floor = optimistic[o] ?? 0;
      if (floor > bestRatio * (1 + 1e-12)) break;
      const b = o >> 1;
      let pattern = cached[o];
      if (pattern && !stillValid(pattern)) pattern = undefined;
      if (pattern === undefined) {
        load.fill(0);
        const fresh: PackedBin = { type: b, classes: [], counts: [] };
        let value = 0;
        const order = orders[o] as Int32Array;
        let kept = 0;
        const n = live[o] ?? 0;
        let t = 0;
        for (; t < n; t++) {
          const i = order[t] ?? 0;
          const r = remaining[i] ?? 0;
          if (r === 0) continue;
          order[kept++] = i;
          const fit = copiesThatFit(p, b, load, i, r);
          if (fit > 0) {
            fresh.classes.push(i);
            fresh.counts.push(fit);
            addLoad(p, load, i, fit);
            value += fit * Math.max(values[i] ?? 0, 1e-9);
            if (full(b, load)) {
              t++;
              break;
            }
          }
        }
        // The classes after a full bin stay in the order unexamined.
        order.copyWithin(kept, t, n);
        live[o] = kept + (n - t);
        pattern = fresh.classes.length === 0 ? null : fresh;
        cached[o] = pattern;
        ratios[o] = pattern ? (p.costs[b] ?? 0) / value : Number.POSITIVE_INFINITY;
      }
      if (pattern === null) continue;
      const ratio = ratios[o] ?? Number.POSITIVE_INFINITY;
      if (ratio < bestRatio || (ratio === bestRatio && o < bestOrder)) {
        bestRatio = ratio;
        best = pattern;
        bestOrder = o;
      }
    }
    if (!best) throw new Error('a remaining class fits no bin type');
    let repeat = Number.MAX_SAFE_INTEGER;
    for (let j = 0; j < best.classes.length; j++)
      repeat = Math.min(repeat, Math.floor((remaining[best.classes[j] ?? 0] ?? 0) / (best.counts[j] ?? 1)));
    repeat = Math.max(1, repeat);
    for (let r = 0; r < repeat; r++) bins.push(cloneBin(best));
    for (let j = 0; j < best.classes.length; j++) {
      const i = best.classes[j] ?? 0;
      const used = repeat * (best.counts[j] ?? 0);
      remaining[i] = (remaining[i] ?? 0) - used;
      left -= used;
    }
  }
  downsizeBins(p, bins);
  return bins;
}

/**
 * Tries to move every copy held by `source` into the other bins' free capacity (largest classes first,
 * each batch into the compatible bin it fills best). Commits and returns true only if all copies moved;
 * otherwise the loads are restored.
 */
function emptyInto(
  p: VectorProblem,
  source: number,
  bins: PackedBin[],
  loads: Float64Array[],
  removed: Uint8Array,
): boolean {
  const m = classCount(p);
  const d = p.dims;
  const bin = bins[source] as PackedBin;
  const reference = p.capacities.subarray(bin.type * d, bin.type * d + d);
  const order = bin.classes
    .map((i, j) => [i, bin.counts[j] ?? 0] as const)
    .sort((x, y) => normalizedSize(p, y[0], reference) - normalizedSize(p, x[0], reference) || x[0] - y[0]);
  const moves: [number, number, number][] = [];
  /** Copies of a class a target bin holds, counting the moves not committed yet (per-bin caps). */
  const pending = new Map<number, number>();
  const held = (n: number, i: number) => {
    const target = bins[n] as PackedBin;
    return (target.counts[target.classes.indexOf(i)] ?? 0) + (pending.get(n * classCount(p) + i) ?? 0);
  };
  const undo = () => {
    for (const [i, target, count] of moves) addLoad(p, loads[target] as Float64Array, i, -count);
  };
  for (const [i, total] of order) {
    let left = total;
    while (left > 0) {
      let target = -1;
      let targetSlack = Number.POSITIVE_INFINITY;
      for (let n = 0; n < bins.length; n++) {
        if (n === source || removed[n] === 1) continue;
        const t = (bins[n] as PackedBin).type;
        if (p.compatible[t * m + i] !== 1) continue;
        const load = loads[n] as Float64Array;
        // Room first, then the per-bin cap (the same test as copiesThatFit(..., 1, held) >= 1): looking
        // up the copies a bin holds for every candidate was most of the local search on large plans.
        let room = true;
        for (let k = 0; k < d && room; k++) {
          const w = p.sizes[i * d + k] ?? 0;
          if (w > 0 && Math.floor(((p.capacities[t * d + k] ?? 0) - (load[k] ?? 0)) / w) < 1) room = false;
        }
        if (!room) continue;
        const cap = p.maxPerBin?.[i];
        if (cap !== undefined && cap - held(n, i) < 1) continue;
        let slack = 0;
        for (let k = 0; k < d; k++) {
          const c = p.capacities[t * d + k] ?? 0;
          if (c > 0) slack += (c - (load[k] ?? 0) - (p.sizes[i * d + k] ?? 0)) / c;
        }
        if (slack < targetSlack) {
          targetSlack = slack;
          target = n;
        }
      }
      if (target < 0) {
        undo();
        return false;
      }
      const t = (bins[target] as PackedBin).type;
      const count = copiesThatFit(p, t, loads[target] as Float64Array, i, left, held(target, i));
      addLoad(p, loads[target] as Float64Array, i, count);
      moves.push([i, target, count]);
      pending.set(target * classCount(p) + i, (pending.get(target * classCount(p) + i) ?? 0) + count);
      left -= count;
    }
  }
  for (const [i, target, count] of moves) addToBin(bins[target] as PackedBin, i, count);
  return true;
}

/**
 * Local search: try to empty bins one at a time (least filled first, dearer first on ties) into the
 * others' free capacity, in at most two sweeps and `maxAttempts` tries, and none after `limit.deadline`;
 * then give every bin the cheapest type that holds it. Never increases the cost. Bins are only removed
 * while more than `minBins` remain.
 */
export function eliminateBins(
  p: VectorProblem,
  input: readonly PackedBin[],
  maxAttempts = 600,
  limit?: HeuristicDeadline,
): PackedBin[] {
  const bins = input.map(cloneBin);
  const loads = bins.map((bin) => binLoad(p, bin));
  const removed = new Uint8Array(bins.length);
  const d = p.dims;
  const fill = (n: number) => {
    const t = (bins[n] as PackedBin).type;
    let s = 0;
    for (let k = 0; k < d; k++) {
      const c = p.capacities[t * d + k] ?? 0;
      if (c > 0) s = Math.max(s, ((loads[n] as Float64Array)[k] ?? 0) / c);
    }
    return s;
  };
  let attempts = 0;
  let left = bins.length;
  for (let sweep = 0; sweep < 2 && attempts < maxAttempts; sweep++) {
    let improved = false;
    const order = bins
      .map((_, n) => n)
      .filter((n) => removed[n] === 0)
      .sort(
        (x, y) =>
          fill(x) - fill(y) ||
          (p.costs[(bins[y] as PackedBin).type] ?? 0) - (p.costs[(bins[x] as PackedBin).type] ?? 0) ||
          x - y,
      );
    for (const n of order) {
      if (left <= p.minBins || attempts >= maxAttempts) break;
      // Every attempt leaves a valid plan, so stopping here only gives up improvements.
      if (pastDeadline(limit)) {
        attempts = maxAttempts;
        break;
      }
      attempts++;
      if (emptyInto(p, n, bins, loads, removed)) {
        removed[n] = 1;
        left--;
        improved = true;
      }
    }
    if (!improved) break;
  }
  const kept = bins.filter((_, n) => removed[n] === 0);
  downsizeBins(p, kept);
  return kept;
}

/** The cheaper of two solutions (the first on ties). */
export function cheaper(p: VectorProblem, a: PackedBin[], b: PackedBin[]): PackedBin[] {
  return solutionCost(p, b) < solutionCost(p, a) - 1e-12 ? b : a;
}
