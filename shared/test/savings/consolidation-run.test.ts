import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hasDoNotDisrupt, isNodeBound, isPodExempt, podKey } from '../../src/savings/cluster';
import type { ConsolidationInput } from '../../src/savings/consolidation';
import { planConsolidation } from '../../src/savings/consolidation';
import {
  type ConsolidationRunInput,
  type ConsolidationRunPlan,
  planConsolidationRun,
  type RunNodeGroup,
  type RunNodeOwner,
} from '../../src/savings/consolidation-run';
import { arbCluster } from './consolidation-arbitraries';
import { cNode, NOW, pod } from './fixtures';

const arbGroups = fc.record({
  asgMin: fc.integer({ min: 0, max: 4 }),
  mngMin: fc.integer({ min: 0, max: 3 }),
  poolMin: fc.integer({ min: 0, max: 1 }),
  asgNameKnown: fc.boolean(),
});

const arbRun = fc
  .record({
    cluster: arbCluster,
    groups: arbGroups,
    // per node: which group (3 = none), and whether its instance id is known
    membership: fc.array(fc.record({ group: fc.nat(3), instanceKnown: fc.nat(5) }), {
      minLength: 8,
      maxLength: 8,
    }),
    maxNodesInFlight: fc.integer({ min: 1, max: 4 }),
  })
  .map(({ cluster, groups, membership, maxNodesInFlight }): ConsolidationRunInput => {
    const runGroups: RunNodeGroup[] = [
      {
        id: 'asg-web',
        name: 'web',
        kind: 'asg',
        minSize: groups.asgMin,
        autoScalingGroupName: groups.asgNameKnown ? 'web-asg' : null,
      },
      {
        id: 'mng-general',
        name: 'general',
        kind: 'managed-node-group',
        minSize: groups.mngMin,
        autoScalingGroupName: 'eks-general-1234',
      },
      {
        id: 'karpenter-default',
        name: 'default',
        kind: 'karpenter-nodepool',
        minSize: groups.poolMin,
        autoScalingGroupName: null,
      },
    ];
    const owners: Record<string, RunNodeOwner> = {};
    cluster.nodes.forEach((n, i) => {
      const m = membership[i] ?? { group: 3, instanceKnown: 1 };
      const group = runGroups[m.group];
      if (group === undefined) return;
      owners[n.name] = { nodeGroupId: group.id, instanceId: m.instanceKnown === 0 ? null : `i-${i}` };
    });
    return { consolidation: cluster, groups: runGroups, owners, maxNodesInFlight };
  });

