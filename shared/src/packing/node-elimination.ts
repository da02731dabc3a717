/**
 * Node elimination by consistent neighbourhood search (Buljubasic & Vasquez 2016, adapted to node
 * prices): take a node out of the plan (or, where the plan may not lose a node, give it a cheaper type
 * and empty it), put its pods in a pool, and search for a plan that places the pool in the other nodes.
 * Moves: insert a pool pod where it fits; spill (one pod out of a node, several pool pods in, when they
 * outweigh it); swap a pool pod with one or two lighter pods of a node (the node still fits, the pool
 * gets lighter); give a node a dearer type or open a node while the prices added stay below what the
 * elimination saves; else the least-bad swap. Pods just moved in are tabu for a while, so the search
 * does not undo its own moves. An empty pool is a cheaper plan; a search that runs out of moves is
 * undone from its move log.
 *
 * Why: on the Bitbrains trace the plan's loss is nodes that pay more per core than the LP's types
 * because memory-heavy pods were not paired with the CPU-heavy ones (type-16 nodes 100 % CPU, 16-71 %
 * memory free). Trading a CPU-full node's mid-sized pod for many small memory-heavy ones (the spill) is
 * the move that pairs them, which neither the greedy's fill orders nor `eliminateBins` (insertions
 * only) make (ADR 0094). */
import type { HeuristicDeadline } from './heuristics';
import { binTypeCount, classCount, downsizeBins, type PackedBin, type VectorProblem } from './vector';

export interface NodeEliminationOptions extends HeuristicDeadline {
  /** Pool moves (spills, swaps, type changes) per elimination attempt (default 150). */
  readonly movesPerAttempt?: number;
  /** Elimination attempts in all (default 2000). */
  readonly maxAttempts?: number;
  /** Moves a pod moved into a node from the pool stays there (default 7). */
  readonly tabuTenure?: number;
}

/**
 * Improves a plan by eliminating nodes (see the module comment). `values` weigh pods in the pool (the
 * fluid LP's duals: what a pod is worth placing); sizes break ties. Returns a cheaper valid plan, or
 * undefined when no elimination succeeded. Deterministic for a given clock: attempts and moves are
 * counted, and the deadline is checked between attempts and every few moves.
 */
export function eliminateNodes(
  p: VectorProblem,
  plan: readonly PackedBin[],
  values: ArrayLike<number>,
  options: NodeEliminationOptions,
): PackedBin[] | undefined {
  if (plan.length === 0) return undefined;
  const search = new Search(p, plan, values, options);
  return search.run() ? search.plan() : undefined;
}

const EPS = 1e-9;

class Search {
  private readonly m: number;
  private readonly d: number;
  private readonly bins: PackedBin[];
  private readonly loads: Float64Array;
  private readonly removed: Uint8Array;
  private readonly weight: Float64Array;
  private readonly pool: Int32Array;
  /** Classes with copies in the pool (order: insertion). */
  private readonly poolClasses: number[] = [];
  private poolSize = 0;
  /** A class swapped into a node may not leave a node before this iteration. */
  private readonly tabuUntil: Int32Array;
  private iteration = 0;
  /** Move log: (node, class, delta) triples; a delta of 0 records a type change (class = old type). */
  private log = new Int32Array(3 * 4096);
  private logLength = 0;
  /** Bin types by price, ascending (ties: lower index), and each type's place in that order. */
  private readonly byCost: Int32Array;
  private readonly costRank: Int32Array;
  /** Per node: attempts that failed on it since the plan last changed. */
  private readonly failed: Int32Array;
  /** Node slots: the plan's nodes plus room for nodes the search opens. */
  private readonly capacity: number;
  /** Scratch: pool classes by weight, room of a node. */
  private readonly sorted: Int32Array;
  private sortedLength = 0;
  private poolWeight = 0;
  private readonly room: Float64Array;
  /** Scratch: what a swap must free per dimension. */
  private readonly deficit: Float64Array;
  /** Scratch: the pool's best weight per unit of each dimension. */
  private readonly density: Float64Array;
  /**
   * Per node: the weight of its lightest pod, recomputed when its pods changed (`lightestStale`). A
   * swap takes out at least that weight, so nodes whose lightest pod outweighs the best swap's gain
   * are skipped without their pair scan (weights are positive).
   */
  private readonly lightest: Float64Array;
  private readonly lightestStale: Uint8Array;

