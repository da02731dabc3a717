/**
 * Bin completion with a waste budget (Korf 2002, "A new algorithm for optimal bin packing", for vectors):
 * a depth-first search for a plan of exactly `target` identical bins. The items' total size fixes how much
 * room `target` bins may leave empty per dimension (the waste budget); the search fills one bin at a time
 * around the largest remaining item with completions whose waste fits the budget left, and backtracks
 * when a bin cannot be completed. On the triplet and perfect-packing classes the budget is zero, so every
 * bin must be filled exactly: the search then only ever looks at perfect bins, which is what the
 * greedy heuristics (MBS' included) cannot guarantee when other near-perfect bins exist.
 *
 * With unlimited completions per bin and nodes the search is exact (a plan of `target` bins exists iff it
 * finds one); in the packer it is cut off by those limits and a deadline, so undefined means "not found",
 * not "impossible". Pure; deterministic for a given seed.
 */
import { minSlackApplies, seeded } from './min-slack';
import { classCount, type PackedBin, perBinCap, type VectorProblem } from './vector';

export interface BinCompletionOptions {
  readonly now: () => number;
  readonly deadline: number;
  /**
   * Search nodes per attempt (subsets enumerated; default 1,000,000). Chronological backtracking thrashes
   * when an early bin was the wrong choice, so each attempt is cut short and the next one restarts with
   * the completions reordered at random (randomized restarts, Gomes, Selman and Kautz 1998).
   */
  readonly nodeLimit?: number;
  /** Most attempts, the first unperturbed (default 200). */
  readonly attempts?: number;
  /** Seed of the reorderings (default 1). */
  readonly seed?: number;
  /** Completions tried per bin, least waste first (default 12). */
  readonly completionsPerBin?: number;
}

/** Most items (copies) the search takes on: its recursion goes one level per bin. */
const MAX_ITEMS = 3000;

/**
 * The least share of room `target` bins would leave empty in any dimension: 0 when the items fill them
 * exactly in some dimension (triplets, perfect packings), where the waste budget prunes hardest.
 */
export function tightestWasteShare(p: VectorProblem, target: number): number {
  const d = p.dims;
  let least = Number.POSITIVE_INFINITY;
  for (let k = 0; k < d; k++) {
    const room = target * (p.capacities[k] ?? 0);
    if (room <= 0) continue;
    let total = 0;
    for (let i = 0; i < classCount(p); i++) total += (p.demand[i] ?? 0) * (p.sizes[i * d + k] ?? 0);
    least = Math.min(least, (room - total) / room);
  }
  return least;
}

