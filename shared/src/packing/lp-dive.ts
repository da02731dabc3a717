/**
 * Column-generation diving with limited discrepancy and residual re-solves, for one-dimensional
 * identical bins with integer sizes (BPPLIB's Hard28 and the 1-D Falkenauer T and perfect-packing
 * classes). On most of those instances the LP bound rounded up is the optimum (round-up property; 23 of
 * Hard28's 28), and what the other heuristics miss is a packing of exactly that many bins.
 *
 * The search: solve the residual pattern LP by column generation with exact pricing (a bounded knapsack
 * by dynamic programming over the integer capacity), so every iteration's Farley bound is a proven
 * bound on the residual's bins; prune as soon as the bins fixed so far plus that bound rounded up exceed
 * the target; else fix a column the LP uses most (its integer part, or one copy), shrink the demand and
 * re-solve (Sadykov, Vanderbeck, Pessoa, Tahiri, Uchoa 2019, "Primal heuristics for branch and price:
 * the assets of diving methods": diving with limited discrepancy search). On a pruned child the next
 * column of the parent's ranking is tried, the failed one made tabu for its siblings; each sibling after
 * the first spends one discrepancy. After two pure dives (no discrepancy; two rankings), randomized
 * pure dives with jittered rankings run until the deadline (ADR 0082; without them, the discrepancy
 * limit grows 1, 2, ... as in ADR 0063). A first-fit-decreasing completion of each node's residual ends
 * the search early when it already meets the target.
 *
 * Since ADR 0082 (issue 18, Hard28 at the default budget): the master holds dual-optimal inequalities
 * (exchange columns, colgen.ts), which cut the root's iterations; a fixed column's copies the residual
 * no longer holds are replaced by the next smaller ones left; and a child of an integer fix reuses its
 * parent's LP solution instead of re-solving.
 *
 * Since ADR 0090: the caller's seed columns (its best plan's bins) are taken out of the LP (upper bound
 * 0, colgen.ts setColumnsEnabled) for the second pure dive and every fourth randomized one, so that
 * seeded and unseeded root solutions alternate without a second master or root solve.
 *
 * Pure apart from HiGHS (WebAssembly, loaded by the caller); time comes from the injected clock. The
 * result is always a valid packing of every copy; undefined means "no plan of the target's bins found
 * within the budget", not "none exists".
 */
import { type Column, extendPattern, MasterProblem } from './colgen';
import { firstFitDecreasing } from './heuristics';
import type { Highs } from './highs';
import { seeded } from './min-slack';
import { addToBin, binTypeCount, classCount, type PackedBin, perBinCap, type VectorProblem } from './vector';

export interface LpDiveOptions {
  readonly highs: Highs;
  /** Clock in ms. */
  readonly now: () => number;
  /** The search stops here (the CG loop checks it each iteration). */
  readonly deadline: number;
  /**
   * Bins to reach at least (a bound the caller proved); the target is the larger of this and the root
   * LP's bound rounded up. The search stops at the first plan of the target's bins.
   */
  readonly minimumBins?: number;
  /**
   * Largest discrepancy limit tried when `randomDives` is 0 (default 8): limits 0, 1, ... up to it,
   * while time is left.
   */
  readonly maxDiscrepancies?: number;
  /** Column generation iterations per search node at most (default 400). */
  readonly iterationsPerNode?: number;
  /**
   * Stop a node's column generation once the restricted LP leaves room for the target (no bound can
   * prune it any more; default true): faster, with a less converged primal to rank columns by.
   */
  readonly stopEarly?: boolean;
  /** Wentges smoothing factor of the pricing duals (default 0.5; 0: none). */
  readonly smoothing?: number;
  /**
   * Greedy columns added per iteration besides the exact one (default 8): one bin opened by each of the
   * classes with the largest duals, filled by dual per unit of size.
   */
  readonly extraColumns?: number;
  /** Filled in as the search goes (benchmarks and tests). */
  readonly stats?: LpDiveStats;
  /**
   * Randomized pure dives after the two plain ones (default 100,000, i.e. until the deadline; 0: the
   * discrepancy limits 1, 2, ... up to `maxDiscrepancies` instead).
   */
  readonly randomDives?: number;
  /** Seed of the randomized dives (default 1). */
  readonly seed?: number;
  /**
   * Dual-optimal inequalities (default true): exchange columns letting a copy of a class cover the
   * next smaller class, which cut the column generation's iterations (colgen.ts, addExchangeColumns).
   */
  readonly dualCuts?: boolean;
  /**
   * When a fixed column holds copies the residual no longer has, put the next smaller classes left in
   * their place (default true; not with per-bin caps).
   */
  readonly fillDown?: boolean;
  /** Children of an integer fix reuse the parent's LP solution instead of re-solving (default true). */
  readonly inheritLp?: boolean;
  /** Columns to start the master with (e.g. the incumbent's bins). */
  readonly seedColumns?: readonly Column[];
  /**
   * With seed columns and randomized dives: the second pure dive and every this-many-th randomized dive
   * run with the seed columns out of the LP (default 4; 0: every dive seeded, ADR 0082's schedule).
   * The seeded root's LP solution leans on the incumbent's bins, the unseeded one does not, and on
   * Hard28 each reaches optima the other misses (ADR 0090).
   */
  readonly unseededEvery?: number;
}

