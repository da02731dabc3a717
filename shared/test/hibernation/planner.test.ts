import { describe, expect, it } from 'vitest';
import { type PlannedGroup, planSleep, planTransition, planWake } from '../../src/hibernation/planner';

const group = (id: string, kind: PlannedGroup['kind'], desired: number, extra: Partial<PlannedGroup> = {}) =>
  ({
    nodeGroupId: id,
    kind,
    size: { minSize: 1, desiredSize: desired, maxSize: 10 },
    tags: {},
    protectedNodeCount: 0,
    hourlyPricePerNodeUsd: 0.2,
    ...extra,
  }) satisfies PlannedGroup;

const none = { criticalNamespaces: [], excludedTags: [] };

describe('sleep planner', () => {
  it('scales ASGs to 0/0/0 and managed node groups to min 0 / desired 0 keeping their max', () => {
    const plan = planSleep(
      [group('asg-a', 'asg', 3), group('mng-b', 'managed', 4)],
      { kind: 'full' },
      none,
      {},
    );
    expect(plan.actions.map((a) => [a.nodeGroupId, a.to])).toEqual([
      ['asg-a', { minSize: 0, desiredSize: 0, maxSize: 0 }],
      ['mng-b', { minSize: 0, desiredSize: 0, maxSize: 10 }],
    ]);
    expect(plan.records['asg-a']?.size).toEqual({ minSize: 1, desiredSize: 3, maxSize: 10 });
    // 7 nodes at 0.20 USD/h stop.
    expect(plan.savedUsdPerHour).toBeCloseTo(1.4, 6);
  });

  it('keeps the nodes critical namespaces need (pinned), and leaves out-of-scope and tagged groups', () => {
    const plan = planSleep(
      [
        group('mng-monitoring', 'managed', 4, { protectedNodeCount: 1 }),
        group('asg-db', 'asg', 2),
        group('mng-gpu', 'managed', 2, { tags: { env: 'critical' } }),
        group('karpenter-default', 'karpenter', 5),
      ],
      { kind: 'selected', nodeGroupIds: ['mng-monitoring', 'mng-gpu', 'karpenter-default'] },
      { criticalNamespaces: ['monitoring'], excludedTags: [{ key: 'env', value: 'critical' }] },
      {},
    );
    expect(plan.actions.map((a) => [a.nodeGroupId, a.to])).toEqual([
      ['mng-monitoring', { minSize: 1, desiredSize: 1, maxSize: 1 }],
      ['karpenter-default', { minSize: 0, desiredSize: 0, maxSize: 0, cpuLimit: '0' }],
    ]);
    expect(Object.fromEntries(plan.skipped.map((s) => [s.nodeGroupId, s.reason]))).toEqual({
      'asg-db': 'not in the hibernation scope',
      'mng-gpu': 'tagged env=critical: excluded from hibernation',
    });
  });

  it('sleeps a NodePool with a CPU limit of 0, keeps its tagged and critical nodes, and restores its limit', () => {
    const pool = group('karpenter-default', 'karpenter', 5, {
      size: { minSize: 0, desiredSize: 5, maxSize: 5, cpuLimit: '1000' },
      protectedNodeCount: 2,
      taggedNodeNames: ['ip-10-0-0-1'],
    });
    const asg = group('asg-batch', 'asg', 3, { taggedNodeNames: ['ip-10-0-0-9'] });
    const sleep = planSleep([pool, asg], { kind: 'full' }, none, {});
    expect(sleep.actions.map((a) => [a.nodeGroupId, a.to])).toEqual([
      ['karpenter-default', { minSize: 0, desiredSize: 2, maxSize: 2, cpuLimit: '0' }],
    ]);
    expect(sleep.skipped.map((s) => s.nodeGroupId)).toEqual(['asg-batch']);
    expect(sleep.skipped[0]?.reason).toContain('ip-10-0-0-9 carries an excluded tag');
    // Asleep, with nodes still draining: not a person's change; the wake writes the limit back.
    const draining = { ...pool, size: { minSize: 0, desiredSize: 4, maxSize: 4, cpuLimit: '0' } };
    expect(planSleep([draining], { kind: 'full' }, none, sleep.records).skipped[0]?.outcome).toBe(
      'unchanged',
    );
    const wake = planWake([draining], sleep.records);
    expect(wake.actions.map((a) => a.to.cpuLimit)).toEqual(['1000']);
    // A person raised the limit while asleep: theirs is kept.
    const raised = { ...pool, size: { minSize: 0, desiredSize: 2, maxSize: 2, cpuLimit: '64' } };
    expect(planWake([raised], sleep.records).skipped[0]?.reason).toContain('changed by hand');
  });

  it('a repeated sleep changes nothing and keeps the sizes to restore', () => {
    const first = planSleep([group('asg-a', 'asg', 3)], { kind: 'full' }, none, {});
    const asleep = [group('asg-a', 'asg', 0, { size: { minSize: 0, desiredSize: 0, maxSize: 0 } })];
    const second = planSleep(asleep, { kind: 'full' }, none, first.records);
    expect(second.actions).toEqual([]);
    expect(second.records).toEqual(first.records);
  });
});

describe('wake planner', () => {
  const records = {
    'asg-a': {
      size: { minSize: 1, desiredSize: 3, maxSize: 10 },
      sleptAs: { minSize: 0, desiredSize: 0, maxSize: 0 },
    },
    'mng-b': {
      size: { minSize: 2, desiredSize: 4, maxSize: 10 },
      sleptAs: { minSize: 0, desiredSize: 0, maxSize: 10 },
    },
  };

  it('restores exactly the recorded sizes, and keeps what a person set while asleep', () => {
    const plan = planWake(
      [
        group('asg-a', 'asg', 0, { size: { minSize: 0, desiredSize: 0, maxSize: 0 } }),
        group('mng-b', 'managed', 6, { size: { minSize: 1, desiredSize: 6, maxSize: 10 } }),
      ],
      records,
    );
    expect(plan.actions.map((a) => [a.nodeGroupId, a.to])).toEqual([
      ['asg-a', { minSize: 1, desiredSize: 3, maxSize: 10 }],
    ]);
    expect(plan.skipped).toEqual([
      {
        nodeGroupId: 'mng-b',
        outcome: 'skipped',
        reason: 'changed by hand while asleep: the new sizes are kept',
      },
    ]);
  });

  it('clears the record after a wake and reports a group that disappeared', () => {
    const plan = planTransition(true, [], { kind: 'full' }, none, records);
    expect(plan.records).toEqual({});
    expect(plan.skipped.map((s) => s.reason)).toEqual([
      'the node group no longer exists',
      'the node group no longer exists',
    ]);
  });
});
