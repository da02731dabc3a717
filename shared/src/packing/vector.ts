/**
 * The packer's core problem: d-dimensional vector bin packing with several bin types, each with a cost,
 * minimizing the total cost. Kubernetes pods become item classes over (CPU, memory, pod slots, extended
 * resources); the Panigrahy benchmark is the special case of one bin type of cost 1.
 *
 * Sizes and capacities are plain numbers (millicores, MiB, slots, milli-units); all arithmetic on them is
 * additions and comparisons, so integer inputs stay exact.
 */

export interface VectorProblem {
  /** Number of dimensions d. */
  readonly dims: number;
  /** Item classes: `sizes[i * dims + k]` is class i's size in dimension k. */
  readonly sizes: Float64Array;
  /** Copies of each class to pack. */
  readonly demand: Int32Array;
  /** Bin types: `capacities[b * dims + k]`. */
  readonly capacities: Float64Array;
  /** Cost of one bin of each type (> 0), e.g. USD per hour. */
  readonly costs: Float64Array;
  /**
   * `compatible[b * classCount + i]` = 1 when class i may go into bin type b (labels, taints, capacity
   * type). Capacity is checked separately.
   */
  readonly compatible: Uint8Array;
  /** At least this many bins in total (empty ones count). */
  readonly minBins: number;
  /**
   * Most copies of class i one bin may hold, whatever its type (pod anti-affinity or topology spread over
   * hostnames); absent: no cap besides capacity.
   */
  readonly maxPerBin?: Int32Array;
}

/** Most copies of class i a bin may hold besides capacity (`limit` when uncapped). */
export const perBinCap = (p: VectorProblem, i: number, limit: number): number => {
  const cap = p.maxPerBin?.[i];
  return cap === undefined ? limit : Math.min(limit, cap);
};

export const classCount = (p: VectorProblem): number => p.demand.length;
export const binTypeCount = (p: VectorProblem): number => p.costs.length;

/** One bin of a solution: its type and how many copies of each class it holds (sparse). */
export interface PackedBin {
  type: number;
  classes: number[];
  counts: number[];
}

export interface VectorSolution {
  readonly bins: PackedBin[];
  readonly cost: number;
}

/** Whether one copy of class i fits an empty bin of type b and may go there. */
export function fitsEmpty(p: VectorProblem, b: number, i: number): boolean {
  if (p.compatible[b * classCount(p) + i] !== 1) return false;
  const d = p.dims;
  for (let k = 0; k < d; k++) if ((p.sizes[i * d + k] ?? 0) > (p.capacities[b * d + k] ?? 0)) return false;
  return true;
}

/** Load of a bin per dimension: sum over classes of count x size. */
export function binLoad(p: VectorProblem, bin: PackedBin): Float64Array {
  const d = p.dims;
  const load = new Float64Array(d);
  for (let j = 0; j < bin.classes.length; j++) {
    const i = bin.classes[j] ?? 0;
    const c = bin.counts[j] ?? 0;
    for (let k = 0; k < d; k++) load[k] = (load[k] ?? 0) + c * (p.sizes[i * d + k] ?? 0);
  }
  return load;
}

/** Whether a load fits a bin type. */
export function loadFits(p: VectorProblem, b: number, load: Float64Array): boolean {
  const d = p.dims;
  for (let k = 0; k < d; k++) if ((load[k] ?? 0) > (p.capacities[b * d + k] ?? 0)) return false;
  return true;
}

/** Whether every class in the bin may go into bin type b. */
export function contentsCompatible(p: VectorProblem, b: number, bin: PackedBin): boolean {
  const m = classCount(p);
  for (const i of bin.classes) if (p.compatible[b * m + i] !== 1) return false;
  return true;
}

/** Sum of bin costs. */
export const solutionCost = (p: VectorProblem, bins: readonly PackedBin[]): number => {
  let cost = 0;
  for (const bin of bins) cost += p.costs[bin.type] ?? 0;
  return cost;
};

/**
 * Checks a solution: every bin within capacity and compatible, every class packed exactly `demand` times,
 * at least `minBins` bins. Returns the first problem found, or undefined.
 */
export function checkSolution(p: VectorProblem, bins: readonly PackedBin[]): string | undefined {
  const placed = new Float64Array(classCount(p));
  for (const [n, bin] of bins.entries()) {
    if (!contentsCompatible(p, bin.type, bin)) return `bin ${n} holds a class its type does not accept`;
    if (!loadFits(p, bin.type, binLoad(p, bin))) return `bin ${n} is over capacity`;
    for (let j = 0; j < bin.classes.length; j++) {
      const i = bin.classes[j] ?? 0;
      if ((bin.counts[j] ?? 0) > perBinCap(p, i, Number.MAX_SAFE_INTEGER))
        return `bin ${n} holds more copies of class ${i} than one bin may`;
      placed[i] = (placed[i] ?? 0) + (bin.counts[j] ?? 0);
    }
  }
  for (let i = 0; i < classCount(p); i++)
    if (placed[i] !== p.demand[i]) return `class ${i} packed ${placed[i]} times, demand ${p.demand[i]}`;
  if (bins.length < p.minBins) return `${bins.length} bins, at least ${p.minBins} required`;
  return undefined;
}

/** Adds `count` copies of class i to a bin (keeps classes unique). */
export function addToBin(bin: PackedBin, i: number, count: number): void {
  const j = bin.classes.indexOf(i);
  if (j >= 0) bin.counts[j] = (bin.counts[j] ?? 0) + count;
  else {
    bin.classes.push(i);
    bin.counts.push(count);
  }
}

export const cloneBin = (bin: PackedBin): PackedBin => ({
  type: bin.type,
  classes: [...bin.classes],
  counts: [...bin.counts],
});

/**
 * For each bin, the cheapest compatible bin type that holds its contents (ties: lower index). Never
 * worse than the current type, since the current type is a candidate.
 */
export function downsizeBins(p: VectorProblem, bins: PackedBin[]): void {
  if (bins.length === 0) return;
  // Types by (cost, index): the first one strictly cheaper than the bin's own that holds it is the
  // answer, and the scan stops at the own type's cost (it visited every type for every bin: thousands
  // of bins x hundreds of options on constrained clusters).
  const byCost = Array.from({ length: binTypeCount(p) }, (_, b) => b).sort(
    (x, y) => (p.costs[x] ?? 0) - (p.costs[y] ?? 0) || x - y,
  );
  for (const bin of bins) {
    const own = p.costs[bin.type] ?? 0;
    const load = binLoad(p, bin);
    for (const b of byCost) {
      if ((p.costs[b] ?? 0) >= own) break;
      if (loadFits(p, b, load) && contentsCompatible(p, b, bin)) {
        bin.type = b;
        break;
      }
    }
  }
}

/** Index of the cheapest bin type (ties: lower index), used for empty bins required by `minBins`. */
export function cheapestBinType(p: VectorProblem): number {
  let best = 0;
  for (let b = 1; b < binTypeCount(p); b++) if ((p.costs[b] ?? 0) < (p.costs[best] ?? 0)) best = b;
  return best;
}

/** Adds empty bins of the cheapest type until `minBins` is met. */
export function padToMinBins(p: VectorProblem, bins: PackedBin[]): void {
  const cheapest = cheapestBinType(p);
  while (bins.length < p.minBins) bins.push({ type: cheapest, classes: [], counts: [] });
}