/** What the search did: nodes solved, column generation iterations, the discrepancy limit reached. */
export interface LpDiveStats {
  nodes: number;
  iterations: number;
  pruned: number;
  discrepancyLimit: number;
  /** Clock time and iterations of the root node's column generation. */
  rootMs: number;
  rootIterations: number;
  /** Randomized dives started. */
  randomDives?: number;
  /** Nodes that reused their parent's LP solution. */
  inherited?: number;
  /** Dives run with the seed columns out of the LP. */
  unseededDives?: number;
}

export interface LpDiveResult {
  /** A plan of the target's bins, or undefined when none was found within the budget. */
  readonly bins: PackedBin[] | undefined;
  /**
   * Proven lower bound on the bins of any packing (the root's best Farley bound with exact pricing:
   * z_LP itself once the root LP converged), not rounded; 0 when the dive does not apply.
   */
  readonly lowerBoundBins: number;
  /** The bins the search aimed at. */
  readonly targetBins: number;
}

/** Most knapsack items x (capacity + 1) cells the pricing table may take (bytes of its choice table). */
const MAX_TABLE_CELLS = 1_000_000;
/** Most copies: the search recurses one level per fixed column. */
const MAX_ITEMS = 5000;
const EPS = 1e-9;
/**
 * Randomized dives after the two plain ones, at most (default; `randomDives`). On the eight hardest
 * Hard28 instances, 2 s of CPU each, pure dives with jittered rankings reached 3-4 of 8 where the
 * discrepancy limits 1, 2, ... reached 1-2: a limit-1 pass takes about 1,000 nodes (1-1.5 s), a pure
 * dive 40-150, and the misses need another path early in the dive rather than near its end.
 */
const DEFAULT_RANDOM_DIVES = 100_000;
/** Jitter of the randomized dives' rankings: a column's rank plus up to this share of the list. */
const RANK_NOISE = 1;
/**
 * Every how many-th randomized dive runs unseeded (default of `unseededEvery`). On the eight Hard28
 * instances missed most often (full solve, default budget, load 9-21) this schedule reached 4-6 of 8
 * (mean 5.3, 3 runs) against 2-7 (mean 4.4, 8 runs) with every dive seeded, hBPP419 in every run
 * against 4 of 8; unseeded dives more often (every other one) lost hBPP60 in every run (ADR 0090).
 */
const UNSEEDED_EVERY = 4;
/** Column generation iterations of the root LP at most (it gives the bound and the target). */
const ROOT_ITERATIONS = 5000;

/**
 * Whether the dive applies: one bin type accepting every class, one dimension, integer sizes and
 * capacity small enough for the pricing table.
 */
