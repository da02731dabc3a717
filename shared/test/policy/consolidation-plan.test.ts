import { describe, expect, it } from 'vitest';
import { defaultPolicy, policySchema } from '../../src/model/policy';
import { consolidationPlanOf, type PlanInventoryNode } from '../../src/policy/consolidation-plan';

const NOW = new Date('2026-06-20T12:00:00Z');

const node = (name: string, fields: Partial<PlanInventoryNode> = {}): PlanInventoryNode => ({
  name,
  instanceId: `i-${name}`,
  nodeGroupId: 'asg-web',
  instanceType: 'm5.large',
  capacityType: 'on-demand',
  hourlyPriceUsd: 0.096,
  allocatableCpuMilli: 1930,
  allocatableMemoryMiB: 7000,
  allocatablePods: 29,
  requestedCpuMilli: 0,
  requestedMemoryMiB: 0,
  movablePods: [],
  doNotDisrupt: false,
  ...fields,
});

const input = (nodes: PlanInventoryNode[]) => ({
  clusterId: 'eks-1',
  snapshotAt: '2026-06-20T11:55:00Z',
  region: 'us-east-1',
  nodes,
  workloads: [],
  groups: [{ id: 'asg-web', name: 'web', kind: 'asg' as const, minSize: 1, autoScalingGroupName: 'web' }],
  instanceTypes: [],
  template: null,
  now: NOW,
});

describe('consolidationPlanOf (the dry run of a stored inventory)', () => {
  it('reports the pods to move per workload, with where they go', () => {
    const web = {
      namespace: 'shop',
      workload: 'shop#Deployment#web',
      count: 3,
      cpuMilli: 300,
      memoryMiB: 300,
    };
    const plan = consolidationPlanOf(
      input([node('a', { requestedCpuMilli: 300, requestedMemoryMiB: 300, movablePods: [web] }), node('b')]),
      defaultPolicy,
    );
    // One of the two goes (the group keeps its minimum of one): the light one empties onto the other.
    expect(plan.steps).toHaveLength(1);
    const [step] = plan.steps;
    expect(step?.pods).toEqual(
      step?.node === 'a'
        ? [{ namespace: 'shop', workload: 'shop#Deployment#web', count: 3, toNodes: ['b'] }]
        : [],
    );
    expect(plan.policy.maxNodesInFlight).toBe(1);
    expect(plan.notes.some((n) => n.includes('PodDisruptionBudgets'))).toBe(true);
    expect(plan.notes.some((n) => n.includes('stabilization window (10 min)'))).toBe(true);
  });

  it('leaves out nodes without the per-node pod summary, and says how many', () => {
    const plan = consolidationPlanOf(
      input([node('a', { movablePods: null }), node('b'), node('c')]),
      defaultPolicy,
    );
    expect(plan.steps.map((s) => s.node)).not.toContain('a');
    expect(plan.notes[0]).toMatch(/^1 node\(s\) come from an inventory that predates/);
  });

  it('follows the policy: exempt namespaces keep their nodes, maxNodesInFlight sets the waves', () => {
    const batch = {
      namespace: 'batch',
      workload: 'batch#Job#nightly',
      count: 1,
      cpuMilli: 100,
      memoryMiB: 100,
    };
    const nodes = [
      node('a', { requestedCpuMilli: 100, requestedMemoryMiB: 100, movablePods: [batch] }),
      node('b'),
      node('c'),
      node('d'),
    ];
    const policy = policySchema.parse({
      infrastructure: { binPacking: { maxNodesInFlight: 3 } },
      governance: { excludedNamespaces: ['batch'] },
    });
    const plan = consolidationPlanOf(input(nodes), policy);
    expect(plan.steps.map((s) => s.node)).not.toContain('a');
    expect(plan.held).toEqual([expect.objectContaining({ node: 'a', status: 'unmanaged' })]);
    expect(plan.steps).toHaveLength(3);
    expect(plan.waves).toBe(1);
  });
});
