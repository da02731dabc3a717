import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultPolicy, type Policy, policySchema } from '../../src/model/policy';
import { consolidationPlanOf, type PlanInventoryNode } from '../../src/policy/consolidation-plan';

/** Node group takeover (ADR 0067): the plan lowers a group's minimum only when the policy allows it. */

const NOW = new Date('2026-06-20T12:00:00Z');
const takeover = policySchema.parse({
  infrastructure: { binPacking: { aggressiveness: 'aggressive', lowerGroupMinimums: true } },
});
// Aggressive with the setting explicitly off: the customer said no (ADR 0088).
const noTakeover = policySchema.parse({
  infrastructure: { binPacking: { aggressiveness: 'aggressive', lowerGroupMinimums: false } },
});

const node = (name: string, group: string, cpuMilli: number): PlanInventoryNode => ({
  name,
  instanceId: `i-${name}`,
  nodeGroupId: group,
  instanceType: 'm5.large',
  capacityType: 'on-demand',
  hourlyPriceUsd: 0.096,
  allocatableCpuMilli: 1930,
  allocatableMemoryMiB: 7000,
  allocatablePods: 29,
  requestedCpuMilli: cpuMilli,
  requestedMemoryMiB: cpuMilli,
  movablePods:
    cpuMilli === 0
      ? []
      : [
          {
            namespace: 'shop',
            workload: `shop#Deployment#${group}`,
            count: 1,
            cpuMilli,
            memoryMiB: cpuMilli,
          },
        ],
  doNotDisrupt: false,
});

interface GroupSpec {
  kind: 'asg' | 'managed-node-group' | 'karpenter-nodepool';
  minSize: number;
  loads: number[];
}

const planOf = (specs: GroupSpec[], lower: boolean | Policy) => {
  const nodes = specs.flatMap((g, gi) => g.loads.map((cpu, ni) => node(`g${gi}-n${ni}`, `g${gi}`, cpu)));
  const groups = specs.map((g, gi) => ({
    id: `g${gi}`,
    name: `group-${gi}`,
    kind: g.kind,
    minSize: Math.min(g.minSize, g.loads.length),
    autoScalingGroupName: g.kind === 'karpenter-nodepool' ? null : `asg-${gi}`,
  }));
  const plan = consolidationPlanOf(
    {
      clusterId: 'eks-1',
      snapshotAt: '2026-06-20T11:55:00Z',
      region: 'us-east-1',
      nodes,
      workloads: [],
      groups,
      instanceTypes: [],
      template: null,
      now: NOW,
    },
    typeof lower === 'boolean' ? (lower ? takeover : noTakeover) : lower,
  );
  return { plan, nodes, groups };
};

describe('consolidationPlanOf with node group takeover (ADR 0067)', () => {
  const legacy: GroupSpec[] = [{ kind: 'asg', minSize: 4, loads: [300, 300, 300, 300] }];

  it('is off when the policy says no: the plan keeps the minimum and says the policy could allow it', () => {
    const { plan } = planOf(legacy, false);
    expect(plan.steps).toEqual([]);
    expect(plan.minimumChanges).toEqual([]);
    expect(plan.heldByMinimums).toEqual([expect.objectContaining({ minSize: 4, minimumToAllow: 1 })]);
    expect(plan.notes.join(' ')).toContain('Allow the optimizer to lower node group minimums');
  });

  it('follows the aggressiveness when no level set it (ADR 0088): on at Aggressive, off below', () => {
    expect(defaultPolicy.infrastructure.binPacking.lowerGroupMinimums).toBeUndefined();
    const at = (aggressiveness: 'conservative' | 'balanced' | 'aggressive') =>
      planOf(legacy, policySchema.parse({ infrastructure: { binPacking: { aggressiveness } } })).plan;
    // Aggressive without the setting plans exactly what the explicit opt-in plans.
    expect(at('aggressive').minimumChanges).toEqual(planOf(legacy, true).plan.minimumChanges);
    expect(at('aggressive').minimumChanges).toEqual([
      expect.objectContaining({ nodeGroupId: 'g0', fromMinSize: 4, toMinSize: 1 }),
    ]);
    expect(at('aggressive').steps).toHaveLength(3);
    for (const level of ['balanced', 'conservative'] as const) {
      expect(at(level).minimumChanges).toEqual([]);
      expect(at(level).notes.join(' ')).toContain('on by default at Aggressive');
    }
    // An explicit yes below Aggressive is honoured too.
    const balancedYes = policySchema.parse({
      infrastructure: { binPacking: { aggressiveness: 'balanced', lowerGroupMinimums: true } },
    });
    expect(planOf(legacy, balancedYes).plan.heldByMinimums).not.toContainEqual(
      expect.objectContaining({ nodeGroupId: 'g0' }),
    );
  });

  it('when allowed, plans the lower minimum explicitly and the nodes it lets go', () => {
    const { plan } = planOf(legacy, true);
    expect(plan.minimumChanges).toEqual([
      {
        nodeGroupId: 'g0',
        name: 'group-0',
        nodeGroupKind: 'asg',
        autoScalingGroupName: 'asg-0',
        fromMinSize: 4,
        toMinSize: 1,
        nodes: 4,
        monthlySavingUsd: Math.round(3 * 0.096 * 730 * 100) / 100,
      },
    ]);
    expect(plan.steps).toHaveLength(3);
    expect(plan.heldByMinimums).toEqual([]);
    expect(plan.notes.join(' ')).toContain('lowers the minimum size of group-0 from 4 to 1');
  });

  it('never lowers a NodePool', () => {
    const { plan } = planOf([{ kind: 'karpenter-nodepool', minSize: 4, loads: [300, 300, 300, 300] }], true);
    expect(plan.minimumChanges).toEqual([]);
  });

  it('never lowers a minimum when off, never below what the remaining pods need, never takes a group below its (lowered) minimum', () => {
    const group = fc.record({
      kind: fc.constantFrom('asg' as const, 'managed-node-group' as const, 'karpenter-nodepool' as const),
      minSize: fc.integer({ min: 0, max: 6 }),
      loads: fc.array(fc.constantFrom(0, 200, 400, 700, 1200, 1800), { minLength: 1, maxLength: 6 }),
    });
    let lowered = 0;
    fc.assert(
      fc.property(fc.array(group, { minLength: 1, maxLength: 3 }), fc.boolean(), (specs, lower) => {
        const { plan, nodes, groups } = planOf(specs, lower);
        if (!lower) expect(plan.minimumChanges).toEqual([]);
        const changes = new Map(plan.minimumChanges.map((c) => [c.nodeGroupId, c]));
        for (const g of groups) {
          const count = nodes.filter((n) => n.nodeGroupId === g.id).length;
          const removed = plan.steps.filter((s) => s.nodeGroupId === g.id);
          const change = changes.get(g.id);
          const minimum = change ? change.toMinSize : g.minSize;
          // Never below its (possibly lowered) minimum.
          expect(count - removed.length).toBeGreaterThanOrEqual(minimum);
          if (!change) continue;
          expect(g.kind).not.toBe('karpenter-nodepool');
          expect(change.fromMinSize).toBe(g.minSize);
          expect(change.toMinSize).toBeLessThan(g.minSize);
          // Never below what its remaining pods need: every node the plan keeps (holding its own pods and
          // those moved onto it) counts in the minimum, and none more.
          expect(change.toMinSize).toBe(count - removed.length);
          lowered += 1;
        }
      }),
      { numRuns: 150 },
    );
    // The property ran over plans that did lower minimums.
    expect(lowered).toBeGreaterThan(0);
  });
});
