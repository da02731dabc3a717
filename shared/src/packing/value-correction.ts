/**
 * Sequential value correction (SVC; Mukhacheva, Belov & Scheithauer, for cutting stock with many item
 * types), with node types and prices. Each pass builds a whole plan node by node: for every candidate
 * node type, a 3-D bounded knapsack (every dimension, counts within the pods left, compatibility,
 * per-bin caps) maximises the pods' current values; the node whose value per price is best opens (as
 * many times as the pods left allow). After a pass, each class's value is corrected towards what its
 * pods cost in that plan (its share of its nodes' prices, by size in the dimensions that bind), and the
 * next pass packs with the corrected values; the cheapest plan is kept.
 *
 * Why: a node filled in one fixed order (`costAwareGreedy`: density or size) does not pair CPU-heavy
 * with memory-heavy pods, which the Bitbrains trace needs (type-16 nodes full in CPU with half their
 * memory free, memory-heavy pods on dearer memory-rich types). The knapsack here weighs each dimension
 * by how scarce it is on the node being filled, so the remaining room draws the pods that use the other
 * dimension (ADR 0095).
 *
 * Deterministic: no clock-dependent choice inside a pass except where the deadline stops the search
 * (a first pass stopped early completes with first fit decreasing, later passes are abandoned).
 */
import { firstFitDecreasing, type HeuristicDeadline } from './heuristics';
import {
  binTypeCount,
  classCount,
  downsizeBins,
  fitsEmpty,
  type PackedBin,
  perBinCap,
  solutionCost,
  type VectorProblem,
} from './vector';

export interface ValueCorrectionOptions extends HeuristicDeadline {
  /**
   * Deadline of the first pass, which otherwise completes with first fit decreasing (much dearer) at
   * `deadline`: later passes only improve a plan, the first is the plan (default `deadline`).
   */
  readonly firstPassDeadline?: number;
  /** Passes at most (default 32); each builds a whole plan (1,000 trace pods: about 5 ms each). */
  readonly passes?: number;
  /**
   * Node types to try besides each class's cheapest ones (e.g. the fluid relaxation's support); absent:
   * every type.
   */
  readonly types?: ArrayLike<number>;
  /** Weight of a pass's observed costs in the corrected values (default 0.3). */
  readonly correction?: number;
  /**
   * The correction charges a node's price to its pods by size, each dimension weighted by the node's
   * fill in it to this power (default 4: mostly the dimensions that bind).
   */
  readonly fillPower?: number;
  /**
   * Refill a type's knapsack only while its last pattern's value per price could still beat the best
   * node so far (default false: every type whose pattern lost a class is refilled at every node). A
   * pass costs a third as much on 10,000 trace pods (50 ms against 170 ms) for plans of the same spread,
   * but on 1,000 trace pods the best of 32 passes was dearer ($21.25/h against $21.14/h), where the
   * passes are cheap anyway.
   */
  readonly lazy?: boolean;
  /** Stop once a plan costs at most this (e.g. the lower bound). */
  readonly target?: number;
}

export interface ValueCorrectionResult {
  /** The cheapest plan over the passes (every pod placed, nodes downsized). */
  readonly bins: PackedBin[];
  /** Cost of each finished pass's plan, in order. */
  readonly passCosts: number[];
}

/**
 * Runs SVC passes from the start values (LP duals: near the prices pods are worth) until the passes or
 * the deadline run out. Returns undefined only when not even the first pass could start (no classes).
 */
