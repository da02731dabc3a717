import { savings } from '@spot/shared';
import {
  type InstanceTypeSpec,
  type PackingPlan,
  type PackingProblemInput,
  pack,
  parsePackingProblem,
  type Toleration,
} from '@spot/shared/packing/index';
import { eksAllocatable, loadCatalog } from '@spot/shared/pricing/index';
import type { CapacityType } from '../ports/cloud';
import { type LivePrices, typePrices } from './inventory-pricing';
import { type ModelNode, type ModelPod, type SnapshotModel, labels as wellKnown } from './inventory-snapshot';

/**
 * Bin-packing estimate of a cluster: the cost of the packer's plan (`shared/src/packing`, `pack`, with its
 * proven lower bound) for the same pods under the cluster's constraints, against what its nodes cost now.
 *
 * Constraints given to the packer:
 * - instance types: those running in the cluster plus those its node groups allow, with the allocatable
 *   capacity seen on the cluster's nodes (else the EKS formula from the catalog), the labels and taints
 *   every node of the type shares, and the type's live on-demand / spot price (catalog where unknown);
 * - per-node overhead: the cluster's DaemonSet and static pods per node (CPU, memory, pod slots);
 * - capacity types: those the cluster runs; a pod on a spot node may stay on spot, every other pod stays
 *   on on-demand (moving pods to spot is the spot figure: counting it here too would overlap);
 * - node selectors (zone selectors ignored: the plan is per cluster, not per zone) and tolerations.
 * Pods pinned to a hostname, or that no allowed type can hold, keep their node: those nodes are in the plan
 * as they are, with every pod on them.
 *
 *   monthlySavingUsd = max(0, current hourly cost - plan hourly cost) x 730
 */

export interface BinPackingEstimate {
  currentHourlyCostUsd: number;
  planHourlyCostUsd: number;
  /** Proven lower bound of any plan's cost (pinned nodes included), USD/h. */
  lowerBoundHourlyCostUsd: number;
  monthlySavingUsd: number;
  /** (plan - bound) / plan: how far the plan may be from the best possible one (0 = proven optimal). */
  gapToLowerBound: number | null;
  nodesNow: number;
  nodesInPlan: number;
  plan: { instanceType: string; capacityType: CapacityType; count: number }[];
  pinnedNodes: number;
  podsPacked: number;
  /** Pending pods no allowed type can hold: left out of both sides. */
  unplaceablePods: number;
  origin: string;
  solveMs: number;
  notes: string[];
}

export interface PackingOptions {
  /** Configured instance types per node group id (node groups, Karpenter pools). */
  allowedTypes?: ReadonlyMap<string, readonly string[]>;
  timeLimitMs?: number;
  /** Skip the LP phases (heuristics and simple bounds only): for very large clusters. */
  heuristicsOnly?: boolean;
}

/** Labels that describe one node, not its type: never offered to a selector. */
const nodeSpecificLabel = (key: string) =>
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

const nodeBound = (p: ModelPod) => p.owner?.kind === 'DaemonSet' || p.owner?.kind === 'Node';

function sharedLabels(nodes: readonly ModelNode[]): Record<string, string> {
  const [first, ...rest] = nodes;
  if (!first) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(first.labels)) {
    if (!nodeSpecificLabel(k) && rest.every((n) => n.labels[k] === v)) out[k] = v;
  }
  return out;
}

function sharedTaints(nodes: readonly ModelNode[]) {
  const [first, ...rest] = nodes;
  if (!first) return [];
  return first.taints.filter((t) =>
    rest.every((n) => n.taints.some((u) => u.key === t.key && u.value === t.value && u.effect === t.effect)),
  );
}

function tolerationsOf(pod: ModelPod): Toleration[] {
  const effects = new Set(['NoSchedule', 'PreferNoSchedule', 'NoExecute']);
  return pod.tolerations.map((t) => ({
    ...(t.key ? { key: t.key } : {}),
    ...(t.operator === 'Exists' || t.operator === 'Equal' ? { operator: t.operator } : {}),
    ...(t.value !== undefined ? { value: t.value } : {}),
    ...(t.effect && effects.has(t.effect) ? { effect: t.effect as Toleration['effect'] } : {}),
  }));
}

