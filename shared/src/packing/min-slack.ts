/**
 * Minimum bin slack (MBS') for identical bins: fill one bin at a time with the subset of the remaining
 * items that leaves the least room, the largest remaining item fixed in it (Gupta & Ho 1999; the MBS'
 * variant of Fleszar & Hindi 2002, extended to vectors). Bin-oriented construction is what solves the
 * triplet classes: item-oriented heuristics (FFD, the greedy, LP rounding) put two large items together
 * early and then need one bin more, whereas MBS' looks for the whole bin at once and, when a perfect
 * fill exists (three items summing to the capacity in every dimension), stops at it.
 *
 * After the first pass, perturbed passes (Fleszar & Hindi's perturbation MBS': the slack measured with
 * random weights per dimension, and a random near-largest item fixed first) run until the plan meets the
 * bound or the budget is spent; the best pass wins. Pure and deterministic for a given seed.
 */
import { binTypeCount, classCount, type PackedBin, perBinCap, type VectorProblem } from './vector';

export interface MinSlackOptions {
  /** Clock in ms. */
  readonly now: () => number;
  /** Stop starting passes (and cut searches short) after this time. */
  readonly deadline: number;
  /** Stop as soon as a plan of this many bins or fewer is found (e.g. the lower bound). */
  readonly target: number;
  /** Search nodes per bin (default 20,000): the search keeps the least slack found within them. */
  readonly nodesPerBin?: number;
  /** Most passes, the first unperturbed (default 50). */
  readonly maxPasses?: number;
  /** Seed of the perturbations (default 1). */
  readonly seed?: number;
}

/** Whether MBS' applies: one bin type, every class accepted (the rest is the other heuristics' job). */
export function minSlackApplies(p: VectorProblem): boolean {
  return binTypeCount(p) === 1 && p.compatible.every((c) => c === 1);
}

/**
 * Best MBS' plan found within the budget (bins of type 0), or undefined when not applicable or no pass
 * completed. Every bin respects capacity and per-bin caps; every copy is packed.
 */
export function minimumBinSlack(p: VectorProblem, options: MinSlackOptions): PackedBin[] | undefined {
  if (!minSlackApplies(p)) return undefined;
  const d = p.dims;
  const m = classCount(p);
  const capacity = p.capacities.subarray(0, d);
  // Normalized sizes: a class's share of the bin per dimension (dimensions of zero capacity ignored).
  const share = new Float64Array(m * d);
  for (let i = 0; i < m; i++)
    for (let k = 0; k < d; k++) {
      const c = capacity[k] ?? 0;
      share[i * d + k] = c > 0 ? (p.sizes[i * d + k] ?? 0) / c : 0;
    }
  const random = seeded(options.seed ?? 1);
  const nodesPerBin = options.nodesPerBin ?? 20_000;
  const maxPasses = options.maxPasses ?? 50;
  let best: PackedBin[] | undefined;
  for (let pass = 0; pass < maxPasses; pass++) {
    if (pass > 0 && options.now() > options.deadline) break;
    const weights = new Float64Array(d).fill(1);
    if (pass > 0) for (let k = 0; k < d; k++) weights[k] = 0.5 + random();
    const bins = onePass(
      p,
      share,
      weights,
      pass > 0 ? random : undefined,
      nodesPerBin,
      options,
      best?.length,
    );
    if (bins && (!best || bins.length < best.length)) best = bins;
    if (best && best.length <= options.target) break;
  }
  return best;
}

