import type { ClusterSnapshot, SnapshotNode, SnapshotPod } from '../../src/model/cluster-snapshot';
import type { LivePrices } from '../../src/savings/node-pricing';

/**
 * Builders for cluster snapshots the shared savings modules read, and one small cluster with live prices
 * chosen so every figure can be worked out by hand.
 */

export const capturedAt = '2026-07-01T12:20:00.000Z';

export function snapNode(overrides: Partial<SnapshotNode> & Pick<SnapshotNode, 'name'>): SnapshotNode {
  return {
    instanceId: `i-${overrides.name}`,
    instanceType: 'm5.large',
    capacityType: 'on-demand',
    zone: 'us-east-1a',
    nodeGroup: null,
    allocatable: { cpuMilli: 2000, memoryMiB: 8000, pods: 29, resources: {} },
    labels: {},
    annotations: {},
    taints: [],
    conditions: { Ready: 'True' },
    usage: null,
    createdAt: '2026-06-01T00:00:00.000Z',
    ...overrides,
  };
}

export function snapPod(
  overrides: Partial<SnapshotPod> & Pick<SnapshotPod, 'name' | 'nodeName'>,
  request: { cpuMilli: number; memoryMiB: number; usage?: { cpuMilli: number; memoryMiB: number } } = {
    cpuMilli: 100,
    memoryMiB: 128,
  },
): SnapshotPod {
  return {
    namespace: 'shop',
    phase: overrides.nodeName === null ? 'Pending' : 'Running',
    owner: { kind: 'Deployment', name: overrides.name.replace(/-\w+$/, ''), replicas: 2 },
    qosClass: 'Burstable',
    containers: [
      {
        name: 'main',
        requests: { cpuMilli: request.cpuMilli, memoryMiB: request.memoryMiB, resources: {} },
        limits: {},
        usage: request.usage ?? null,
        restarts: 0,
        lastTerminationReason: null,
      },
    ],
    pvcNames: [],
    labels: {},
    annotations: {},
    nodeSelector: {},
    tolerations: [],
    ...overrides,
  };
}

export function snapshotOf(overrides: Partial<ClusterSnapshot> = {}): ClusterSnapshot {
  return {
    schemaVersion: 1,
    clusterName: 'prod',
    capturedAt,
    kubernetesVersion: '1.31',
    source: 'agent',
    nodes: [],
    pods: [],
    pdbs: [],
    hpas: [],
    events: [],
    controlPlane: { latencyP99Ms: 0, requestsPerMinute: 0 },
    ...overrides,
  };
}

/** Live prices of the small cluster, USD/h: m5.large $0.10 on-demand, $0.04 spot in us-east-1b; c5.large $0.085. */
export const live: LivePrices = {
  onDemand: { 'm5.large': 0.1, 'c5.large': 0.085 },
  spot: { 'm5.large|us-east-1b': 0.04 },
  spotHistory: {},
};

/**
 * A small cluster: `od` (m5.large on-demand, node group `general`), `sp` (m5.large spot, Karpenter pool
 * `spot`), `c5` (c5.large on-demand, no group, no usage metrics). Two `web` replicas (PDB allows 1
 * disruption, HPA on CPU), a `db` StatefulSet with a volume claim, an `agent` DaemonSet on every node, a
 * pending `api` pod and a finished job pod.
 */
export function smallCluster(): ClusterSnapshot {
  const agent = (node: string) =>
    snapPod(
      {
        name: `agent-${node}`,
        nodeName: node,
        namespace: 'kube-system',
        owner: { kind: 'DaemonSet', name: 'agent', replicas: null },
      },
      { cpuMilli: 100, memoryMiB: 100 },
    );
  return snapshotOf({
    nodes: [
      snapNode({
        name: 'od',
        labels: { 'eks.amazonaws.com/nodegroup': 'general', team: 'shop' },
        usage: { cpuMilli: 1000, memoryMiB: 4000 },
      }),
      snapNode({
        name: 'sp',
        capacityType: 'spot',
        zone: 'us-east-1b',
        labels: { 'karpenter.sh/nodepool': 'spot', team: 'shop' },
        usage: { cpuMilli: 500, memoryMiB: 2000 },
      }),
      snapNode({
        name: 'c5',
        instanceType: 'c5.large',
        allocatable: { cpuMilli: 2000, memoryMiB: 4000, pods: 29, resources: {} },
      }),
    ],
    pods: [
      snapPod(
        { name: 'web-a', nodeName: 'od', labels: { app: 'web' } },
        { cpuMilli: 500, memoryMiB: 1000, usage: { cpuMilli: 200, memoryMiB: 600 } },
      ),
      snapPod(
        { name: 'web-b', nodeName: 'sp', labels: { app: 'web' } },
        { cpuMilli: 500, memoryMiB: 1000, usage: { cpuMilli: 100, memoryMiB: 500 } },
      ),
      snapPod(
        {
          name: 'db-0',
          nodeName: 'od',
          namespace: 'db',
          owner: { kind: 'StatefulSet', name: 'db', replicas: 1 },
          pvcNames: ['data-db-0'],
        },
        { cpuMilli: 1000, memoryMiB: 2000 },
      ),
      agent('od'),
      agent('sp'),
      agent('c5'),
      snapPod({ name: 'api-x', nodeName: null }, { cpuMilli: 200, memoryMiB: 256 }),
      snapPod({
        name: 'report-1',
        nodeName: 'c5',
        phase: 'Succeeded',
        owner: { kind: 'Job', name: 'report', replicas: null },
      }),
    ],
    pdbs: [{ namespace: 'shop', name: 'web', matchLabels: { app: 'web' }, disruptionsAllowed: 1 }],
    hpas: [
      {
        namespace: 'shop',
        name: 'web',
        target: { kind: 'Deployment', name: 'web' },
        metrics: ['cpu', 'custom'],
        minReplicas: 2,
        maxReplicas: 5,
      },
    ],
  });
}

/** USD/h of a pod's requests on a node of `nodeHourlyUsd` with `cores` and `gib` allocatable (ratio 0.1). */
export const requestCostUsd = (
  cpuMilli: number,
  memoryMiB: number,
  node: { hourlyUsd: number; cores: number; gib: number },
) => {
  const core = node.hourlyUsd / (node.cores + 0.1 * node.gib);
  return (cpuMilli / 1000) * core + (memoryMiB / 1024) * 0.1 * core;
};

/** A snapshot event on a node (a pod for `OOMKilled`). */
export const event = (
  reason: ClusterSnapshot['events'][number]['reason'],
  objectName: string,
  at: string,
  count = 1,
): ClusterSnapshot['events'][number] => ({
  reason,
  objectKind: reason === 'OOMKilled' ? 'Pod' : 'Node',
  objectName,
  namespace: reason === 'OOMKilled' ? 'db' : null,
  at,
  count,
});