  constructor(
    private readonly p: VectorProblem,
    plan: readonly PackedBin[],
    values: ArrayLike<number>,
    private readonly options: NodeEliminationOptions,
  ) {
    this.m = classCount(p);
    this.d = p.dims;
    const d = this.d;
    this.bins = plan.map((bin) => ({ type: bin.type, classes: [...bin.classes], counts: [...bin.counts] }));
    this.capacity = this.bins.length + 256;
    this.loads = new Float64Array(this.capacity * d);
    for (const [n, bin] of this.bins.entries())
      for (let j = 0; j < bin.classes.length; j++) {
        const i = bin.classes[j] ?? 0;
        const c = bin.counts[j] ?? 0;
        for (let k = 0; k < d; k++)
          this.loads[n * d + k] = (this.loads[n * d + k] ?? 0) + c * (p.sizes[i * d + k] ?? 0);
      }
    this.removed = new Uint8Array(this.capacity);
    this.failed = new Int32Array(this.capacity);
    this.sorted = new Int32Array(this.m);
    this.room = new Float64Array(d);
    this.pool = new Int32Array(this.m);
    this.deficit = new Float64Array(d);
    this.density = new Float64Array(d);
    this.lightest = new Float64Array(this.capacity);
    this.lightestStale = new Uint8Array(this.capacity).fill(1);
    this.tabuUntil = new Int32Array(this.m);
    // Weight: the pod's value, plus a small share of its size over the largest capacities so that
    // zero-valued pods still weigh by size (and the lighter of two equal values is the smaller pod).
    const reference = new Float64Array(d);
    for (let b = 0; b < binTypeCount(p); b++)
      for (let k = 0; k < d; k++) reference[k] = Math.max(reference[k] ?? 0, p.capacities[b * d + k] ?? 0);
    let meanValue = 0;
    for (let i = 0; i < this.m; i++) meanValue += Math.max(0, values[i] ?? 0);
    meanValue = meanValue / Math.max(1, this.m) || 1;
    this.weight = new Float64Array(this.m);
    for (let i = 0; i < this.m; i++) {
      let size = 0;
      for (let k = 0; k < d; k++)
        if ((reference[k] ?? 0) > 0) size += (p.sizes[i * d + k] ?? 0) / (reference[k] ?? 1);
      this.weight[i] = Math.max(0, values[i] ?? 0) + 1e-3 * meanValue * size;
    }
    this.byCost = Int32Array.from({ length: binTypeCount(p) }, (_, b) => b).sort(
      (x, y) => (p.costs[x] ?? 0) - (p.costs[y] ?? 0) || x - y,
    );
    this.costRank = new Int32Array(this.byCost.length);
    for (const [at, t] of this.byCost.entries()) this.costRank[t] = at;
  }

  plan(): PackedBin[] {
    return this.bins.filter((_, n) => this.removed[n] === 0);
  }

  private cost(n: number): number {
    return this.p.costs[(this.bins[n] as PackedBin).type] ?? 0;
  }

  private liveCount(): number {
    let live = 0;
    for (let n = 0; n < this.bins.length; n++) if (this.removed[n] === 0) live++;
    return live;
  }

