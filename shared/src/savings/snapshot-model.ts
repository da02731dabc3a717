import type { ClusterSnapshot } from '../model/cluster-snapshot';
import { type CapacityType, type OwnerKind, ownerKinds, type Pod, type PodOwner } from './cluster';
import { requestHourlyCostUsd, unitPricesFromNodes } from './cost';
import { type LivePrices, priceNode, type ResolvedNodePrice } from './node-pricing';

/**
 * A cluster snapshot read for the inventory and the savings engine: nodes priced, pods attached to their
 * workload and PDB, workloads aggregated. Pure: no I/O, no clock.
 */

export type NodeGroupKind = 'managed-node-group' | 'asg' | 'karpenter-nodepool';

/** Node group ids are stable across sources: `mng-<name>`, `asg-<name>`, `karpenter-<pool>`. */
export const nodeGroupId = (kind: NodeGroupKind, name: string) =>
  `${kind === 'managed-node-group' ? 'mng' : kind === 'asg' ? 'asg' : 'karpenter'}-${name}`;

export const labels = {
  instanceType: 'node.kubernetes.io/instance-type',
  instanceTypeBeta: 'beta.kubernetes.io/instance-type',
  zone: 'topology.kubernetes.io/zone',
  zoneBeta: 'failure-domain.beta.kubernetes.io/zone',
  eksNodegroup: 'eks.amazonaws.com/nodegroup',
  eksCapacityType: 'eks.amazonaws.com/capacityType',
  karpenterNodePool: 'karpenter.sh/nodepool',
  karpenterCapacityType: 'karpenter.sh/capacity-type',
  hostname: 'kubernetes.io/hostname',
} as const;

/** The node group a node belongs to, from its labels (Karpenter pool, EKS node group) or the collector's name. */
export function nodeGroupOf(node: {
  labels: Record<string, string>;
  nodeGroup: string | null;
}): { id: string; name: string; kind: NodeGroupKind } | null {
  const pool = node.labels[labels.karpenterNodePool];
  if (pool) return { id: nodeGroupId('karpenter-nodepool', pool), name: pool, kind: 'karpenter-nodepool' };
  const managed = node.labels[labels.eksNodegroup];
  if (managed)
    return { id: nodeGroupId('managed-node-group', managed), name: managed, kind: 'managed-node-group' };
  if (node.nodeGroup) return { id: nodeGroupId('asg', node.nodeGroup), name: node.nodeGroup, kind: 'asg' };
  return null;
}

export interface ModelNode {
  name: string;
  instanceId: string | null;
  instanceType: string;
  capacityType: CapacityType;
  zone: string;
  nodeGroup: { id: string; name: string; kind: NodeGroupKind } | null;
  allocatableCpuMilli: number;
  allocatableMemoryMiB: number;
  allocatablePods: number;
  allocatableResources: Record<string, number>;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  taints: ClusterSnapshot['nodes'][number]['taints'];
  usedCpuMilli: number | null;
  usedMemoryMiB: number | null;
  ready: boolean;
  pressure: string[];
  createdAt: string;
  price: ResolvedNodePrice;
  requestedCpuMilli: number;
  requestedMemoryMiB: number;
  podCount: number;
}

export interface ModelPod {
  key: string;
  namespace: string;
  name: string;
  nodeName: string | null;
  phase: ClusterSnapshot['pods'][number]['phase'];
  workloadKey: string;
  owner: PodOwner | null;
  cpuRequestMilli: number;
  memoryRequestMiB: number;
  resources: Record<string, number>;
  memoryLimitMiB: number | null;
  /** Sums of the containers' limits as declared; `null` when a container declares none. */
  declaredLimits: { cpuMilli: number | null; memoryMiB: number | null };
  usedCpuMilli: number | null;
  usedMemoryMiB: number | null;
  pvcCount: number;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  nodeSelector: Record<string, string>;
  tolerations: ClusterSnapshot['pods'][number]['tolerations'];
  affinity?: ClusterSnapshot['pods'][number]['affinity'];
  topologySpreadConstraints?: ClusterSnapshot['pods'][number]['topologySpreadConstraints'];
  pdbName: string | undefined;
  /** The pod's security context as collected (CIS checks); absent from older collectors. */
  security?: ClusterSnapshot['pods'][number]['security'];
}

export interface ModelWorkload {
  key: string;
  namespace: string;
  kind: string;
  name: string;
  pods: ModelPod[];
  /** Sums over the pods. */
  requestCpuMilli: number;
  requestMemoryMiB: number;
  /** Sums of the declared limits over the pods; `null` when a pod has a container without one. */
  limitCpuMilli: number | null;
  limitMemoryMiB: number | null;
  usedCpuMilli: number | null;
  usedMemoryMiB: number | null;
  /** Cost share of the pods' requests on their nodes, USD/h. */
  hourlyCostUsd: number;
  hpaScaledResources: ('cpu' | 'memory')[];
}

export interface SnapshotModel {
  snapshot: ClusterSnapshot;
  region: string;
  nodes: ModelNode[];
  pods: ModelPod[];
  workloads: ModelWorkload[];
}

