/**
 * Kubernetes pods onto priced node options: builds the vector problem (cluster-model.ts: pod classes x
 * instance type, capacity type and zone options, constraints included), solves it (solve.ts) and expands
 * the result into a plan of named pod copies, with the existing nodes that stay.
 */
import {
  buildClusterModel,
  type ClusterModel,
  type NodeOption,
  type PodClass,
  preferenceScore,
  sortedEntries,
} from './cluster-model';
import { InvalidPackingProblemError } from './errors';
import type { LabelSelectorSpec, PackingPlan, PackingProblem, PlannedNode, UnplacedPod } from './problem';
import { TOPOLOGY_ZONE } from './problem';
import { matchesLabelSelector } from './selectors';
import { type SolveOptions, solveVectorPacking } from './solve';
import type { PackedBin, VectorProblem } from './vector';

export {
  buildClusterModel,
  type ClusterModel,
  LABEL_CAPACITY_TYPE,
  LABEL_EKS_CAPACITY_TYPE,
  LABEL_INSTANCE_TYPE,
  LABEL_ZONE,
  type NodeOption,
  type PodClass,
  podAllowedOn,
  tolerates,
} from './cluster-model';

const fitsCapacity = (size: Float64Array, capacity: Float64Array) => {
  // A loop, not size.every: preferFreeOptions calls it for every bin x cheaper option (millions).
  for (let k = 0; k < size.length; k++) if ((size[k] ?? 0) > (capacity[k] ?? 0)) return false;
  return true;
};

/** Why a class fits no allowed option, in words a person can act on. */
function unplacedReason(model: ClusterModel, c: number, problem: PackingProblem): string {
  const podClass = model.classes[c] as PodClass;
  if (model.options.length === 0)
    return 'no instance type has a price for the allowed capacity types, or the per-node overhead exceeds every type';
  const allowed = model.options.filter((_, o) => model.compatible[o * model.classes.length + c] === 1);
  if (allowed.length === 0) {
    if (!podClass.spotReady && !problem.capacityTypes.includes('on-demand'))
      return 'not spot-ready, and on-demand capacity is not allowed';
    const selector = sortedEntries(podClass.nodeSelector)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ');
    const affinity = podClass.nodeAffinity.required?.length ? ' and required node affinity' : '';
    return `no allowed instance type matches its node selector${selector ? ` {${selector}}` : ''}${affinity} and tolerates the type's taints${podClass.spotReady ? '' : ' on on-demand capacity'}`;
  }
  const needs = model.dimensions
    .map((name, k) => ({ name, need: podClass.size[k] ?? 0 }))
    .filter(({ need }, k) => allowed.every((option) => need > (option.capacity[k] ?? 0)) && k !== 2);
  const detail = needs
    .map(({ name, need }) => {
      const k = model.dimensions.indexOf(name);
      const largest = Math.max(...allowed.map((option) => option.capacity[k] ?? 0));
      return `${name} ${need} (largest allowed node offers ${largest} after per-node overhead)`;
    })
    .join('; ');
  return `larger than every allowed instance type: ${detail || 'no single type holds all its requests'}`;
}

export interface PackOptions extends SolveOptions {
  /**
   * Called with the vector problem whose lower bound the plan reports (the relaxation without spread
   * when the problem has spread or a zone split) and the kept nodes' cost added to it: benchmarks
   * compare the reported bound with that problem's converged LP (converged-lp.ts).
   */
  readonly onBoundProblem?: (vector: VectorProblem, keptHourlyUsd: number) => void;
}