function checkRunInvariants(input: ConsolidationRunInput, run: ConsolidationRunPlan): void {
  const { consolidation } = input;
  const pods = new Map(consolidation.pods.map((p) => [podKey(p), p]));
  const nodes = new Map(consolidation.nodes.map((n) => [n.name, n]));
  const stepNodes = new Set(run.steps.map((s) => s.node));

  // 1. never an exempt or do-not-disrupt pod evicted, never a node running one drained
  for (const step of run.steps) {
    for (const e of step.evictions) {
      const p = pods.get(e.pod);
      expect(p).toBeDefined();
      if (p === undefined) continue;
      expect(isPodExempt(p, consolidation.policy.exemptions)).toBe(false);
      expect(hasDoNotDisrupt(p.annotations)).toBe(false);
      expect(p.nodeName).toBe(step.node);
    }
    expect(hasDoNotDisrupt(nodes.get(step.node)?.annotations ?? {})).toBe(false);
  }
  for (const p of consolidation.pods) {
    if (isNodeBound(p)) continue;
    if (isPodExempt(p, consolidation.policy.exemptions) || hasDoNotDisrupt(p.annotations)) {
      expect(stepNodes.has(p.nodeName)).toBe(false);
    }
  }

  // 2. never a group below its minimum (a group already below it loses nothing)
  for (const g of input.groups) {
    const now = consolidation.nodes.filter((n) => input.owners[n.name]?.nodeGroupId === g.id).length;
    const removed = run.steps.filter((s) => s.nodeGroupId === g.id).length;
    if (removed > 0) expect(now - removed).toBeGreaterThanOrEqual(g.minSize);
  }

  // 3. never more than N nodes per wave; waves numbered 0..waves-1 in order
  const perWave = new Map<number, number>();
  for (const s of run.steps) perWave.set(s.wave, (perWave.get(s.wave) ?? 0) + 1);
  for (const count of perWave.values()) expect(count).toBeLessThanOrEqual(input.maxNodesInFlight);
  expect([...perWave.keys()].sort((a, b) => a - b)).toEqual([...Array(run.waves).keys()]);
  const waves = run.steps.map((s) => s.wave);
  expect(waves).toEqual([...waves].sort((a, b) => a - b));

  // 4. within a wave, no PDB loses more pods than it allows
  for (const wave of perWave.keys()) {
    for (const pdb of consolidation.pdbs) {
      const evicted = run.steps
        .filter((s) => s.wave === wave)
        .flatMap((s) => s.evictions)
        .filter((e) => {
          const p = pods.get(e.pod);
          return p?.pdbName === pdb.name && p.namespace === pdb.namespace;
        }).length;
      expect(evicted).toBeLessThanOrEqual(pdb.disruptionsAllowed);
    }
  }

  // 5. saving = the removed nodes' prices minus the replacements launched
  const removedPrice = run.steps.reduce((s, step) => s + (nodes.get(step.node)?.hourlyPriceUsd ?? 0), 0);
  const replacementPrice = run.replacements.reduce((s, r) => s + r.hourlyPriceUsd, 0);
  expect(run.hourlySavingUsd).toBeCloseTo(removedPrice - replacementPrice, 9);
  if (run.steps.every((s) => s.kind === 'delete')) {
    expect(run.replacements).toEqual([]);
    expect(run.hourlySavingUsd).toBeCloseTo(removedPrice, 9);
  }
  expect(run.monthlySavingUsd).toBeCloseTo(run.hourlySavingUsd * 730, 6);

  // 6. every step has an owner that can terminate it
  for (const s of run.steps) {
    const group = input.groups.find((g) => g.id === s.nodeGroupId);
    expect(input.owners[s.node]?.nodeGroupId).toBe(s.nodeGroupId);
    if (group?.kind === 'karpenter-nodepool') {
      expect(s.termination).toBe('karpenter-delete-node');
    } else {
      expect(s.termination).toBe('asg-terminate-decrement');
      expect(s.autoScalingGroupName).not.toBeNull();
      expect(s.instanceId).not.toBeNull();
      expect(s.kind).toBe('delete');
    }
  }

  // 7. every node the planner removes is a step or skipped, once; the nodes of a group already at its
  // minimum are never planned (still destinations), and those that were candidates are skipped as such;
  const size = (id: string | null | undefined) =>
    consolidation.nodes.filter((n) => input.owners[n.name]?.nodeGroupId === id).length;
  const keep = new Set(
    consolidation.nodes
      .filter((n) => {
        const g = input.groups.find((x) => x.id === input.owners[n.name]?.nodeGroupId);
        return g !== undefined && size(g.id) <= g.minSize;
      })
      .map((n) => n.name),
  );
  // ... and a replacement only for nodes of Karpenter NodePools (the only owner that launches a type)
  const replaceable = new Set(
    consolidation.nodes
      .filter(
        (n) =>
          input.groups.find((g) => g.id === input.owners[n.name]?.nodeGroupId)?.kind === 'karpenter-nodepool',
      )
      .map((n) => n.name),
  );
  const plan = planConsolidation(consolidation, NOW, { keep, replaceable });
  for (const a of plan.actions)
    if (a.kind === 'replace') for (const name of a.nodes) expect(replaceable.has(name)).toBe(true);
  for (const name of plan.removedNodes) expect(keep.has(name)).toBe(false);
  const keptCandidates = plan.nodes
    .filter((n) => n.status === 'candidate' && keep.has(n.node))
    .map((n) => n.node);
  for (const name of keptCandidates)
    expect(run.skipped.find((s) => s.node === name)?.reason).toBe('group-minimum');
  const accounted = [...run.steps.map((s) => s.node), ...run.skipped.map((s) => s.node)];
  expect(new Set(accounted).size).toBe(accounted.length);
  expect([...accounted].sort()).toEqual([...plan.removedNodes, ...keptCandidates].sort());
  expect(run.podsEvicted).toBe(run.steps.reduce((s, step) => s + step.evictions.length, 0));
}

