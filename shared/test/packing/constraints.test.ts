import { describe, expect, it } from 'vitest';
import {
  generation,
  InvalidPackingProblemError,
  instanceTypesFromCatalog,
  type PackingProblemInput,
  pack,
  parsePackingProblem,
} from '../../src/packing';
import { loadHighs } from '../../src/packing/highs';
import { loadCatalog } from '../../src/pricing/catalog';

const highs = await loadHighs();
const HOST = 'kubernetes.io/hostname';
const ZONE = 'topology.kubernetes.io/zone';

const small = {
  name: 'small',
  cpuMilli: 2000,
  memoryMiB: 8000,
  maxPods: 30,
  onDemandHourlyUsd: 0.1,
  spotHourlyUsd: 0.04,
  labels: { 'karpenter.k8s.aws/instance-cpu': '2' },
};
const large = {
  name: 'large',
  cpuMilli: 8000,
  memoryMiB: 32_000,
  maxPods: 60,
  onDemandHourlyUsd: 0.4,
  spotHourlyUsd: 0.16,
  labels: { 'karpenter.k8s.aws/instance-cpu': '8' },
};
const web = (count: number, extra: Partial<PackingProblemInput['pods'][number]> = {}) => ({
  id: 'web',
  cpuMilli: 200,
  memoryMiB: 256,
  count,
  labels: { app: 'web' },
  ...extra,
});

const solve = (input: PackingProblemInput) => pack(parsePackingProblem(input), { highs, timeLimitMs: 2000 });