export function sequentialValueCorrection(
  p: VectorProblem,
  startValues: ArrayLike<number>,
  options: ValueCorrectionOptions,
): ValueCorrectionResult | undefined {
  const m = classCount(p);
  if (m === 0) return undefined;
  const types = candidateTypes(p, options.types);
  // Classes each candidate type may hold (compatible, one copy fits, cap allows one).
  const items = types.map((b) => {
    const list: number[] = [];
    for (let i = 0; i < m; i++) if (fitsEmpty(p, b, i) && perBinCap(p, i, 1) >= 1) list.push(i);
    return Int32Array.from(list);
  });
  const values = Float64Array.from({ length: m }, (_, i) => Math.max(startValues[i] ?? 0, 0));
  // A class without value would never be chosen by the knapsack: give it a trace of its size.
  const floor = smallValues(p, values);
  for (let i = 0; i < m; i++) values[i] = Math.max(values[i] ?? 0, floor[i] ?? 0);
  const passes = options.passes ?? 32;
  const alpha = options.correction ?? 0.3;
  const scratch = new Scratch(p, m);
  let best: PackedBin[] | undefined;
  let bestCost = Number.POSITIVE_INFINITY;
  const passCosts: number[] = [];
  for (let pass = 0; pass < passes; pass++) {
    const plan = buildPass(p, types, items, values, scratch, options, pass === 0);
    if (!plan) break;
    downsizeBins(p, plan);
    const cost = solutionCost(p, plan);
    passCosts.push(cost);
    if (cost < bestCost - 1e-9) {
      best = plan;
      bestCost = cost;
    }
    if (options.target !== undefined && bestCost <= options.target + 1e-9) break;
    if (options.now() > options.deadline) break;
    correctValues(p, plan, values, floor, alpha, options.fillPower ?? 4);
  }
  return best ? { bins: best, passCosts } : undefined;
}

/** Reusable buffers of one knapsack fill. */
class Scratch {
  readonly room: Float64Array;
  readonly avail: Int32Array;
  /** 1 / room per dimension. */
  readonly inverse: Float64Array;
  readonly classes: number[] = [];
  readonly counts: number[] = [];
  constructor(p: VectorProblem, m: number) {
    this.room = new Float64Array(p.dims);
    this.inverse = new Float64Array(p.dims);
    this.avail = new Int32Array(m);
  }
}

/**
 * The given types plus, for every class, its cheapest type for one copy and its cheapest per copy on a
 * node of only that class: whatever the given set, every class can be placed, and the small types that
 * finish a plan's tail cheaply are there.
 */
function candidateTypes(p: VectorProblem, given: ArrayLike<number> | undefined): number[] {
  const types = binTypeCount(p);
  if (!given) return Array.from({ length: types }, (_, b) => b);
  const m = classCount(p);
  const d = p.dims;
  const chosen = new Uint8Array(types);
  for (let n = 0; n < given.length; n++) {
    const b = given[n] ?? -1;
    if (b >= 0 && b < types) chosen[b] = 1;
  }
  for (let i = 0; i < m; i++) {
    let cheapest = -1;
    let perCopy = -1;
    let perCopyCost = Number.POSITIVE_INFINITY;
    for (let b = 0; b < types; b++) {
      if (!fitsEmpty(p, b, i)) continue;
      const cost = p.costs[b] ?? 0;
      if (cheapest < 0 || cost < (p.costs[cheapest] ?? 0)) cheapest = b;
      let copies = Math.max(1, perBinCap(p, i, p.demand[i] ?? 1));
      for (let k = 0; k < d; k++) {
        const w = p.sizes[i * d + k] ?? 0;
        if (w > 0) copies = Math.min(copies, Math.floor((p.capacities[b * d + k] ?? 0) / w));
      }
      if (cost / Math.max(copies, 1) < perCopyCost) {
        perCopyCost = cost / Math.max(copies, 1);
        perCopy = b;
      }
    }
    if (cheapest >= 0) chosen[cheapest] = 1;
    if (perCopy >= 0) chosen[perCopy] = 1;
  }
  const result: number[] = [];
  for (let b = 0; b < types; b++) if (chosen[b] === 1) result.push(b);
  return result;
}

/**
 * A small positive value per class (1e-3 of its cheapest price per copy by its largest dimension), so
 * a class whose start value is 0 still gets packed and earns a share in the correction.
 */
function smallValues(p: VectorProblem, values: Float64Array): Float64Array {
  const m = classCount(p);
  const d = p.dims;
  let scale = 0;
  for (let i = 0; i < m; i++) scale = Math.max(scale, values[i] ?? 0);
  const result = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    let share = 0;
    for (let b = 0; b < binTypeCount(p); b++) {
      if (!fitsEmpty(p, b, i)) continue;
      let s = 0;
      for (let k = 0; k < d; k++) {
        const c = p.capacities[b * d + k] ?? 0;
        if (c > 0) s = Math.max(s, (p.sizes[i * d + k] ?? 0) / c);
      }
      const price = (p.costs[b] ?? 0) * s;
      if (share === 0 || price < share) share = price;
    }
    result[i] = 1e-3 * (share > 0 ? share : scale > 0 ? scale : 1);
  }
  return result;
}

