import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildClusterModel,
  InvalidPackingProblemError,
  type PackingProblem,
  type PackingProblemInput,
  pack,
  parsePackingProblem,
  podAllowedOn,
} from '../../src/packing';
import { loadHighs } from '../../src/packing/highs';
import { LABEL_CAPACITY_TYPE, LABEL_EKS_CAPACITY_TYPE, LABEL_INSTANCE_TYPE } from '../../src/packing/pack';

const highs = await loadHighs();

const gpuTaint = { key: 'nvidia.com/gpu', value: 'true', effect: 'NoSchedule' as const };

const podArb = fc.record({
  cpuMilli: fc.integer({ min: 0, max: 5000 }),
  memoryMiB: fc.integer({ min: 0, max: 20_000 }),
  count: fc.integer({ min: 1, max: 12 }),
  spotReady: fc.boolean(),
  gpuMilli: fc.constantFrom(0, 0, 0, 500, 1000, 2000),
  selector: fc.constantFrom(undefined, 'amd64', 'arm64'),
  toleratesGpu: fc.boolean(),
});

const typeArb = fc.record({
  cpuMilli: fc.integer({ min: 500, max: 16_000 }),
  memoryMiB: fc.integer({ min: 500, max: 64_000 }),
  maxPods: fc.integer({ min: 3, max: 60 }),
  onDemandHourlyUsd: fc.double({ min: 0.01, max: 3, noNaN: true }),
  spotDiscount: fc.option(fc.double({ min: 0.1, max: 0.9, noNaN: true }), { nil: undefined }),
  gpus: fc.constantFrom(0, 0, 1, 4),
  arch: fc.constantFrom('amd64', 'arm64'),
});

