/**
 * The packing problem in vector form: node options (instance type x capacity type x zone), pod classes
 * (pods with identical requests and constraints), which class may go on which option, and the
 * scheduling constraints turned into things the vector solver already handles:
 *
 * - required node affinity, node selectors, taints, spot readiness: the compatibility matrix;
 * - hostname anti-affinity ("at most one pod matching the selector per node") and hostname topology
 *   spread with DoNotSchedule ("at most maxSkew matching pods per node", see below): one extra
 *   dimension per group, capacity 1 or maxSkew on every node, size 1 for every matching pod;
 * - zone anti-affinity and zone topology spread with DoNotSchedule: each matching pod is given a zone
 *   up front (water-filling over the zones it may use), and its class is split per zone, each part
 *   compatible only with options of its zone.
 *
 * Hostname spread: Kubernetes measures the skew over every eligible node, and a plan's node holding none
 * of the group makes the minimum 0, so "at most maxSkew per node" is what guarantees the skew whatever
 * else the plan holds. It is stricter than Kubernetes when every node holds the group, so the plan's
 * bound is computed without it (and without the zone split): `relaxation` below.
 */
import type {
  ExistingNode,
  InstanceTypeSpec,
  LabelSelectorSpec,
  NodeAffinitySpec,
  PackingCapacityType,
  PackingProblem,
  PodAntiAffinityTerm,
  PodSpec,
  Taint,
  Toleration,
  TopologySpreadConstraint,
} from './problem';
import { nodeHourlyUsd, TOPOLOGY_HOSTNAME, TOPOLOGY_ZONE } from './problem';
import { matchesLabelSelector, matchesNodeAffinity, matchesNodeSelectorTerm } from './selectors';

/** Well-known node labels the packer adds to every node option. */
export const LABEL_INSTANCE_TYPE = 'node.kubernetes.io/instance-type';
export const LABEL_CAPACITY_TYPE = 'karpenter.sh/capacity-type';
export const LABEL_EKS_CAPACITY_TYPE = 'eks.amazonaws.com/capacityType';
export const LABEL_ZONE = TOPOLOGY_ZONE;

/** One priced way to run a node: an instance type with a capacity type (and a zone when modelled). */
export interface NodeOption {
  readonly type: InstanceTypeSpec;
  readonly capacityType: PackingCapacityType;
  readonly zone?: string;
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
  readonly labels: Readonly<Record<string, string>>;
  readonly nodeAffinity: NodeAffinitySpec;
  readonly podAntiAffinity: readonly PodAntiAffinityTerm[];
  readonly topologySpreadConstraints: readonly TopologySpreadConstraint[];
  /** Most copies per node (hostname anti-affinity or spread of a group of this class alone). */
  readonly maxPerNode?: number;
  /** The part of `maxPerNode` that is exact (anti-affinity): kept in the bound's relaxation. */
  readonly maxPerNodeExact?: number;
  /** Set on the per-zone parts of a class: only options of this zone take it. */
  readonly zone?: string;
  /** Index of the class in `baseClasses` this one was split from (itself when not split). */
  readonly base: number;
  /** Request per dimension. */
  readonly size: Float64Array;
  /** Copy names, in input order. */
  readonly copies: string[];
}

/** A constraint over a group of pods (those matching a label selector). */
export interface PodGroup {
  readonly kind: 'anti-affinity' | 'spread';
  readonly topologyKey: typeof TOPOLOGY_HOSTNAME | typeof TOPOLOGY_ZONE;
  readonly selector: LabelSelectorSpec;
  /** Hostname: most pods of the group per node. Zone spread: maxSkew. Zone anti-affinity: 1 per zone. */
  readonly limit: number;
  /** Dimension index of a hostname group. */
  readonly dimension?: number;
}

/** An existing node kept as it is, with every pod that runs on it. */
export interface KeptNode {
  readonly node: ExistingNode;
  readonly hourlyUsd: number;
  readonly pods: { readonly spec: PodSpec; readonly copies: string[] }[];
}