export function lpDiveApplies(p: VectorProblem): boolean {
  if (binTypeCount(p) !== 1 || p.dims !== 1 || !p.compatible.every((c) => c === 1)) return false;
  const capacity = p.capacities[0] ?? 0;
  if (!Number.isInteger(capacity) || capacity <= 0) return false;
  if (!(p.costs[0] ?? 0)) return false;
  let pieces = 0;
  let items = 0;
  for (let i = 0; i < classCount(p); i++) {
    items += p.demand[i] ?? 0;
    const w = p.sizes[i] ?? 0;
    if (!Number.isInteger(w) || w < 0 || w > capacity) return false;
    pieces += Math.ceil(Math.log2((p.demand[i] ?? 0) + 1));
  }
  return items <= MAX_ITEMS && pieces * (capacity + 1) <= MAX_TABLE_CELLS;
}

interface Priced {
  /** max pi . a over the residual's patterns (in cost units). */
  readonly value: number;
  readonly classes: number[];
  readonly counts: number[];
}

/**
 * Exact bounded knapsack: max sum pi_i a_i s.t. sum w_i a_i <= capacity, a_i <= min(residual_i, cap_i),
 * by binary splitting of the copies and a 0/1 dynamic program over the integer capacity.
 */
export function priceExactly(p: VectorProblem, pi: ArrayLike<number>, residual: ArrayLike<number>): Priced {
  const capacity = p.capacities[0] ?? 0;
  const m = classCount(p);
  const pieceClass: number[] = [];
  const pieceCopies: number[] = [];
  let freeValue = 0;
  const free: [number, number][] = [];
  for (let i = 0; i < m; i++) {
    const profit = pi[i] ?? 0;
    const w = p.sizes[i] ?? 0;
    let copies = perBinCap(p, i, residual[i] ?? 0);
    if (profit <= EPS || copies <= 0) continue;
    if (w === 0) {
      // Weightless copies all go in.
      freeValue += profit * copies;
      free.push([i, copies]);
      continue;
    }
    copies = Math.min(copies, Math.floor(capacity / w));
    for (let part = 1; copies > 0; part *= 2) {
      const take = Math.min(part, copies);
      pieceClass.push(i);
      pieceCopies.push(take);
      copies -= take;
    }
  }
  const width = capacity + 1;
  const value = new Float64Array(width);
  const took = new Uint8Array(pieceClass.length * width);
  for (let j = 0; j < pieceClass.length; j++) {
    const i = pieceClass[j] ?? 0;
    const w = (p.sizes[i] ?? 0) * (pieceCopies[j] ?? 0);
    const profit = (pi[i] ?? 0) * (pieceCopies[j] ?? 0);
    for (let c = capacity; c >= w; c--) {
      const v = (value[c - w] ?? 0) + profit;
      if (v > (value[c] ?? 0) + 1e-12) {
        value[c] = v;
        took[j * width + c] = 1;
      }
    }
  }
  const counts = new Map<number, number>(free);
  let c = capacity;
  for (let j = pieceClass.length - 1; j >= 0; j--) {
    if (took[j * width + c] !== 1) continue;
    const i = pieceClass[j] ?? 0;
    counts.set(i, (counts.get(i) ?? 0) + (pieceCopies[j] ?? 0));
    c -= (p.sizes[i] ?? 0) * (pieceCopies[j] ?? 0);
  }
  const classes = [...counts.keys()].sort((x, y) => x - y);
  return {
    value: (value[capacity] ?? 0) + freeValue,
    classes,
    counts: classes.map((i) => counts.get(i) ?? 0),
  };
}

/**
 * Up to `count` greedy columns of negative reduced cost (their duals add up to more than the bin's
 * cost): a bin opened by each of the `count` classes with the largest duals, then filled in `ratio`
 * order (dual per unit of size) with what still fits.
 */
