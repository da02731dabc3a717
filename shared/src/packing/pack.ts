/**
 * Kubernetes pods onto priced node options: builds the vector problem (pod classes x instance type and
 * capacity type options), solves it (solve.ts) and expands the result into a plan of named pod copies.
 */
import { InvalidPackingProblemError } from './errors';
import type {
  InstanceTypeSpec,
  PackingCapacityType,
  PackingPlan,
  PackingProblem,
  PlannedNode,
  PodSpec,
  Taint,
  Toleration,
  UnplacedPod,
} from './problem';
import { type SolveOptions, solveVectorPacking } from './solve';
import type { PackedBin, VectorProblem } from './vector';

/** Well-known node labels the packer adds to every node option. */
export const LABEL_INSTANCE_TYPE = 'node.kubernetes.io/instance-type';
export const LABEL_CAPACITY_TYPE = 'karpenter.sh/capacity-type';
export const LABEL_EKS_CAPACITY_TYPE = 'eks.amazonaws.com/capacityType';

/** One priced way to run a node: an instance type with a capacity type. */
export interface NodeOption {
  readonly type: InstanceTypeSpec;
  readonly capacityType: PackingCapacityType;
  readonly hourlyUsd: number;
  readonly labels: Readonly<Record<string, string>>;
  /** Capacity left for pods after the per-node overhead, per dimension. */
  readonly capacity: Float64Array;
}

/** Pods with identical requests and constraints: packed as one class with many copies. */
export interface PodClass {
  readonly key: string;
  readonly spotReady: boolean;
  readonly nodeSelector: Readonly<Record<string, string>>;
  readonly tolerations: readonly Toleration[];
  /** Request per dimension. */
  readonly size: Float64Array;
  /** Copy names, in input order. */
  readonly copies: string[];
}

/** The problem in vector form: dimensions are CPU, memory, pod slots, then extended resources (sorted). */
export interface ClusterModel {
  readonly dimensions: readonly string[];
  readonly options: readonly NodeOption[];
  readonly classes: readonly PodClass[];
  /** `compatible[o * classes + c]`: labels, taints and spot readiness allow class c on option o. */
  readonly compatible: Uint8Array;
}

/** Kubernetes taint toleration: key and effect match, and value matches unless the operator is Exists. */
export function tolerates(tolerations: readonly Toleration[], taint: Taint): boolean {
  return tolerations.some((t) => {
    if (t.effect && t.effect !== taint.effect) return false;
    if (!t.key) return t.operator === 'Exists';
    if (t.key !== taint.key) return false;
    return t.operator === 'Exists' || (t.value ?? '') === (taint.value ?? '');
  });
}

/** A pod may land on a node when its selector matches and it tolerates every hard taint. */
export function podAllowedOn(
  pod: {
    nodeSelector: Readonly<Record<string, string>>;
    tolerations: readonly Toleration[];
    spotReady: boolean;
  },
  option: Pick<NodeOption, 'labels' | 'capacityType' | 'type'>,
): boolean {
  if (option.capacityType === 'spot' && !pod.spotReady) return false;
  for (const [key, value] of Object.entries(pod.nodeSelector)) if (option.labels[key] !== value) return false;
  for (const taint of option.type.taints ?? [])
    if (taint.effect !== 'PreferNoSchedule' && !tolerates(pod.tolerations, taint)) return false;
  return true;
}

