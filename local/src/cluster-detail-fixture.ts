import { clusterKey } from '@spot/functions/data/entities/cluster';
import { nodeEntity } from '@spot/functions/data/entities/node';
import { nodeGroupEntity } from '@spot/functions/data/entities/node-group';
import { workloadEntity } from '@spot/functions/data/entities/workload';
import { batchWrite, updateItem, type WriteRequest } from '@spot/functions/data/repository';

/**
 * The inside of one seeded cluster for the cluster detail's browser test (issue 17 item 5, ADR 0052): two
 * node groups and a hand-launched node, a few workloads (an over-requesting `analytics` namespace, a
 * privileged host-network DaemonSet, a root Deployment on the default service account) and a public
 * endpoint. A test-only path beside `registry-fixture.ts`, which writes the Cluster item: it stands for a
 * snapshot having been applied, without connecting a sandbox account.
 */

const safe = {
  privileged: false,
  allowPrivilegeEscalation: false,
  runAsRoot: false,
  hostNetwork: false,
  hostPID: false,
  hostIPC: false,
  automountServiceAccountToken: false,
};

export async function seedClusterDetail(
  orgId: string,
  clusterId: string,
  accountId: string,
  now = new Date(),
): Promise<void> {
  const ids = { orgId, clusterId, accountId };
  const hoursAgo = (h: number) => new Date(now.getTime() - h * 3_600_000).toISOString();
  const group = (
    nodeGroupId: string,
    name: string,
    kind: 'asg' | 'managed-node-group',
    capacityType: 'spot' | 'on-demand',
    n: number,
    hourly: number,
  ) =>
    nodeGroupEntity.toItem({
      ...ids,
      nodeGroupId,
      name,
      kind,
      capacityType,
      instanceTypes: ['m5.xlarge', 'c5.xlarge'],
      minSize: 1,
      desiredSize: n,
      maxSize: 10,
      autoScalingGroupNames: [name],
      labels: {},
      tags: {},
      taints: [],
      status: 'ACTIVE',
      nodeCount: n,
      hourlyCostUsd: n * hourly,
      spotReadinessScore: capacityType === 'spot' ? 0.8 : 0.4,
    });
  const node = (
    i: number,
    nodeGroupId: string | null,
    instanceType: string,
    capacityType: 'spot' | 'on-demand',
    zone: string,
    price: number,
    pressure: string[] = [],
  ) =>
    nodeEntity.toItem({
      ...ids,
      nodeName: `ip-10-0-${i}-1.ec2.internal`,
      instanceId: `i-0${i.toString(16).padStart(16, '0')}`,
      instanceType,
      capacityType,
      zone,
      nodeGroupId,
      allocatableCpuMilli: 3920,
      allocatableMemoryMiB: 14_000,
      allocatablePods: 58,
      requestedCpuMilli: 2000,
      requestedMemoryMiB: 6000,
      usedCpuMilli: 600,
      usedMemoryMiB: 4000,
      podCount: 12,
      movablePods: null,
      labels: {},
      doNotDisrupt: false,
      ready: true,
      pressure,
      hourlyPriceUsd: price,
      priceSource: 'catalog',
      launchedAt: hoursAgo(24 + i),
    });
  const workload = (
    namespace: string,
    kind: string,
    name: string,
    replicas: number,
    reqMilli: number,
    usedMilli: number,
    cost: number,
    security: Record<string, unknown>,
    limits = true,
  ) =>
    workloadEntity.toItem({
      ...ids,
      namespace,
      kind,
      name,
      replicas,
      requestCpuMilli: reqMilli,
      requestMemoryMiB: replicas * 512,
      limitCpuMilli: limits ? reqMilli : null,
      limitMemoryMiB: limits ? replicas * 512 : null,
      usedCpuMilli: usedMilli,
      usedMemoryMiB: replicas * 300,
      unmanagedReason: null,
      security: { ...safe, serviceAccountName: name, ...security },
      spotReady: kind === 'Deployment' && replicas >= 2,
      spotReason: null,
      spotEligible: true,
      monthlyCostUsd: cost,
      hpaScaledResources: [],
      pdb: null,
      scheduling: null,
      dailyUsage: {},
      today: null,
      rightsizing:
        usedMilli < reqMilli / 2
          ? {
              recommendedCpuMilli: Math.round(usedMilli / replicas),
              recommendedMemoryMiB: 400,
              monthlySavingUsd: Math.round(cost * 0.6),
              status: 'apply',
            }
          : {
              recommendedCpuMilli: Math.round(reqMilli / replicas),
              recommendedMemoryMiB: 512,
              monthlySavingUsd: 0,
              status: 'no-change',
            },
    });
  const writes: WriteRequest[] = [
    { put: group('asg-web-spot', 'web-spot', 'asg', 'spot', 3, 0.07) },
    { put: group('mng-system', 'system', 'managed-node-group', 'on-demand', 2, 0.192) },
    { put: node(1, 'asg-web-spot', 'm5.xlarge', 'spot', 'us-east-1a', 0.07) },
    { put: node(2, 'asg-web-spot', 'c5.xlarge', 'spot', 'us-east-1b', 0.068) },
    { put: node(3, 'asg-web-spot', 'm5.xlarge', 'spot', 'us-east-1a', 0.07, ['MemoryPressure']) },
    { put: node(4, 'mng-system', 'm5.xlarge', 'on-demand', 'us-east-1a', 0.192) },
    { put: node(5, 'mng-system', 'm5.xlarge', 'on-demand', 'us-east-1b', 0.192) },
    // Launched by hand, outside any group: a type no template of the test allows.
    { put: node(6, null, 'r5.2xlarge', 'on-demand', 'us-east-1c', 0.504) },
    {
      put: workload('analytics', 'Deployment', 'spark-driver', 4, 60_000, 7_000, 2400, {
        runAsRoot: true,
        serviceAccountName: 'default',
        automountServiceAccountToken: true,
      }),
    },
    { put: workload('analytics', 'StatefulSet', 'warehouse', 2, 40_000, 5_000, 1600, {}) },
    { put: workload('shop', 'Deployment', 'web', 6, 3_000, 2_400, 900, {}) },
    { put: workload('shop', 'Deployment', 'batch-export', 1, 500, 100, 120, {}, false) },
    {
      put: workload('kube-system', 'DaemonSet', 'aws-node', 6, 150, 40, 60, {
        privileged: true,
        allowPrivilegeEscalation: true,
        runAsRoot: true,
        hostNetwork: true,
        automountServiceAccountToken: true,
      }),
    },
  ];
  await batchWrite(writes);
  await updateItem(clusterKey(orgId, clusterId), {
    set: { endpointAccess: { publicAccess: true, privateAccess: false, publicAccessCidrs: ['0.0.0.0/0'] } },
  });
}
