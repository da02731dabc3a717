import { LABEL_CAPACITY_TYPE, LABEL_EKS_CAPACITY_TYPE, LABEL_INSTANCE_TYPE } from '../packing/cluster-model';
import type { InstanceTypeSpec, PackingProblemInput, PodSpec, Toleration } from '../packing/problem';
import { TOPOLOGY_HOSTNAME, TOPOLOGY_ZONE } from '../packing/problem';
import {
  labelSelectorOperators,
  type NodeSelectorOperator,
  nodeSelectorOperators,
} from '../packing/selectors';
import { loadCatalog } from '../pricing/catalog';
import { eksAllocatable } from '../pricing/eks-allocatable';
import {
  type CapacityType,
  type ExemptionPolicy,
  hasDoNotDisrupt,
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
 * - node selectors (zone selectors ignored unless zones are modelled, below) and tolerations;
 * - scheduling constraints (`schedulingOf`): required and preferred node affinity, required pod
 *   anti-affinity and topology spread over hostnames or zones; zones are modelled (the priced nodes'
 *   zones) only when some pod's constraint needs them.
 * Pods pinned to a hostname (selector or required affinity) keep their node, and so do pods annotated
 * `karpenter.sh/do-not-disrupt` and nodes so annotated (Karpenter never consolidates them). Pods pinned
 * to a hostname keep their node (see `packingProblem`'s `pinned`), and so does every pod of the
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
  for (const n of priced)
    if (matchesExemptLabel(n.labels, exemptions) || hasDoNotDisrupt(n.annotations)) pinned.add(n.name);
  for (const p of movable) {
    if (
      p.nodeName &&
      (wellKnown.hostname in p.nodeSelector ||
        exempt(p) ||
        hasDoNotDisrupt(p.annotations) ||
        pinnedByAffinity(p))
    )
      pinned.add(p.nodeName);
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
  const pods = movable.filter((p) => !(p.nodeName && pinned.has(p.nodeName)));
  const zonesModelled = pods.some(needsZones);
  const selectorKeys = new Set<string>();
  for (const p of pods)
    for (const selector of [
      ...(p.affinity?.podAntiAffinity ?? []).map((t) => t.labelSelector),
      ...(p.topologySpreadConstraints ?? []).map((t) => t.labelSelector),
    ]) {
      for (const key of Object.keys(selector.matchLabels ?? {})) selectorKeys.add(key);
      for (const r of selector.matchExpressions ?? []) selectorKeys.add(r.key);
    }
  return {
    pods: pods.map((p) => ({
      id: p.key,
      cpuMilli: Math.ceil(p.cpuRequestMilli),
      memoryMiB: Math.ceil(p.memoryRequestMiB),
      spotReady: p.nodeName !== null && nodeByName.get(p.nodeName)?.capacityType === 'spot',
      resources: Object.fromEntries(Object.entries(p.resources).map(([k, v]) => [k, Math.ceil(v)])),
      nodeSelector: Object.fromEntries(
        Object.entries(p.nodeSelector).filter(([k]) => zonesModelled || !ignoredSelectorKeys.has(k)),
      ),
      tolerations: tolerationsOf(p),
      ...schedulingOf(p, selectorKeys, zonesModelled),
    })),
    instanceTypes: input.instanceTypes,
    capacityTypes: input.capacityTypes,
    perNodeOverhead: input.perNodeOverhead,
    minNodeCount: 0,
    ...(zonesModelled ? { zones: [...new Set(input.priced.map((n) => n.zone).filter(Boolean))].sort() } : {}),
  };
}

/** A pseudo-label carrying the namespace: anti-affinity and spread selectors only see the pod's own namespace. */
export const NAMESPACE_LABEL = 'spot-optimizer.io/namespace';

const zoneKeys = new Set<string>([wellKnown.zone, wellKnown.zoneBeta]);
const topologyOf = (key: string): typeof TOPOLOGY_HOSTNAME | typeof TOPOLOGY_ZONE | undefined =>
  key === wellKnown.hostname ? TOPOLOGY_HOSTNAME : zoneKeys.has(key) ? TOPOLOGY_ZONE : undefined;

/** Whether a pod is tied to its node by a required `kubernetes.io/hostname In [...]` affinity. */
const pinnedByAffinity = (p: ModelPod) =>
  (p.affinity?.nodeAffinity?.required ?? []).some((term) =>
    term.matchExpressions.some((r) => r.key === wellKnown.hostname && r.operator === 'In'),
  );

/** Whether the pod's constraints need zones in the plan (zone anti-affinity, spread or required zone). */
function needsZones(p: ModelPod): boolean {
  return (
    (p.affinity?.podAntiAffinity ?? []).some((t) => zoneKeys.has(t.topologyKey)) ||
    (p.topologySpreadConstraints ?? []).some(
      (t) => zoneKeys.has(t.topologyKey) && t.whenUnsatisfiable !== 'ScheduleAnyway',
    ) ||
    (p.affinity?.nodeAffinity?.required ?? []).some((term) =>
      term.matchExpressions.some((r) => zoneKeys.has(r.key)),
    )
  );
}

/** Node labels a requirement may test: the type-level ones the plan's options carry (and zones if modelled). */
const offeredKey = (key: string, zonesModelled: boolean) =>
  key === LABEL_INSTANCE_TYPE ||
  key === LABEL_CAPACITY_TYPE ||
  key === LABEL_EKS_CAPACITY_TYPE ||
  (zonesModelled && key === wellKnown.zone) ||
  !nodeSpecificLabel(key);

/** A requirement as the snapshot carries it (operators as text). */
interface Requirement {
  key: string;
  operator: string;
  values?: string[] | undefined;
}

/** The requirements of a term the packer can test (valid operators on offered labels); the zone beta key as GA. */
function requirementsOf(term: { matchExpressions: Requirement[] }, zonesModelled: boolean) {
  const operators = new Set<string>(nodeSelectorOperators);
  return term.matchExpressions
    .map((r) => (r.key === wellKnown.zoneBeta ? { ...r, key: wellKnown.zone } : r))
    .filter((r) => operators.has(r.operator) && offeredKey(r.key, zonesModelled))
    .filter((r) => {
      const n = r.values?.length ?? 0;
      if (r.operator === 'In' || r.operator === 'NotIn') return n > 0;
      if (r.operator === 'Gt' || r.operator === 'Lt')
        return n === 1 && /^[-+]?\d+$/.test(r.values?.[0] ?? '');
      return n === 0;
    })
    .map((r) => ({
      key: r.key,
      operator: r.operator as NodeSelectorOperator,
      ...(r.values?.length ? { values: [...r.values] } : {}),
    }));
}

/**
 * A pod's scheduling constraints in the packer's terms. Left out, each a relaxation the plan may then
 * not honour: requirements on node-specific labels (hostname pins the node instead; region, EBS
 * topology), topology keys other than hostname and zone, label selector operators Kubernetes would refuse.
 * Selectors are confined to the pod's namespace with `NAMESPACE_LABEL`; pods carry only the labels some
 * selector reads (so pods of different workloads still share a class).
 */
export function schedulingOf(
  p: ModelPod,
  selectorKeys: ReadonlySet<string>,
  zonesModelled: boolean,
): Pick<PodSpec, 'labels' | 'nodeAffinity' | 'podAntiAffinity' | 'topologySpreadConstraints'> {
  const out: Pick<PodSpec, 'labels' | 'nodeAffinity' | 'podAntiAffinity' | 'topologySpreadConstraints'> = {};
  if (selectorKeys.size > 0) {
    const labels: Record<string, string> = { [NAMESPACE_LABEL]: p.namespace };
    for (const [k, v] of Object.entries(p.labels)) if (selectorKeys.has(k)) labels[k] = v;
    out.labels = labels;
  }
  const node = p.affinity?.nodeAffinity;
  const required = (node?.required ?? []).map((t) => requirementsOf(t, zonesModelled));
  // A term that loses every requirement would match nothing: the relaxation drops the whole constraint.
  const requiredTerms = required.some((t) => t.length === 0) ? [] : required;
  const preferred = (node?.preferred ?? []).flatMap((t) => {
    const matchExpressions = requirementsOf(t.preference, zonesModelled);
    return matchExpressions.length > 0 ? [{ weight: t.weight, preference: { matchExpressions } }] : [];
  });
  if (requiredTerms.length > 0 || preferred.length > 0)
    out.nodeAffinity = {
      ...(requiredTerms.length > 0
        ? { required: requiredTerms.map((matchExpressions) => ({ matchExpressions })) }
        : {}),
      ...(preferred.length > 0 ? { preferred } : {}),
    };
  const labelOperators = new Set<string>(labelSelectorOperators);
  const selector = (s: {
    matchLabels?: Record<string, string> | undefined;
    matchExpressions?: Requirement[] | undefined;
  }) => ({
    matchLabels: { ...s.matchLabels, [NAMESPACE_LABEL]: p.namespace },
    matchExpressions: (s.matchExpressions ?? [])
      .filter((r) => labelOperators.has(r.operator))
      .map((r) => ({
        key: r.key,
        operator: r.operator as (typeof labelSelectorOperators)[number],
        ...(r.values?.length ? { values: [...r.values] } : {}),
      })),
  });
  const anti = (p.affinity?.podAntiAffinity ?? []).flatMap((t) => {
    const topologyKey = topologyOf(t.topologyKey);
    return topologyKey ? [{ topologyKey, labelSelector: selector(t.labelSelector) }] : [];
  });
  if (anti.length > 0) out.podAntiAffinity = anti;
  const spread = (p.topologySpreadConstraints ?? []).flatMap((t) => {
    const topologyKey = topologyOf(t.topologyKey);
    return topologyKey
      ? [
          {
            maxSkew: t.maxSkew,
            topologyKey,
            whenUnsatisfiable:
              t.whenUnsatisfiable === 'ScheduleAnyway'
                ? ('ScheduleAnyway' as const)
                : ('DoNotSchedule' as const),
            labelSelector: selector(t.labelSelector),
          },
        ]
      : [];
  });
  if (spread.length > 0) out.topologySpreadConstraints = spread;
  return out;
}
