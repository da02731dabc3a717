import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/pricing/catalog';
import { eksAllocatable } from '../../src/pricing/eks-allocatable';
import { noLivePrices } from '../../src/savings/node-pricing';
import {
  nodeSpecificLabel,
  packingInputOf,
  packingInstanceTypes,
  packingProblem,
  perNodeOverheadOf,
  sharedLabels,
  sharedTaints,
  tolerationsOf,
} from '../../src/savings/packing-input';
import { buildSnapshotModel, type ModelNode } from '../../src/savings/snapshot-model';
import { live, smallCluster, snapNode, snapPod, snapshotOf } from './snapshot-fixtures';

const modelOf = (snap = smallCluster()) => buildSnapshotModel(snap, 'us-east-1', live);
const nodesOf = (...nodes: Parameters<typeof snapNode>[0][]): ModelNode[] =>
  modelOf(snapshotOf({ nodes: nodes.map(snapNode) })).nodes;

describe('labels, taints and tolerations', () => {
  it('offers only the type-level labels every node shares', () => {
    const nodes = nodesOf(
      {
        name: 'a',
        labels: {
          team: 'x',
          tier: 'web',
          'kubernetes.io/hostname': 'a',
          'topology.kubernetes.io/zone': 'z1',
        },
      },
      {
        name: 'b',
        labels: {
          team: 'x',
          tier: 'batch',
          'kubernetes.io/hostname': 'b',
          'topology.kubernetes.io/zone': 'z1',
        },
      },
    );
    expect(sharedLabels(nodes)).toEqual({ team: 'x' });
    expect(sharedLabels([])).toEqual({});
    expect(nodeSpecificLabel('topology.ebs.csi.aws.com/zone')).toBe(true);
    expect(nodeSpecificLabel('karpenter.sh/nodepool')).toBe(false);
  });

  it('keeps the taints every node carries with the same value and effect', () => {
    const gpu = { key: 'gpu', value: 'true', effect: 'NoSchedule' as const };
    const nodes = nodesOf(
      { name: 'a', taints: [gpu, { key: 'x', effect: 'NoExecute' }] },
      { name: 'b', taints: [{ ...gpu }, { key: 'x', effect: 'NoSchedule' }] },
    );
    expect(sharedTaints(nodes)).toEqual([gpu]);
  });

  it('reads tolerations, dropping unknown operators and effects', () => {
    const pod = modelOf(
      snapshotOf({
        pods: [
          snapPod({
            name: 't-a',
            nodeName: null,
            tolerations: [
              { key: 'gpu', operator: 'Exists', effect: 'NoSchedule' },
              { key: 'k', operator: 'Bogus', value: 'v', effect: 'Sometimes' },
            ],
          }),
        ],
      }),
    ).pods[0];
    expect(pod && tolerationsOf(pod)).toEqual([
      { key: 'gpu', operator: 'Exists', effect: 'NoSchedule' },
      { key: 'k', value: 'v' },
    ]);
  });
});

describe('perNodeOverheadOf', () => {
  it('averages the DaemonSet and static pods over the priced nodes, rounded up', () => {
    const model = modelOf();
    // 3 agent pods of 100m / 100 MiB on 3 nodes.
    expect(perNodeOverheadOf(model.pods, model.nodes)).toEqual({ cpuMilli: 100, memoryMiB: 100, pods: 1 });
    // Only 2 of them on these 2 nodes: ceil(200 / 2).
    expect(perNodeOverheadOf(model.pods, model.nodes.slice(0, 2))).toEqual({
      cpuMilli: 100,
      memoryMiB: 100,
      pods: 1,
    });
  });

  it('property: overhead x nodes covers the node-bound pods’ requests, by less than one unit per node', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.array(fc.tuple(fc.nat(5), fc.integer({ min: 1, max: 999 })), { maxLength: 20 }),
        (nodeCount, pods) => {
          const nodes = Array.from({ length: nodeCount }, (_, i) => snapNode({ name: `n${i}` }));
          const model = modelOf(
            snapshotOf({
              nodes,
              pods: pods.map(([at, cpu], i) =>
                snapPod(
                  {
                    name: `ds${i}-x`,
                    nodeName: `n${at % nodeCount}`,
                    owner: { kind: 'DaemonSet', name: `ds${i}`, replicas: null },
                  },
                  { cpuMilli: cpu, memoryMiB: cpu },
                ),
              ),
            }),
          );
          const total = pods.reduce((s, [, cpu]) => s + cpu, 0);
          const o = perNodeOverheadOf(model.pods, model.nodes);
          expect(o.cpuMilli * nodeCount).toBeGreaterThanOrEqual(total);
          expect(o.cpuMilli * nodeCount - total).toBeLessThan(nodeCount);
          expect(o.pods).toBe(Math.ceil(pods.length / nodeCount));
        },
      ),
    );
  });
});