/**
 * One pass: open the best node (value per price) with its knapsack pattern, as often as the pods left
 * allow, until every pod is placed. Patterns are cached per type while the pods they take are left:
 * the fill's choices depend only on which classes have a copy left, so a pattern stays the fill's
 * answer until one of its classes falls below its count. Returns undefined when a later pass runs past
 * the deadline (the first completes with first fit decreasing instead).
 */
function buildPass(
  p: VectorProblem,
  types: readonly number[],
  items: readonly Int32Array[],
  values: Float64Array,
  scratch: Scratch,
  limit: ValueCorrectionOptions,
  first: boolean,
): PackedBin[] | undefined {
  const m = classCount(p);
  const remaining = Int32Array.from(p.demand);
  let left = remaining.reduce((s, v) => s + v, 0);
  const bins: PackedBin[] = [];
  const key = new Float64Array(m);
  const orders = types.map((b, t) => staticOrder(p, b, items[t] as Int32Array, values, key));
  const cached: (Pattern | null | undefined)[] = new Array(types.length).fill(undefined);
  const lazy = limit.lazy === true;
  const stale = new Int32Array(types.length);
  const staleRatio = (pattern: Pattern | null | undefined) =>
    pattern ? pattern.value / (p.costs[pattern.type] ?? 1) : Number.NEGATIVE_INFINITY;
  while (left > 0) {
    if (limit.now() > (first ? (limit.firstPassDeadline ?? limit.deadline) : limit.deadline)) {
      if (!first) return undefined;
      bins.push(...firstFitDecreasing(p, remaining));
      return bins;
    }
    // The best value per price; ties: the type listed first. Lazily (`lazy`): a type
    // whose cached pattern lost a class is refilled only while its stale ratio, an upper bound on its
    // fresh one (fewer pods left, a fill worth no more), could still beat the best so far.
    let best: Pattern | undefined;
    let bestRatio = -1;
    let staleCount = 0;
    for (let t = 0; t < types.length; t++) {
      let pattern = cached[t];
      if (pattern && !stillValid(pattern, remaining)) {
        if (lazy) {
          stale[staleCount++] = t;
          continue;
        }
        pattern = undefined;
      }
      if (pattern === undefined) {
        const b = types[t] ?? 0;
        pattern = knapsack(p, b, items[t] as Int32Array, orders[t] as Int32Array, values, remaining, scratch);
        cached[t] = pattern;
      }
      if (pattern === null) continue;
      const ratio = pattern.value / (p.costs[pattern.type] ?? 1);
      if (ratio > bestRatio) {
        bestRatio = ratio;
        best = pattern;
      }
    }
    if (staleCount > 0) {
      const order = Array.from(stale.subarray(0, staleCount)).sort(
        (x, y) => staleRatio(cached[y]) - staleRatio(cached[x]) || x - y,
      );
      for (const t of order) {
        if (staleRatio(cached[t]) <= bestRatio) break;
        const pattern = knapsack(
          p,
          types[t] ?? 0,
          items[t] as Int32Array,
          orders[t] as Int32Array,
          values,
          remaining,
          scratch,
        );
        cached[t] = pattern;
        if (pattern === null) continue;
        const ratio = pattern.value / (p.costs[pattern.type] ?? 1);
        if (ratio > bestRatio || (ratio === bestRatio && best && t < types.indexOf(best.type))) {
          bestRatio = ratio;
          best = pattern;
        }
      }
    }
    if (!best) throw new Error(`a remaining class fits no candidate type (of ${m} classes)`);
    let repeat = Number.MAX_SAFE_INTEGER;
    for (let j = 0; j < best.classes.length; j++)
      repeat = Math.min(repeat, Math.floor((remaining[best.classes[j] ?? 0] ?? 0) / (best.counts[j] ?? 1)));
    repeat = Math.max(1, repeat);
    for (let r = 0; r < repeat; r++)
      bins.push({ type: best.type, classes: [...best.classes], counts: [...best.counts] });
    for (let j = 0; j < best.classes.length; j++) {
      const used = repeat * (best.counts[j] ?? 0);
      remaining[best.classes[j] ?? 0] = (remaining[best.classes[j] ?? 0] ?? 0) - used;
      left -= used;
    }
  }
  return bins;
}

