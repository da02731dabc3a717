/**
 * Exact-fill bin completion for one-dimensional perfect packings (issue 18, ADR 0093): identical bins of
 * integer capacity C, integer sizes, and items that fill the target's bins exactly (total = target x C),
 * so every bin of a plan of `target` bins holds exactly C. The BPPLIB AI-like class is of this kind.
 *
 * The vector bin completion (bin-completion.ts) opens the largest item's bin and counts completions of
 * one or two copies only; with 3-5 pieces per bin it cannot tell that an early bin took the last partner
 * of some item, and it thrashes deep in the search. Here a subset-sum counting table over the items left
 * (ways[t] = number of sub-multisets, copies counted apart, summing to t) is kept up to date as bins are
 * placed and undone (O(C) per copy). It answers in O(C / size) how many exact completions an item still
 * has: ways without one copy of size s at C - s, an alternating sum ways[r] - ways[r - s] + ... That gives
 * forward checking (a node where some item has no completion left is a dead end at once) and a fail-first
 * order (open the bin of the item with the fewest completions). Each attempt is cut off by a node limit
 * and the next restarts with randomized tie-breaks and completion order (Gomes, Selman and Kautz 1998);
 * every other one instead repairs the deepest partial plan so far (keeps all but a few random bins).
 *
 * Exact when unlimited: a plan of `target` bins exists iff the search finds one. Pure; deterministic for
 * a given seed; undefined means "not found within the budget", or "not applicable".
 */
import { seeded } from './min-slack';
import { classCount, type PackedBin, type VectorProblem } from './vector';

export interface ExactFillOptions {
  readonly now: () => number;
  readonly deadline: number;
  /**
   * Bins opened per attempt beyond the target's (default 20; attempt a may open target + (1 + a / 4) x
   * this). A pure dive opens `target` bins; a few dozen more let it undo the last bins, where the dead
   * ends are, and then it restarts: short attempts reached the optimum on 9 of 9 generated instances
   * within 1 s where 2,000 bins per attempt reached 3 (ADR 0093).
   */
  readonly extraNodes?: number;
  /**
   * Every other attempt after the first repairs the deepest partial plan found so far (default true):
   * keeps all but 3-8 random bins of it and searches for the rest.
   */
  readonly repair?: boolean;
  /** Most attempts (default 10,000: until the deadline). */
  readonly attempts?: number;
  /** Completions tried per bin at most, largest items first (default 8). */
  readonly completionsPerBin?: number;
  readonly seed?: number;
  /** Filled in as the search goes (benchmarks and tests). */
  readonly stats?: ExactFillStats;
}

export interface ExactFillStats {
  attempts: number;
  /** Most bins placed at once. */
  deepest: number;
  /** Steps of the completion enumeration. */
  enumerationNodes: number;
}

/** Largest capacity x copies product the counting table is built for (time and memory stay small). */
const MAX_TABLE_WORK = 50_000_000;
/** Counts stay exact integers in doubles below this. */
const EXACT_COUNT = 2 ** 52;

/**
 * True when the exact-fill search applies: one dimension, one bin type, every class allowed in it, no
 * per-bin caps, integer sizes and capacity, and items summing to exactly `target` bins' capacity.
 */
export function exactFillApplies(p: VectorProblem, target: number): boolean {
  if (p.dims !== 1 || p.maxPerBin || p.capacities.length < 1 || target < 1) return false;
  if (!p.compatible.every((c) => c === 1) || p.costs.length !== 1) return false;
  const capacity = p.capacities[0] ?? 0;
  if (!Number.isInteger(capacity) || capacity <= 0) return false;
  let total = 0;
  let copies = 0;
  for (let i = 0; i < classCount(p); i++) {
    const s = p.sizes[i] ?? 0;
    if (!Number.isInteger(s) || s <= 0 || s > capacity) return false;
    total += (p.demand[i] ?? 0) * s;
    copies += p.demand[i] ?? 0;
  }
  return total === target * capacity && copies * capacity <= MAX_TABLE_WORK;
}