describe('packingInstanceTypes', () => {
  it('takes the largest capacity seen per type, and the EKS formula for types only a node group allows', () => {
    const model = modelOf();
    const types = packingInstanceTypes(
      model.nodes,
      live,
      'us-east-1',
      new Map([['mng-general', ['m5.xlarge', 'm5.large']]]),
    );
    expect(types.map((t) => t.name)).toEqual(['m5.large', 'c5.large', 'm5.xlarge']);
    expect(types[0]).toMatchObject({
      cpuMilli: 2000,
      memoryMiB: 8000,
      maxPods: 29,
      onDemandHourlyUsd: 0.1,
      spotHourlyUsd: 0.04,
      labels: { team: 'shop' },
      taints: [],
    });
    const xlarge = loadCatalog().instanceType('m5.xlarge');
    const allocatable = xlarge ? eksAllocatable(xlarge) : null;
    expect(types[2]).toMatchObject({
      cpuMilli: Math.floor(allocatable?.cpuMilli ?? 0),
      memoryMiB: Math.floor(allocatable?.memoryMiB ?? 0),
      onDemandHourlyUsd: loadCatalog().onDemandHourlyUsd('m5.xlarge', 'us-east-1')?.hourlyUsd,
      // The labels of the node group's node it was allowed by.
      labels: { team: 'shop', 'eks.amazonaws.com/nodegroup': 'general' },
    });
  });
});

describe('packingInputOf and packingProblem', () => {
  it('packs the movable pods; pods on a node pinned by hostname stay; zone selectors are dropped', () => {
    const snap = smallCluster();
    snap.pods = snap.pods.map((p) =>
      p.name === 'db-0'
        ? { ...p, nodeSelector: { 'kubernetes.io/hostname': 'od' } }
        : p.name === 'web-b'
          ? { ...p, nodeSelector: { 'topology.kubernetes.io/zone': 'us-east-1b', team: 'shop' } }
          : p,
    );
    const input = packingInputOf(modelOf(snap), live);
    expect(input).not.toBeNull();
    if (!input) return;
    expect([...input.pinned]).toEqual(['od']);
    expect(input.capacityTypes).toEqual(['on-demand', 'spot']);
    const problem = packingProblem(input);
    expect(problem.pods.map((p) => [p.id, p.spotReady, p.nodeSelector])).toEqual([
      ['shop/web-b', true, { team: 'shop' }],
      ['shop/api-x', false, {}],
    ]);
    expect(problem.perNodeOverhead).toEqual({ cpuMilli: 100, memoryMiB: 100, pods: 1 });
    expect(problem.minNodeCount).toBe(0);
  });

  it('is null when no node has a price', () => {
    expect(packingInputOf(buildSnapshotModel(smallCluster(), 'ap-south-2', noLivePrices), live)).toBeNull();
  });
});