/** The vector problem of some classes (indices into `classes`) over all options. */
function vectorOf(
  model: ClusterModel,
  classes: readonly PodClass[],
  compatible: Uint8Array,
  chosen: readonly number[],
  demand: readonly number[],
  minBins: number,
  dropDimensions: readonly number[] = [],
  cap: (podClass: PodClass) => number | undefined = (podClass) => podClass.maxPerNode,
): VectorProblem {
  const d = model.dimensions.length;
  const m = classes.length;
  const sizes = new Float64Array(chosen.length * d);
  for (const [n, c] of chosen.entries()) {
    sizes.set((classes[c] as PodClass).size, n * d);
    for (const k of dropDimensions) sizes[n * d + k] = 0;
  }
  const n = chosen.length;
  // All classes in order (every class placeable, the usual case): the matrix is copied as a block
  // rather than element by element (millions of entries on the full catalog x hundreds of classes).
  const identity = n === m && chosen.every((c, j) => c === j);
  const compat = identity ? compatible.slice() : new Uint8Array(model.options.length * n);
  if (!identity)
    for (let o = 0; o < model.options.length; o++)
      for (let j = 0; j < n; j++) compat[o * n + j] = compatible[o * m + (chosen[j] ?? 0)] ?? 0;
  const capped = chosen.some((c) => cap(classes[c] as PodClass) !== undefined);
  return {
    dims: d,
    sizes,
    demand: Int32Array.from(demand),
    ...(capped
      ? {
          maxPerBin: Int32Array.from(chosen, (c) =>
            Math.min(cap(classes[c] as PodClass) ?? 2 ** 31 - 1, 2 ** 31 - 1),
          ),
        }
      : {}),
    capacities: Float64Array.from(model.options.flatMap((option) => Array.from(option.capacity))),
    costs: Float64Array.from(model.options, (option) => option.hourlyUsd),
    compatible: compat,
    minBins,
  };
}

/**
 * Packs the pods onto the cheapest set of nodes (USD/h) the constraints allow: spot only for spot-ready
 * pods, node selectors, required node affinity and taints respected, hostname anti-affinity and topology
 * spread (DoNotSchedule) held per node, zone ones by giving each pod a zone, every dimension within the
 * node's capacity after the per-node overhead, existing nodes that must stay (or run a do-not-disrupt
 * pod) kept with their pods, at least `minNodeCount` nodes. Among equally priced options a node takes
 * the one its pods' preferred node affinity likes best. Pods no allowed node can hold are listed as
 * unplaced with the reason. The plan's lower bound is proven (docs/packing.md, "Why the bound is valid").
 */