const savingsOwnerKinds = new Set<string>(ownerKinds);

/** The snapshot's owner as the savings engine names it (unknown controller kinds are `Other`). */
function ownerOf(owner: ClusterSnapshot['pods'][number]['owner']): PodOwner | null {
  if (!owner) return null;
  const kind = (savingsOwnerKinds.has(owner.kind) ? owner.kind : 'Other') as OwnerKind;
  return { kind, name: owner.name, ...(owner.replicas !== null ? { replicas: owner.replicas } : {}) };
}

/** `<namespace>#<kind>#<name>`: a pod's workload (its top-level controller, or the pod itself). */
export function workloadIdentity(pod: ClusterSnapshot['pods'][number]): {
  namespace: string;
  kind: string;
  name: string;
} {
  // Static (mirror) pods are owned by their Node: each is its own workload.
  if (!pod.owner || pod.owner.kind === 'Node')
    return { namespace: pod.namespace, kind: 'Pod', name: pod.name };
  return { namespace: pod.namespace, kind: pod.owner.kind, name: pod.owner.name };
}

const matches = (selector: Record<string, string>, target: Record<string, string>) =>
  Object.entries(selector).every(([k, v]) => target[k] === v);

/** Node conditions (and event reasons) that count as resource pressure. */
export const pressureConditions: readonly string[] = ['DiskPressure', 'MemoryPressure', 'PIDPressure'];

/** Pods that hold capacity: running, or pending (waiting for it). Finished pods are ignored. */
const holdsCapacity = (phase: string) => phase === 'Running' || phase === 'Pending' || phase === 'Unknown';

/**
 * The snapshot as the inventory and the savings engine read it: each node priced (`priceNode`, USD/h) with
 * the requests of its pods summed (millicores, MiB); the pods that hold capacity with their workload key,
 * PDB and summed container requests; the workloads with their pods' sums and cost share
 * (`requestHourlyCostUsd` at their node's unit prices, USD/h) and the resources an HPA scales.
 */
