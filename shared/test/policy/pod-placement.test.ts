import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { policySchema } from '../../src/model/policy';
import {
  consolidationPlanOf,
  type PlanInventoryNode,
  type PlanWorkload,
} from '../../src/policy/consolidation-plan';
import { type NodeTaint, schedulableOn, type WorkloadScheduling } from '../../src/policy/pod-placement';
import { loadCatalog } from '../../src/pricing/catalog';

const NOW = new Date('2026-06-20T12:00:00Z');
const pools = ['a', 'b', 'c'] as const;
const taint: NodeTaint = { key: 'dedicated', value: 'x', effect: 'NoSchedule' };
const workloadKeys = ['shop#Deployment#w0', 'shop#Deployment#w1', 'shop#Deployment#w2'];

const arbScheduling: fc.Arbitrary<WorkloadScheduling | null> = fc.option(
  fc.record({
    nodeSelector: fc
      .option(fc.constantFrom(...pools), { nil: undefined })
      .map((p): Record<string, string> => (p ? { 'node-pool': p } : {})),
    requiredNodeAffinity: fc
      .option(fc.constantFrom(...pools), { nil: undefined })
      .map((p) =>
        p ? [{ matchExpressions: [{ key: 'node-pool', operator: 'NotIn' as const, values: [p] }] }] : [],
      ),
    tolerations: fc
      .boolean()
      .map((t) =>
        t
          ? [{ key: 'dedicated', operator: 'Equal' as const, value: 'x', effect: 'NoSchedule' as const }]
          : [],
      ),
    groupBound: fc.boolean(),
  }),
  { nil: null },
);

const arbNode = (i: number) =>
  fc
    .record({
      group: fc.integer({ min: 0, max: 2 }),
      pool: fc.constantFrom(...pools),
      taints: fc.constantFrom<NodeTaint[] | undefined>([], [taint], undefined),
      spot: fc.boolean(),
      pods: fc.array(
        fc.record({
          w: fc.integer({ min: 0, max: 2 }),
          count: fc.integer({ min: 1, max: 3 }),
          cpu: fc.integer({ min: 50, max: 600 }),
        }),
        { maxLength: 2 },
      ),
    })
    .map((n): PlanInventoryNode => {
      const byWorkload = new Map<number, { count: number; cpu: number }>();
      for (const p of n.pods) {
        const seen = byWorkload.get(p.w) ?? { count: 0, cpu: 0 };
        byWorkload.set(p.w, { count: seen.count + p.count, cpu: seen.cpu + p.cpu * p.count });
      }
      const movablePods = [...byWorkload].map(([w, x]) => ({
        namespace: 'shop',
        workload: workloadKeys[w] as string,
        count: x.count,
        cpuMilli: x.cpu,
        memoryMiB: x.cpu,
      }));
      const requested = movablePods.reduce((s, p) => s + p.cpuMilli, 0);
      return {
        name: `n${i}`,
        instanceId: `i-${i}`,
        nodeGroupId: `g${n.group}`,
        instanceType: 'm5.large',
        capacityType: n.spot ? 'spot' : 'on-demand',
        hourlyPriceUsd: 0.096,
        allocatableCpuMilli: 4000,
        allocatableMemoryMiB: 4000,
        allocatablePods: 29,
        requestedCpuMilli: requested,
        requestedMemoryMiB: requested,
        movablePods,
        labels: { 'node-pool': n.pool },
        ...(n.taints ? { taints: n.taints } : {}),
        doNotDisrupt: false,
      };
    });

const arbInventory = fc.record({
  nodes: fc
    .integer({ min: 2, max: 8 })
    .chain((k) => fc.tuple(...Array.from({ length: k }, (_, i) => arbNode(i)))),
  scheduling: fc.tuple(arbScheduling, arbScheduling, arbScheduling),
  minSizes: fc.tuple(
    fc.integer({ min: 0, max: 2 }),
    fc.integer({ min: 0, max: 2 }),
    fc.integer({ min: 0, max: 2 }),
  ),
});