export async function pack(problem: PackingProblem, options: PackOptions = {}): Promise<PackingPlan> {
  const model = buildClusterModel(problem);
  const m = model.classes.length;
  const unplaced: UnplacedPod[] = [...model.zoneUnplaced];
  const placeable: number[] = [];
  for (let c = 0; c < m; c++) {
    const podClass = model.classes[c] as PodClass;
    const fits = model.options.some(
      (option, o) => model.compatible[o * m + c] === 1 && fitsCapacity(podClass.size, option.capacity),
    );
    if (fits) placeable.push(c);
    else {
      const reason = unplacedReason(model, c, problem);
      for (const pod of podClass.copies) unplaced.push({ pod, reason });
    }
  }
  const keptNodes: PlannedNode[] = model.kept.map((kept) => ({
    instanceType: kept.node.instanceType,
    capacityType: kept.node.capacityType,
    ...(kept.node.zone !== undefined ? { zone: kept.node.zone } : {}),
    existingNode: kept.node.name,
    pods: kept.pods.flatMap((pod) => pod.copies),
  }));
  const keptCost = model.kept.reduce((sum, kept) => sum + kept.hourlyUsd, 0);
  const minBins = Math.max(0, problem.minNodeCount - model.kept.length);
  if (minBins > 0 && model.options.length === 0)
    throw new InvalidPackingProblemError(
      'minNodeCount cannot be met: no instance type has a price for the allowed capacity types and room for the per-node overhead.',
    );

  const vector = vectorOf(
    model,
    model.classes,
    model.compatible,
    placeable,
    placeable.map((c) => (model.classes[c] as PodClass).copies.length),
    minBins,
  );
  if (model.options.length === 0)
    return {
      nodes: keptNodes,
      hourlyCostUsd: roundUsd(keptCost),
      lowerBoundHourlyUsd: floorUsd(keptCost),
      gapPct: 0,
      unplaced,
      stats: {
        podClasses: m,
        nodeOptions: 0,
        nodeOptionsKept: 0,
        origin: 'none',
        lpIterations: 0,
        lpOptimal: true,
      },
    };

  // Spread constraints and the zone split are stricter than Kubernetes (cluster-model.ts): the bound
  // comes from the same pods without them, a relaxation, so it stays a bound for the real rules.
  const relaxed =
    model.spreadDimensions.length > 0 ||
    model.zoneSplit ||
    model.classes.some((c) => c.maxPerNode !== c.maxPerNodeExact);
  let relaxedBound: number | undefined;
  let budget = options.timeLimitMs ?? 1500;
  if (relaxed) {
    const demand = new Array<number>(model.baseClasses.length).fill(0);
    for (const c of placeable) {
      const podClass = model.classes[c] as PodClass;
      demand[podClass.base] = (demand[podClass.base] ?? 0) + podClass.copies.length;
    }
    // Without spread, classes that differed only by their spread groups are the same: one class each,
    // demands added (same size once spread dimensions are dropped, same exact cap, same options).
    const mBase = model.baseClasses.length;
    const spread = new Set(model.spreadDimensions);
    const representative = new Map<string, number>();
    for (let c = 0; c < mBase; c++) {
      if ((demand[c] ?? 0) === 0) continue;
      const podClass = model.baseClasses[c] as PodClass;
      // The class's compatibility column, 32 options per number (a '0'/'1' character per option cost
      // about a tenth of a second on thousands of zone options x hundreds of classes).
      const words = new Array<number>(Math.ceil(model.options.length / 32)).fill(0);
      for (let o = 0; o < model.options.length; o++)
        if (model.baseCompatible[o * mBase + c] === 1)
          words[o >>> 5] = ((words[o >>> 5] ?? 0) | (1 << (o & 31))) >>> 0;
      const column = words.join(',');
      const key = JSON.stringify([
        Array.from(podClass.size, (x, k) => (spread.has(k) ? 0 : x)),
        podClass.maxPerNodeExact ?? null,
        column,
      ]);
      const first = representative.get(key);
      if (first === undefined) representative.set(key, c);
      else {
        demand[first] = (demand[first] ?? 0) + (demand[c] ?? 0);
        demand[c] = 0;
      }
    }
    const chosen = demand.map((_, c) => c).filter((c) => (demand[c] ?? 0) > 0);
    const relaxedVector = collapseZones(
      model,
      vectorOf(
        model,
        model.baseClasses,
        model.baseCompatible,
        chosen,
        chosen.map((c) => demand[c] ?? 0),
        minBins,
        model.spreadDimensions,
        (podClass) => podClass.maxPerNodeExact,
      ),
    );
    options.onBoundProblem?.(relaxedVector, keptCost);
    const share = Math.round(budget * 0.35);
    budget -= share;
    relaxedBound = (
      await solveVectorPacking(relaxedVector, { ...options, timeLimitMs: share, boundOnly: true })
    ).lowerBound;
  }
  if (!relaxed) options.onBoundProblem?.(vector, keptCost);
  const result = await solveVectorPacking(vector, {
    ...options,
    timeLimitMs: budget,
    ...(relaxedBound !== undefined ? { planOnly: true } : {}),
  });
  const bins = preferFreeOptions(model, placeable, result.bins);
  const { nodes, hourlyCostUsd: newCost } = expandPlan(model, placeable, bins);
  const hourlyCostUsd = newCost + keptCost;
  const lowerBound = Math.min((relaxedBound ?? result.lowerBound) + keptCost, hourlyCostUsd);
  return {
    nodes: [...keptNodes, ...nodes],
    hourlyCostUsd: roundUsd(hourlyCostUsd),
    lowerBoundHourlyUsd: floorUsd(lowerBound),
    gapPct: hourlyCostUsd > 0 ? Math.round(((hourlyCostUsd - lowerBound) / hourlyCostUsd) * 10_000) / 100 : 0,
    unplaced,
    stats: {
      podClasses: m,
      nodeOptions: model.options.length,
      nodeOptionsKept: result.stats.binTypesKept,
      origin: result.stats.origin,
      lpIterations: result.stats.cgIterations,
      lpOptimal: result.stats.lpOptimal,
    },
  };
}

