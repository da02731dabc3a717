import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ClusterSnapshot } from '../../src/model/cluster-snapshot';
import { estimateBinPacking } from '../../src/savings/bin-packing';
import { noLivePrices } from '../../src/savings/node-pricing';
import { buildSnapshotModel } from '../../src/savings/snapshot-model';
import { live, snapNode, snapPod, snapshotOf } from './snapshot-fixtures';

const modelOf = (snap: ClusterSnapshot) => buildSnapshotModel(snap, 'us-east-1', live);

describe('estimateBinPacking', () => {
  it('keeps anti-affine pods apart and do-not-disrupt nodes as they are', async () => {
    const anti = {
      podAntiAffinity: [
        { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app: 'w' } } },
      ],
    };
    const snap = snapshotOf({
      nodes: [snapNode({ name: 'a' }), snapNode({ name: 'b' }), snapNode({ name: 'c' })],
      pods: [
        snapPod(
          { name: 'w-a', nodeName: 'a', labels: { app: 'w' }, affinity: anti },
          { cpuMilli: 500, memoryMiB: 1000 },
        ),
        snapPod(
          { name: 'w-b', nodeName: 'b', labels: { app: 'w' }, affinity: anti },
          { cpuMilli: 500, memoryMiB: 1000 },
        ),
        snapPod(
          { name: 'j-c', nodeName: 'c', annotations: { 'karpenter.sh/do-not-disrupt': 'true' } },
          { cpuMilli: 100, memoryMiB: 100 },
        ),
      ],
    });
    const estimate = await estimateBinPacking(modelOf(snap), live, { heuristicsOnly: true });
    // Without the anti-affinity the two pods would share one node (the test above).
    expect(estimate).toMatchObject({ nodesNow: 3, nodesInPlan: 3, pinnedNodes: 1, podsPacked: 2 });
  });

  it('packs two half-empty nodes into one: saving = one node’s price x 730', async () => {
    const snap = snapshotOf({
      nodes: [snapNode({ name: 'a' }), snapNode({ name: 'b' })],
      pods: [
        snapPod({ name: 'w-a', nodeName: 'a' }, { cpuMilli: 500, memoryMiB: 1000 }),
        snapPod({ name: 'w-b', nodeName: 'b' }, { cpuMilli: 500, memoryMiB: 1000 }),
      ],
    });
    const estimate = await estimateBinPacking(modelOf(snap), live, { heuristicsOnly: true });
    expect(estimate).toMatchObject({
      currentHourlyCostUsd: 0.2,
      planHourlyCostUsd: 0.1,
      nodesNow: 2,
      nodesInPlan: 1,
      plan: [{ instanceType: 'm5.large', capacityType: 'on-demand', count: 1 }],
      podsPacked: 2,
      pinnedNodes: 0,
      unplaceablePods: 0,
    });
    expect(estimate?.monthlySavingUsd).toBeCloseTo(0.1 * 730, 9);
  });
});

describe('bin-packing estimate (property)', () => {
  const types = ['m5.large', 'm5.xlarge', 'c5.large', 'r5.large'] as const;
  const node = (i: number, type: string, capacityType: 'on-demand' | 'spot') =>
    snapNode({
      name: `n${i}`,
      instanceType: type,
      capacityType,
      nodeGroup: `g-${capacityType}`,
      allocatable: { cpuMilli: 1900, memoryMiB: 7000, pods: 29, resources: {} },
      labels: { 'node.kubernetes.io/instance-type': type },
    });

  it('never plans below its lower bound, never claims a negative saving or more than the cluster costs', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.tuple(fc.constantFrom(...types), fc.constantFrom('on-demand' as const, 'spot' as const)),
          { minLength: 1, maxLength: 6 },
        ),
        fc.array(fc.tuple(fc.integer({ min: 10, max: 1500 }), fc.integer({ min: 16, max: 5000 }), fc.nat()), {
          maxLength: 30,
        }),
        async (nodes, pods) => {
          const snap = snapshotOf({
            nodes: nodes.map(([t, c], i) => node(i, t, c)),
            pods: pods.map(([cpu, mem, at], i) =>
              snapPod(
                {
                  namespace: 'p',
                  name: `pod-${i}`,
                  nodeName: `n${at % nodes.length}`,
                  owner: { kind: 'Deployment', name: `d${i % 3}`, replicas: 2 },
                },
                { cpuMilli: cpu, memoryMiB: mem },
              ),
            ),
          });
          const model = buildSnapshotModel(snap, 'us-east-1', noLivePrices);
          const p = await estimateBinPacking(model, noLivePrices, { heuristicsOnly: true });
          if (!p) return;
          expect(p.lowerBoundHourlyCostUsd).toBeLessThanOrEqual(p.planHourlyCostUsd + 1e-9);
          expect(p.monthlySavingUsd).toBeGreaterThanOrEqual(0);
          expect(p.monthlySavingUsd).toBeLessThanOrEqual(p.currentHourlyCostUsd * 730 + 1e-6);
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe('estimateBinPacking with a bound budget (converged LP, ADR 0054)', () => {
  it('raises a weak bound toward the LP optimum, never above the plan', async () => {
    // CPU-heavy and memory-heavy pods: the resource-price bounds (heuristics only) price each dimension
    // alone, while the LP sees that both must be bought together; the plan's gap is well above 1 %.
    const pods = Array.from({ length: 24 }, (_, n) =>
      snapPod(
        { name: `p${n}`, nodeName: `n${n % 6}` },
        n % 2 ? { cpuMilli: 3500, memoryMiB: 500 } : { cpuMilli: 300, memoryMiB: 14_000 },
      ),
    );
    const nodes = Array.from({ length: 6 }, (_, n) =>
      snapNode({
        name: `n${n}`,
        instanceType: 'm5.4xlarge',
        allocatable: { cpuMilli: 15_890, memoryMiB: 61_000, pods: 234, resources: {} },
      }),
    );
    const model = modelOf(snapshotOf({ nodes, pods }));
    const plain = await estimateBinPacking(model, live, { heuristicsOnly: true });
    const tight = await estimateBinPacking(model, live, { heuristicsOnly: true, boundBudgetMs: 3_000 });
    if (!plain || !tight) throw new Error('no estimate');
    expect(tight.planHourlyCostUsd).toBe(plain.planHourlyCostUsd);
    expect(plain.gapToLowerBound ?? 0).toBeGreaterThan(0.01);
    expect(tight.lowerBoundHourlyCostUsd).toBeGreaterThan(plain.lowerBoundHourlyCostUsd * 1.005);
    expect(tight.lowerBoundHourlyCostUsd).toBeLessThanOrEqual(tight.planHourlyCostUsd);
  }, 30_000);
});