  /** Runs elimination attempts until none succeeds, the attempt budget or the deadline. */
  run(): boolean {
    const maxAttempts = this.options.maxAttempts ?? 2000;
    let improved = false;
    let attempts = 0;
    const order: number[] = [];
    const score = new Float64Array(this.capacity);
    // Sweeps: every node is tried once (a success re-ranks the rest); a sweep that improved the plan
    // starts another, since what failed before may succeed on the changed plan.
    let sweepImproved = false;
    while (attempts < maxAttempts && this.options.now() <= this.options.deadline) {
      // Candidates: the nodes paying most above their pods' value, dearer first on ties.
      order.length = 0;
      for (let n = 0; n < this.bins.length; n++) {
        if (this.removed[n] === 1 || (this.failed[n] ?? 0) > 0) continue;
        const bin = this.bins[n] as PackedBin;
        let value = 0;
        for (let j = 0; j < bin.classes.length; j++)
          value += (bin.counts[j] ?? 0) * (this.weight[bin.classes[j] ?? 0] ?? 0);
        score[n] = this.cost(n) - value;
        order.push(n);
      }
      if (order.length === 0) {
        if (!sweepImproved) break;
        sweepImproved = false;
        this.failed.fill(0);
        continue;
      }
      order.sort((x, y) => (score[y] ?? 0) - (score[x] ?? 0) || this.cost(y) - this.cost(x) || x - y);
      for (const r of order) {
        if (attempts >= maxAttempts || this.options.now() > this.options.deadline) break;
        attempts++;
        this.failed[r] = 1;
        if (this.attempt(r)) {
          improved = true;
          sweepImproved = true;
          break;
        }
      }
    }
    return improved;
  }

  /**
   * One elimination: node r leaves the plan (or, where the plan may not lose a node, takes a cheaper
   * type), then the pool search. Returns true and keeps the result only when the plan got cheaper.
   */
  private attempt(r: number): boolean {
    const p = this.p;
    const before = this.logLength;
    const bin = this.bins[r] as PackedBin;
    const own = this.cost(r);
    let saving = own;
    let replacement = -1;
    if (this.liveCount() <= p.minBins) {
      replacement = this.cheaperReplacement(r);
      if (replacement < 0) return false;
      saving = own - (p.costs[replacement] ?? 0);
    }
    while (bin.classes.length > 0) {
      const i = bin.classes[bin.classes.length - 1] ?? 0;
      const c = bin.counts[bin.counts.length - 1] ?? 0;
      this.move(r, i, -c);
      this.addPool(i, c);
    }
    if (replacement >= 0) this.retype(r, replacement);
    else this.removed[r] = 1;
    const spent = this.search(saving);
    if (spent !== undefined) {
      // Commit: the touched nodes take their cheapest fitting types; the plan is cheaper by at least
      // saving - spent > 0 before that.
      const touched = this.touchedSince(before);
      const bins = touched.map((n) => this.bins[n] as PackedBin);
      downsizeBins(p, bins);
      this.logLength = 0;
      for (const n of touched)
        if ((this.bins[n] as PackedBin).classes.length === 0 && this.liveCount() > p.minBins)
          this.removed[n] = 1;
      return true;
    }
    this.undo(before);
    this.removed[r] = 0;
    this.clearPool();
    return false;
  }

  /** The cheaper type for node r that could hold the largest share of its load (where nodes may not go). */
  private cheaperReplacement(r: number): number {
    const p = this.p;
    const d = this.d;
    const own = this.cost(r);
    let best = -1;
    let bestGain = 0;
    for (const t of this.byCost) {
      const price = p.costs[t] ?? 0;
      if (price >= own) break;
      let share = 1;
      for (let k = 0; k < d; k++) {
        const load = this.loads[r * d + k] ?? 0;
        if (load > 0) share = Math.min(share, (p.capacities[t * d + k] ?? 0) / load);
      }
      const gain = share * own - price;
      if (gain > bestGain + EPS) {
        bestGain = gain;
        best = t;
      }
    }
    return best;
  }

  /**
   * The pool search. Returns the price spent on type changes when the pool emptied with that price
   * below `saving`, undefined when the move budget or the deadline ran out first.
   */
  private search(saving: number): number | undefined {
    const maxMoves = this.options.movesPerAttempt ?? 150;
    const tenure = this.options.tabuTenure ?? 7;
    let spent = 0;
    for (let moves = 0; ; moves++) {
      this.insertAll();
      if (this.poolSize === 0) return spent;
      if (moves >= maxMoves || ((moves & 15) === 15 && this.options.now() > this.options.deadline))
        return undefined;
      this.iteration++;
      // One pod out for several pool pods in first: it empties the pool fastest (1,000 trace pods,
      // 0.4 s: $21.14/h, against $21.28/h after the swaps and $21.38/h without it).
      if (this.bestSpill()) continue;
      if (this.bestSwap(true, tenure)) continue;
      const budget = saving - spent - 1e-6 * saving;
      const retyped = this.bestRetype(budget);
      if (retyped !== undefined) {
        spent += retyped;
        continue;
      }
      if (!this.bestSwap(false, tenure)) return undefined;
    }
  }