/**
 * The relaxation's options without zones: one option per instance type and capacity type, at its
 * cheapest zone's price, accepting a class when some zone does. Any plan maps onto it at no greater cost,
 * so its bound is a bound of the zoned problem, for a third of the options.
 */
function collapseZones(model: ClusterModel, v: VectorProblem): VectorProblem {
  if (!model.options.some((option) => option.zone !== undefined)) return v;
  const d = v.dims;
  const m = v.demand.length;
  const groups: number[][] = [];
  for (let o = 0; o < model.options.length; o++) {
    const option = model.options[o] as NodeOption;
    const previous = model.options[o - 1];
    const last = groups[groups.length - 1];
    if (last && previous?.type === option.type && previous.capacityType === option.capacityType) last.push(o);
    else groups.push([o]);
  }
  const capacities = new Float64Array(groups.length * d);
  const costs = new Float64Array(groups.length);
  const compatible = new Uint8Array(groups.length * m);
  for (const [g, members] of groups.entries()) {
    const first = members[0] ?? 0;
    capacities.set(v.capacities.subarray(first * d, first * d + d), g * d);
    costs[g] = Math.min(...members.map((o) => v.costs[o] ?? 0));
    for (const o of members)
      for (let i = 0; i < m; i++) if (v.compatible[o * m + i] === 1) compatible[g * m + i] = 1;
  }
  return { ...v, capacities, costs, compatible };
}

/**
 * Preferred node affinity and soft zone spread, honoured when they cost nothing: each node that holds
 * pods with preferences takes, among the options no dearer than its own that hold and accept its pods,
 * the one whose labels score best (sum over its pods of the matched terms' weights); on ties the cheaper
 * one, then the zone where its pods' ScheduleAnyway zone-spread groups have the fewest pods so far.
 */
function preferFreeOptions(
  model: ClusterModel,
  placeable: readonly number[],
  bins: PackedBin[],
): PackedBin[] {
  const m = model.classes.length;
  const classOf = (i: number) => model.classes[placeable[i] ?? 0] as PodClass;
  const prefers = placeable.map((_, i) => (classOf(i).nodeAffinity.preferred?.length ?? 0) > 0);
  // Soft zone spread (ScheduleAnyway): among otherwise equal options, the zone where the group has the
  // fewest pods so far.
  const softSelectors = new Map<string, LabelSelectorSpec>();
  if (model.options.some((option) => option.zone !== undefined))
    for (let i = 0; i < placeable.length; i++)
      for (const t of classOf(i).topologySpreadConstraints)
        if (t.whenUnsatisfiable === 'ScheduleAnyway' && t.topologyKey === TOPOLOGY_ZONE)
          softSelectors.set(JSON.stringify(t.labelSelector), t.labelSelector);
  const soft = [...softSelectors.values()];
  const softOf = placeable.map((_, i) =>
    soft.flatMap((selector, g) => (matchesLabelSelector(classOf(i).labels, selector) ? [g] : [])),
  );
  if (!prefers.some(Boolean) && soft.length === 0) return bins;
  const zoneCounts = soft.map(() => new Map<string, number>());
  const byCost = model.options
    .map((_, o) => o)
    .sort((x, y) => (model.options[x]?.hourlyUsd ?? 0) - (model.options[y]?.hourlyUsd ?? 0) || x - y);
  const d = model.dimensions.length;
  const count = (bin: PackedBin, zone: string | undefined) => {
    if (zone === undefined) return;
    for (const [j, i] of bin.classes.entries())
      for (const g of softOf[i] ?? []) {
        const counts = zoneCounts[g] as Map<string, number>;
        counts.set(zone, (counts.get(zone) ?? 0) + (bin.counts[j] ?? 0));
      }
  };
  return bins.map((bin) => {
    if (!bin.classes.some((i) => prefers[i] || (softOf[i]?.length ?? 0) > 0)) {
      count(bin, model.options[bin.type]?.zone);
      return bin;
    }
    const load = new Float64Array(d);
    for (const [j, i] of bin.classes.entries()) {
      const size = classOf(i).size;
      for (let k = 0; k < d; k++) load[k] = (load[k] ?? 0) + (bin.counts[j] ?? 0) * (size[k] ?? 0);
    }
    const score = (o: number) => {
      const option = model.options[o] as NodeOption;
      let s = 0;
      for (const [j, i] of bin.classes.entries())
        if (prefers[i]) s += (bin.counts[j] ?? 0) * preferenceScore(classOf(i).nodeAffinity, option.labels);
      return s;
    };
    /** Pods of this node's soft spread groups already in the option's zone. */
    const crowding = (o: number) => {
      const zone = model.options[o]?.zone;
      if (zone === undefined) return 0;
      let c = 0;
      for (const [j, i] of bin.classes.entries())
        for (const g of softOf[i] ?? []) c += (bin.counts[j] ?? 0) * (zoneCounts[g]?.get(zone) ?? 0);
      return c;
    };
    const own = model.options[bin.type] as NodeOption;
    let best = bin.type;
    let bestScore = score(bin.type);
    let bestCost = own.hourlyUsd;
    let bestCrowding = crowding(bin.type);
    for (const o of byCost) {
      const option = model.options[o] as NodeOption;
      if (option.hourlyUsd > own.hourlyUsd) break;
      if (o === bin.type || !fitsCapacity(load, option.capacity)) continue;
      if (!bin.classes.every((i) => model.compatible[o * m + (placeable[i] ?? 0)] === 1)) continue;
      const s = score(o);
      const c = crowding(o);
      if (
        s > bestScore ||
        (s === bestScore && option.hourlyUsd < bestCost) ||
        (s === bestScore && option.hourlyUsd === bestCost && c < bestCrowding)
      ) {
        best = o;
        bestScore = s;
        bestCost = option.hourlyUsd;
        bestCrowding = c;
      }
    }
    const chosen = { ...bin, type: best };
    count(chosen, model.options[best]?.zone);
    return chosen;
  });
}