describe('scheduling constraints from the snapshot', () => {
  const constrained = () =>
    snapshotOf({
      nodes: [
        snapNode({ name: 'a', zone: 'us-east-1a', labels: { 'topology.kubernetes.io/zone': 'us-east-1a' } }),
        snapNode({ name: 'b', zone: 'us-east-1b', labels: { 'topology.kubernetes.io/zone': 'us-east-1b' } }),
        snapNode({ name: 'c', zone: 'us-east-1b' }),
      ],
      pods: [
        snapPod({
          name: 'web-1',
          nodeName: 'a',
          labels: { app: 'web', 'pod-template-hash': 'abc' },
          affinity: {
            nodeAffinity: {
              required: [
                {
                  matchExpressions: [
                    { key: 'node.kubernetes.io/instance-type', operator: 'In', values: ['m5.large'] },
                    { key: 'topology.kubernetes.io/region', operator: 'In', values: ['us-east-1'] },
                  ],
                },
              ],
              preferred: [
                {
                  weight: 10,
                  preference: {
                    matchExpressions: [
                      { key: 'karpenter.sh/capacity-type', operator: 'In', values: ['spot'] },
                    ],
                  },
                },
              ],
            },
            podAntiAffinity: [
              { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app: 'web' } } },
              { topologyKey: 'example.com/rack', labelSelector: { matchLabels: { app: 'web' } } },
            ],
          },
          topologySpreadConstraints: [
            {
              maxSkew: 1,
              topologyKey: 'topology.kubernetes.io/zone',
              whenUnsatisfiable: 'DoNotSchedule',
              labelSelector: { matchLabels: { app: 'web' } },
            },
          ],
        }),
        snapPod({ name: 'api-1', nodeName: 'b', labels: { app: 'api' } }),
        snapPod({ name: 'db-1', nodeName: 'c', annotations: { 'karpenter.sh/do-not-disrupt': 'true' } }),
        snapPod({
          name: 'pinned-1',
          nodeName: 'b',
          affinity: {
            nodeAffinity: {
              required: [
                { matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['b'] }] },
              ],
            },
          },
        }),
      ],
    });

  it('feeds node affinity, anti-affinity and spread, confined to the namespace, and models zones when needed', () => {
    const input = packingInputOf(modelOf(constrained()), noLivePrices);
    expect(input).not.toBeNull();
    if (!input) return;
    // do-not-disrupt and a hostname affinity pin their nodes.
    expect([...input.pinned].sort()).toEqual(['b', 'c']);
    const problem = packingProblem(input);
    expect(problem.zones).toEqual(['us-east-1a', 'us-east-1b']);
    const web = problem.pods.find((p) => p.id.includes('web-1'));
    expect(web?.labels).toEqual({ app: 'web', 'spot-optimizer.io/namespace': 'shop' });
    // The region requirement names a node-specific label the options do not carry: relaxed away.
    expect(web?.nodeAffinity?.required).toEqual([
      {
        matchExpressions: [{ key: 'node.kubernetes.io/instance-type', operator: 'In', values: ['m5.large'] }],
      },
    ]);
    expect(web?.nodeAffinity?.preferred).toHaveLength(1);
    // The rack topology key is not modelled: only the hostname term stays.
    expect(web?.podAntiAffinity).toEqual([
      {
        topologyKey: 'kubernetes.io/hostname',
        labelSelector: {
          matchLabels: { app: 'web', 'spot-optimizer.io/namespace': 'shop' },
          matchExpressions: [],
        },
      },
    ]);
    expect(web?.topologySpreadConstraints?.[0]).toMatchObject({
      maxSkew: 1,
      topologyKey: 'topology.kubernetes.io/zone',
      whenUnsatisfiable: 'DoNotSchedule',
    });
  });

  it('leaves problems without constraints as they were (no labels, no zones)', () => {
    const input = packingInputOf(modelOf(), noLivePrices);
    if (!input) throw new Error('no input');
    const problem = packingProblem(input);
    expect(problem.zones).toBeUndefined();
    expect(problem.pods.every((p) => p.labels === undefined && p.nodeAffinity === undefined)).toBe(true);
  });
});