  /** Whether one copy of class i may go into node n as type t with out1/out2 (-1: none) taken out. */
  private fitsWith(n: number, t: number, i: number, out1: number, out2: number): boolean {
    const p = this.p;
    const d = this.d;
    if (p.compatible[t * this.m + i] !== 1) return false;
    for (let k = 0; k < d; k++) {
      let load = (this.loads[n * d + k] ?? 0) + (p.sizes[i * d + k] ?? 0);
      if (out1 >= 0) load -= p.sizes[out1 * d + k] ?? 0;
      if (out2 >= 0) load -= p.sizes[out2 * d + k] ?? 0;
      if (load > (p.capacities[t * d + k] ?? 0) + EPS) return false;
    }
    const cap = p.maxPerBin?.[i];
    if (cap !== undefined) {
      const bin = this.bins[n] as PackedBin;
      const j = bin.classes.indexOf(i);
      let have = j >= 0 ? (bin.counts[j] ?? 0) : 0;
      if (out1 === i) have--;
      if (out2 === i) have--;
      if (have + 1 > cap) return false;
    }
    return true;
  }

  /** Places every pool copy that fits somewhere, heaviest first, each where it leaves the least room. */
  private insertAll(): void {
    const p = this.p;
    const d = this.d;
    // Heaviest first: a selection over the few pool classes (no sort, no allocation).
    for (;;) {
      let placed = false;
      let heaviest = -1;
      for (const i of this.poolClasses)
        if ((this.pool[i] ?? 0) > 0 && (heaviest < 0 || (this.weight[i] ?? 0) > (this.weight[heaviest] ?? 0)))
          heaviest = i;
      if (heaviest < 0) return;
      // Try classes in decreasing weight until one copy is placed.
      let bound = Number.POSITIVE_INFINITY;
      let boundClass = -1;
      for (;;) {
        let i = -1;
        for (const c of this.poolClasses) {
          if ((this.pool[c] ?? 0) <= 0) continue;
          const w = this.weight[c] ?? 0;
          if (w > bound || (w === bound && c <= boundClass)) continue;
          if (i < 0 || w > (this.weight[i] ?? 0) || (w === (this.weight[i] ?? 0) && c < i)) i = c;
        }
        if (i < 0) break;
        bound = this.weight[i] ?? 0;
        boundClass = i;
        let target = -1;
        let targetSlack = Number.POSITIVE_INFINITY;
        for (let n = 0; n < this.bins.length; n++) {
          if (this.removed[n] === 1) continue;
          const t = (this.bins[n] as PackedBin).type;
          if (!this.fitsWith(n, t, i, -1, -1)) continue;
          let slack = 0;
          for (let k = 0; k < d; k++) {
            const c = p.capacities[t * d + k] ?? 0;
            if (c > 0) slack += (c - (this.loads[n * d + k] ?? 0) - (p.sizes[i * d + k] ?? 0)) / c;
          }
          if (slack < targetSlack) {
            targetSlack = slack;
            target = n;
          }
        }
        if (target >= 0) {
          this.move(target, i, 1);
          this.addPool(i, -1);
          placed = true;
          break;
        }
      }
      if (!placed) return;
    }
  }