/** Cost rounding to 1e-9 USD keeps float noise out of the document; the bound is rounded down. */
const roundUsd = (usd: number) => Math.round(usd * 1e9) / 1e9;
const floorUsd = (usd: number) => Math.floor(usd * 1e9) / 1e9;

/** Names the pod copies on each node; nodes sorted by price (dearest first), then type and contents. */
function expandPlan(
  model: ClusterModel,
  placeable: readonly number[],
  bins: readonly PackedBin[],
): { nodes: PlannedNode[]; hourlyCostUsd: number } {
  const next = new Int32Array(placeable.length);
  const nodes = bins.map((bin) => {
    const option = model.options[bin.type] as NodeOption;
    const pods: string[] = [];
    const order = bin.classes.map((c, j) => [c, bin.counts[j] ?? 0] as const).sort((x, y) => x[0] - y[0]);
    for (const [c, count] of order) {
      const copies = (model.classes[placeable[c] ?? 0] as PodClass).copies;
      const from = next[c] ?? 0;
      pods.push(...copies.slice(from, from + count));
      next[c] = from + count;
    }
    return {
      option,
      node: {
        instanceType: option.type.name,
        capacityType: option.capacityType,
        ...(option.zone !== undefined ? { zone: option.zone } : {}),
        pods,
      },
    };
  });
  const text = (a: string | undefined, b: string | undefined) =>
    (a ?? '') < (b ?? '') ? -1 : (a ?? '') > (b ?? '') ? 1 : 0;
  nodes.sort(
    (a, b) =>
      b.option.hourlyUsd - a.option.hourlyUsd ||
      text(a.node.instanceType, b.node.instanceType) ||
      text(a.node.capacityType, b.node.capacityType) ||
      text(a.option.zone, b.option.zone),
  );
  let hourlyCostUsd = 0;
  for (const n of nodes) hourlyCostUsd += n.option.hourlyUsd;
  return { nodes: nodes.map((n) => n.node), hourlyCostUsd };
}