/** A plan of exactly `target` bins (type 0), or undefined when none was found within the budget. */
export function binCompletion(
  p: VectorProblem,
  target: number,
  options: BinCompletionOptions,
): PackedBin[] | undefined {
  if (!minSlackApplies(p) || target < 1) return undefined;
  const d = p.dims;
  const m = classCount(p);
  const left = Int32Array.from(p.demand);
  if (left.reduce((sum, r) => sum + r, 0) > MAX_ITEMS) return undefined;
  const capacity = Float64Array.from(p.capacities.subarray(0, d));
  const waste = new Float64Array(d);
  for (let k = 0; k < d; k++) {
    let total = 0;
    for (let i = 0; i < m; i++) total += (left[i] ?? 0) * (p.sizes[i * d + k] ?? 0);
    waste[k] = target * (capacity[k] ?? 0) - total;
    if ((waste[k] ?? 0) < 0) return undefined;
  }
  const maxCopies = Float64Array.from({ length: m }, (_, i) => perBinCap(p, i, Number.MAX_SAFE_INTEGER));
  const norm = (i: number) => {
    let s = 0;
    for (let k = 0; k < d; k++)
      if ((capacity[k] ?? 0) > 0) s += (p.sizes[i * d + k] ?? 0) / (capacity[k] ?? 1);
    return s;
  };
  const order = Array.from({ length: m }, (_, i) => i).sort((x, y) => norm(y) - norm(x) || x - y);
  const size = (j: number, k: number) => p.sizes[(order[j] ?? 0) * d + k] ?? 0;
  const nodeLimit = options.nodeLimit ?? 1_000_000;
  const random = seeded(options.seed ?? 1);
  let shuffle = false;
  const perBin = options.completionsPerBin ?? 12;
  let nodes = 0;
  let aborted = false;
  const bins: PackedBin[] = [];

  /** Completions of a bin opened by one copy at position `open`: up to `perBin`, least waste first. */
  const completions = (open: number): { taken: Int32Array; waste: Float64Array }[] => {
    const found: { taken: Int32Array; waste: Float64Array; total: number }[] = [];
    const taken = new Int32Array(m);
    const load = new Float64Array(d);
    // suffix[j * d + k]: what the copies left at positions >= j weigh in dimension k (reachability).
    const suffix = new Float64Array((m + 1) * d);
    for (let j = m - 1; j >= 0; j--)
      for (let k = 0; k < d; k++)
        suffix[j * d + k] =
          (suffix[(j + 1) * d + k] ?? 0) + ((left[order[j] ?? 0] ?? 0) - (j === open ? 1 : 0)) * size(j, k);
    taken[open] = 1;
    for (let k = 0; k < d; k++) load[k] = size(open, k);
    const enumerate = (start: number) => {
      if (++nodes > nodeLimit) aborted = true;
      if (aborted) return;
      // This subset is a completion when its waste fits the budget in every dimension.
      let ok = true;
      let total = 0;
      for (let k = 0; k < d; k++) {
        const w = (capacity[k] ?? 0) - (load[k] ?? 0);
        if (w > (waste[k] ?? 0)) ok = false;
        total += (capacity[k] ?? 0) > 0 ? w / (capacity[k] ?? 1) : 0;
      }
      if (ok) {
        found.push({
          taken: Int32Array.from(taken),
          waste: Float64Array.from(capacity, (c, k) => c - (load[k] ?? 0)),
          total,
        });
        if (found.length >= 4 * perBin) return;
      }
      for (let j = start; j < m; j++) {
        // Even every copy from here on cannot fill the bin to within the budget: stop.
        let reachable = true;
        for (let k = 0; k < d && reachable; k++)
          if ((load[k] ?? 0) + (suffix[j * d + k] ?? 0) < (capacity[k] ?? 0) - (waste[k] ?? 0))
            reachable = false;
        if (!reachable) return;
        const i = order[j] ?? 0;
        const most = Math.min((left[i] ?? 0) - (taken[j] ?? 0), (maxCopies[i] ?? 0) - (taken[j] ?? 0));
        for (let c = most; c >= 1; c--) {
          let fits = true;
          for (let k = 0; k < d && fits; k++)
            if ((load[k] ?? 0) + c * size(j, k) > (capacity[k] ?? 0)) fits = false;
          if (!fits) continue;
          for (let k = 0; k < d; k++) load[k] = (load[k] ?? 0) + c * size(j, k);
          taken[j] = (taken[j] ?? 0) + c;
          enumerate(j + 1);
          taken[j] = (taken[j] ?? 0) - c;
          for (let k = 0; k < d; k++) load[k] = (load[k] ?? 0) - c * size(j, k);
          if (aborted || found.length >= 4 * perBin) return;
        }
      }
    };
    enumerate(0);
    found.sort((x, y) => x.total - y.total);
    const tried = found.slice(0, perBin);
    if (shuffle)
      for (let a = 0; a < tried.length; a++)
        if (random() < 0.25) {
          const b = a + Math.floor(random() * (tried.length - a));
          [tried[a], tried[b]] = [tried[b] as (typeof tried)[0], tried[a] as (typeof tried)[0]];
        }
    return tried;
  };

  // Perfect mode (no room may be left in any dimension, as in triplet classes): a bin holding a class
  // must hold exactly the rest of the capacity, so completions by one or two copies are found by looking
  // the complement's size up. The search then opens the bin of the class with the fewest such
  // completions (fail first), not of the largest: an early bin never takes the only partner of a class
  // that would then be stranded.
  const perfect = waste.every((w) => w === 0);
  const positionOfSize = new Map<number, number[]>();
  // A numeric hash of a size vector (matches are checked exactly: collisions cost nothing but time).
  const keyOf = (v: ArrayLike<number>) => {
    let h = 17;
    for (let k = 0; k < d; k++) h = (Math.imul(h, 1_000_003) + Math.round(v[k] ?? 0)) | 0;
    return h;
  };
  for (let j = 0; j < m; j++) {
    const key = keyOf(p.sizes.subarray((order[j] ?? 0) * d, (order[j] ?? 0) * d + d));
    const list = positionOfSize.get(key);
    if (list) list.push(j);
    else positionOfSize.set(key, [j]);
  }
  const copiesLeft = (j: number) => left[order[j] ?? 0] ?? 0;
  const residual = new Float64Array(d);
  /** Positions whose class fits `residual` exactly, with a copy left beyond `used` copies taken. */
  const exact = (used: (j: number) => number): number => {
    for (let k = 0; k < d; k++) if ((residual[k] ?? 0) < 0) return 0;
    let count = 0;
    for (const j of positionOfSize.get(keyOf(residual)) ?? []) {
      let same = true;
      for (let k = 0; k < d && same; k++) if (size(j, k) !== residual[k]) same = false;
      if (same && copiesLeft(j) > used(j)) count++;
    }
    return count;
  };
  /** Completions of one or two copies of a bin opened by `open`, counted up to `cap`. */
  const completionsByLookup = (open: number, cap: number): number => {
    for (let k = 0; k < d; k++) residual[k] = (capacity[k] ?? 0) - size(open, k);
    let count = exact((j) => (j === open ? 1 : 0));
    for (let j = 0; j < m && count < cap; j++) {
      const copies = copiesLeft(j) - (j === open ? 1 : 0);
      if (copies <= 0) continue;
      for (let k = 0; k < d; k++) residual[k] = (capacity[k] ?? 0) - size(open, k) - size(j, k);
      // Each pair once: the second position at or after the first.
      count += exact(
        (x) => (x === open ? 1 : 0) + (x === j ? 1 : 0) + (x < j ? Number.POSITIVE_INFINITY : 0),
      );
    }
    return count;
  };
  const pickOpen = (): number => {
    let open = 0;
    while (open < m && copiesLeft(open) === 0) open++;
    if (open >= m || !perfect) return open;
    let fewest = Number.POSITIVE_INFINITY;
    // A class with at most one completion is as constrained as it gets: open it at once.
    for (let j = open; j < m && fewest > 1; j++) {
      if (copiesLeft(j) === 0) continue;
      const count = completionsByLookup(j, fewest);
      if (count < fewest) {
        fewest = count;
        open = j;
      }
    }
    return open;
  };

  const search = (binsLeft: number): boolean => {
    const open = pickOpen();
    if (open >= m) return true;
    if (binsLeft === 0 || aborted) return false;
    if (options.now() > options.deadline) aborted = true;
    if (aborted) return false;
    for (const completion of completions(open)) {
      const bin: PackedBin = { type: 0, classes: [], counts: [] };
      for (let j = 0; j < m; j++) {
        const c = completion.taken[j] ?? 0;
        if (c === 0) continue;
        bin.classes.push(order[j] ?? 0);
        bin.counts.push(c);
        left[order[j] ?? 0] = (left[order[j] ?? 0] ?? 0) - c;
      }
      for (let k = 0; k < d; k++) waste[k] = (waste[k] ?? 0) - (completion.waste[k] ?? 0);
      bins.push(bin);
      if (search(binsLeft - 1)) return true;
      bins.pop();
      for (let k = 0; k < d; k++) waste[k] = (waste[k] ?? 0) + (completion.waste[k] ?? 0);
      for (let j = 0; j < bin.classes.length; j++)
        left[bin.classes[j] ?? 0] = (left[bin.classes[j] ?? 0] ?? 0) + (bin.counts[j] ?? 0);
      if (aborted) return false;
    }
    return false;
  };

  const attempts = options.attempts ?? 200;
  const initialWaste = Float64Array.from(waste);
  let solved = false;
  for (let attempt = 0; attempt < attempts && !solved; attempt++) {
    if (options.now() > options.deadline) break;
    nodes = 0;
    aborted = false;
    shuffle = attempt > 0;
    left.set(p.demand);
    waste.set(initialWaste);
    bins.length = 0;
    solved = search(target);
  }
  if (!solved) return undefined;
  while (bins.length < p.minBins) bins.push({ type: 0, classes: [], counts: [] });
  return bins;
}