interface Pattern {
  readonly type: number;
  readonly classes: number[];
  readonly counts: number[];
  readonly value: number;
}

function stillValid(pattern: Pattern, remaining: Int32Array): boolean {
  for (let j = 0; j < pattern.classes.length; j++)
    if ((remaining[pattern.classes[j] ?? 0] ?? 0) < (pattern.counts[j] ?? 0)) return false;
  return true;
}

/**
 * Classes of a type by value per size (sizes relative to the type's capacity), best first. `key` is
 * scratch of one entry per class: each pass sorts every candidate type's classes (10,000 trace pods:
 * 43 types x 2,119 classes), where a Map's look-ups in the comparator took most of a pass.
 */
function staticOrder(
  p: VectorProblem,
  b: number,
  list: Int32Array,
  values: Float64Array,
  key: Float64Array,
): Int32Array {
  const d = p.dims;
  for (const i of list) {
    let s = 0;
    for (let k = 0; k < d; k++) {
      const c = p.capacities[b * d + k] ?? 0;
      if (c > 0) s += (p.sizes[i * d + k] ?? 0) / c;
    }
    key[i] = (values[i] ?? 0) / Math.max(s, 1e-12);
  }
  return Int32Array.from(list).sort((x, y) => (key[y] ?? 0) - (key[x] ?? 0) || x - y);
}

/**
 * The knapsack of one node: the better of two greedy fills, (1) by value per size where each dimension
 * weighs by the inverse of the room left in it (recomputed after each class added: a dimension running
 * short makes the classes that use it less attractive, so the rest of the node goes to pods that use
 * the other dimensions), and (2) by value per size relative to the capacity (a fixed order). Null when
 * no class left fits.
 */
function knapsack(
  p: VectorProblem,
  b: number,
  list: Int32Array,
  order: Int32Array,
  values: Float64Array,
  remaining: Int32Array,
  scratch: Scratch,
): Pattern | null {
  const scarce = fillScarce(p, b, list, values, remaining, scratch);
  const fixed = fillOrder(p, b, order, values, remaining, scratch);
  const better = !scarce || (fixed && fixed.value > scarce.value * (1 + 1e-12)) ? fixed : scarce;
  return better ?? null;
}

/** Copies of class i that fit the room (and its per-bin cap and the copies left). */
function fit(p: VectorProblem, i: number, room: Float64Array, left: number): number {
  const d = p.dims;
  let n = perBinCap(p, i, left);
  for (let k = 0; k < d && n > 0; k++) {
    const w = p.sizes[i * d + k] ?? 0;
    if (w > 0) n = Math.min(n, Math.floor((room[k] ?? 0) / w));
  }
  return Math.max(0, n);
}

function fillScarce(
  p: VectorProblem,
  b: number,
  list: Int32Array,
  values: Float64Array,
  remaining: Int32Array,
  scratch: Scratch,
): Pattern | undefined {
  const d = p.dims;
  const { room, avail, inverse } = scratch;
  // Hoisted: this loop is most of a pass (each pick rescans every class left that fits).
  const sizes = p.sizes;
  for (let k = 0; k < d; k++) room[k] = p.capacities[b * d + k] ?? 0;
  let n = 0;
  for (const i of list) if ((remaining[i] ?? 0) > 0) avail[n++] = i;
  const classes: number[] = [];
  const counts: number[] = [];
  let value = 0;
  while (n > 0) {
    let best = -1;
    let bestScore = -1;
    let kept = 0;
    for (let k = 0; k < d; k++) {
      const r = room[k] ?? 0;
      inverse[k] = r > 0 ? 1 / r : Number.POSITIVE_INFINITY;
    }
    for (let a = 0; a < n; a++) {
      const i = avail[a] ?? 0;
      let score = 0;
      let fits = true;
      for (let k = 0; k < d; k++) {
        const w = sizes[i * d + k] ?? 0;
        if (w <= 0) continue;
        if (w > (room[k] ?? 0)) {
          fits = false;
          break;
        }
        score += w * (inverse[k] ?? 0);
      }
      if (!fits) continue;
      avail[kept++] = i;
      const density = (values[i] ?? 0) / Math.max(score, 1e-12);
      if (density > bestScore) {
        bestScore = density;
        best = i;
      }
    }
    n = kept;
    if (best < 0) break;
    const c = fit(p, best, room, remaining[best] ?? 0);
    // Drop the class from the candidates (it is taken, or its cap allows none).
    for (let a = 0; a < n; a++)
      if (avail[a] === best) {
        avail[a] = avail[n - 1] ?? 0;
        n--;
        break;
      }
    if (c <= 0) continue;
    classes.push(best);
    counts.push(c);
    value += c * (values[best] ?? 0);
    for (let k = 0; k < d; k++) room[k] = (room[k] ?? 0) - c * (p.sizes[best * d + k] ?? 0);
  }
  return classes.length > 0 ? { type: b, classes, counts, value } : undefined;
}