describe('a consolidation plan across node groups (ADR 0057)', () => {
  it('moves every pod to its own group or a node whose labels and taints its workload is known to allow; never below a minimum', () => {
    // Takeover refused explicitly (on by default at Aggressive, ADR 0088): the minimums hold as they are.
    const policy = policySchema.parse({
      infrastructure: { binPacking: { aggressiveness: 'aggressive', lowerGroupMinimums: false } },
    });
    let acrossGroups = 0;
    let heldSeen = 0;
    fc.assert(
      fc.property(arbInventory, ({ nodes, scheduling, minSizes }) => {
        const workloads: PlanWorkload[] = workloadKeys.map((key, i) => ({
          key,
          namespace: 'shop',
          replicas: 1,
          requestCpuMilli: 100,
          requestMemoryMiB: 100,
          monthlyCostUsd: 1,
          spotReady: true,
          hpaScaledResources: [],
          usage: null,
          scheduling: scheduling[i] ?? null,
        }));
        const plan = consolidationPlanOf(
          {
            clusterId: 'eks-1',
            snapshotAt: NOW.toISOString(),
            region: 'us-east-1',
            nodes,
            workloads,
            groups: minSizes.map((minSize, g) => ({
              id: `g${g}`,
              name: `g${g}`,
              kind: 'asg' as const,
              minSize,
              autoScalingGroupName: `g${g}`,
            })),
            instanceTypes: [],
            template: null,
            now: NOW,
          },
          policy,
        );
        const byName = new Map(nodes.map((n) => [n.name, n]));
        for (const step of plan.steps) {
          const from = byName.get(step.node) as PlanInventoryNode;
          for (const moved of step.pods) {
            const s = scheduling[workloadKeys.indexOf(moved.workload)] ?? null;
            for (const to of moved.toNodes) {
              const dest = byName.get(to);
              expect(dest).toBeDefined();
              if (dest?.nodeGroupId === from.nodeGroupId) continue;
              acrossGroups += 1;
              expect(s).not.toBeNull();
              expect(s?.groupBound).toBe(false);
              expect(dest?.taints).toBeDefined();
              expect(dest?.capacityType === 'on-demand' || from.capacityType === 'spot').toBe(true);
              expect(
                schedulableOn(s as WorkloadScheduling, {
                  labels: dest?.labels ?? {},
                  taints: dest?.taints ?? [],
                }),
              ).toBe(true);
            }
          }
        }
        for (const [g, minSize] of minSizes.entries()) {
          const size = nodes.filter((n) => n.nodeGroupId === `g${g}`).length;
          const removed = plan.steps.filter((s) => s.nodeGroupId === `g${g}`).length;
          expect(removed === 0 || size - removed >= minSize).toBe(true);
        }
        // What a minimum holds is only said of groups the plan kept at their minimum, with a lower
        // minimum and a positive saving; the plan itself never acts on it (ADR 0066).
        for (const h of plan.heldByMinimums) {
          expect(plan.skipped.some((s) => s.reason === 'group-minimum')).toBe(true);
          expect(h.minimumToAllow).toBeLessThan(h.minSize);
          expect(h.monthlySavingUsd).toBeGreaterThan(0);
          heldSeen += 1;
        }
      }),
      { numRuns: 300 },
    );
    // The inventories generated do exercise moves across groups.
    expect(acrossGroups).toBeGreaterThan(0);
    expect(heldSeen).toBeGreaterThan(0);
  });

  it('with replacements launched by another pool, moves to them only pods its labels admit (ADR 0066)', () => {
    const policy = policySchema.parse({ infrastructure: { binPacking: { aggressiveness: 'aggressive' } } });
    const replacementLabels = { 'node-pool': 'a' };
    const instanceTypes = loadCatalog().instanceTypes;
    let toReplacements = 0;
    fc.assert(
      fc.property(arbInventory, ({ nodes, scheduling }) => {
        const plan = consolidationPlanOf(
          {
            clusterId: 'eks-1',
            snapshotAt: NOW.toISOString(),
            region: 'us-east-1',
            nodes,
            workloads: workloadKeys.map((key, i) => ({
              key,
              namespace: 'shop',
              replicas: 1,
              requestCpuMilli: 100,
              requestMemoryMiB: 100,
              monthlyCostUsd: 1,
              spotReady: true,
              hpaScaledResources: [],
              usage: null,
              scheduling: scheduling[i] ?? null,
            })),
            groups: [0, 1, 2].map((g) => ({
              id: `g${g}`,
              name: `g${g}`,
              kind: 'karpenter-nodepool' as const,
              minSize: 0,
              autoScalingGroupName: null,
            })),
            instanceTypes,
            template: null,
            now: NOW,
            replacementLabels,
          },
          policy,
        );
        const known = new Set(nodes.map((n) => n.name));
        for (const step of plan.steps)
          for (const moved of step.pods)
            for (const to of moved.toNodes) {
              if (known.has(to)) continue;
              toReplacements += 1;
              const s = scheduling[workloadKeys.indexOf(moved.workload)] ?? null;
              expect(s).not.toBeNull();
              expect(s?.groupBound).toBe(false);
              expect(schedulableOn(s as WorkloadScheduling, { labels: replacementLabels, taints: [] })).toBe(
                true,
              );
            }
      }),
      { numRuns: 200 },
    );
    // The inventories generated do exercise replacements.
    expect(toReplacements).toBeGreaterThan(0);
  }, 60_000);
});
