import { describe, expect, it } from 'vitest';
import {
  matchesLabelSelector,
  matchesNodeAffinity,
  matchesNodeSelectorTerm,
  matchesRequirement,
} from '../../src/packing/selectors';

const node = {
  'node.kubernetes.io/instance-type': 'm6i.large',
  'karpenter.sh/capacity-type': 'spot',
  'karpenter.k8s.aws/instance-cpu': '2',
  'topology.kubernetes.io/zone': 'us-east-1a',
  odd: '1.5',
};

describe('node selector requirements', () => {
  it('In: the label exists with one of the values', () => {
    expect(
      matchesRequirement(node, { key: 'karpenter.sh/capacity-type', operator: 'In', values: ['spot'] }),
    ).toBe(true);
    expect(
      matchesRequirement(node, {
        key: 'karpenter.sh/capacity-type',
        operator: 'In',
        values: ['on-demand', 'x'],
      }),
    ).toBe(false);
    expect(matchesRequirement(node, { key: 'absent', operator: 'In', values: [''] })).toBe(false);
  });

  it('NotIn: the label is absent or has none of the values', () => {
    expect(
      matchesRequirement(node, { key: 'karpenter.sh/capacity-type', operator: 'NotIn', values: ['spot'] }),
    ).toBe(false);
    expect(
      matchesRequirement(node, {
        key: 'karpenter.sh/capacity-type',
        operator: 'NotIn',
        values: ['on-demand'],
      }),
    ).toBe(true);
    expect(matchesRequirement(node, { key: 'absent', operator: 'NotIn', values: ['a'] })).toBe(true);
  });

  it('Exists and DoesNotExist look at presence only', () => {
    expect(matchesRequirement(node, { key: 'topology.kubernetes.io/zone', operator: 'Exists' })).toBe(true);
    expect(matchesRequirement(node, { key: 'absent', operator: 'Exists' })).toBe(false);
    expect(matchesRequirement(node, { key: 'absent', operator: 'DoesNotExist' })).toBe(true);
    expect(matchesRequirement(node, { key: 'topology.kubernetes.io/zone', operator: 'DoesNotExist' })).toBe(
      false,
    );
    expect(matchesRequirement({ empty: '' }, { key: 'empty', operator: 'Exists' })).toBe(true);
  });

  it('Gt and Lt compare integers strictly; absent or non-integer labels fail', () => {
    const cpu = 'karpenter.k8s.aws/instance-cpu';
    expect(matchesRequirement(node, { key: cpu, operator: 'Gt', values: ['1'] })).toBe(true);
    expect(matchesRequirement(node, { key: cpu, operator: 'Gt', values: ['2'] })).toBe(false);
    expect(matchesRequirement(node, { key: cpu, operator: 'Lt', values: ['3'] })).toBe(true);
    expect(matchesRequirement(node, { key: cpu, operator: 'Lt', values: ['2'] })).toBe(false);
    // Numbers, not strings: "2" > "10" as text, not as integers.
    expect(matchesRequirement(node, { key: cpu, operator: 'Gt', values: ['10'] })).toBe(false);
    expect(matchesRequirement(node, { key: 'absent', operator: 'Gt', values: ['0'] })).toBe(false);
    expect(matchesRequirement(node, { key: 'absent', operator: 'Lt', values: ['100'] })).toBe(false);
    expect(matchesRequirement(node, { key: 'odd', operator: 'Gt', values: ['1'] })).toBe(false);
    expect(matchesRequirement(node, { key: cpu, operator: 'Gt', values: ['x'] })).toBe(false);
    expect(matchesRequirement(node, { key: cpu, operator: 'Gt', values: ['1', '0'] })).toBe(false);
    expect(matchesRequirement({ n: '-3' }, { key: 'n', operator: 'Lt', values: ['-2'] })).toBe(true);
  });

  it('a term ANDs its requirements, an empty term matches nothing, required terms are ORed', () => {
    const spotInA = {
      matchExpressions: [
        { key: 'karpenter.sh/capacity-type', operator: 'In' as const, values: ['spot'] },
        { key: 'topology.kubernetes.io/zone', operator: 'In' as const, values: ['us-east-1a'] },
      ],
    };
    const spotInB = {
      matchExpressions: [
        { key: 'karpenter.sh/capacity-type', operator: 'In' as const, values: ['spot'] },
        { key: 'topology.kubernetes.io/zone', operator: 'In' as const, values: ['us-east-1b'] },
      ],
    };
    expect(matchesNodeSelectorTerm(node, spotInA)).toBe(true);
    expect(matchesNodeSelectorTerm(node, spotInB)).toBe(false);
    expect(matchesNodeSelectorTerm(node, { matchExpressions: [] })).toBe(false);
    expect(matchesNodeAffinity(node, [spotInB, spotInA])).toBe(true);
    expect(matchesNodeAffinity(node, [spotInB])).toBe(false);
    expect(matchesNodeAffinity(node, undefined)).toBe(true);
    expect(matchesNodeAffinity(node, [])).toBe(true);
  });
});

describe('label selectors', () => {
  const pod = { app: 'web', tier: 'front' };
  it('matchLabels and matchExpressions must all hold; an empty selector matches every pod', () => {
    expect(matchesLabelSelector(pod, { matchLabels: { app: 'web' } })).toBe(true);
    expect(matchesLabelSelector(pod, { matchLabels: { app: 'web', tier: 'back' } })).toBe(false);
    expect(matchesLabelSelector(pod, { matchLabels: { missing: '' } })).toBe(false);
    expect(
      matchesLabelSelector(pod, {
        matchLabels: { app: 'web' },
        matchExpressions: [{ key: 'tier', operator: 'In', values: ['front', 'edge'] }],
      }),
    ).toBe(true);
    expect(
      matchesLabelSelector(pod, {
        matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['front'] }],
      }),
    ).toBe(false);
    expect(
      matchesLabelSelector(pod, { matchExpressions: [{ key: 'version', operator: 'DoesNotExist' }] }),
    ).toBe(true);
    expect(matchesLabelSelector(pod, { matchExpressions: [{ key: 'app', operator: 'Exists' }] })).toBe(true);
    expect(matchesLabelSelector(pod, {})).toBe(true);
    expect(matchesLabelSelector({}, { matchLabels: { app: 'web' } })).toBe(false);
  });

  it('never reads inherited properties as labels', () => {
    expect(matchesLabelSelector({}, { matchExpressions: [{ key: 'toString', operator: 'Exists' }] })).toBe(
      false,
    );
    expect(matchesRequirement({}, { key: 'constructor', operator: 'DoesNotExist' })).toBe(true);
  });
});
