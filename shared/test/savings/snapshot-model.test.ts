import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildSnapshotModel,
  nodeGroupId,
  nodeGroupOf,
  savingsPods,
  workloadIdentity,
} from '../../src/savings/snapshot-model';
import { live, requestCostUsd, smallCluster, snapNode, snapPod, snapshotOf } from './snapshot-fixtures';

describe('nodeGroupOf', () => {
  it('prefers the Karpenter pool, then the EKS node group, then the collector’s group name', () => {
    expect(
      nodeGroupOf({
        labels: { 'karpenter.sh/nodepool': 'p', 'eks.amazonaws.com/nodegroup': 'g' },
        nodeGroup: 'asg1',
      }),
    ).toEqual({ id: 'karpenter-p', name: 'p', kind: 'karpenter-nodepool' });
    expect(nodeGroupOf({ labels: { 'eks.amazonaws.com/nodegroup': 'g' }, nodeGroup: 'asg1' })).toEqual({
      id: 'mng-g',
      name: 'g',
      kind: 'managed-node-group',
    });
    expect(nodeGroupOf({ labels: {}, nodeGroup: 'asg1' })).toEqual({
      id: 'asg-asg1',
      name: 'asg1',
      kind: 'asg',
    });
    expect(nodeGroupOf({ labels: {}, nodeGroup: null })).toBeNull();
    expect(nodeGroupId('managed-node-group', 'x')).toBe('mng-x');
  });
});

describe('workloadIdentity', () => {
  it('is the top-level controller, or the pod itself when it has none or is a static pod', () => {
    const pod = snapPod({ name: 'web-a', nodeName: 'n' });
    expect(workloadIdentity(pod)).toEqual({ namespace: 'shop', kind: 'Deployment', name: 'web' });
    expect(workloadIdentity({ ...pod, owner: null })).toEqual({
      namespace: 'shop',
      kind: 'Pod',
      name: 'web-a',
    });
    expect(workloadIdentity({ ...pod, owner: { kind: 'Node', name: 'n', replicas: null } })).toEqual({
      namespace: 'shop',
      kind: 'Pod',
      name: 'web-a',
    });
  });
});

describe('buildSnapshotModel', () => {
  const model = buildSnapshotModel(smallCluster(), 'us-east-1', live);

  it('prices the nodes and sums the requests of their pods (finished pods hold nothing)', () => {
    expect(model.nodes.map((n) => [n.name, n.price.hourlyPriceUsd, n.price.priceSource])).toEqual([
      ['od', 0.1, 'live-on-demand'],
      ['sp', 0.04, 'live-spot'],
      ['c5', 0.085, 'live-on-demand'],
    ]);
    expect(model.nodes.map((n) => [n.requestedCpuMilli, n.requestedMemoryMiB, n.podCount])).toEqual([
      [500 + 1000 + 100, 1000 + 2000 + 100, 3],
      [500 + 100, 1000 + 100, 2],
      [100, 100, 1],
    ]);
    expect(model.nodes.map((n) => n.nodeGroup?.id ?? null)).toEqual(['mng-general', 'karpenter-spot', null]);
    expect(model.pods.map((p) => p.key)).not.toContain('shop/report-1');
    expect(model.pods).toHaveLength(7);
  });

  it('attaches pods to their workload and PDB, and gives each workload its requests’ cost share', () => {
    expect(model.workloads.map((w) => w.key)).toEqual([
      'db#StatefulSet#db',
      'kube-system#DaemonSet#agent',
      'shop#Deployment#api',
      'shop#Deployment#web',
    ]);
    const web = model.workloads.find((w) => w.key === 'shop#Deployment#web');
    expect(web).toMatchObject({
      requestCpuMilli: 1000,
      requestMemoryMiB: 2000,
      usedCpuMilli: 300,
      usedMemoryMiB: 1100,
      hpaScaledResources: ['cpu'],
    });
    expect(web?.pods.map((p) => p.pdbName)).toEqual(['web', 'web']);
    const m5 = { cores: 2, gib: 8000 / 1024 };
    expect(web?.hourlyCostUsd).toBeCloseTo(
      requestCostUsd(500, 1000, { ...m5, hourlyUsd: 0.1 }) +
        requestCostUsd(500, 1000, { ...m5, hourlyUsd: 0.04 }),
      12,
    );
    // The pending pod has no node, so no cost.
    expect(model.workloads.find((w) => w.key === 'shop#Deployment#api')?.hourlyCostUsd).toBe(0);
  });

  it('sums memory limits only while every container has one (or a request to stand in for it)', () => {
    const pod = snapPod({ name: 'x-a', nodeName: 'n' }, { cpuMilli: 100, memoryMiB: 0 });
    const snap = snapshotOf({ nodes: [snapNode({ name: 'n' })], pods: [pod] });
    expect(buildSnapshotModel(snap, 'us-east-1', live).pods[0]?.memoryLimitMiB).toBeNull();
    const limited = { ...pod, containers: pod.containers.map((c) => ({ ...c, limits: { memoryMiB: 512 } })) };
    expect(buildSnapshotModel({ ...snap, pods: [limited] }, 'us-east-1', live).pods[0]?.memoryLimitMiB).toBe(
      512,
    );
  });

  it('savingsPods leaves out pods without a node', () => {
    const pods = savingsPods(model);
    expect(pods.map((p) => p.name)).not.toContain('api-x');
    expect(pods.find((p) => p.name === 'db-0')).toMatchObject({ persistentVolumeClaimCount: 1 });
    expect(pods.find((p) => p.name === 'web-a')).toMatchObject({ pdbName: 'web', nodeName: 'od' });
  });

  it('property: node requests add up to the requests of the pods scheduled on known nodes', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(4), fc.integer({ min: 0, max: 4000 }), fc.integer({ min: 0, max: 8000 })), {
          maxLength: 30,
        }),
        (pods) => {
          const nodes = ['n0', 'n1', 'n2'].map((name) => snapNode({ name }));
          const snap = snapshotOf({
            nodes,
            pods: pods.map(([at, cpu, mem], i) =>
              snapPod(
                { name: `p${i}-x`, nodeName: at < 3 ? `n${at}` : at === 3 ? null : 'gone' },
                {
                  cpuMilli: cpu,
                  memoryMiB: mem,
                },
              ),
            ),
          });
          const m = buildSnapshotModel(snap, 'us-east-1', live);
          const onNodes = m.pods.filter((p) => p.nodeName !== null && p.nodeName !== 'gone');
          expect(m.nodes.reduce((s, n) => s + n.requestedCpuMilli, 0)).toBe(
            onNodes.reduce((s, p) => s + p.cpuRequestMilli, 0),
          );
          expect(m.nodes.reduce((s, n) => s + n.podCount, 0)).toBe(onNodes.length);
          expect(m.workloads.reduce((s, w) => s + w.pods.length, 0)).toBe(m.pods.length);
        },
      ),
    );
  });
});