export async function estimateBinPacking(
  model: SnapshotModel,
  live: LivePrices,
  options: PackingOptions = {},
): Promise<BinPackingEstimate | null> {
  const started = performance.now();
  const notes: string[] = [];
  const priced = model.nodes.filter((n) => n.price.hourlyPriceUsd !== null);
  if (priced.length === 0) return null;
  if (priced.length < model.nodes.length) {
    notes.push(`${model.nodes.length - priced.length} node(s) have no known price: left out of both sides.`);
  }
  const nodeByName = new Map(priced.map((n) => [n.name, n]));
  const catalog = loadCatalog();

  // Instance types: seen on the cluster's nodes, or allowed by one of its node groups.
  const byType = new Map<string, ModelNode[]>();
  for (const n of priced) byType.set(n.instanceType, [...(byType.get(n.instanceType) ?? []), n]);
  const groupsOfType = new Map<string, ModelNode[]>();
  for (const n of priced) {
    for (const t of n.nodeGroup ? (options.allowedTypes?.get(n.nodeGroup.id) ?? []) : []) {
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
    const prices = typePrices(live, model.region, name);
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
  if (instanceTypes.length === 0) return null;

  // DaemonSet and static pods per node, averaged over the cluster.
  let overheadCpu = 0;
  let overheadMem = 0;
  let overheadPods = 0;
  for (const p of model.pods) {
    if (!nodeBound(p) || !p.nodeName || !nodeByName.has(p.nodeName)) continue;
    overheadCpu += p.cpuRequestMilli;
    overheadMem += p.memoryRequestMiB;
    overheadPods += 1;
  }
  const perNodeOverhead = {
    cpuMilli: Math.ceil(overheadCpu / priced.length),
    memoryMiB: Math.ceil(overheadMem / priced.length),
    pods: Math.ceil(overheadPods / priced.length),
  };

  // Pods to pack; the nodes of pods pinned to their host keep everything on them.
  const movable = model.pods.filter(
    (p) => !nodeBound(p) && (p.nodeName === null || nodeByName.has(p.nodeName)),
  );
  const pinned = new Set<string>();
  for (const p of movable) if (p.nodeName && wellKnown.hostname in p.nodeSelector) pinned.add(p.nodeName);
  const capacityTypes = [...new Set(priced.map((n) => n.capacityType))];

  const problemOf = (): PackingProblemInput => ({
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
    instanceTypes,
    capacityTypes,
    perNodeOverhead,
    minNodeCount: 0,
  });

  const solve = async (problem: PackingProblemInput): Promise<PackingPlan> => {
    const parsed = parsePackingProblem(problem);
    try {
      return await pack(parsed, {
        timeLimitMs: options.timeLimitMs ?? 300,
        heuristicsOnly: options.heuristicsOnly ?? false,
      });
    } catch (error) {
      // The LP solver (HiGHS, WebAssembly) could not run: the heuristic plan and the simple bounds hold.
      notes.push(
        `LP solver unavailable (${error instanceof Error ? error.message : String(error)}): heuristic plan.`,
      );
      return pack(parsed, { heuristicsOnly: true });
    }
  };

  let plan = await solve(problemOf());
  let unplaceablePods = 0;
  if (plan.unplaced.length > 0) {
    const podByKey = new Map(movable.map((p) => [p.key, p]));
    for (const u of plan.unplaced) {
      const pod = podByKey.get(u.pod.replace(/#\d+$/, ''));
      if (pod?.nodeName) pinned.add(pod.nodeName);
      else unplaceablePods += 1;
    }
    plan = await solve(problemOf());
  }
  if (pinned.size > 0) {
    notes.push(
      `${pinned.size} node(s) kept as they are: their pods fit no allowed type or are pinned to their host.`,
    );
  }
  if (unplaceablePods > 0) notes.push(`${unplaceablePods} pending pod(s) fit no allowed node type.`);

  const pinnedCost = [...pinned].reduce(
    (s, name) => s + (nodeByName.get(name)?.price.hourlyPriceUsd ?? 0),
    0,
  );
  const currentHourlyCostUsd = priced.reduce((s, n) => s + (n.price.hourlyPriceUsd ?? 0), 0);
  const planHourlyCostUsd = plan.hourlyCostUsd + pinnedCost;
  const lowerBoundHourlyCostUsd = Math.min(plan.lowerBoundHourlyUsd + pinnedCost, planHourlyCostUsd);
  const counts = new Map<string, { instanceType: string; capacityType: CapacityType; count: number }>();
  for (const n of plan.nodes) {
    const key = `${n.instanceType}|${n.capacityType}`;
    const c = counts.get(key) ?? { instanceType: n.instanceType, capacityType: n.capacityType, count: 0 };
    c.count += 1;
    counts.set(key, c);
  }
  return {
    currentHourlyCostUsd,
    planHourlyCostUsd,
    lowerBoundHourlyCostUsd,
    monthlySavingUsd: savings.toMonthlyUsd(Math.max(0, currentHourlyCostUsd - planHourlyCostUsd)),
    gapToLowerBound:
      planHourlyCostUsd > 0
        ? Math.max(0, (planHourlyCostUsd - lowerBoundHourlyCostUsd) / planHourlyCostUsd)
        : null,
    nodesNow: priced.length,
    nodesInPlan: plan.nodes.length + pinned.size,
    plan: [...counts.values()].sort(
      (a, b) => b.count - a.count || a.instanceType.localeCompare(b.instanceType),
    ),
    pinnedNodes: pinned.size,
    podsPacked: plan.nodes.reduce((s, n) => s + n.pods.length, 0),
    unplaceablePods,
    origin: plan.stats.origin,
    solveMs: Math.round(performance.now() - started),
    notes,
  };
}