function greedyColumns(
  p: VectorProblem,
  pi: ArrayLike<number>,
  residual: ArrayLike<number>,
  count: number,
  ratio: readonly number[],
): Column[] {
  if (count <= 0) return [];
  const capacity = p.capacities[0] ?? 0;
  const binCost = p.costs[0] ?? 1;
  const openers = ratio
    .filter((i) => (residual[i] ?? 0) > 0)
    .sort((x, y) => (pi[y] ?? 0) - (pi[x] ?? 0) || x - y)
    .slice(0, count);
  const columns: Column[] = [];
  for (const first of openers) {
    const taken = new Map<number, number>([[first, 1]]);
    let load = p.sizes[first] ?? 0;
    let value = pi[first] ?? 0;
    for (const i of ratio) {
      const w = p.sizes[i] ?? 0;
      const have = taken.get(i) ?? 0;
      let fit = perBinCap(p, i, residual[i] ?? 0) - have;
      if (w > 0) fit = Math.min(fit, Math.floor((capacity - load) / w));
      if (fit <= 0) continue;
      taken.set(i, have + fit);
      load += fit * w;
      value += fit * (pi[i] ?? 0);
    }
    if (value <= binCost * (1 + 1e-9)) continue;
    const classes = [...taken.keys()].sort((x, y) => x - y);
    columns.push({ bin: 0, classes, counts: classes.map((i) => taken.get(i) ?? 0) });
  }
  return columns;
}

const columnKey = (c: Column): string => `${c.classes.join(',')}|${c.counts.join(',')}`;

type NodeResult =
  | { readonly kind: 'pruned' }
  | { readonly kind: 'timeout' }
  | { readonly kind: 'open'; readonly primal: Float64Array };

/**
 * Solves the root LP (for the bound and the target), then dives. The plan, when found, has the target's
 * bins (type 0): every bin within its capacity and per-bin caps, every copy packed.
 */