  /**
   * The swap that lightens the pool most: a pool copy of class i into node n in exchange for one or two
   * copies there that are not tabu. `improving`: only swaps that make the pool lighter; otherwise the
   * least heavy non-tabu swap (a plateau or uphill step the tabu list keeps from cycling).
   */
  private bestSwap(improving: boolean, tenure: number): boolean {
    const p = this.p;
    const d = this.d;
    const deficit = this.deficit;
    let bestDelta = improving ? -1e-12 : Number.POSITIVE_INFINITY;
    let bi = -1;
    let bn = -1;
    let bj1 = -1;
    let bj2 = -1;
    const it = this.iteration;
    for (const i of this.poolClasses) {
      if ((this.pool[i] ?? 0) <= 0) continue;
      const wi = this.weight[i] ?? 0;
      for (let n = 0; n < this.bins.length; n++) {
        if (this.removed[n] === 1) continue;
        const bin = this.bins[n] as PackedBin;
        if (this.lightestStale[n] === 1) {
          let lightest = Number.POSITIVE_INFINITY;
          for (const j of bin.classes) lightest = Math.min(lightest, this.weight[j] ?? 0);
          this.lightest[n] = lightest;
          this.lightestStale[n] = 0;
        }
        if ((this.lightest[n] ?? 0) - wi >= bestDelta - 1e-12) continue;
        const t = bin.type;
        if (p.compatible[t * this.m + i] !== 1) continue;
        // What the pods swapped out must free in each dimension; more than the node holds: no swap.
        let possible = true;
        for (let k = 0; k < d; k++) {
          const need =
            (this.loads[n * d + k] ?? 0) + (p.sizes[i * d + k] ?? 0) - (p.capacities[t * d + k] ?? 0);
          deficit[k] = need;
          if (need > (this.loads[n * d + k] ?? 0) + EPS) possible = false;
        }
        if (!possible) continue;
        const len = bin.classes.length;
        for (let a = 0; a < len; a++) {
          const j1 = bin.classes[a] ?? 0;
          if (j1 === i || (this.tabuUntil[j1] ?? 0) > it) continue;
          const w1 = this.weight[j1] ?? 0;
          const single = w1 - wi;
          // Weights are positive: no pair with j1 beats the best either.
          if (single >= bestDelta - 1e-12) continue;
          let frees = true;
          for (let k = 0; k < d && frees; k++)
            if ((p.sizes[j1 * d + k] ?? 0) < (deficit[k] ?? 0) - EPS) frees = false;
          if (frees) {
            if (this.fitsWith(n, t, i, j1, -1)) {
              bestDelta = single;
              bi = i;
              bn = n;
              bj1 = j1;
              bj2 = -1;
            }
            // A pair holding j1 frees more but weighs more: j1 alone is the better swap.
            continue;
          }
          for (let b = a; b < len; b++) {
            const j2 = bin.classes[b] ?? 0;
            if (b === a && (bin.counts[a] ?? 0) < 2) continue;
            if (j2 === i || (this.tabuUntil[j2] ?? 0) > it) continue;
            const pair = w1 + (this.weight[j2] ?? 0) - wi;
            if (pair >= bestDelta - 1e-12) continue;
            let both = true;
            for (let k = 0; k < d && both; k++)
              if ((p.sizes[j1 * d + k] ?? 0) + (p.sizes[j2 * d + k] ?? 0) < (deficit[k] ?? 0) - EPS)
                both = false;
            if (both && this.fitsWith(n, t, i, j1, j2)) {
              bestDelta = pair;
              bi = i;
              bn = n;
              bj1 = j1;
              bj2 = j2;
            }
          }
        }
      }
    }
    if (bi < 0) return false;
    this.move(bn, bj1, -1);
    this.addPool(bj1, 1);
    if (bj2 >= 0) {
      this.move(bn, bj2, -1);
      this.addPool(bj2, 1);
    }
    this.move(bn, bi, 1);
    this.addPool(bi, -1);
    this.tabuUntil[bi] = this.iteration + tenure;
    return true;
  }

