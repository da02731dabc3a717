import type { InstanceTypeSpec, PackingProblemInput, Toleration } from '../packing/problem';
import { loadCatalog } from '../pricing/catalog';
import { eksAllocatable } from '../pricing/eks-allocatable';
import {
  type CapacityType,
  type ExemptionPolicy,
  isPodExempt,
  matchesExemptLabel,
  noExemptions,
} from './cluster';
import { type LivePrices, typePrices } from './node-pricing';
import { type ModelNode, type ModelPod, type SnapshotModel, labels as wellKnown } from './snapshot-model';

/**
 * A snapshot model turned into the packer's problem (`shared/src/packing`):
 * - instance types: those running in the cluster plus those its node groups allow, with the allocatable
 *   capacity seen on the cluster's nodes (else the EKS formula from the catalog), the labels and taints
 *   every node of the type shares, and the type's live on-demand / spot price (catalog where unknown);
 * - per-node overhead: the cluster's DaemonSet and static pods per node (CPU, memory, pod slots);
 * - capacity types: those the cluster runs; a pod on a spot node may stay on spot, every other pod stays
 *   on on-demand (moving pods to spot is the spot figure: counting it here too would overlap);
 * - node selectors (zone selectors ignored: the plan is per cluster, not per zone) and tolerations.
 * Pods pinned to a hostname keep their node (see `packingProblem`'s `pinned`), and so does every pod of the
 * policy's exemptions: an exempt ("Unmanaged") node, or a node running an exempt pod, stays as it is, so
 * an exempt workload never shows up in the savings; an exempt pending pod is left out of both sides.
 */

/** Labels that describe one node, not its type: never offered to a selector. */
export const nodeSpecificLabel = (key: string) =>
  key === wellKnown.hostname ||
  key === wellKnown.zone ||
  key === wellKnown.zoneBeta ||
  key === 'topology.kubernetes.io/region' ||
  key === 'failure-domain.beta.kubernetes.io/region' ||
  key.startsWith('topology.ebs.csi.aws.com/') ||
  key === 'k8s.io/cloud-provider-aws' ||
  key === wellKnown.instanceType ||
  key === wellKnown.instanceTypeBeta ||
  key === wellKnown.karpenterCapacityType ||
  key === wellKnown.eksCapacityType;

/** Selector keys the plan does not constrain: zones. */
const ignoredSelectorKeys = new Set<string>([wellKnown.zone, wellKnown.zoneBeta]);

/** DaemonSet and static (mirror) pods: they run on every node (or on one), the packer cannot move them. */
export const nodeBound = (p: ModelPod) => p.owner?.kind === 'DaemonSet' || p.owner?.kind === 'Node';

/** The type-level labels every one of `nodes` carries with the same value (node-specific labels left out). */
export function sharedLabels(nodes: readonly ModelNode[]): Record<string, string> {
  const [first, ...rest] = nodes;
  if (!first) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(first.labels)) {
    if (!nodeSpecificLabel(k) && rest.every((n) => n.labels[k] === v)) out[k] = v;
  }
  return out;
}

/** The taints (key, value and effect) every one of `nodes` carries. */
export function sharedTaints(nodes: readonly ModelNode[]) {
  const [first, ...rest] = nodes;
  if (!first) return [];
  return first.taints.filter((t) =>
    rest.every((n) => n.taints.some((u) => u.key === t.key && u.value === t.value && u.effect === t.effect)),
  );
}

/** A pod's tolerations as the packer reads them (unknown operators and effects dropped). */
export function tolerationsOf(pod: ModelPod): Toleration[] {
  const effects = new Set(['NoSchedule', 'PreferNoSchedule', 'NoExecute']);
  return pod.tolerations.map((t) => ({
    ...(t.key ? { key: t.key } : {}),
    ...(t.operator === 'Exists' || t.operator === 'Equal' ? { operator: t.operator } : {}),
    ...(t.value !== undefined ? { value: t.value } : {}),
    ...(t.effect && effects.has(t.effect) ? { effect: t.effect as Toleration['effect'] } : {}),
  }));
}

/**
 * The instance types the plan may use: seen on the `priced` nodes (capacity = the largest allocatable seen,
 * millicores / MiB / pod slots), or allowed by the node group of one of them (capacity from the catalog's EKS
 * formula); each with its on-demand and spot price (USD/h, `typePrices`) and the labels and taints its
 * nodes share. Types without capacity, pod slots or an on-demand price are left out.
 */
export function packingInstanceTypes(
  priced: readonly ModelNode[],
  live: LivePrices,
  region: string,
  allowedTypes: ReadonlyMap<string, readonly string[]> | undefined,
): InstanceTypeSpec[] {
  const catalog = loadCatalog();
  const byType = new Map<string, ModelNode[]>();
  for (const n of priced) byType.set(n.instanceType, [...(byType.get(n.instanceType) ?? []), n]);
  const groupsOfType = new Map<string, ModelNode[]>();
  for (const n of priced) {
    for (const t of n.nodeGroup ? (allowedTypes?.get(n.nodeGroup.id) ?? []) : []) {
      if (!byType.has(t)) groupsOfType.set(t, [...(groupsOfType.get(t) ?? []), n]);
    }
  }
  const instanceTypes: InstanceTypeSpec[] = [];
  for (const [name, nodes] of [...byType, ...groupsOfType]) {
    const seen = byType.get(name);
    const catalogType = catalog.instanceType(name);
    const capacity = seen
      ? {
          cpuMilli: Math.max(...seen.map((n) => n.allocatableCpuMilli)),
          memoryMiB: Math.max(...seen.map((n) => n.allocatableMemoryMiB)),
          pods: Math.max(...seen.map((n) => n.allocatablePods)),
          resources: seen[0]?.allocatableResources ?? {},
        }
      : catalogType
        ? eksAllocatable(catalogType)
        : null;
    const prices = typePrices(live, region, name);
    if (!capacity || prices.onDemandHourlyUsd === null || prices.onDemandHourlyUsd <= 0 || capacity.pods < 1)
      continue;
    instanceTypes.push({
      name,
      cpuMilli: Math.floor(capacity.cpuMilli),
      memoryMiB: Math.floor(capacity.memoryMiB),
      maxPods: Math.floor(capacity.pods),
      onDemandHourlyUsd: prices.onDemandHourlyUsd,
      ...(prices.spotHourlyUsd !== null && prices.spotHourlyUsd > 0
        ? { spotHourlyUsd: prices.spotHourlyUsd }
        : {}),
      resources: Object.fromEntries(Object.entries(capacity.resources).map(([k, v]) => [k, Math.floor(v)])),
      labels: sharedLabels(nodes),
      taints: sharedTaints(nodes),
    });
  }
  return instanceTypes;
}

