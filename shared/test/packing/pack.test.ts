import { describe, expect, it } from 'vitest';
import {
  InvalidPackingProblemError,
  type PackingPlan,
  type PackingProblemInput,
  pack,
  parsePackingProblem,
  tolerates,
} from '../../src/packing';
import { loadHighs } from '../../src/packing/highs';
import { karpenterLikePlan } from '../../src/packing/karpenter-baseline';

const highs = await loadHighs();
const run = (input: PackingProblemInput): Promise<PackingPlan> => pack(parsePackingProblem(input), { highs });

const m5large = {
  name: 'm5.large',
  cpuMilli: 1930,
  memoryMiB: 7518,
  maxPods: 29,
  onDemandHourlyUsd: 0.096,
  spotHourlyUsd: 0.035,
};
const m5xlarge = {
  name: 'm5.xlarge',
  cpuMilli: 3920,
  memoryMiB: 14_900,
  maxPods: 58,
  onDemandHourlyUsd: 0.192,
  spotHourlyUsd: 0.07,
};
const overhead = { cpuMilli: 100, memoryMiB: 256 };

describe('pack: hand-checked optima', () => {
  it('packs identical pods onto the fewest nodes and proves it', async () => {
    // 1830 m free per m5.large: 3 pods of 600 m each, 9 pods -> 3 nodes, and CPU alone needs
    // 5400 / 1830 = 2.95 nodes, so 3 is optimal.
    const plan = await run({
      pods: [{ id: 'api', cpuMilli: 600, memoryMiB: 512, count: 9 }],
      instanceTypes: [m5large],
      capacityTypes: ['on-demand'],
      perNodeOverhead: overhead,
    });
    expect(plan.nodes).toHaveLength(3);
    expect(plan.hourlyCostUsd).toBeCloseTo(0.288, 9);
    expect(plan.lowerBoundHourlyUsd).toBeCloseTo(0.288, 6);
    expect(plan.gapPct).toBe(0);
    expect(plan.nodes.flatMap((n) => n.pods).sort()).toEqual(
      Array.from({ length: 9 }, (_, k) => `api#${k}`).sort(),
    );
  });

  it('puts spot-ready pods on spot and the rest on on-demand', async () => {
    const plan = await run({
      pods: [
        { id: 'batch', cpuMilli: 900, memoryMiB: 1024, count: 2, spotReady: true },
        { id: 'db', cpuMilli: 900, memoryMiB: 1024, count: 2, spotReady: false },
      ],
      instanceTypes: [m5large],
      perNodeOverhead: overhead,
    });
    const spot = plan.nodes.filter((n) => n.capacityType === 'spot');
    const onDemand = plan.nodes.filter((n) => n.capacityType === 'on-demand');
    expect(spot.flatMap((n) => n.pods).sort()).toEqual(['batch#0', 'batch#1']);
    expect(onDemand.flatMap((n) => n.pods).sort()).toEqual(['db#0', 'db#1']);
    expect(plan.hourlyCostUsd).toBeCloseTo(0.096 + 0.035, 9);
    expect(plan.lowerBoundHourlyUsd).toBeCloseTo(0.131, 6);
  });

  it('chooses one larger node when it is cheaper than two small ones', async () => {
    const plan = await run({
      pods: [{ id: 'w', cpuMilli: 1200, memoryMiB: 2048, count: 3 }],
      instanceTypes: [m5large, { ...m5xlarge, onDemandHourlyUsd: 0.17 }],
      capacityTypes: ['on-demand'],
      perNodeOverhead: overhead,
    });
    // m5.large holds one 1200 m pod (1830 m free), m5.xlarge holds three (3820 m free): 0.17 < 3 x 0.096.
    expect(plan.nodes.map((n) => n.instanceType)).toEqual(['m5.xlarge']);
    expect(plan.hourlyCostUsd).toBeCloseTo(0.17, 9);
    expect(plan.gapPct).toBe(0);
  });

  it('keeps GPU pods on GPU nodes and other pods off tainted GPU nodes', async () => {
    const g4 = {
      name: 'g4dn.xlarge',
      cpuMilli: 3920,
      memoryMiB: 15_000,
      maxPods: 29,
      onDemandHourlyUsd: 0.526,
      resources: { 'nvidia.com/gpu': 1000 },
      taints: [{ key: 'nvidia.com/gpu', value: 'true', effect: 'NoSchedule' as const }],
    };
    const plan = await run({
      pods: [
        {
          id: 'train',
          cpuMilli: 2000,
          memoryMiB: 8000,
          resources: { 'nvidia.com/gpu': 1000 },
          tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }],
        },
        { id: 'web', cpuMilli: 500, memoryMiB: 512, count: 2 },
      ],
      instanceTypes: [m5large, g4],
      capacityTypes: ['on-demand'],
      perNodeOverhead: overhead,
    });
    const gpuNode = plan.nodes.find((n) => n.instanceType === 'g4dn.xlarge');
    expect(gpuNode?.pods).toEqual(['train#0']);
    expect(
      plan.nodes
        .filter((n) => n.instanceType === 'm5.large')
        .flatMap((n) => n.pods)
        .sort(),
    ).toEqual(['web#0', 'web#1']);
  });

  it('honours node selectors on labels', async () => {
    const plan = await run({
      pods: [{ id: 'arm', cpuMilli: 300, memoryMiB: 300, nodeSelector: { 'kubernetes.io/arch': 'arm64' } }],
      instanceTypes: [
        m5large,
        {
          ...m5large,
          name: 'm6g.large',
          onDemandHourlyUsd: 0.077,
          labels: { 'kubernetes.io/arch': 'arm64' },
        },
      ],
      capacityTypes: ['on-demand'],
    });
    expect(plan.nodes.map((n) => n.instanceType)).toEqual(['m6g.large']);
  });

  it('lists pods nothing can hold, with the reason, and adds empty nodes for minNodeCount', async () => {
    const plan = await run({
      pods: [
        { id: 'huge', cpuMilli: 8000, memoryMiB: 1000, spotReady: true },
        { id: 'picky', cpuMilli: 100, memoryMiB: 100, spotReady: true, nodeSelector: { zone: 'mars' } },
        { id: 'steady', cpuMilli: 100, memoryMiB: 100, spotReady: false },
        { id: 'ok', cpuMilli: 100, memoryMiB: 100, spotReady: true },
      ],
      instanceTypes: [m5large],
      capacityTypes: ['spot'],
      perNodeOverhead: overhead,
      minNodeCount: 2,
    });
    const reasons = Object.fromEntries(plan.unplaced.map((u) => [u.pod, u.reason]));
    expect(Object.keys(reasons).sort()).toEqual(['huge#0', 'picky#0', 'steady#0']);
    expect(reasons['huge#0']).toMatch(/cpuMilli 8000/);
    expect(reasons['picky#0']).toMatch(/node selector \{zone=mars\}/);
    expect(reasons['steady#0']).toMatch(/not spot-ready/);
    expect(plan.nodes).toHaveLength(2);
    expect(plan.hourlyCostUsd).toBeCloseTo(0.07, 9);
    expect(plan.lowerBoundHourlyUsd).toBeCloseTo(0.07, 6);
  });

  it('gives byte-identical plans for the same problem', async () => {
    const input: PackingProblemInput = {
      pods: [
        { id: 'a', cpuMilli: 700, memoryMiB: 3000, count: 11, spotReady: true },
        { id: 'b', cpuMilli: 1300, memoryMiB: 900, count: 7 },
        { id: 'c', cpuMilli: 250, memoryMiB: 256, count: 40, spotReady: true },
      ],
      instanceTypes: [
        m5large,
        m5xlarge,
        { ...m5large, name: 'c5.large', memoryMiB: 3300, onDemandHourlyUsd: 0.085, spotHourlyUsd: 0.03 },
      ],
      perNodeOverhead: overhead,
    };
    expect(JSON.stringify(await run(input))).toBe(JSON.stringify(await run(input)));
  });
});