  /**
   * One pod out, several pool pods in: node n gives up a copy of class j (not tabu) and takes the pool
   * copies that then fit, heaviest first, when they outweigh it (a CPU-full node trades one mid-sized
   * pod for many small memory-heavy ones; the traded pod then opens a small node of its own).
   */
  private bestSpill(): boolean {
    this.sortPool();
    if (this.sortedLength === 0) return false;
    let bestDelta = -1e-12;
    let bn = -1;
    let bj = -1;
    const it = this.iteration;
    // An upper bound on the pool weight a node takes: in any one dimension, its room times the pool's
    // best weight per unit of that dimension (a fractional knapsack). Nodes whose room cannot take
    // more than the pod they give up are skipped without the scan over the pool (the spill's scans
    // were most of the search's time on 10,000 trace pods: ~600 nodes x ~16 classes per move).
    const p = this.p;
    const d = this.d;
    const density = this.density;
    for (let k = 0; k < d; k++) density[k] = 0;
    for (let s = 0; s < this.sortedLength; s++) {
      const i = this.sorted[s] ?? 0;
      const w = this.weight[i] ?? 0;
      // A pod without size in a dimension: that dimension bounds nothing.
      for (let k = 0; k < d; k++) {
        const size = p.sizes[i * d + k] ?? 0;
        density[k] = size > 0 ? Math.max(density[k] ?? 0, w / size) : Number.POSITIVE_INFINITY;
      }
    }
    const { capacities, sizes } = p;
    const { loads, weight, tabuUntil, removed, bins } = this;
    for (let n = 0; n < bins.length; n++) {
      if (removed[n] === 1) continue;
      const bin = bins[n] as PackedBin;
      const t = bin.type;
      for (let a = 0; a < bin.classes.length; a++) {
        const j = bin.classes[a] ?? 0;
        if ((tabuUntil[j] ?? 0) > it) continue;
        const wj = weight[j] ?? 0;
        let bound = Number.POSITIVE_INFINITY;
        for (let k = 0; k < d; k++) {
          const room = (capacities[t * d + k] ?? 0) - (loads[n * d + k] ?? 0) + (sizes[j * d + k] ?? 0);
          bound = Math.min(bound, (Math.max(room, 0) + EPS) * (density[k] ?? 0));
        }
        if (wj - bound >= bestDelta) continue;
        const delta = wj - this.spillWeight(n, j, false);
        if (delta < bestDelta) {
          bestDelta = delta;
          bn = n;
          bj = j;
        }
      }
    }
    if (bn < 0) return false;
    this.spillWeight(bn, bj, true);
    return true;
  }

  /**
   * Pool weight node n takes with one copy of class j out (pool classes heaviest first, at least two
   * copies, else 0); `apply`: make the move.
   */
  private spillWeight(n: number, j: number, apply: boolean): number {
    const p = this.p;
    const d = this.d;
    const room = this.room;
    const bin = this.bins[n] as PackedBin;
    const t = bin.type;
    for (let k = 0; k < d; k++)
      room[k] = (p.capacities[t * d + k] ?? 0) - (this.loads[n * d + k] ?? 0) + (p.sizes[j * d + k] ?? 0);
    if (apply) {
      this.move(n, j, -1);
      this.addPool(j, 1);
    }
    let taken = 0;
    let copiesIn = 0;
    for (let s = 0; s < this.sortedLength; s++) {
      const i = this.sorted[s] ?? 0;
      if (i === j || p.compatible[t * this.m + i] !== 1) continue;
      const copies = this.takeIntoRoom(bin, i);
      if (copies <= 0) continue;
      taken += copies * (this.weight[i] ?? 0);
      copiesIn += copies;
      if (apply) {
        this.move(n, i, copies);
        this.addPool(i, -copies);
        this.tabuUntil[i] = this.iteration + (this.options.tabuTenure ?? 7);
      }
    }
    return copiesIn >= 2 ? taken : 0;
  }