describe('planConsolidationRun (properties)', () => {
  it('keeps protected pods, group minimums, waves, PDB budgets and the saving sum', () => {
    fc.assert(
      fc.property(arbRun, (input) => checkRunInvariants(input, planConsolidationRun(input, NOW))),
      { numRuns: 400 },
    );
  });
});

/** Three empty-ish nodes of one ASG and one pod that fits anywhere. */
function smallCluster(overrides: Partial<ConsolidationInput['policy']> = {}): ConsolidationInput {
  return {
    nodes: ['a', 'b', 'c'].map((name) => cNode({ name })),
    pods: [pod({ name: 'web-1', nodeName: 'a', cpuRequestMilli: 200, memoryRequestMiB: 256 })],
    pdbs: [],
    policy: {
      aggressiveness: 'balanced',
      method: 'replace-and-move',
      stabilizationWindowMinutes: 0,
      exemptions: { namespaces: [], labels: [] },
      podDisruptionCostUsd: 0.25,
      movePaybackHours: 168,
      ...overrides,
    },
    replacementOptions: [],
  };
}

const asg = (minSize: number): RunNodeGroup => ({
  id: 'asg-web',
  name: 'web',
  kind: 'asg',
  minSize,
  autoScalingGroupName: 'web-asg',
});
const ownedBy = (group: string, names: string[]) =>
  Object.fromEntries(names.map((n) => [n, { nodeGroupId: group, instanceId: `i-${n}` }]));

