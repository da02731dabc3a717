import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  chooseOffering,
  type LaunchOffering,
  nodeLimitReason,
  offeringLabels,
  type PendingPod,
  provisionPendingPods,
} from '../../src/karpenter/provision';
import { matchesRequirement } from '../../src/packing/selectors';
import type { NodeRequirement } from '../../src/templates/karpenter';

const offering = (
  instanceType: string,
  capacityType: 'spot' | 'on-demand',
  hourlyPriceUsd: number,
  cpuMilli: number,
  memoryMiB: number,
  interruptionBucket: number | null = capacityType === 'spot' ? 2 : null,
): LaunchOffering => {
  const [family = '', size = ''] = instanceType.split('.');
  return {
    instanceType,
    family,
    size,
    arch: 'amd64',
    capacityType,
    hourlyPriceUsd,
    allocatable: { cpuMilli, memoryMiB, pods: 29 },
    interruptionBucket,
  };
};

const offerings: LaunchOffering[] = [
  offering('m5.large', 'on-demand', 0.096, 1900, 7000),
  offering('m5.large', 'spot', 0.04, 1900, 7000, 3),
  offering('m5.xlarge', 'on-demand', 0.192, 3900, 14500),
  offering('m5.xlarge', 'spot', 0.08, 3900, 14500, 1),
  offering('c5.xlarge', 'on-demand', 0.17, 3900, 6500),
  offering('c5.xlarge', 'spot', 0.078, 3900, 6500, 4),
];
const spotAndOnDemand: NodeRequirement[] = [
  { key: 'karpenter.sh/capacity-type', operator: 'In', values: ['spot', 'on-demand'] },
];
const pod = (name: string, cpuMilli: number, memoryMiB: number, nodeSelector = {}): PendingPod => ({
  name,
  cpuMilli,
  memoryMiB,
  nodeSelector,
});