  /**
   * The type change or new node that buys room for pool pods at the lowest price per unit of pool
   * weight it can take: node n to a dearer type that holds its pods and some pool copies, or a new node
   * of any type. The price difference stays within `budget`. Returns it, undefined if none.
   */
  private bestRetype(budget: number): number | undefined {
    if (budget <= 0) return undefined;
    const p = this.p;
    this.sortPool();
    let bestRatio = Number.POSITIVE_INFINITY;
    let bestDelta = 0;
    let bn = -1;
    let bt = -1;
    for (let n = 0; n < this.bins.length; n++) {
      if (this.removed[n] === 1) continue;
      const bin = this.bins[n] as PackedBin;
      const own = p.costs[bin.type] ?? 0;
      // Dearer types only: from the node's own type up the price order.
      for (let at = (this.costRank[bin.type] ?? 0) + 1; at < this.byCost.length; at++) {
        const t = this.byCost[at] ?? 0;
        const delta = (p.costs[t] ?? 0) - own;
        if (delta <= 0) continue;
        if (delta > budget || delta >= bestRatio * this.poolWeight) break;
        if (!this.holds(n, t)) continue;
        const taken = this.fillWeight(n, t);
        if (taken <= 0) continue;
        if (delta / taken < bestRatio) {
          bestRatio = delta / taken;
          bestDelta = delta;
          bn = n;
          bt = t;
        }
        break;
      }
    }
    // A new node: its whole price for the pool weight it takes.
    if (this.bins.length < this.capacity)
      for (const t of this.byCost) {
        const price = p.costs[t] ?? 0;
        if (price > budget || price >= bestRatio * this.poolWeight) break;
        const taken = this.fillWeight(-1, t);
        if (taken > 0 && price / taken < bestRatio) {
          bestRatio = price / taken;
          bestDelta = price;
          bn = -1;
          bt = t;
        }
      }
    if (bt < 0) return undefined;
    if (bn < 0) this.open(bt);
    else this.retype(bn, bt);
    return bestDelta;
  }

  /**
   * Copies of pool class i that fit `this.room` (and the class's per-node cap, counting what `bin`
   * already holds; no bin: a new node), taken out of the room.
   */
  private takeIntoRoom(bin: PackedBin | undefined, i: number): number {
    const p = this.p;
    const d = this.d;
    const room = this.room;
    let copies = this.pool[i] ?? 0;
    const cap = p.maxPerBin?.[i];
    if (cap !== undefined) {
      const j = bin ? bin.classes.indexOf(i) : -1;
      copies = Math.min(copies, cap - (j >= 0 ? (bin?.counts[j] ?? 0) : 0));
    }
    for (let k = 0; k < d && copies > 0; k++) {
      const w = p.sizes[i * d + k] ?? 0;
      if (w > 0) copies = Math.min(copies, Math.floor(((room[k] ?? 0) + EPS) / w));
    }
    if (copies <= 0) return 0;
    for (let k = 0; k < d; k++) room[k] = (room[k] ?? 0) - copies * (p.sizes[i * d + k] ?? 0);
    return copies;
  }

  /** Pool weight node n (-1: a new node) would take as type t, filling pool classes heaviest first. */
  private fillWeight(n: number, t: number): number {
    const p = this.p;
    const d = this.d;
    const room = this.room;
    for (let k = 0; k < d; k++)
      room[k] = (p.capacities[t * d + k] ?? 0) - (n >= 0 ? (this.loads[n * d + k] ?? 0) : 0);
    const bin = n >= 0 ? (this.bins[n] as PackedBin) : undefined;
    let taken = 0;
    for (let s = 0; s < this.sortedLength; s++) {
      const i = this.sorted[s] ?? 0;
      if (p.compatible[t * this.m + i] !== 1) continue;
      const copies = this.takeIntoRoom(bin, i);
      if (copies <= 0) continue;
      taken += copies * (this.weight[i] ?? 0);
    }
    return taken;
  }

  /** Pool classes by decreasing weight into `sorted` (insertion sort: a few classes, no allocation). */
  private sortPool(): void {
    let length = 0;
    let total = 0;
    for (const i of this.poolClasses) {
      const c = this.pool[i] ?? 0;
      if (c <= 0) continue;
      total += c * (this.weight[i] ?? 0);
      const w = this.weight[i] ?? 0;
      let at = length++;
      while (at > 0) {
        const prev = this.sorted[at - 1] ?? 0;
        const wp = this.weight[prev] ?? 0;
        if (wp > w || (wp === w && prev < i)) break;
        this.sorted[at] = prev;
        at--;
      }
      this.sorted[at] = i;
    }
    this.sortedLength = length;
    this.poolWeight = total;
  }