describe('scheduling constraints, hand-checked', () => {
  it('hostname anti-affinity: one pod of the group per node, and the bound proves it', async () => {
    const plan = await solve({
      pods: [
        web(3, { podAntiAffinity: [{ topologyKey: HOST, labelSelector: { matchLabels: { app: 'web' } } }] }),
      ],
      instanceTypes: [small, large],
      capacityTypes: ['on-demand'],
    });
    expect(plan.nodes.map((n) => [n.instanceType, n.pods.length])).toEqual([
      ['small', 1],
      ['small', 1],
      ['small', 1],
    ]);
    // The group dimension is exact: the LP sees it, and the bound meets the plan.
    expect(plan.lowerBoundHourlyUsd).toBeCloseTo(0.3, 9);
    expect(plan.gapPct).toBe(0);
  });

  it('hostname spread: at most maxSkew pods of the group per node, and a bound valid for Kubernetes', async () => {
    const plan = await solve({
      pods: [
        web(4, {
          topologySpreadConstraints: [
            { maxSkew: 2, topologyKey: HOST, labelSelector: { matchLabels: { app: 'web' } } },
          ],
        }),
      ],
      instanceTypes: [small],
      capacityTypes: ['on-demand'],
    });
    expect(plan.nodes.map((n) => n.pods.length)).toEqual([2, 2]);
    // Kubernetes would accept all four on one node (a single domain has no skew): the bound may not
    // exceed one node, so it comes from the relaxation without spread.
    expect(plan.lowerBoundHourlyUsd).toBeLessThanOrEqual(0.1);
  });

  it('zone spread: pods balanced over the zones, each node in one zone', async () => {
    const plan = await solve({
      pods: [
        web(7, {
          topologySpreadConstraints: [
            { maxSkew: 1, topologyKey: ZONE, labelSelector: { matchLabels: { app: 'web' } } },
          ],
        }),
      ],
      instanceTypes: [small],
      capacityTypes: ['on-demand'],
      zones: ['a', 'b', 'c'],
    });
    const perZone = new Map<string, number>();
    for (const n of plan.nodes) perZone.set(n.zone ?? '', (perZone.get(n.zone ?? '') ?? 0) + n.pods.length);
    expect([...perZone.values()].sort()).toEqual([2, 2, 3]);
    expect(plan.unplaced).toEqual([]);
    expect(plan.lowerBoundHourlyUsd).toBeLessThanOrEqual(0.1);
  });

  it('soft zone spread (ScheduleAnyway) balances the zones when it costs nothing', async () => {
    const zonesOf = async (soft: boolean) => {
      const plan = await solve({
        pods: [
          web(6, {
            podAntiAffinity: [{ topologyKey: HOST, labelSelector: { matchLabels: { app: 'web' } } }],
            ...(soft
              ? {
                  topologySpreadConstraints: [
                    {
                      maxSkew: 1,
                      topologyKey: ZONE,
                      whenUnsatisfiable: 'ScheduleAnyway' as const,
                      labelSelector: { matchLabels: { app: 'web' } },
                    },
                  ],
                }
              : {}),
          }),
        ],
        instanceTypes: [small],
        capacityTypes: ['on-demand'],
        zones: ['a', 'b', 'c'],
      });
      expect(plan.hourlyCostUsd).toBeCloseTo(0.6, 9);
      return plan.nodes.map((n) => n.zone).sort();
    };
    expect(await zonesOf(false)).toEqual(['a', 'a', 'a', 'a', 'a', 'a']);
    expect(await zonesOf(true)).toEqual(['a', 'a', 'b', 'b', 'c', 'c']);
  });

  it('zone anti-affinity: one pod per zone, the rest unplaced with the reason', async () => {
    const plan = await solve({
      pods: [
        web(4, { podAntiAffinity: [{ topologyKey: ZONE, labelSelector: { matchLabels: { app: 'web' } } }] }),
      ],
      instanceTypes: [small],
      capacityTypes: ['on-demand'],
      zones: ['a', 'b', 'c'],
    });
    expect(plan.nodes.map((n) => n.zone).sort()).toEqual(['a', 'b', 'c']);
    expect(plan.unplaced).toHaveLength(1);
    expect(plan.unplaced[0]?.reason).toMatch(/anti-affinity over zones/);
  });

  it('required node affinity with Gt on the instance-cpu label rules out the small type', async () => {
    const plan = await solve({
      pods: [
        web(2, {
          nodeAffinity: {
            required: [
              {
                matchExpressions: [{ key: 'karpenter.k8s.aws/instance-cpu', operator: 'Gt', values: ['4'] }],
              },
            ],
          },
        }),
      ],
      instanceTypes: [small, large],
      capacityTypes: ['on-demand'],
    });
    expect(plan.nodes.map((n) => n.instanceType)).toEqual(['large']);
  });

  it('spot nodes go to the zone with the cheapest spot price; preferred zones win only at equal cost', async () => {
    const zoned = { ...small, spotHourlyUsdByZone: { b: 0.03 } };
    const cheap = await solve({
      pods: [web(2, { spotReady: true })],
      instanceTypes: [zoned],
      capacityTypes: ['spot'],
      zones: ['a', 'b', 'c'],
    });
    expect(cheap.nodes.map((n) => [n.zone, n.capacityType])).toEqual([['b', 'spot']]);
    expect(cheap.hourlyCostUsd).toBeCloseTo(0.03, 9);
    const preferC = await solve({
      pods: [
        web(2, {
          spotReady: true,
          nodeAffinity: {
            preferred: [
              {
                weight: 100,
                preference: { matchExpressions: [{ key: ZONE, operator: 'In', values: ['c'] }] },
              },
            ],
          },
        }),
      ],
      instanceTypes: [zoned],
      capacityTypes: ['spot'],
      zones: ['a', 'b', 'c'],
    });
    // Zone c costs more than b: the preference is not worth money.
    expect(preferC.nodes.map((n) => n.zone)).toEqual(['b']);
    const onDemand = await solve({
      pods: [
        web(2, {
          nodeAffinity: {
            preferred: [
              {
                weight: 100,
                preference: { matchExpressions: [{ key: ZONE, operator: 'In', values: ['c'] }] },
              },
            ],
          },
        }),
      ],
      instanceTypes: [zoned],
      capacityTypes: ['on-demand'],
      zones: ['a', 'b', 'c'],
    });
    expect(onDemand.nodes.map((n) => n.zone)).toEqual(['c']);
  });

  it('keeps a node running a do-not-disrupt pod with all its pods, and re-packs the rest around it', async () => {
    const plan = await solve({
      pods: [
        { id: 'db', cpuMilli: 500, memoryMiB: 1000, nodeName: 'old-1', doNotDisrupt: true },
        { id: 'sidecar', cpuMilli: 100, memoryMiB: 100, nodeName: 'old-1' },
        { id: 'api', cpuMilli: 300, memoryMiB: 500, count: 2, nodeName: 'old-2' },
      ],
      instanceTypes: [small, large],
      capacityTypes: ['on-demand'],
      existingNodes: [
        { name: 'old-1', instanceType: 'large', capacityType: 'on-demand', zone: 'a' },
        { name: 'old-2', instanceType: 'large', capacityType: 'on-demand' },
      ],
    });
    expect(plan.nodes[0]).toEqual({
      instanceType: 'large',
      capacityType: 'on-demand',
      zone: 'a',
      existingNode: 'old-1',
      pods: ['db#0', 'sidecar#0'],
    });
    expect(plan.nodes.slice(1)).toEqual([
      { instanceType: 'small', capacityType: 'on-demand', pods: ['api#0', 'api#1'] },
    ]);
    expect(plan.hourlyCostUsd).toBeCloseTo(0.5, 9);
    expect(plan.lowerBoundHourlyUsd).toBeGreaterThanOrEqual(0.4);
  });

  it("labels catalog types with Karpenter's integer labels, for Gt and Lt", () => {
    const [type] = instanceTypesFromCatalog(loadCatalog(), {
      region: 'us-east-1',
      filter: { names: ['m6i.large'] },
    });
    expect(type?.labels).toMatchObject({
      'karpenter.k8s.aws/instance-cpu': '2',
      'karpenter.k8s.aws/instance-memory': '8192',
      'karpenter.k8s.aws/instance-generation': '6',
      'karpenter.k8s.aws/instance-family': 'm6i',
    });
    expect(generation('c5a')).toBe(5);
    expect(generation('u-6tb1')).toBeUndefined();
  });

  it('rejects malformed constraints with a message per problem', () => {
    const bad = {
      pods: [
        {
          id: 'p',
          cpuMilli: 1,
          memoryMiB: 1,
          nodeAffinity: {
            required: [
              {
                matchExpressions: [
                  { key: 'a', operator: 'In' },
                  { key: 'b', operator: 'Gt', values: ['x'] },
                  { key: 'c', operator: 'Exists', values: ['y'] },
                ],
              },
            ],
          },
          topologySpreadConstraints: [{ maxSkew: 0, topologyKey: HOST, labelSelector: {} }],
        },
      ],
      instanceTypes: [small],
      existingNodes: [{ name: 'n', instanceType: 'missing', capacityType: 'on-demand' }],
    };
    try {
      parsePackingProblem(bad);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidPackingProblemError);
      const message = (error as Error).message;
      expect(message).toMatch(/In needs at least one value/);
      expect(message).toMatch(/Gt takes exactly one integer value/);
      expect(message).toMatch(/Exists takes no values/);
      expect(message).toMatch(/maxSkew/);
      expect(message).toMatch(/"missing", which is not among instanceTypes/);
    }
  });
});