/** A plan of exactly `target` full bins (type 0), or undefined when none was found or not applicable. */
export function exactFill(
  p: VectorProblem,
  target: number,
  options: ExactFillOptions,
): PackedBin[] | undefined {
  if (!exactFillApplies(p, target)) return undefined;
  const capacity = p.capacities[0] ?? 0;
  // Classes by size, largest first (merged when two classes have the same size).
  const m = classCount(p);
  const order = Array.from({ length: m }, (_, i) => i)
    .filter((i) => (p.demand[i] ?? 0) > 0)
    .sort((x, y) => (p.sizes[y] ?? 0) - (p.sizes[x] ?? 0) || x - y);
  const n = order.length;
  const size = Int32Array.from(order, (i) => p.sizes[i] ?? 0);
  const demand = Int32Array.from(order, (i) => p.demand[i] ?? 0);
  const left = Int32Array.from(demand);
  const ways = new Float64Array(capacity + 1);
  const add = (s: number) => {
    for (let t = capacity; t >= s; t--) ways[t] = (ways[t] ?? 0) + (ways[t - s] ?? 0);
  };
  const remove = (s: number) => {
    for (let t = s; t <= capacity; t++) ways[t] = (ways[t] ?? 0) - (ways[t - s] ?? 0);
  };
  ways[0] = 1;
  for (let j = 0; j < n; j++) for (let c = 0; c < (demand[j] ?? 0); c++) add(size[j] ?? 0);
  for (let t = 0; t <= capacity; t++) if ((ways[t] ?? 0) >= EXACT_COUNT) return undefined;
  /** Sub-multisets of the items left but one copy of size s that sum to r. */
  const without = (s: number, r: number) => {
    let sum = 0;
    let sign = 1;
    for (let t = r; t >= 0; t -= s) {
      sum += sign * (ways[t] ?? 0);
      sign = -sign;
    }
    return sum;
  };

  const perBin = options.completionsPerBin ?? 8;
  const extraNodes = options.extraNodes ?? 20;
  const stats = options.stats;
  const repairs = options.repair ?? true;
  const random = seeded(options.seed ?? 1);
  let randomize = false;
  let nodes = 0;
  let limit = target + extraNodes;
  let aborted = false;
  const bins: PackedBin[] = [];
  /** The most bins an attempt has placed at once (the repair attempts start from part of it). */
  let deepest: PackedBin[] = [];
  let truncated = false;
  const position = new Int32Array(m).fill(-1);
  for (let j = 0; j < n; j++) position[order[j] ?? 0] = j;
  /** Places (sign 1) or takes back (sign -1) a bin's copies. */
  const place = (bin: PackedBin, sign: number) => {
    for (let a = 0; a < bin.classes.length; a++) {
      const j = position[bin.classes[a] ?? 0] ?? 0;
      const c = bin.counts[a] ?? 0;
      left[j] = (left[j] ?? 0) - sign * c;
      itemsLeft -= sign * c;
      for (let k = 0; k < c; k++) {
        if (sign > 0) remove(size[j] ?? 0);
        else add(size[j] ?? 0);
      }
    }
  };
  let itemsLeft = 0;

  /** Completions of residual r from positions >= 0, each a list of (position, copies). */
  const completions = (r0: number): number[][] => {
    const found: number[][] = [];
    const chosen: number[] = [];
    // Smallest size left (positions are by size, descending): below it nothing more fits.
    let smallest = Number.POSITIVE_INFINITY;
    for (let j = n - 1; j >= 0; j--)
      if ((left[j] ?? 0) > 0) {
        smallest = size[j] ?? 0;
        break;
      }
    // suffix[j]: what the copies left at positions >= j weigh (the DFS only moves forward, so the
    // copies it takes are all before the positions it still looks at).
    const suffix = new Float64Array(n + 1);
    for (let j = n - 1; j >= 0; j--) suffix[j] = (suffix[j + 1] ?? 0) + (left[j] ?? 0) * (size[j] ?? 0);
    const enumerate = (start: number, r: number) => {
      if (stats) stats.enumerationNodes++;
      if (aborted || found.length >= perBin) return;
      if (r === 0) {
        found.push(chosen.slice());
        // The completions were cut short: an attempt that runs out of them proves nothing.
        if (found.length >= perBin) truncated = true;
        return;
      }
      // Nothing left fits, or no subset of all the items left sums to r (a necessary condition).
      if (r < smallest || (ways[r] ?? 0) <= 0) return;
      // First position whose size fits r (sizes descend).
      let lo = start;
      let hi = n;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if ((size[mid] ?? 0) > r) lo = mid + 1;
        else hi = mid;
      }
      for (let j = lo; j < n; j++) {
        // Even every copy from here on cannot fill r: stop.
        if ((suffix[j] ?? 0) < r) return;
        const copies = left[j] ?? 0;
        if (copies <= 0) continue;
        const s = size[j] ?? 0;
        for (let c = Math.min(copies, Math.floor(r / s)); c >= 1; c--) {
          const rest = r - c * s;
          if (rest !== 0 && (rest < smallest || (ways[rest] ?? 0) <= 0)) continue;
          left[j] = copies - c;
          chosen.push(j, c);
          enumerate(j + 1, r - c * s);
          chosen.length -= 2;
          left[j] = copies;
          if (aborted || found.length >= perBin) return;
        }
      }
    };
    enumerate(0, r0);
    if (randomize)
      for (let a = found.length - 1; a > 0; a--) {
        // A light shuffle: most completions keep their largest-first rank.
        if (random() < 0.3) {
          const b = Math.floor(random() * (a + 1));
          [found[a], found[b]] = [found[b] as number[], found[a] as number[]];
        }
      }
    return found;
  };

  const search = (): boolean => {
    if (itemsLeft === 0) return true;
    if (++nodes > limit || options.now() > options.deadline) aborted = true;
    if (aborted) return false;
    // Forward check and fail first: every item left needs an exact completion.
    let open = -1;
    let fewest = Number.POSITIVE_INFINITY;
    for (let j = 0; j < n; j++) {
      if ((left[j] ?? 0) <= 0) continue;
      const s = size[j] ?? 0;
      const count = without(s, capacity - s);
      if (count <= 0.5) return false;
      const score = randomize ? count * (1 + 0.5 * random()) : count;
      if (score < fewest) {
        fewest = score;
        open = j;
      }
    }
    const s = size[open] ?? 0;
    left[open] = (left[open] ?? 0) - 1;
    remove(s);
    for (const completion of completions(capacity - s)) {
      if (aborted) break;
      const bin: PackedBin = { type: 0, classes: [order[open] ?? 0], counts: [1] };
      let placed = 1;
      for (let a = 0; a < completion.length; a += 2) {
        const j = completion[a] ?? 0;
        const c = completion[a + 1] ?? 0;
        left[j] = (left[j] ?? 0) - c;
        for (let k = 0; k < c; k++) remove(size[j] ?? 0);
        placed += c;
        const at = bin.classes.indexOf(order[j] ?? 0);
        if (at >= 0) bin.counts[at] = (bin.counts[at] ?? 0) + c;
        else {
          bin.classes.push(order[j] ?? 0);
          bin.counts.push(c);
        }
      }
      itemsLeft -= placed;
      bins.push(bin);
      if (stats && bins.length > stats.deepest) stats.deepest = bins.length;
      if (bins.length > deepest.length) deepest = bins.slice();
      if (search()) return true;
      bins.pop();
      itemsLeft += placed;
      for (let a = 0; a < completion.length; a += 2) {
        const j = completion[a] ?? 0;
        const c = completion[a + 1] ?? 0;
        left[j] = (left[j] ?? 0) + c;
        for (let k = 0; k < c; k++) add(size[j] ?? 0);
      }
    }
    add(s);
    left[open] = (left[open] ?? 0) + 1;
    return false;
  };

  const attempts = options.attempts ?? 10_000;
  const totalItems = demand.reduce((sum, d) => sum + d, 0);
  for (let attempt = 0; attempt < attempts; attempt++) {
    if (options.now() > options.deadline) break;
    if (stats) stats.attempts = attempt + 1;
    randomize = attempt > 0;
    nodes = 0;
    limit = target + extraNodes * (1 + attempt / 4);
    aborted = false;
    // An aborted attempt has undone every bin it placed (the table's integer counts are exact), so the
    // next one starts from the full table without rebuilding it.
    bins.length = 0;
    itemsLeft = totalItems;
    truncated = false;
    // Every other attempt repairs the deepest partial plan instead of restarting: it keeps most of its
    // bins, frees a few at random and searches for the rest (the dead ends are in the last bins, so a
    // restart from scratch throws away work that was fine; large neighbourhood search).
    const repair = repairs && attempt % 2 === 0 && deepest.length >= 4;
    if (repair) {
      const freed = Math.min(deepest.length, 3 + Math.floor(random() * 6));
      const kept = deepest.slice();
      for (let a = kept.length - 1; a > 0; a--) {
        const b = Math.floor(random() * (a + 1));
        [kept[a], kept[b]] = [kept[b] as PackedBin, kept[a] as PackedBin];
      }
      kept.length -= freed;
      for (const bin of kept) {
        place(bin, 1);
        bins.push(bin);
      }
      limit = target - kept.length + extraNodes * 2;
    }
    const solved = search();
    if (solved) {
      if (bins.length > target) return undefined;
      while (bins.length < Math.max(target, p.minBins)) bins.push({ type: 0, classes: [], counts: [] });
      return bins;
    }
    if (repair) for (let a = bins.length - 1; a >= 0; a--) place(bins[a] as PackedBin, -1);
    // A fresh attempt that was neither aborted nor cut short exhausted the search: no plan exists.
    if (!repair && !aborted && !truncated) return undefined;
  }
  return undefined;
}