describe('planConsolidationRun', () => {
  it('terminates through the ASG with the instance id, in waves of maxNodesInFlight', () => {
    const run = planConsolidationRun(
      {
        consolidation: smallCluster(),
        groups: [asg(0)],
        owners: ownedBy('asg-web', ['a', 'b', 'c']),
        maxNodesInFlight: 1,
      },
      NOW,
    );
    // Two of three go (the pod needs one node to land on), one per wave.
    expect(run.steps).toHaveLength(2);
    expect(run.steps.map((s) => s.wave)).toEqual([0, 1]);
    expect(run.waves).toBe(2);
    for (const s of run.steps) {
      expect(s.termination).toBe('asg-terminate-decrement');
      expect(s.autoScalingGroupName).toBe('web-asg');
      expect(s.instanceId).toBe(`i-${s.node}`);
    }
    expect(run.hourlySavingUsd).toBeCloseTo(2 * 0.096, 9);
    expect(run.skipped).toEqual([]);
  });

  it('stops at the group minimum and says how to go further', () => {
    const run = planConsolidationRun(
      {
        consolidation: smallCluster(),
        groups: [asg(2)],
        owners: ownedBy('asg-web', ['a', 'b', 'c']),
        maxNodesInFlight: 5,
      },
      NOW,
    );
    expect(run.steps).toHaveLength(1);
    expect(run.skipped).toEqual([
      expect.objectContaining({
        reason: 'group-minimum',
        message: expect.stringContaining('minimum size (2)'),
      }),
    ]);
    expect(run.plannedMonthlySavingUsd).toBeGreaterThan(run.monthlySavingUsd);
  });

  it('skips a node with no known owner, and one whose ASG instance is unknown', () => {
    const run = planConsolidationRun(
      {
        consolidation: smallCluster(),
        groups: [asg(0)],
        owners: {
          a: { nodeGroupId: 'asg-web', instanceId: null },
          c: { nodeGroupId: 'asg-web', instanceId: 'i-c' },
        },
        maxNodesInFlight: 3,
      },
      NOW,
    );
    const reasons = Object.fromEntries(run.skipped.map((s) => [s.node, s.reason]));
    expect(Object.values(reasons)).toEqual(expect.arrayContaining(['owner-unknown']));
    expect(run.steps.every((s) => s.node === 'c')).toBe(true);
  });

  it('never drains a node that runs a do-not-disrupt or exempt pod', () => {
    const consolidation = smallCluster({ exemptions: { namespaces: ['payments'], labels: [] } });
    consolidation.pods.push(
      pod({ name: 'db', nodeName: 'b', annotations: { 'karpenter.sh/do-not-disrupt': 'true' } }),
      pod({ name: 'ledger', nodeName: 'c', namespace: 'payments' }),
    );
    const run = planConsolidationRun(
      { consolidation, groups: [asg(0)], owners: ownedBy('asg-web', ['a', 'b', 'c']), maxNodesInFlight: 3 },
      NOW,
    );
    expect(run.steps.map((s) => s.node)).toEqual(['a']);
    expect(run.held.map((h) => [h.node, h.status])).toEqual([
      ['b', 'blocked'],
      ['c', 'unmanaged'],
    ]);
  });

  it('leaves a replacement to Karpenter: an ASG node whose pods need one is not planned', () => {
    const consolidation: ConsolidationInput = {
      ...smallCluster({ aggressiveness: 'aggressive' }),
      nodes: [
        cNode({ name: 'big', instanceType: 'm5.xlarge', hourlyPriceUsd: 0.192, allocatableCpuMilli: 4000 }),
      ],
      pods: [pod({ name: 'api', nodeName: 'big', cpuRequestMilli: 500, memoryRequestMiB: 512 })],
      replacementOptions: [
        {
          instanceType: 't3.medium',
          capacityType: 'on-demand',
          hourlyPriceUsd: 0.0416,
          allocatableCpuMilli: 2000,
          allocatableMemoryMiB: 4096,
        },
      ],
    };
    const onAsg = planConsolidationRun(
      { consolidation, groups: [asg(0)], owners: ownedBy('asg-web', ['big']), maxNodesInFlight: 1 },
      NOW,
    );
    // An ASG cannot launch a chosen type: the planner plans no replacement for its node (ADR 0057).
    expect(onAsg.steps).toEqual([]);
    expect(onAsg.skipped).toEqual([]);
    expect(onAsg.replacements).toEqual([]);

    const pool: RunNodeGroup = {
      id: 'karpenter-default',
      name: 'default',
      kind: 'karpenter-nodepool',
      minSize: 0,
      autoScalingGroupName: null,
    };
    const onPool = planConsolidationRun(
      { consolidation, groups: [pool], owners: ownedBy('karpenter-default', ['big']), maxNodesInFlight: 1 },
      NOW,
    );
    expect(onPool.steps).toEqual([
      expect.objectContaining({ node: 'big', termination: 'karpenter-delete-node' }),
    ]);
    expect(onPool.hourlySavingUsd).toBeCloseTo(0.192 - 0.0416, 9);
    expect(onPool.steps[0]?.evictions).toEqual([
      expect.objectContaining({ pod: 'default/api', toNode: 'replacement-1' }),
    ]);
  });

  it('splits a wave where a PDB would lose too many pods at once', () => {
    const consolidation = smallCluster();
    consolidation.nodes.push(cNode({ name: 'd' }));
    consolidation.pods = [
      pod({ name: 'w1', nodeName: 'a', pdbName: 'web' }),
      pod({ name: 'w2', nodeName: 'b', pdbName: 'web' }),
    ];
    consolidation.pdbs = [{ namespace: 'default', name: 'web', disruptionsAllowed: 2 }];
    const run = planConsolidationRun(
      {
        consolidation,
        groups: [asg(0)],
        owners: ownedBy('asg-web', ['a', 'b', 'c', 'd']),
        maxNodesInFlight: 4,
      },
      NOW,
    );
    const web = run.steps.flatMap((s) => s.evictions.map((e) => ({ wave: s.wave, pod: e.pod })));
    expect(web.length).toBeLessThanOrEqual(2);
    expect(run.steps.length).toBeGreaterThan(0);
  });
});