export function lpDive(p: VectorProblem, options: LpDiveOptions): LpDiveResult {
  if (!lpDiveApplies(p)) return { bins: undefined, lowerBoundBins: 0, targetBins: 0 };
  const { now, deadline } = options;
  const stats = options.stats;
  const m = classCount(p);
  const binCost = p.costs[0] ?? 1;
  const capacity = p.capacities[0] ?? 0;
  const iterationsPerNode = options.iterationsPerNode ?? 400;
  const stopEarly = options.stopEarly ?? true;
  const smoothing = options.smoothing ?? 0.5;
  const extraColumns = options.extraColumns ?? 8;
  const inheritLp = options.inheritLp ?? true;
  /** Classes by decreasing dual per unit of size (weightless ones first). */
  const ratioOrder = (pi: ArrayLike<number>) =>
    Array.from({ length: m }, (_, i) => i)
      .filter((i) => (pi[i] ?? 0) > EPS)
      .sort(
        (x, y) =>
          (pi[y] ?? 0) / Math.max(p.sizes[y] ?? 0, EPS) - (pi[x] ?? 0) / Math.max(p.sizes[x] ?? 0, EPS) ||
          x - y,
      );
  const order = Array.from({ length: m }, (_, i) => i).sort(
    (x, y) => (p.sizes[y] ?? 0) - (p.sizes[x] ?? 0) || x - y,
  );
  /** Position of each class in `order`. */
  const rank = new Int32Array(m);
  for (let k = 0; k < m; k++) rank[order[k] ?? 0] = k;
  const smallerOrEqual = (s: number, i: number) => (p.sizes[s] ?? 0) <= (p.sizes[i] ?? 0);
  const downward = !p.maxPerBin && (options.fillDown ?? true);
  const master = new MasterProblem(options.highs, p);
  try {
    const seeds: Column[] = [...(options.seedColumns ?? [])].filter((c) => c.bin === 0);
    for (let i = 0; i < m; i++) {
      const w = p.sizes[i] ?? 0;
      const most = w > 0 ? Math.min(p.demand[i] ?? 0, Math.floor(capacity / w)) : (p.demand[i] ?? 0);
      const copies = perBinCap(p, i, most);
      if (copies > 0) seeds.push({ bin: 0, classes: [i], counts: [copies] });
    }
    master.addColumns(seeds);
    /**
     * The caller's seed columns, taken out of the LP in the unseeded dives (ADR 0090). Not the one-class
     * ones: a one-class column may be the class's only cover, and the LP must stay feasible.
     */
    const seedIndices = [
      ...new Set(
        (options.seedColumns ?? [])
          .filter((c) => c.bin === 0 && c.classes.length > 1)
          .map((c) => master.indexOf(c))
          .filter((c) => c >= 0),
      ),
    ].sort((a, b) => a - b);
    /** Seed columns out of the LP now. */
    const disabled = new Set<number>();
    const setSeeded = (on: boolean) => {
      const change = on ? [...disabled] : seedIndices.filter((c) => !disabled.has(c));
      if (change.length === 0) return;
      master.setColumnsEnabled(
        change.sort((a, b) => a - b),
        on,
      );
      if (on) disabled.clear();
      else for (const c of change) disabled.add(c);
    };
    if ((options.dualCuts ?? true) && !p.maxPerBin) {
      // Consecutive classes by size: pi of a class at most that of the next larger one.
      const pairs: [number, number][] = [];
      for (let k = 0; k + 1 < order.length; k++) pairs.push([order[k] ?? 0, order[k + 1] ?? 0]);
      master.addExchangeColumns(pairs);
    }

    /**
     * The residual's LP by column generation with exact pricing: 'pruned' as soon as its proven bound
     * rounded up exceeds `room` bins; else the last restricted LP's primal and the best bound reached.
     */
    const generate = (
      residual: Int32Array,
      room: number,
      iterations: number,
    ): NodeResult & { readonly bound: number } => {
      const started = now();
      if (stats) stats.nodes++;
      master.setDemand(residual, 0);
      // Only the right-hand sides changed: the last basis is still dual feasible.
      master.setStrategy('dual');
      let lp = master.solve();
      master.setStrategy('primal');
      let bound = 0;
      // Wentges smoothing: price at a point between the best-bound duals (the centre) and the LP's,
      // which damps the duals' oscillation; a column that does not price out at the LP's duals is
      // a mispricing, and the LP's own duals are priced next.
      let center: Float64Array | undefined;
      const farley = (pi: ArrayLike<number>, value: number) => {
        let dualObjective = 0;
        for (let i = 0; i < m; i++) dualObjective += (residual[i] ?? 0) * (pi[i] ?? 0);
        // pi / kappa is dual feasible for the residual's pattern LP (kappa from exact pricing).
        return dualObjective / Math.max(1, value / binCost) / binCost;
      };
      try {
        for (let it = 0; it < iterations; it++) {
          if (now() > deadline) return { kind: 'timeout', bound };
          if (stats) stats.iterations++;
          const duals = lp.duals;
          let at: Float64Array = duals;
          if (center && smoothing > 0) {
            const c = center;
            at = Float64Array.from(duals, (v, i) => smoothing * (c[i] ?? 0) + (1 - smoothing) * v);
          }
          let priced = priceExactly(p, at, residual);
          let atBound = farley(at, priced.value);
          if (atBound > bound || !center) {
            bound = Math.max(bound, atBound);
            center = at;
          }
          let lpValue = 0;
          for (let j = 0; j < priced.classes.length; j++)
            lpValue += (duals[priced.classes[j] ?? 0] ?? 0) * (priced.counts[j] ?? 0);
          if (at !== duals && lpValue <= binCost * (1 + 1e-9)) {
            // Mispricing: price the LP's duals themselves.
            priced = priceExactly(p, duals, residual);
            lpValue = priced.value;
            atBound = farley(duals, priced.value);
            if (atBound > bound) {
              bound = atBound;
              center = duals;
            }
          }
          if (Math.ceil(bound - 1e-6) > room) {
            if (stats) stats.pruned++;
            return { kind: 'pruned', bound };
          }
          // No column prices out: the LP is optimal. Or (below the root) its value already leaves room
          // for the target: no bound can prune this node any more.
          if (lpValue <= binCost * (1 + 1e-9)) break;
          if (stopEarly && Number.isFinite(room) && lp.objective / binCost <= room + 1e-6) break;
          const column = extendPattern(p, 0, priced.classes, priced.counts, residual, order);
          const again = master.indexOf(column);
          if (disabled.has(again)) {
            // Pricing found a seed column that is out of the LP: the unseeded LP generated it itself,
            // so it goes back in for good (adding it again would be a no-op and end the generation).
            master.setColumnsEnabled([again], true);
            disabled.delete(again);
            const at = seedIndices.indexOf(again);
            if (at >= 0) seedIndices.splice(at, 1);
            lp = master.solve();
            continue;
          }
          if (
            master.addColumns([
              column,
              ...greedyColumns(p, duals, residual, extraColumns, ratioOrder(duals)),
            ]) === 0
          )
            break;
          lp = master.solve();
        }
        return { kind: 'open', primal: lp.primal, bound };
      } finally {
        if (stats && stats.rootMs === 0 && room === Number.POSITIVE_INFINITY) {
          stats.rootMs = now() - started;
          stats.rootIterations = stats.iterations;
        }
      }
    };

    const all = Int32Array.from(p.demand);
    const root = generate(all, Number.POSITIVE_INFINITY, ROOT_ITERATIONS);
    const lowerBoundBins = root.bound;
    const targetBins = Math.max(options.minimumBins ?? 0, Math.ceil(lowerBoundBins - 1e-6), 1);
    if (root.kind !== 'open') return { bins: undefined, lowerBoundBins, targetBins };

    const tabu = new Set<string>();
    let largestFirst = false;
    let noise = 0;
    const random = seeded(options.seed ?? 1);
    let found: PackedBin[] | undefined;
    const copy = (bins: readonly PackedBin[]) =>
      bins.map((b) => ({ type: 0, classes: [...b.classes], counts: [...b.counts] }));
    const search = (
      residual: Int32Array,
      fixed: PackedBin[],
      discrepancies: number,
      inherited?: Float64Array,
    ): 'found' | 'failed' | 'timeout' => {
      if (!residual.some((r) => r > 0)) {
        found = copy(fixed);
        return 'found';
      }
      const room = targetBins - fixed.length;
      let x: Float64Array;
      if (inherited) {
        // The parent's LP solution less the copies just fixed covers this residual, and when the parent's
        // LP was optimal so is this (its duals price the fixed column at exactly one bin, so they prove
        // the same value less those bins): the re-solve, a HiGHS call and a pricing, is skipped.
        if (now() > deadline) return 'timeout';
        if (stats) stats.inherited = (stats.inherited ?? 0) + 1;
        x = inherited;
      } else {
        const node = generate(residual, room, iterationsPerNode);
        if (node.kind === 'pruned') return 'failed';
        if (node.kind === 'timeout') return 'timeout';
        x = node.primal;
      }
      const completion = firstFitDecreasing(p, residual);
      if (completion.length <= room) {
        found = [...copy(fixed), ...completion];
        return 'found';
      }
      const ranked: number[] = [];
      for (let c = 0; c < x.length; c++)
        if (
          (x[c] ?? 0) > 1e-6 &&
          (master.columns[c] as Column).bin >= 0 &&
          !tabu.has(columnKey(master.columns[c] as Column))
        )
          ranked.push(c);
      if (largestFirst) {
        // Columns holding the largest item left first (bin-oriented, like MBS'), then by value.
        let largest = -1;
        for (let i = 0; i < m; i++)
          if ((residual[i] ?? 0) > 0 && (largest < 0 || (p.sizes[i] ?? 0) > (p.sizes[largest] ?? 0)))
            largest = i;
        const holds = (c: number) => ((master.columns[c] as Column).classes.includes(largest) ? 1 : 0);
        ranked.sort((a, b) => holds(b) - holds(a) || (x[b] ?? 0) - (x[a] ?? 0) || a - b);
      } else ranked.sort((a, b) => (x[b] ?? 0) - (x[a] ?? 0) || a - b);
      if (noise > 0) {
        // Randomized dives: each column's rank key jittered, so every dive follows another path.
        const key = new Map(ranked.map((c, r) => [c, r + noise * random() * ranked.length] as const));
        ranked.sort((a, b) => (key.get(a) ?? 0) - (key.get(b) ?? 0));
      }
      const madeTabu: string[] = [];
      try {
        for (let k = 0; k < ranked.length && k <= discrepancies; k++) {
          const c = ranked[k] ?? 0;
          const column = master.columns[c] as Column;
          const copies = Math.max(1, Math.floor((x[c] ?? 0) + 1e-6));
          const next = Int32Array.from(residual);
          const bins: PackedBin[] = [];
          // Whether the bins fixed are exactly `copies` copies of the column (then the child inherits
          // this LP solution less those copies).
          let exact = (x[c] ?? 0) >= copies - 1e-9 && inheritLp;
          for (let r = 0; r < copies; r++) {
            const bin: PackedBin = { type: 0, classes: [], counts: [] };
            for (let j = 0; j < column.classes.length; j++) {
              const i = column.classes[j] ?? 0;
              const take = Math.min(column.counts[j] ?? 0, next[i] ?? 0);
              if (take < (column.counts[j] ?? 0)) exact = false;
              if (take > 0) {
                addToBin(bin, i, take);
                next[i] = (next[i] ?? 0) - take;
              }
              // Copies the residual no longer holds (the LP covered them through an exchange column
              // or over-covered them): the next smaller classes left take their place, which keeps
              // the bin as full as the LP meant it (a smaller copy always fits where a larger one did).
              if (downward)
                for (let missing = (column.counts[j] ?? 0) - take, at = rank[i] ?? 0; missing > 0; ) {
                  while (at < m && ((next[order[at] ?? 0] ?? 0) <= 0 || !smallerOrEqual(order[at] ?? 0, i)))
                    at++;
                  if (at >= m) break;
                  const s = order[at] ?? 0;
                  const more = Math.min(missing, next[s] ?? 0);
                  addToBin(bin, s, more);
                  next[s] = (next[s] ?? 0) - more;
                  missing -= more;
                }
            }
            if (bin.classes.length > 0) bins.push(bin);
          }
          if (bins.length === 0) continue;
          let childX: Float64Array | undefined;
          if (exact) {
            childX = Float64Array.from(x);
            childX[c] = Math.max(0, (childX[c] ?? 0) - copies);
          }
          const outcome = search(next, [...fixed, ...bins], discrepancies - k, childX);
          if (outcome !== 'failed') return outcome;
          const key = columnKey(column);
          if (!tabu.has(key)) {
            tabu.add(key);
            madeTabu.push(key);
          }
        }
        return 'failed';
      } finally {
        for (const key of madeTabu) tabu.delete(key);
      }
    };

    const maxDiscrepancies = options.maxDiscrepancies ?? 8;
    const randomDives = options.randomDives ?? DEFAULT_RANDOM_DIVES;
    const unseededEvery = Math.max(0, Math.floor(options.unseededEvery ?? UNSEEDED_EVERY));
    // Seeded and unseeded roots alternate (ADR 0090) when there are seed columns and randomized dives.
    const alternate = seedIndices.length > 0 && unseededEvery > 0 && randomDives > 0;
    // Pure dives first (limit 0), columns ranked by value, then the largest item's columns first (the
    // two rules reach different instances of Hard28); when alternating, a pure dive by value with the
    // seed columns out of the LP between them. Then, with random dives, dives whose rankings are
    // jittered (the two rules alternating; every `unseededEvery`-th one unseeded, by value); without,
    // each discrepancy limit 1, 2, ... twice.
    const plain = alternate ? 3 : 2;
    const passes = randomDives > 0 ? plain + randomDives : 2 * maxDiscrepancies + 2;
    for (let pass = 0; pass < passes && now() <= deadline; pass++) {
      const limit = randomDives > 0 ? 0 : pass >> 1;
      const unseeded = alternate && (pass === 1 || (pass >= plain && pass % unseededEvery === 0));
      largestFirst = !unseeded && (alternate && pass < plain ? pass === 2 : pass % 2 === 1);
      noise = randomDives > 0 && pass >= plain ? RANK_NOISE : 0;
      setSeeded(!unseeded);
      if (stats) stats.discrepancyLimit = limit;
      if (stats && noise > 0) stats.randomDives = (stats.randomDives ?? 0) + 1;
      if (stats && unseeded) stats.unseededDives = (stats.unseededDives ?? 0) + 1;
      const outcome = search(Int32Array.from(p.demand), [], limit);
      if (outcome === 'found') return { bins: found, lowerBoundBins, targetBins };
      if (outcome === 'timeout') break;
    }
    return { bins: undefined, lowerBoundBins, targetBins };
  } finally {
    master.dispose();
  }
}