/**
 * DaemonSet and static pods per node, averaged over the priced nodes and rounded up:
 *   cpuMilli = ceil(sum of their CPU requests / nodes), likewise memoryMiB and pod slots.
 */
export function perNodeOverheadOf(
  pods: readonly ModelPod[],
  priced: readonly ModelNode[],
): { cpuMilli: number; memoryMiB: number; pods: number } {
  const names = new Set(priced.map((n) => n.name));
  let overheadCpu = 0;
  let overheadMem = 0;
  let overheadPods = 0;
  for (const p of pods) {
    if (!nodeBound(p) || !p.nodeName || !names.has(p.nodeName)) continue;
    overheadCpu += p.cpuRequestMilli;
    overheadMem += p.memoryRequestMiB;
    overheadPods += 1;
  }
  return {
    cpuMilli: Math.ceil(overheadCpu / priced.length),
    memoryMiB: Math.ceil(overheadMem / priced.length),
    pods: Math.ceil(overheadPods / priced.length),
  };
}

/** Everything of a cluster the packer's problem is built from; `null` when nothing can be priced or packed. */
export interface PackingInput {
  /** The nodes with a known price: the current side of the estimate. */
  priced: ModelNode[];
  nodeByName: Map<string, ModelNode>;
  instanceTypes: InstanceTypeSpec[];
  capacityTypes: CapacityType[];
  perNodeOverhead: { cpuMilli: number; memoryMiB: number; pods: number };
  /** Pods the packer may place: not node-bound, pending or on a priced node. */
  movable: ModelPod[];
  /** Nodes kept as they are, with every pod on them: those of pods pinned to their hostname, and exempt ones. */
  pinned: Set<string>;
}

/**
 * The packing input of a cluster: its priced nodes, the instance types and capacity types the plan may use,
 * the per-node overhead, the movable pods and the nodes pinned by a hostname selector.
 */
export function packingInputOf(
  model: SnapshotModel,
  live: LivePrices,
  allowedTypes?: ReadonlyMap<string, readonly string[]>,
  exemptions: ExemptionPolicy = noExemptions,
): PackingInput | null {
  const priced = model.nodes.filter((n) => n.price.hourlyPriceUsd !== null);
  if (priced.length === 0) return null;
  const nodeByName = new Map(priced.map((n) => [n.name, n]));
  const instanceTypes = packingInstanceTypes(priced, live, model.region, allowedTypes);
  if (instanceTypes.length === 0) return null;
  const exempt = (p: ModelPod) => isPodExempt({ namespace: p.namespace, labels: p.labels }, exemptions);
  const movable = model.pods.filter(
    (p) => !nodeBound(p) && (p.nodeName === null ? !exempt(p) : nodeByName.has(p.nodeName)),
  );
  const pinned = new Set<string>();
  for (const n of priced) if (matchesExemptLabel(n.labels, exemptions)) pinned.add(n.name);
  for (const p of movable) {
    if (p.nodeName && (wellKnown.hostname in p.nodeSelector || exempt(p))) pinned.add(p.nodeName);
  }
  return {
    priced,
    nodeByName,
    instanceTypes,
    capacityTypes: [...new Set(priced.map((n) => n.capacityType))],
    perNodeOverhead: perNodeOverheadOf(model.pods, priced),
    movable,
    pinned,
  };
}

/**
 * The packer's problem: the movable pods not on a pinned node (requests rounded up to whole millicores and
 * MiB; spot-ready only when already on a spot node; zone selectors dropped), the instance types, capacity
 * types and per-node overhead of `input`, no minimum node count.
 */
export function packingProblem(input: PackingInput): PackingProblemInput {
  const { movable, pinned, nodeByName } = input;
  return {
    pods: movable
      .filter((p) => !(p.nodeName && pinned.has(p.nodeName)))
      .map((p) => ({
        id: p.key,
        cpuMilli: Math.ceil(p.cpuRequestMilli),
        memoryMiB: Math.ceil(p.memoryRequestMiB),
        spotReady: p.nodeName !== null && nodeByName.get(p.nodeName)?.capacityType === 'spot',
        resources: Object.fromEntries(Object.entries(p.resources).map(([k, v]) => [k, Math.ceil(v)])),
        nodeSelector: Object.fromEntries(
          Object.entries(p.nodeSelector).filter(([k]) => !ignoredSelectorKeys.has(k)),
        ),
        tolerations: tolerationsOf(p),
      })),
    instanceTypes: input.instanceTypes,
    capacityTypes: input.capacityTypes,
    perNodeOverhead: input.perNodeOverhead,
    minNodeCount: 0,
  };
}