const sortedEntries = (record: Readonly<Record<string, string | number>> | undefined) =>
  Object.entries(record ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

/** Builds dimensions, priced options and pod classes. Options whose overhead exceeds the node are dropped. */
export function buildClusterModel(problem: PackingProblem): ClusterModel {
  const extended = new Set<string>();
  for (const pod of problem.pods)
    for (const [name, amount] of Object.entries(pod.resources ?? {})) if (amount > 0) extended.add(name);
  const dimensions = ['cpuMilli', 'memoryMiB', 'pods', ...[...extended].sort()];
  const d = dimensions.length;
  const overhead = problem.perNodeOverhead;

  const options: NodeOption[] = [];
  for (const type of problem.instanceTypes) {
    const capacity = new Float64Array(d);
    capacity[0] = type.cpuMilli - overhead.cpuMilli;
    capacity[1] = type.memoryMiB - overhead.memoryMiB;
    capacity[2] = type.maxPods - overhead.pods;
    for (let k = 3; k < d; k++) {
      const name = dimensions[k] ?? '';
      capacity[k] = (type.resources?.[name] ?? 0) - (overhead.resources?.[name] ?? 0);
    }
    if (capacity.some((c) => c < 0)) continue;
    for (const capacityType of problem.capacityTypes) {
      const hourlyUsd = capacityType === 'spot' ? type.spotHourlyUsd : type.onDemandHourlyUsd;
      if (hourlyUsd === undefined) continue;
      options.push({
        type,
        capacityType,
        hourlyUsd,
        capacity,
        labels: {
          ...type.labels,
          [LABEL_INSTANCE_TYPE]: type.name,
          [LABEL_CAPACITY_TYPE]: capacityType,
          [LABEL_EKS_CAPACITY_TYPE]: capacityType === 'spot' ? 'SPOT' : 'ON_DEMAND',
        },
      });
    }
  }

  const classes: PodClass[] = [];
  const byKey = new Map<string, PodClass>();
  for (const pod of problem.pods) {
    const size = podSize(pod, dimensions);
    const tolerations = [...(pod.tolerations ?? [])].sort((a, b) =>
      JSON.stringify(a) < JSON.stringify(b) ? -1 : 1,
    );
    const key = JSON.stringify([
      Array.from(size),
      pod.spotReady,
      sortedEntries(pod.nodeSelector),
      tolerations,
    ]);
    let podClass = byKey.get(key);
    if (!podClass) {
      podClass = {
        key,
        spotReady: pod.spotReady,
        nodeSelector: pod.nodeSelector ?? {},
        tolerations,
        size,
        copies: [],
      };
      byKey.set(key, podClass);
      classes.push(podClass);
    }
    for (let k = 0; k < pod.count; k++) podClass.copies.push(`${pod.id}#${k}`);
  }

  const compatible = new Uint8Array(options.length * classes.length);
  for (const [o, option] of options.entries())
    for (const [c, podClass] of classes.entries())
      compatible[o * classes.length + c] = podAllowedOn(podClass, option) ? 1 : 0;
  return { dimensions, options, classes, compatible };
}

function podSize(pod: PodSpec, dimensions: readonly string[]): Float64Array {
  const size = new Float64Array(dimensions.length);
  size[0] = pod.cpuMilli;
  size[1] = pod.memoryMiB;
  size[2] = 1;
  for (let k = 3; k < dimensions.length; k++) size[k] = pod.resources?.[dimensions[k] ?? ''] ?? 0;
  return size;
}

const fitsCapacity = (size: Float64Array, capacity: Float64Array) =>
  size.every((s, k) => s <= (capacity[k] ?? 0));

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
    return `no allowed instance type matches its node selector${selector ? ` {${selector}}` : ''} and tolerates the type's taints${podClass.spotReady ? '' : ' on on-demand capacity'}`;
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

export interface PackOptions extends SolveOptions {}

/**
 * Packs the pods onto the cheapest set of nodes (USD/h) the constraints allow: spot only for spot-ready
 * pods, node selectors and taints respected, every dimension within the node's capacity after the
 * per-node overhead, at least `minNodeCount` nodes. Pods no allowed node can hold are listed as
 * unplaced with the reason. The plan's lower bound is proven (docs/packing.md, "Why the bound is valid").
 */
export async function pack(problem: PackingProblem, options: PackOptions = {}): Promise<PackingPlan> {
  const model = buildClusterModel(problem);
  const m = model.classes.length;
  const unplaced: UnplacedPod[] = [];
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
  if (problem.minNodeCount > 0 && model.options.length === 0)
    throw new InvalidPackingProblemError(
      'minNodeCount cannot be met: no instance type has a price for the allowed capacity types and room for the per-node overhead.',
    );

  const d = model.dimensions.length;
  const vector: VectorProblem = {
    dims: d,
    sizes: Float64Array.from(placeable.flatMap((c) => Array.from((model.classes[c] as PodClass).size))),
    demand: Int32Array.from(placeable, (c) => (model.classes[c] as PodClass).copies.length),
    capacities: Float64Array.from(model.options.flatMap((option) => Array.from(option.capacity))),
    costs: Float64Array.from(model.options, (option) => option.hourlyUsd),
    compatible: Uint8Array.from(
      model.options.flatMap((_, o) => placeable.map((c) => model.compatible[o * m + c] ?? 0)),
    ),
    minBins: problem.minNodeCount,
  };
  if (model.options.length === 0)
    return {
      nodes: [],
      hourlyCostUsd: 0,
      lowerBoundHourlyUsd: 0,
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

  const result = await solveVectorPacking(vector, options);
  const { nodes, hourlyCostUsd } = expandPlan(model, placeable, result.bins);
  const lowerBound = Math.min(result.lowerBound, hourlyCostUsd);
  return {
    nodes,
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
    return { option, node: { instanceType: option.type.name, capacityType: option.capacityType, pods } };
  });
  nodes.sort(
    (a, b) =>
      b.option.hourlyUsd - a.option.hourlyUsd ||
      (a.node.instanceType < b.node.instanceType ? -1 : a.node.instanceType > b.node.instanceType ? 1 : 0) ||
      (a.node.capacityType < b.node.capacityType ? -1 : a.node.capacityType > b.node.capacityType ? 1 : 0),
  );
  let hourlyCostUsd = 0;
  for (const n of nodes) hourlyCostUsd += n.option.hourlyUsd;
  return { nodes: nodes.map((n) => n.node), hourlyCostUsd };
}
