import { defaultPolicy, type Policy } from '@spot/shared';
import { lowerGroupMinimumsOf } from '@spot/shared/policy/merge';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  effectiveOf,
  isSetHere,
  monthlyUsd,
  sourceOf,
  timeAgo,
  unsavedChanges,
  valueAt,
  withValueAt,
} from './policy-edit';

const aggressiveness = 'infrastructure.binPacking.aggressiveness';

describe('policy editing', () => {
  it('sets and clears one leaf without touching the others, dropping branches left empty', () => {
    const set = withValueAt({}, aggressiveness, 'aggressive');
    expect(set).toEqual({ infrastructure: { binPacking: { aggressiveness: 'aggressive' } } });
    expect(valueAt(set, aggressiveness)).toBe('aggressive');
    expect(withValueAt(set, aggressiveness, undefined)).toEqual({});
    const both = withValueAt(set, 'infrastructure.binPacking.method', 'delete-empty');
    expect(withValueAt(both, aggressiveness, undefined)).toEqual({
      infrastructure: { binPacking: { method: 'delete-empty' } },
    });
  });

  it('round-trips any value at any leaf of the policy', () => {
    const paths = ['workload.rightsizing.safetyBufferPct', aggressiveness, 'governance.excludedNamespaces'];
    fc.assert(
      fc.property(fc.constantFrom(...paths), fc.jsonValue(), (path, value) => {
        const doc = withValueAt(defaultPolicy, path, value);
        expect(valueAt(doc, path)).toEqual(value);
        expect(unsavedChanges(defaultPolicy, withValueAt(doc, path, valueAt(defaultPolicy, path)))).toEqual(
          [],
        );
      }),
    );
  });

  it('an override level inherits what it does not set and says where each value comes from', () => {
    const inherited: Policy = { ...defaultPolicy };
    const state = {
      level: 'cluster' as const,
      draft: withValueAt({}, aggressiveness, 'aggressive'),
      inherited,
    };
    expect(effectiveOf(state).infrastructure.binPacking.aggressiveness).toBe('aggressive');
    expect(effectiveOf(state).workload.rightsizing.safetyBufferPct).toBe(20);
    expect(isSetHere(state, aggressiveness)).toBe(true);
    expect(
      sourceOf(state, 'workload.rightsizing.safetyBufferPct', {
        'workload.rightsizing.safetyBufferPct': 'account',
      }),
    ).toBe('account');
    expect(sourceOf(state, aggressiveness, {})).toBe('cluster');
    const org = { level: 'organization' as const, draft: defaultPolicy, inherited: defaultPolicy };
    expect(isSetHere(org, aggressiveness)).toBe(true);
  });

  it('shows node group takeover as the aggressiveness gives it until a level sets it (ADR 0088)', () => {
    const takeover = 'infrastructure.binPacking.lowerGroupMinimums';
    const shown = (s: Parameters<typeof effectiveOf>[0]) => lowerGroupMinimumsOf(effectiveOf(s));
    // The organization's document as the API answers it: no value, so none is saved back.
    const org = withValueAt(defaultPolicy, aggressiveness, 'aggressive') as Policy;
    const atOrg = { level: 'organization' as const, draft: org, inherited: defaultPolicy };
    expect(valueAt(org, takeover)).toBeUndefined();
    expect(shown(atOrg)).toBe(true);
    expect(shown({ ...atOrg, draft: withValueAt(org, aggressiveness, 'balanced') })).toBe(false);
    // Unticked: an explicit no, one change to save; "Follow the aggressiveness" takes it back out.
    const no = withValueAt(org, takeover, false);
    expect(shown({ ...atOrg, draft: no })).toBe(false);
    expect(unsavedChanges(org, no)).toEqual([{ path: takeover, before: null, after: false }]);
    expect(unsavedChanges(org, withValueAt(no, takeover, undefined))).toEqual([]);
    // A cluster inherits the organization's explicit no at Aggressive, and its own value wins over it.
    const atCluster = {
      level: 'cluster' as const,
      draft: { infrastructure: { binPacking: { aggressiveness: 'aggressive' as const } } },
      inherited: effectiveOf({ ...atOrg, draft: withValueAt(defaultPolicy, takeover, false) as Policy }),
    };
    expect(shown(atCluster)).toBe(false);
    expect(shown({ ...atCluster, draft: withValueAt(atCluster.draft, takeover, true) })).toBe(true);
  });

  it('lists the unsaved changes leaf by leaf', () => {
    const draft = withValueAt(defaultPolicy, aggressiveness, 'aggressive');
    expect(unsavedChanges(defaultPolicy, draft)).toEqual([
      { path: aggressiveness, before: 'balanced', after: 'aggressive' },
    ]);
  });

  it('words times and amounts as the page shows them', () => {
    const now = new Date('2026-12-05T12:00:00Z');
    expect(timeAgo('2026-12-05T10:00:00Z', now)).toBe('2 hours ago');
    expect(timeAgo('2026-12-05T11:59:40Z', now)).toBe('just now');
    expect(timeAgo('2026-12-04T11:00:00Z', now)).toBe('1 day ago');
    expect(monthlyUsd(1234.4, true)).toBe('+$1,234/mo');
    expect(monthlyUsd(0, true)).toBe('$0/mo');
    expect(monthlyUsd(null)).toBe('—');
  });
});