describe('pack: problem validation', () => {
  it('rejects malformed problems with every issue listed', () => {
    expect(() => parsePackingProblem({ pods: [{ id: 'x', cpuMilli: -1, memoryMiB: 1 }] })).toThrow(
      InvalidPackingProblemError,
    );
    try {
      parsePackingProblem({
        pods: [
          { id: 'x', cpuMilli: -1, memoryMiB: 1 },
          { id: 'x', cpuMilli: 1, memoryMiB: 1 },
        ],
        instanceTypes: [m5large],
      });
    } catch (error) {
      expect((error as Error).message).toMatch(/pods\.0\.cpuMilli/);
      expect((error as Error).message).toMatch(/used twice/);
    }
  });

  it('defaults capacity types, overhead, count and spot readiness', () => {
    const problem = parsePackingProblem({
      pods: [{ id: 'p', cpuMilli: 1, memoryMiB: 1 }],
      instanceTypes: [m5large],
    });
    expect(problem.capacityTypes).toEqual(['on-demand', 'spot']);
    expect(problem.perNodeOverhead).toEqual({ cpuMilli: 0, memoryMiB: 0, pods: 0 });
    expect(problem.pods[0]).toMatchObject({ count: 1, spotReady: false });
  });
});

describe('taints and the Karpenter-like baseline', () => {
  it('matches tolerations as Kubernetes does', () => {
    const taint = { key: 'gpu', value: 'yes', effect: 'NoSchedule' as const };
    expect(tolerates([{ key: 'gpu', operator: 'Equal', value: 'yes' }], taint)).toBe(true);
    expect(tolerates([{ key: 'gpu', operator: 'Equal', value: 'no' }], taint)).toBe(false);
    expect(tolerates([{ key: 'gpu', operator: 'Exists', effect: 'NoExecute' }], taint)).toBe(false);
    expect(tolerates([{ operator: 'Exists' }], taint)).toBe(true);
  });

  it('never beats the packer on cost', async () => {
    const input: PackingProblemInput = {
      pods: [
        { id: 'a', cpuMilli: 1500, memoryMiB: 1000, count: 5 },
        { id: 'b', cpuMilli: 300, memoryMiB: 6000, count: 5 },
      ],
      instanceTypes: [m5large, m5xlarge],
      capacityTypes: ['on-demand'],
      perNodeOverhead: overhead,
    };
    const problem = parsePackingProblem(input);
    const baseline = karpenterLikePlan(problem);
    const plan = await pack(problem, { highs });
    expect(baseline.nodes.flatMap((n) => n.pods)).toHaveLength(10);
    expect(plan.hourlyCostUsd).toBeLessThanOrEqual(baseline.hourlyCostUsd + 1e-9);
  });
});