describe('provisionPendingPods', () => {
  it("launches no node beyond the pool's node limit: the pods left stay pending with the reason", () => {
    const input = {
      pods: [pod('a', 1500, 2000), pod('b', 1500, 2000), pod('c', 1500, 2000)],
      requirements: spotAndOnDemand,
      poolLabels: {},
      offerings,
      strategy: 'lowest-cost' as const,
      spotShortage: new Set<string>(),
    };
    // Unlimited, each pod gets an m5.large of its own (1500m + 1500m does not fit 1900m).
    expect(provisionPendingPods(input).launches).toHaveLength(3);
    const limited = provisionPendingPods({ ...input, nodesLeft: 1 });
    expect(limited.launches.map((l) => l.pods)).toEqual([['a']]);
    expect(limited.unplaced).toEqual([
      { pod: 'b', reason: nodeLimitReason },
      { pod: 'c', reason: nodeLimitReason },
    ]);
    expect(provisionPendingPods({ ...input, nodesLeft: 0 }).launches).toEqual([]);
  });

  it('launches the cheapest allowed spot type that fits and packs the other pods onto it', () => {
    const result = provisionPendingPods({
      pods: [pod('a', 1500, 2000), pod('b', 300, 500), pod('c', 3000, 4000)],
      requirements: spotAndOnDemand,
      poolLabels: {},
      offerings,
      strategy: 'lowest-cost',
      spotShortage: new Set(),
    });
    expect(result.unplaced).toEqual([]);
    // c (3000m) needs an xlarge: c5.xlarge spot is the cheapest; b rides along; a gets its own large.
    expect(result.launches).toEqual([
      {
        instanceType: 'c5.xlarge',
        capacityType: 'spot',
        hourlyPriceUsd: 0.078,
        pods: ['c', 'b'],
        fellBackToOnDemand: false,
      },
      {
        instanceType: 'm5.large',
        capacityType: 'spot',
        hourlyPriceUsd: 0.04,
        pods: ['a'],
        fellBackToOnDemand: false,
      },
    ]);
  });

  it('capacity-optimized takes the deeper pool within 5 % of the cheapest spot price', () => {
    const candidates = offerings.filter((o) => o.instanceType.endsWith('xlarge'));
    expect(chooseOffering(candidates, 'lowest-cost')?.instanceType).toBe('c5.xlarge');
    expect(chooseOffering(candidates, 'capacity-optimized')?.instanceType).toBe('m5.xlarge');
  });

  it('falls back to on-demand when spot runs out, and only when the pool allows on-demand', () => {
    const input = {
      pods: [pod('a', 1500, 2000)],
      poolLabels: {},
      offerings,
      strategy: 'lowest-cost' as const,
      spotShortage: 'all' as const,
    };
    const fallback = provisionPendingPods({ ...input, requirements: spotAndOnDemand });
    expect(fallback.launches).toEqual([
      {
        instanceType: 'm5.large',
        capacityType: 'on-demand',
        hourlyPriceUsd: 0.096,
        pods: ['a'],
        fellBackToOnDemand: true,
      },
    ]);
    const spotOnly = provisionPendingPods({
      ...input,
      requirements: [{ key: 'karpenter.sh/capacity-type', operator: 'In', values: ['spot'] }],
    });
    expect(spotOnly.launches).toEqual([]);
    expect(spotOnly.unplaced[0]?.reason).toMatch(/^InsufficientInstanceCapacity/);
    // A shortage of one type only moves the launch to the next cheapest spot type.
    const oneShort = provisionPendingPods({
      ...input,
      requirements: spotAndOnDemand,
      spotShortage: new Set(['m5.large']),
    });
    expect(oneShort.launches[0]).toMatchObject({
      instanceType: 'c5.xlarge',
      capacityType: 'spot',
      fellBackToOnDemand: false,
    });
  });

  const podArb = fc.record({
    name: fc.uuid(),
    cpuMilli: fc.integer({ min: 10, max: 5000 }),
    memoryMiB: fc.integer({ min: 16, max: 16000 }),
    nodeSelector: fc.oneof(
      fc.constant({}),
      fc.constant({ 'karpenter.k8s.aws/instance-family': 'm5' }),
      fc.constant({ 'karpenter.sh/capacity-type': 'on-demand' }),
    ),
  });
  const requirementArb = fc.subarray<NodeRequirement>([
    { key: 'karpenter.k8s.aws/instance-family', operator: 'In', values: ['m5'] },
    { key: 'karpenter.sh/capacity-type', operator: 'In', values: ['spot'] },
    { key: 'karpenter.k8s.aws/instance-size', operator: 'NotIn', values: ['large'] },
  ]);

  it('never launches a type the pool forbids, never overfills a node, never spot that ran out (property)', () => {
    fc.assert(
      fc.property(
        fc.array(podArb, { maxLength: 25 }),
        requirementArb,
        fc.constantFrom('lowest-cost' as const, 'capacity-optimized' as const),
        fc.subarray(['m5.large', 'm5.xlarge', 'c5.xlarge']),
        (pods, requirements, strategy, short) => {
          const result = provisionPendingPods({
            pods,
            requirements,
            poolLabels: { team: 'shop' },
            offerings,
            strategy,
            spotShortage: new Set(short),
          });
          const placed = result.launches.flatMap((l) => l.pods);
          expect(placed.length + result.unplaced.length).toBe(pods.length);
          expect(new Set(placed).size).toBe(placed.length);
          for (const launch of result.launches) {
            const o = offerings.find(
              (x) => x.instanceType === launch.instanceType && x.capacityType === launch.capacityType,
            ) as LaunchOffering;
            const labels = offeringLabels(o, { team: 'shop' });
            expect(requirements.every((r) => matchesRequirement(labels, r))).toBe(true);
            if (o.capacityType === 'spot') expect(short).not.toContain(o.instanceType);
            const mine = pods.filter((p) => launch.pods.includes(p.name));
            expect(mine.reduce((s, p) => s + p.cpuMilli, 0)).toBeLessThanOrEqual(o.allocatable.cpuMilli);
            expect(mine.reduce((s, p) => s + p.memoryMiB, 0)).toBeLessThanOrEqual(o.allocatable.memoryMiB);
            for (const p of mine)
              for (const [k, v] of Object.entries(p.nodeSelector)) expect(labels[k]).toBe(v);
          }
        },
      ),
    );
  });
});