/** One MBS' pass; undefined when it cannot beat `bound` bins or the deadline passes mid-way. */
function onePass(
  p: VectorProblem,
  share: Float64Array,
  weights: Float64Array,
  random: (() => number) | undefined,
  nodesPerBin: number,
  options: MinSlackOptions,
  bound: number | undefined,
): PackedBin[] | undefined {
  const d = p.dims;
  const m = classCount(p);
  const size = (i: number) => {
    let s = 0;
    for (let k = 0; k < d; k++) s += (weights[k] ?? 1) * (share[i * d + k] ?? 0);
    return s;
  };
  const order = Array.from({ length: m }, (_, i) => i).sort((x, y) => size(y) - size(x) || x - y);
  const left = Int32Array.from(p.demand);
  let remaining = left.reduce((sum, r) => sum + r, 0);
  const bins: PackedBin[] = [];
  const load = new Float64Array(d);
  // Exact load in the problem's units (integers stay exact) decides fitting; shares only rank fills.
  const raw = new Float64Array(d);
  const capOf = Float64Array.from({ length: m }, (_, i) => perBinCap(p, i, Number.MAX_SAFE_INTEGER));
  // Search state: the counts taken per position of `order`, and the best subset's counts.
  const taken = new Int32Array(m);
  let bestTaken = new Int32Array(m);
  let bestFill = -1;
  let nodes = 0;
  let perfect = false;
  const totalWeight = weights.reduce((sum, w) => sum + w, 0);

  const fits = (i: number, copies: number) => {
    for (let k = 0; k < d; k++)
      if ((raw[k] ?? 0) + copies * (p.sizes[i * d + k] ?? 0) > (p.capacities[k] ?? 0)) return false;
    return true;
  };
  const add = (i: number, copies: number) => {
    for (let k = 0; k < d; k++) {
      load[k] = (load[k] ?? 0) + copies * (share[i * d + k] ?? 0);
      raw[k] = (raw[k] ?? 0) + copies * (p.sizes[i * d + k] ?? 0);
    }
  };
  const fill = () => {
    let f = 0;
    for (let k = 0; k < d; k++) f += (weights[k] ?? 1) * (load[k] ?? 0);
    return f;
  };
  const search = (start: number) => {
    nodes++;
    const f = fill();
    if (f > bestFill + 1e-12) {
      bestFill = f;
      bestTaken = Int32Array.from(taken);
      // Zero slack: every dimension full, nothing can do better.
      if (f >= totalWeight - 1e-9) perfect = true;
    }
    for (let j = start; j < m && !perfect && nodes < nodesPerBin; j++) {
      const i = order[j] ?? 0;
      const most = Math.min((left[i] ?? 0) - (taken[j] ?? 0), (capOf[i] ?? 0) - (taken[j] ?? 0));
      for (let c = most; c >= 1 && !perfect && nodes < nodesPerBin; c--) {
        if (!fits(i, c)) continue;
        add(i, c);
        taken[j] = (taken[j] ?? 0) + c;
        search(j + 1);
        taken[j] = (taken[j] ?? 0) - c;
        add(i, -c);
      }
    }
  };

  let first = 0;
  while (remaining > 0) {
    if (bound !== undefined && bins.length + 1 >= bound) return undefined;
    if (options.now() > options.deadline) return undefined;
    while ((left[order[first] ?? 0] ?? 0) === 0) first++;
    // The largest remaining item opens the bin; perturbed passes sometimes pick one of the next few.
    let open = first;
    if (random && random() < 0.3) {
      let skip = Math.floor(random() * 3);
      for (let j = first + 1; j < m && skip > 0; j++)
        if ((left[order[j] ?? 0] ?? 0) > 0) {
          open = j;
          skip--;
        }
    }
    load.fill(0);
    raw.fill(0);
    taken.fill(0);
    taken[open] = 1;
    add(order[open] ?? 0, 1);
    bestFill = -1;
    nodes = 0;
    perfect = false;
    search(0);
    const bin: PackedBin = { type: 0, classes: [], counts: [] };
    for (let j = 0; j < m; j++) {
      const c = bestTaken[j] ?? 0;
      if (c <= 0) continue;
      const i = order[j] ?? 0;
      bin.classes.push(i);
      bin.counts.push(c);
      left[i] = (left[i] ?? 0) - c;
      remaining -= c;
    }
    bins.push(bin);
  }
  while (bins.length < p.minBins) bins.push({ type: 0, classes: [], counts: [] });
  return bins;
}

/** Mulberry32: a small seeded PRNG, so passes are reproducible. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