/** The problem in vector form: dimensions are CPU, memory, pod slots, extended resources (sorted), groups. */
export interface ClusterModel {
  readonly dimensions: readonly string[];
  readonly options: readonly NodeOption[];
  readonly classes: readonly PodClass[];
  /** `compatible[o * classes + c]`: labels, affinity, taints, spot readiness and zone allow c on o. */
  readonly compatible: Uint8Array;
  /** Classes before the per-zone split (what the bound's relaxation packs). */
  readonly baseClasses: readonly PodClass[];
  /** `baseCompatible[o * baseClasses + c]`, without the zone split. */
  readonly baseCompatible: Uint8Array;
  readonly groups: readonly PodGroup[];
  /** Dimensions that only carry hostname topology spread (dropped in the bound's relaxation). */
  readonly spreadDimensions: readonly number[];
  /** Whether some class was split per zone (the bound then packs the unsplit classes). */
  readonly zoneSplit: boolean;
  readonly kept: readonly KeptNode[];
  /** Pods a zone constraint leaves no room for, with the reason. */
  readonly zoneUnplaced: readonly { pod: string; reason: string }[];
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

/**
 * A pod may land on a node when its selector and required node affinity match, it tolerates every hard
 * taint, and it is spot-ready if the node is spot.
 */
export function podAllowedOn(
  pod: {
    nodeSelector: Readonly<Record<string, string>>;
    tolerations: readonly Toleration[];
    spotReady: boolean;
    nodeAffinity?: NodeAffinitySpec | undefined;
  },
  option: Pick<NodeOption, 'labels' | 'capacityType' | 'type'>,
): boolean {
  if (option.capacityType === 'spot' && !pod.spotReady) return false;
  for (const [key, value] of Object.entries(pod.nodeSelector)) if (option.labels[key] !== value) return false;
  if (!matchesNodeAffinity(option.labels, pod.nodeAffinity?.required)) return false;
  for (const taint of option.type.taints ?? [])
    if (taint.effect !== 'PreferNoSchedule' && !tolerates(pod.tolerations, taint)) return false;
  return true;
}

/** Sum of the weights of the preferred node affinity terms the node's labels match. */
export function preferenceScore(
  affinity: NodeAffinitySpec | undefined,
  labels: Readonly<Record<string, string>>,
): number {
  let score = 0;
  for (const term of affinity?.preferred ?? [])
    if (matchesNodeSelectorTerm(labels, term.preference)) score += term.weight;
  return score;
}

export const sortedEntries = (record: Readonly<Record<string, string | number>> | undefined) =>
  Object.entries(record ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

/** A canonical text for a selector or term (key order and list order do not matter). */
function canonical(value: unknown): string {
  const normalize = (v: unknown): unknown => {
    if (Array.isArray(v))
      return v.map(normalize).sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
    if (v && typeof v === 'object')
      return Object.fromEntries(
        Object.entries(v)
          .filter(([, x]) => x !== undefined)
          .sort(([a], [b]) => (a < b ? -1 : 1))
          .map(([k, x]) => [k, normalize(x)]),
      );
    return v;
  };
  return JSON.stringify(normalize(value));
}

/** Existing nodes that stay: `mustStay`, or running a do-not-disrupt pod; each with all its pods. */
function keptNodes(problem: PackingProblem): { kept: KeptNode[]; keptPodIds: Set<string> } {
  const byName = new Map(problem.existingNodes.map((node) => [node.name, node]));
  const stays = new Set(problem.existingNodes.filter((node) => node.mustStay).map((node) => node.name));
  for (const pod of problem.pods)
    if (pod.doNotDisrupt && pod.nodeName && byName.has(pod.nodeName)) stays.add(pod.nodeName);
  const types = new Map(problem.instanceTypes.map((type) => [type.name, type]));
  const kept: KeptNode[] = [];
  const keptPodIds = new Set<string>();
  for (const node of problem.existingNodes) {
    if (!stays.has(node.name)) continue;
    const type = types.get(node.instanceType);
    const pods = problem.pods
      .filter((pod) => pod.nodeName === node.name)
      .map((spec) => ({ spec, copies: Array.from({ length: spec.count }, (_, k) => `${spec.id}#${k}`) }));
    for (const { spec } of pods) keptPodIds.add(spec.id);
    kept.push({
      node,
      // The schema checks that the type is listed and priced for this capacity type.
      hourlyUsd: type ? (nodeHourlyUsd(type, node.capacityType, node.zone) ?? 0) : 0,
      pods,
    });
  }
  return { kept, keptPodIds };
}

/**
 * Builds dimensions, priced options and pod classes, with every hard constraint in the compatibility
 * matrix, the group dimensions or the per-zone split. Options whose overhead exceeds the node are dropped.
 */
export function buildClusterModel(problem: PackingProblem): ClusterModel {
  const { kept, keptPodIds } = keptNodes(problem);
  const movable = problem.pods.filter((pod) => !keptPodIds.has(pod.id));
  const extended = new Set<string>();
  for (const pod of movable)
    for (const [name, amount] of Object.entries(pod.resources ?? {})) if (amount > 0) extended.add(name);

  const base = ['cpuMilli', 'memoryMiB', 'pods', ...[...extended].sort()];

  // Groups: one per (kind, topology key, selector); the tightest limit wins.
  const groups: {
    kind: PodGroup['kind'];
    topologyKey: PodGroup['topologyKey'];
    selector: LabelSelectorSpec;
    limit: number;
  }[] = [];
  const groupIndex = new Map<string, number>();
  const addGroup = (
    kind: PodGroup['kind'],
    topologyKey: PodGroup['topologyKey'],
    selector: LabelSelectorSpec,
    limit: number,
  ) => {
    const key = JSON.stringify([kind, topologyKey, canonical(selector)]);
    const at = groupIndex.get(key);
    if (at !== undefined) {
      const group = groups[at];
      if (group) group.limit = Math.min(group.limit, limit);
      return;
    }
    groupIndex.set(key, groups.length);
    groups.push({ kind, topologyKey, selector, limit });
  };
  for (const pod of movable) {
    for (const term of pod.podAntiAffinity ?? [])
      addGroup('anti-affinity', term.topologyKey, term.labelSelector, 1);
    for (const spread of pod.topologySpreadConstraints ?? [])
      if (spread.whenUnsatisfiable === 'DoNotSchedule')
        addGroup('spread', spread.topologyKey, spread.labelSelector, spread.maxSkew);
  }
  // Zones not modelled: a plan has a single (unnamed) zone, where zone constraints hold trivially.
  const relevant = groups.filter((g) => g.topologyKey === TOPOLOGY_HOSTNAME || problem.zones.length > 0);
  const membershipOf = (pod: PodSpec) =>
    relevant.flatMap((g, n) => (matchesLabelSelector(pod.labels ?? {}, g.selector) ? [n] : []));

  // Pod classes: identical requests, spot readiness, selector, tolerations, node affinity and group
  // memberships (labels matter only through the groups they put a pod in, so unconstrained pods of many
  // workloads still share a class).
  interface Draft {
    key: string;
    pod: PodSpec;
    tolerations: Toleration[];
    membership: number[];
    copies: string[];
  }
  const drafts: Draft[] = [];
  const byKey = new Map<string, Draft>();
  for (const pod of movable) {
    const tolerations = [...(pod.tolerations ?? [])].sort((a, b) =>
      JSON.stringify(a) < JSON.stringify(b) ? -1 : 1,
    );
    const membership = relevant.length > 0 ? membershipOf(pod) : [];
    const constraints =
      pod.nodeAffinity || membership.length > 0 ? [canonical(pod.nodeAffinity ?? {}), membership] : [];
    const key = JSON.stringify([
      Array.from(podSize(pod, base)),
      pod.spotReady,
      sortedEntries(pod.nodeSelector),
      tolerations,
      ...constraints,
    ]);
    let draft = byKey.get(key);
    if (!draft) {
      draft = { key, pod, tolerations, membership, copies: [] };
      byKey.set(key, draft);
      drafts.push(draft);
    }
    for (let k = 0; k < pod.count; k++) draft.copies.push(`${pod.id}#${k}`);
  }

  // A group no pod matches constrains nothing. A hostname group of one class is a cap on that class per
  // node; a hostname group of several classes is a dimension (capacity = the limit, size 1 per member).
  const members = relevant.map((_, n) =>
    drafts.flatMap((draft, c) => (draft.membership.includes(n) ? [c] : [])),
  );
  const live = relevant.map((g, n) => ({ ...g, n })).filter((g) => (members[g.n]?.length ?? 0) > 0);
  const zoneGroups = live.filter((g) => g.topologyKey === TOPOLOGY_ZONE);
  const dimensionGroups = live.filter(
    (g) => g.topologyKey === TOPOLOGY_HOSTNAME && (members[g.n]?.length ?? 0) > 1,
  );
  const capGroups = live.filter((g) => g.topologyKey === TOPOLOGY_HOSTNAME && members[g.n]?.length === 1);
  const dimensions = [...base, ...dimensionGroups.map((g, n) => `${g.kind}:${TOPOLOGY_HOSTNAME}:${n}`)];
  const d = dimensions.length;
  const finalGroups: PodGroup[] = [
    ...dimensionGroups.map((g, n) => ({ ...strip(g), dimension: base.length + n })),
    ...capGroups.map(strip),
    ...zoneGroups.map(strip),
  ];
  const spreadDimensions = dimensionGroups.flatMap((g, n) => (g.kind === 'spread' ? [base.length + n] : []));

  const baseClasses: PodClass[] = drafts.map((draft, c) => {
    const size = podSize(draft.pod, dimensions);
    for (const [n, g] of dimensionGroups.entries()) if (members[g.n]?.includes(c)) size[base.length + n] = 1;
    let maxPerNode: number | undefined;
    let maxPerNodeExact: number | undefined;
    for (const g of capGroups) {
      if (!members[g.n]?.includes(c)) continue;
      maxPerNode = Math.min(maxPerNode ?? g.limit, g.limit);
      if (g.kind === 'anti-affinity') maxPerNodeExact = Math.min(maxPerNodeExact ?? g.limit, g.limit);
    }
    return {
      key: draft.key,
      spotReady: draft.pod.spotReady,
      nodeSelector: draft.pod.nodeSelector ?? {},
      tolerations: draft.tolerations,
      labels: draft.pod.labels ?? {},
      nodeAffinity: draft.pod.nodeAffinity ?? {},
      podAntiAffinity: draft.pod.podAntiAffinity ?? [],
      topologySpreadConstraints: draft.pod.topologySpreadConstraints ?? [],
      ...(maxPerNode !== undefined ? { maxPerNode } : {}),
      ...(maxPerNodeExact !== undefined ? { maxPerNodeExact } : {}),
      base: c,
      size,
      copies: draft.copies,
    };
  });

  const overhead = problem.perNodeOverhead;
  const zones: (string | undefined)[] = problem.zones.length > 0 ? problem.zones : [undefined];
  const options: NodeOption[] = [];
  for (const type of problem.instanceTypes) {
    const capacity = new Float64Array(d);
    capacity[0] = type.cpuMilli - overhead.cpuMilli;
    capacity[1] = type.memoryMiB - overhead.memoryMiB;
    capacity[2] = type.maxPods - overhead.pods;
    for (let k = 3; k < base.length; k++) {
      const name = dimensions[k] ?? '';
      capacity[k] = (type.resources?.[name] ?? 0) - (overhead.resources?.[name] ?? 0);
    }
    for (const [n, g] of dimensionGroups.entries()) capacity[base.length + n] = g.limit;
    if (capacity.some((c) => c < 0)) continue;
    for (const capacityType of problem.capacityTypes)
      for (const zone of zones) {
        const hourlyUsd = nodeHourlyUsd(type, capacityType, zone);
        if (hourlyUsd === undefined) continue;
        options.push({
          type,
          capacityType,
          ...(zone !== undefined ? { zone } : {}),
          hourlyUsd,
          capacity,
          labels: {
            ...type.labels,
            [LABEL_INSTANCE_TYPE]: type.name,
            [LABEL_CAPACITY_TYPE]: capacityType,
            [LABEL_EKS_CAPACITY_TYPE]: capacityType === 'spot' ? 'SPOT' : 'ON_DEMAND',
            ...(zone !== undefined ? { [LABEL_ZONE]: zone } : {}),
          },
        });
      }
  }

  const mBase = baseClasses.length;
  const baseCompatible = new Uint8Array(options.length * mBase);
  // Options come zone by zone for one type and capacity type: a class whose selector and affinity never
  // name the zone gets the same answer in every zone, so only the first zone is evaluated.
  const zoneSensitive = baseClasses.map(
    (podClass) =>
      LABEL_ZONE in podClass.nodeSelector ||
      (podClass.nodeAffinity.required ?? []).some((term) =>
        term.matchExpressions.some((r) => r.key === LABEL_ZONE),
      ),
  );
  // podAllowedOn reads only the selector, required affinity, tolerations and spot readiness: classes
  // that agree on those get the same answer, so it runs once per distinct set and option (hundreds of
  // classes share a few dozen; per class it was most of the model's time on the full catalog).
  const signatureOf = new Map<string, number>();
  const representative: number[] = [];
  const signature = Int32Array.from(baseClasses, (podClass, c) => {
    const key = canonical([
      podClass.nodeSelector,
      podClass.nodeAffinity.required ?? null,
      podClass.tolerations,
      podClass.spotReady,
    ]);
    let s = signatureOf.get(key);
    if (s === undefined) {
      s = representative.length;
      signatureOf.set(key, s);
      representative.push(c);
    }
    return s;
  });
  // The zone is part of the signature's selector and affinity, so a signature is zone-sensitive exactly
  // when its representative is: the others keep the previous zone's answer, and podAllowedOn runs only
  // on an option's first zone (it ran on all three, a third of the model's time on 15,000 pods).
  const signatureZoneSensitive = Uint8Array.from(representative, (c) => (zoneSensitive[c] ? 1 : 0));
  const allowed = new Uint8Array(representative.length);
  for (let o = 0; o < options.length; o++) {
    const option = options[o] as NodeOption;
    const previous = options[o - 1];
    const sameButZone =
      option.zone !== undefined &&
      previous?.type === option.type &&
      previous.capacityType === option.capacityType;
    for (let s = 0; s < representative.length; s++)
      if (!sameButZone || signatureZoneSensitive[s] === 1)
        allowed[s] = podAllowedOn(baseClasses[representative[s] ?? 0] as PodClass, option) ? 1 : 0;
    for (let c = 0; c < mBase; c++)
      baseCompatible[o * mBase + c] =
        sameButZone && !zoneSensitive[c]
          ? (baseCompatible[(o - 1) * mBase + c] ?? 0)
          : (allowed[signature[c] ?? 0] ?? 0);
  }

  const { classes, zoneUnplaced } = splitByZone(
    problem,
    options,
    baseClasses,
    baseCompatible,
    zoneGroups,
    kept,
  );
  const m = classes.length;
  const compatible = new Uint8Array(options.length * m);
  const zoneIndex = (zone: string | undefined) => (zone === undefined ? -1 : problem.zones.indexOf(zone));
  const optionZone = Int32Array.from(options, (option) => zoneIndex(option.zone));
  const classZone = Int32Array.from(classes, (podClass) => zoneIndex(podClass.zone));
  const classBase = Int32Array.from(classes, (podClass) => podClass.base);
  for (let o = 0; o < options.length; o++) {
    const z = optionZone[o] ?? -1;
    for (let c = 0; c < m; c++) {
      const cz = classZone[c] ?? -1;
      compatible[o * m + c] =
        baseCompatible[o * mBase + (classBase[c] ?? 0)] === 1 && (cz < 0 || cz === z) ? 1 : 0;
    }
  }
  return {
    dimensions,
    options,
    classes,
    compatible,
    baseClasses,
    baseCompatible,
    groups: finalGroups,
    spreadDimensions,
    zoneSplit: classes.some((c) => c.zone !== undefined),
    kept,
    zoneUnplaced,
  };
}

const strip = <T extends { n: number }>(g: T): Omit<T, 'n'> => {
  const { n: _, ...rest } = g;
  return rest;
};

const fitsCapacity = (size: Float64Array, capacity: Float64Array) =>
  size.every((s, k) => s <= (capacity[k] ?? 0));

/**
 * Zone constraints: every pod of a zone group gets a zone, one copy at a time (classes with the fewest
 * usable zones first), to a zone its class may use where no anti-affinity group of its already has a
 * pod, choosing the zone where its spread groups hold the fewest pods (ties: the zones' order in the
 * problem). Pods on kept nodes count where they are. If a spread group's counts still differ by more than
 * maxSkew over the zones its pods may use (some class may only use some zones), copies are taken off its
 * fullest zone until they do not, and reported unplaced.
 */
function splitByZone(
  problem: PackingProblem,
  options: readonly NodeOption[],
  baseClasses: readonly PodClass[],
  baseCompatible: Uint8Array,
  zoneGroups: readonly PodGroup[],
  kept: readonly KeptNode[],
): { classes: PodClass[]; zoneUnplaced: { pod: string; reason: string }[] } {
  if (zoneGroups.length === 0) return { classes: [...baseClasses], zoneUnplaced: [] };
  const m = baseClasses.length;
  const zones = problem.zones;
  const UNSET = -1;
  const UNPLACED = -2;
  /** `assigned[c][copy]`: zone index, UNSET, or UNPLACED. */
  const assigned: Int32Array[] = baseClasses.map((c) => new Int32Array(c.copies.length).fill(UNSET));
  const reasons = new Map<string, string>();
  const optionZone = Int32Array.from(options, (option) =>
    option.zone === undefined ? -1 : zones.indexOf(option.zone),
  );
  const usableZones = baseClasses.map((podClass, c) => {
    const usable = new Set<number>();
    // Every zone found: the rest of the thousands of options cannot add one.
    for (let o = 0; o < options.length && usable.size < zones.length; o++) {
      const z = optionZone[o] ?? -1;
      if (
        z >= 0 &&
        baseCompatible[o * m + c] === 1 &&
        !usable.has(z) &&
        fitsCapacity(podClass.size, (options[o] as NodeOption).capacity)
      )
        usable.add(z);
    }
    return [...usable].sort((a, b) => a - b);
  });
  const groupsOf = baseClasses.map((podClass) =>
    zoneGroups.flatMap((g, n) => (matchesLabelSelector(podClass.labels, g.selector) ? [n] : [])),
  );
  const counts = zoneGroups.map((g) => {
    const count = new Int32Array(zones.length);
    for (const node of kept) {
      const z = node.node.zone === undefined ? -1 : zones.indexOf(node.node.zone);
      if (z < 0) continue;
      for (const { spec } of node.pods)
        if (matchesLabelSelector(spec.labels ?? {}, g.selector)) count[z] = (count[z] ?? 0) + spec.count;
    }
    return count;
  });
  const move = (c: number, z: number, delta: number) => {
    for (const g of groupsOf[c] ?? []) {
      const count = counts[g] as Int32Array;
      count[z] = (count[z] ?? 0) + delta;
    }
  };
  const placed: [number, number][] = [];
  const order = baseClasses
    .map((_, c) => c)
    .filter((c) => (groupsOf[c]?.length ?? 0) > 0)
    .sort((x, y) => (usableZones[x]?.length ?? 0) - (usableZones[y]?.length ?? 0) || x - y);
  for (const c of order) {
    const copies = assigned[c] as Int32Array;
    const mine = groupsOf[c] ?? [];
    for (let k = 0; k < copies.length; k++) {
      let best = -1;
      let bestLoad = Number.POSITIVE_INFINITY;
      let anyUsable = false;
      for (const z of usableZones[c] ?? []) {
        anyUsable = true;
        if (mine.some((g) => zoneGroups[g]?.kind === 'anti-affinity' && (counts[g]?.[z] ?? 0) >= 1)) continue;
        let load = 0;
        for (const g of mine) load = Math.max(load, counts[g]?.[z] ?? 0);
        if (load < bestLoad) {
          best = z;
          bestLoad = load;
        }
      }
      if (!anyUsable) continue; // fits no option at all: pack() reports it with the reason
      if (best < 0) {
        copies[k] = UNPLACED;
        reasons.set(
          baseClasses[c]?.copies[k] ?? '',
          'pod anti-affinity over zones: every zone it may use already runs a pod of its group',
        );
        continue;
      }
      copies[k] = best;
      move(c, best, 1);
      placed.push([c, k]);
    }
  }
  // Spread repair: each step unplaces one copy, so it ends.
  for (let changed = true; changed; ) {
    changed = false;
    for (const [g, group] of zoneGroups.entries()) {
      if (group.kind !== 'spread') continue;
      const domains = new Set<number>();
      for (const [c, mine] of groupsOf.entries())
        if (mine.includes(g)) for (const z of usableZones[c] ?? []) domains.add(z);
      const count = counts[g] as Int32Array;
      let max = -1;
      let min = Number.POSITIVE_INFINITY;
      for (const z of domains) {
        if (max < 0 || (count[z] ?? 0) > (count[max] ?? 0)) max = z;
        min = Math.min(min, count[z] ?? 0);
      }
      if (max < 0 || (count[max] ?? 0) - min <= group.limit) continue;
      const at = placed.findLastIndex(([c, k]) => assigned[c]?.[k] === max && groupsOf[c]?.includes(g));
      const victims =
        at >= 0
          ? [placed[at] as [number, number]]
          : placed.filter(([c, k]) => (assigned[c]?.[k] ?? -1) >= 0 && groupsOf[c]?.includes(g));
      for (const [c, k] of victims) {
        const copies = assigned[c] as Int32Array;
        move(c, copies[k] ?? 0, -1);
        copies[k] = UNPLACED;
        reasons.set(
          baseClasses[c]?.copies[k] ?? '',
          `topology spread over zones (maxSkew ${group.limit}) cannot be met: the zones its group may use, or the pods that stay, are too unequal`,
        );
        changed = true;
      }
    }
  }

  const classes: PodClass[] = [];
  const zoneUnplaced: { pod: string; reason: string }[] = [];
  for (const [c, podClass] of baseClasses.entries()) {
    const copies = assigned[c] as Int32Array;
    if (copies.every((z) => z === UNSET)) {
      classes.push(podClass);
      continue;
    }
    const parts = new Map<number, string[]>();
    for (let k = 0; k < copies.length; k++) {
      const z = copies[k] ?? UNSET;
      const name = podClass.copies[k] ?? '';
      if (z === UNPLACED) zoneUnplaced.push({ pod: name, reason: reasons.get(name) ?? 'zone constraint' });
      else {
        // Appended in place: copying the list for every copy was quadratic in a class's copies.
        const part = parts.get(z);
        if (part) part.push(name);
        else parts.set(z, [name]);
      }
    }
    for (const [z, names] of [...parts].sort((a, b) => a[0] - b[0])) {
      const zone = zones[z];
      classes.push({
        ...podClass,
        key: `${podClass.key}@${zone ?? ''}`,
        ...(zone !== undefined ? { zone } : {}),
        copies: names,
      });
    }
  }
  return { classes, zoneUnplaced };
}

function podSize(pod: PodSpec, dimensions: readonly string[]): Float64Array {
  const size = new Float64Array(dimensions.length);
  size[0] = pod.cpuMilli;
  size[1] = pod.memoryMiB;
  size[2] = 1;
  for (let k = 3; k < dimensions.length; k++) size[k] = pod.resources?.[dimensions[k] ?? ''] ?? 0;
  return size;
}