  /** Whether type t accepts and holds node n's pods. */
  private holds(n: number, t: number): boolean {
    const p = this.p;
    const d = this.d;
    for (let k = 0; k < d; k++)
      if ((this.loads[n * d + k] ?? 0) > (p.capacities[t * d + k] ?? 0) + EPS) return false;
    const bin = this.bins[n] as PackedBin;
    for (const i of bin.classes) if (p.compatible[t * this.m + i] !== 1) return false;
    return true;
  }

  private addPool(i: number, c: number): void {
    const before = this.pool[i] ?? 0;
    if (before === 0 && c > 0 && !this.poolClasses.includes(i)) this.poolClasses.push(i);
    this.pool[i] = before + c;
    this.poolSize += c;
    if (this.pool[i] === 0) {
      const at = this.poolClasses.indexOf(i);
      const last = this.poolClasses.pop() as number;
      if (at >= 0 && at < this.poolClasses.length) this.poolClasses[at] = last;
    }
  }

  private clearPool(): void {
    for (const i of this.poolClasses) this.pool[i] = 0;
    this.poolClasses.length = 0;
    this.poolSize = 0;
  }

  private record(n: number, i: number, delta: number): void {
    if (this.logLength + 3 > this.log.length) {
      const grown = new Int32Array(this.log.length * 2);
      grown.set(this.log);
      this.log = grown;
    }
    this.log[this.logLength++] = n;
    this.log[this.logLength++] = i;
    this.log[this.logLength++] = delta;
  }

  /** Adds `delta` copies of class i to node n (negative: removes), logged for undo. */
  private move(n: number, i: number, delta: number): void {
    this.apply(n, i, delta);
    this.record(n, i, delta);
  }

  private apply(n: number, i: number, delta: number): void {
    const p = this.p;
    const d = this.d;
    const bin = this.bins[n] as PackedBin;
    this.lightestStale[n] = 1;
    const j = bin.classes.indexOf(i);
    if (j >= 0) {
      const c = (bin.counts[j] ?? 0) + delta;
      if (c === 0) {
        const last = bin.classes.length - 1;
        bin.classes[j] = bin.classes[last] ?? 0;
        bin.counts[j] = bin.counts[last] ?? 0;
        bin.classes.pop();
        bin.counts.pop();
      } else bin.counts[j] = c;
    } else {
      bin.classes.push(i);
      bin.counts.push(delta);
    }
    for (let k = 0; k < d; k++)
      this.loads[n * d + k] = (this.loads[n * d + k] ?? 0) + delta * (p.sizes[i * d + k] ?? 0);
  }

  private retype(n: number, t: number): void {
    const bin = this.bins[n] as PackedBin;
    this.record(n, bin.type, 0);
    bin.type = t;
  }

  /** Opens a new empty node of type t (logged: class -1). */
  private open(t: number): void {
    const n = this.bins.length;
    this.bins.push({ type: t, classes: [], counts: [] });
    this.lightestStale[n] = 1;
    this.removed[n] = 0;
    this.failed[n] = 0;
    this.record(n, -1, 0);
  }

  private undo(to: number): void {
    while (this.logLength > to) {
      const delta = this.log[--this.logLength] ?? 0;
      const i = this.log[--this.logLength] ?? 0;
      const n = this.log[--this.logLength] ?? 0;
      if (delta === 0 && i < 0) {
        // An opened node: the last one, empty again by now.
        this.bins.pop();
        this.removed[n] = 0;
      } else if (delta === 0) (this.bins[n] as PackedBin).type = i;
      else this.apply(n, i, -delta);
    }
  }

  private touchedSince(from: number): number[] {
    const touched: number[] = [];
    for (let at = from; at < this.logLength; at += 3) {
      const n = this.log[at] ?? 0;
      if (this.removed[n] === 0 && !touched.includes(n)) touched.push(n);
    }
    return touched;
  }
}