const problemArb = fc
  .record({
    pods: fc.array(podArb, { minLength: 0, maxLength: 6 }),
    types: fc.array(typeArb, { minLength: 1, maxLength: 4 }),
    capacityTypes: fc.constantFrom<('on-demand' | 'spot')[]>(['on-demand'], ['spot'], ['on-demand', 'spot']),
    overhead: fc.record({
      cpuMilli: fc.integer({ min: 0, max: 400 }),
      memoryMiB: fc.integer({ min: 0, max: 800 }),
      pods: fc.integer({ min: 0, max: 3 }),
    }),
    minNodeCount: fc.integer({ min: 0, max: 3 }),
  })
  .map(
    ({ pods, types, capacityTypes, overhead, minNodeCount }): PackingProblemInput => ({
      pods: pods.map((pod, n) => ({
        id: `p${n}`,
        cpuMilli: pod.cpuMilli,
        memoryMiB: pod.memoryMiB,
        count: pod.count,
        spotReady: pod.spotReady,
        ...(pod.gpuMilli > 0 ? { resources: { 'nvidia.com/gpu': pod.gpuMilli } } : {}),
        ...(pod.selector ? { nodeSelector: { 'kubernetes.io/arch': pod.selector } } : {}),
        ...(pod.toleratesGpu
          ? { tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists' as const }] }
          : {}),
      })),
      instanceTypes: types.map((type, n) => ({
        name: `t${n}`,
        cpuMilli: type.cpuMilli,
        memoryMiB: type.memoryMiB,
        maxPods: type.maxPods,
        onDemandHourlyUsd: type.onDemandHourlyUsd,
        ...(type.spotDiscount !== undefined
          ? { spotHourlyUsd: type.onDemandHourlyUsd * type.spotDiscount }
          : {}),
        labels: { 'kubernetes.io/arch': type.arch },
        ...(type.gpus > 0 ? { resources: { 'nvidia.com/gpu': type.gpus * 1000 }, taints: [gpuTaint] } : {}),
      })),
      capacityTypes,
      perNodeOverhead: overhead,
      minNodeCount,
    }),
  );

/** Checks every invariant of a plan against its problem; returns the first violation. */
function violation(problem: PackingProblem, plan: Awaited<ReturnType<typeof pack>>): string | undefined {
  const types = new Map(problem.instanceTypes.map((t) => [t.name, t]));
  const copies = new Map<string, (typeof problem.pods)[number]>();
  for (const pod of problem.pods) for (let k = 0; k < pod.count; k++) copies.set(`${pod.id}#${k}`, pod);
  const seen = new Set<string>();
  let cost = 0;
  const ovh = problem.perNodeOverhead;
  for (const node of plan.nodes) {
    const type = types.get(node.instanceType);
    if (!type) return `unknown type ${node.instanceType}`;
    if (!problem.capacityTypes.includes(node.capacityType))
      return `capacity type ${node.capacityType} not allowed`;
    const price = node.capacityType === 'spot' ? type.spotHourlyUsd : type.onDemandHourlyUsd;
    if (price === undefined) return `no ${node.capacityType} price for ${type.name}`;
    cost += price;
    let cpu = ovh.cpuMilli;
    let memory = ovh.memoryMiB;
    let gpu = 0;
    const labels = {
      ...type.labels,
      [LABEL_INSTANCE_TYPE]: type.name,
      [LABEL_CAPACITY_TYPE]: node.capacityType,
      [LABEL_EKS_CAPACITY_TYPE]: node.capacityType === 'spot' ? 'SPOT' : 'ON_DEMAND',
    };
    for (const name of node.pods) {
      const pod = copies.get(name);
      if (!pod) return `unknown pod ${name}`;
      if (seen.has(name)) return `${name} placed twice`;
      seen.add(name);
      if (node.capacityType === 'spot' && !pod.spotReady) return `${name} is not spot-ready but on spot`;
      const allowed = podAllowedOn(
        {
          nodeSelector: pod.nodeSelector ?? {},
          tolerations: pod.tolerations ?? [],
          spotReady: pod.spotReady,
        },
        { labels, capacityType: node.capacityType, type },
      );
      if (!allowed) return `${name} violates a selector or taint on ${type.name}`;
      cpu += pod.cpuMilli;
      memory += pod.memoryMiB;
      gpu += pod.resources?.['nvidia.com/gpu'] ?? 0;
    }
    if (cpu > type.cpuMilli) return `${type.name} over CPU`;
    if (memory > type.memoryMiB) return `${type.name} over memory`;
    if (node.pods.length + ovh.pods > type.maxPods) return `${type.name} over pod slots`;
    if (gpu > (type.resources?.['nvidia.com/gpu'] ?? 0)) return `${type.name} over GPUs`;
  }
  for (const { pod, reason } of plan.unplaced) {
    if (!copies.has(pod)) return `unknown unplaced pod ${pod}`;
    if (seen.has(pod)) return `${pod} both placed and unplaced`;
    if (reason.length < 10) return `${pod} unplaced without a reason`;
    seen.add(pod);
  }
  if (seen.size !== copies.size) return `${copies.size - seen.size} pods neither placed nor unplaced`;
  if (Math.abs(cost - plan.hourlyCostUsd) > 1e-6)
    return `cost ${plan.hourlyCostUsd} != sum of prices ${cost}`;
  if (plan.lowerBoundHourlyUsd > plan.hourlyCostUsd + 1e-9) return 'bound above cost';
  if (plan.lowerBoundHourlyUsd < 0) return 'negative bound';
  if (plan.nodes.length < problem.minNodeCount && plan.nodes.length > 0)
    return 'fewer nodes than minNodeCount';
  return undefined;
}

describe('pack: properties', () => {
  it('never overfills a node, places every pod once or says why, prices the plan exactly', async () => {
    await fc.assert(
      fc.asyncProperty(problemArb, async (input) => {
        const problem = parsePackingProblem(input);
        if (problem.minNodeCount > 0 && buildClusterModel(problem).options.length === 0) {
          await expect(pack(problem, { highs })).rejects.toBeInstanceOf(InvalidPackingProblemError);
          return;
        }
        const plan = await pack(problem, { highs });
        expect(violation(problem, plan)).toBeUndefined();
      }),
      { numRuns: 100 },
    );
  }, 60_000);
});