export function buildSnapshotModel(
  snapshot: ClusterSnapshot,
  region: string,
  live: LivePrices,
): SnapshotModel {
  const nodes: ModelNode[] = snapshot.nodes.map((n) => ({
    name: n.name,
    instanceId: n.instanceId,
    instanceType: n.instanceType,
    capacityType: n.capacityType,
    zone: n.zone,
    nodeGroup: nodeGroupOf(n),
    allocatableCpuMilli: n.allocatable.cpuMilli,
    allocatableMemoryMiB: n.allocatable.memoryMiB,
    allocatablePods: n.allocatable.pods,
    allocatableResources: n.allocatable.resources,
    labels: n.labels,
    annotations: {},
    taints: n.taints,
    usedCpuMilli: n.usage?.cpuMilli ?? null,
    usedMemoryMiB: n.usage?.memoryMiB ?? null,
    ready: n.conditions.Ready !== 'False' && n.conditions.Ready !== 'Unknown',
    pressure: pressureConditions.filter((c) => n.conditions[c] === 'True'),
    createdAt: n.createdAt,
    price: priceNode(live, region, {
      instanceType: n.instanceType,
      capacityType: n.capacityType,
      zone: n.zone,
    }),
    requestedCpuMilli: 0,
    requestedMemoryMiB: 0,
    podCount: 0,
  }));
  const nodeByName = new Map(nodes.map((n) => [n.name, n]));

  const pods: ModelPod[] = [];
  for (const p of snapshot.pods) {
    if (!holdsCapacity(p.phase)) continue;
    const identity = workloadIdentity(p);
    let usedCpu: number | null = null;
    let usedMem: number | null = null;
    let memoryLimit: number | null = 0;
    let cpuLimitDeclared: number | null = 0;
    let memoryLimitDeclared: number | null = 0;
    const resources: Record<string, number> = {};
    let cpu = 0;
    let mem = 0;
    for (const c of p.containers) {
      cpu += c.requests.cpuMilli;
      mem += c.requests.memoryMiB;
      for (const [k, v] of Object.entries(c.requests.resources)) resources[k] = (resources[k] ?? 0) + v;
      if (c.usage) {
        usedCpu = (usedCpu ?? 0) + c.usage.cpuMilli;
        usedMem = (usedMem ?? 0) + c.usage.memoryMiB;
      }
      const limit = c.limits.memoryMiB ?? (c.requests.memoryMiB > 0 ? c.requests.memoryMiB : null);
      memoryLimit = memoryLimit === null || limit === null ? null : memoryLimit + limit;
      const cpuL = c.limits.cpuMilli;
      const memL = c.limits.memoryMiB;
      cpuLimitDeclared = cpuLimitDeclared === null || cpuL === undefined ? null : cpuLimitDeclared + cpuL;
      memoryLimitDeclared =
        memoryLimitDeclared === null || memL === undefined ? null : memoryLimitDeclared + memL;
    }
    const pdb = snapshot.pdbs.find((b) => b.namespace === p.namespace && matches(b.matchLabels, p.labels));
    pods.push({
      key: `${p.namespace}/${p.name}`,
      namespace: p.namespace,
      name: p.name,
      nodeName: p.nodeName,
      phase: p.phase,
      workloadKey: `${identity.namespace}#${identity.kind}#${identity.name}`,
      owner: ownerOf(p.owner),
      cpuRequestMilli: cpu,
      memoryRequestMiB: mem,
      resources,
      memoryLimitMiB: memoryLimit,
      declaredLimits:
        p.containers.length === 0
          ? { cpuMilli: null, memoryMiB: null }
          : { cpuMilli: cpuLimitDeclared, memoryMiB: memoryLimitDeclared },
      usedCpuMilli: usedCpu,
      usedMemoryMiB: usedMem,
      pvcCount: p.pvcNames.length,
      labels: p.labels,
      annotations: p.annotations,
      nodeSelector: p.nodeSelector,
      tolerations: p.tolerations,
      ...(p.affinity ? { affinity: p.affinity } : {}),
      ...(p.topologySpreadConstraints ? { topologySpreadConstraints: p.topologySpreadConstraints } : {}),
      pdbName: pdb?.name,
      ...(p.security ? { security: p.security } : {}),
    });
    const node = p.nodeName ? nodeByName.get(p.nodeName) : undefined;
    if (node) {
      node.requestedCpuMilli += cpu;
      node.requestedMemoryMiB += mem;
      node.podCount += 1;
    }
  }

  // The cost of a pod = its requests at its node's unit prices (the node's price split over its capacity).
  const unitPrices = new Map(
    nodes.map((n) => [
      n.name,
      n.price.hourlyPriceUsd === null || n.allocatableCpuMilli <= 0 || n.allocatableMemoryMiB <= 0
        ? null
        : unitPricesFromNodes([
            {
              hourlyPriceUsd: n.price.hourlyPriceUsd,
              allocatableCpuMilli: n.allocatableCpuMilli,
              allocatableMemoryMiB: n.allocatableMemoryMiB,
            },
          ]),
    ]),
  );

  const byWorkload = new Map<string, ModelWorkload>();
  for (const pod of pods) {
    let w = byWorkload.get(pod.workloadKey);
    if (!w) {
      const [namespace = '', kind = '', ...rest] = pod.workloadKey.split('#');
      w = {
        key: pod.workloadKey,
        namespace,
        kind,
        name: rest.join('#'),
        pods: [],
        requestCpuMilli: 0,
        requestMemoryMiB: 0,
        limitCpuMilli: 0,
        limitMemoryMiB: 0,
        usedCpuMilli: null,
        usedMemoryMiB: null,
        hourlyCostUsd: 0,
        hpaScaledResources: [],
      };
      byWorkload.set(pod.workloadKey, w);
    }
    w.pods.push(pod);
    w.requestCpuMilli += pod.cpuRequestMilli;
    w.requestMemoryMiB += pod.memoryRequestMiB;
    const lc = pod.declaredLimits.cpuMilli;
    const lm = pod.declaredLimits.memoryMiB;
    w.limitCpuMilli = w.limitCpuMilli === null || lc === null ? null : w.limitCpuMilli + lc;
    w.limitMemoryMiB = w.limitMemoryMiB === null || lm === null ? null : w.limitMemoryMiB + lm;
    if (pod.usedCpuMilli !== null) w.usedCpuMilli = (w.usedCpuMilli ?? 0) + pod.usedCpuMilli;
    if (pod.usedMemoryMiB !== null) w.usedMemoryMiB = (w.usedMemoryMiB ?? 0) + pod.usedMemoryMiB;
    const unit = pod.nodeName ? unitPrices.get(pod.nodeName) : null;
    if (unit) w.hourlyCostUsd += requestHourlyCostUsd(pod.cpuRequestMilli, pod.memoryRequestMiB, unit);
  }
  for (const hpa of snapshot.hpas) {
    const w = byWorkload.get(`${hpa.namespace}#${hpa.target.kind}#${hpa.target.name}`);
    if (!w) continue;
    for (const m of hpa.metrics)
      if ((m === 'cpu' || m === 'memory') && !w.hpaScaledResources.includes(m)) w.hpaScaledResources.push(m);
  }

  return {
    snapshot,
    region,
    nodes,
    pods,
    workloads: [...byWorkload.values()].sort((a, b) => a.key.localeCompare(b.key)),
  };
}

/** The savings engine's view of the scheduled pods (pending pods have no node to be moved from). */
export function savingsPods(model: SnapshotModel): Pod[] {
  return model.pods
    .filter((p) => p.nodeName !== null)
    .map((p) => ({
      namespace: p.namespace,
      name: p.name,
      nodeName: p.nodeName as string,
      cpuRequestMilli: p.cpuRequestMilli,
      memoryRequestMiB: p.memoryRequestMiB,
      labels: p.labels,
      annotations: p.annotations,
      owner: p.owner,
      persistentVolumeClaimCount: p.pvcCount,
      ...(p.pdbName ? { pdbName: p.pdbName } : {}),
    }));
}