function fillOrder(
  p: VectorProblem,
  b: number,
  order: Int32Array,
  values: Float64Array,
  remaining: Int32Array,
  scratch: Scratch,
): Pattern | undefined {
  const d = p.dims;
  const { room } = scratch;
  for (let k = 0; k < d; k++) room[k] = p.capacities[b * d + k] ?? 0;
  const classes: number[] = [];
  const counts: number[] = [];
  let value = 0;
  for (const i of order) {
    const r = remaining[i] ?? 0;
    if (r <= 0) continue;
    const c = fit(p, i, room, r);
    if (c <= 0) continue;
    classes.push(i);
    counts.push(c);
    value += c * (values[i] ?? 0);
    for (let k = 0; k < d; k++) room[k] = (room[k] ?? 0) - c * (p.sizes[i * d + k] ?? 0);
  }
  return classes.length > 0 ? { type: b, classes, counts, value } : undefined;
}

/**
 * The correction: each node's price is shared among its pods by their size relative to the node's
 * capacity (summed over dimensions), so the room a node leaves empty is charged to the pods on it; a
 * class's observed cost is the mean over its copies, and its value moves that far (`alpha`) towards it.
 */
function correctValues(
  p: VectorProblem,
  plan: readonly PackedBin[],
  values: Float64Array,
  floor: Float64Array,
  alpha: number,
  fillPower: number,
): void {
  const m = classCount(p);
  const d = p.dims;
  const observed = new Float64Array(m);
  const copies = new Float64Array(m);
  const fill = new Float64Array(d);
  for (const bin of plan) {
    const b = bin.type;
    // Each dimension weighs by how full the node is in it (to the power `fillPower`): a pod is charged
    // for what it takes of the dimensions that bind, not for room nobody could use.
    for (let k = 0; k < d; k++) fill[k] = 0;
    for (let j = 0; j < bin.classes.length; j++)
      for (let k = 0; k < d; k++)
        fill[k] = (fill[k] ?? 0) + (bin.counts[j] ?? 0) * (p.sizes[(bin.classes[j] ?? 0) * d + k] ?? 0);
    for (let k = 0; k < d; k++) {
      const c = p.capacities[b * d + k] ?? 0;
      fill[k] = c > 0 ? ((fill[k] ?? 0) / c) ** fillPower / c : 0;
    }
    const share = (i: number) => {
      let s = 0;
      for (let k = 0; k < d; k++) s += (p.sizes[i * d + k] ?? 0) * (fill[k] ?? 0);
      return s;
    };
    let total = 0;
    for (let j = 0; j < bin.classes.length; j++) total += (bin.counts[j] ?? 0) * share(bin.classes[j] ?? 0);
    if (total <= 0) continue;
    const price = p.costs[b] ?? 0;
    for (let j = 0; j < bin.classes.length; j++) {
      const i = bin.classes[j] ?? 0;
      const c = bin.counts[j] ?? 0;
      observed[i] = (observed[i] ?? 0) + (c * price * share(i)) / total;
      copies[i] = (copies[i] ?? 0) + c;
    }
  }
  for (let i = 0; i < m; i++) {
    const n = copies[i] ?? 0;
    if (n <= 0) continue;
    const next = (1 - alpha) * (values[i] ?? 0) + (alpha * (observed[i] ?? 0)) / n;
    values[i] = Math.max(next, floor[i] ?? 0);
  }
}
