import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type MinimumRecord,
  minimumDriftMessage,
  minimumDriftState,
  type PolicyVersions,
} from '../../src/savings/group-minimum-drift';

const v = (organization: number, account: number, cluster: number): PolicyVersions => ({
  organization,
  account,
  cluster,
});
const set = (setMinSize: number): MinimumRecord => ({ setMinSize, drift: null });

describe('minimumDriftState (ADR 0073)', () => {
  it('nothing recorded: the product never set this minimum, nothing to compare', () => {
    expect(minimumDriftState(null, 5, v(1, 0, 2))).toBe('none');
  });

  it('above what the product set: new drift; at or below it: none', () => {
    expect(minimumDriftState(set(1), 3, v(0, 0, 1))).toBe('new');
    expect(minimumDriftState(set(1), 1, v(0, 0, 1))).toBe('none');
    expect(minimumDriftState(set(2), 0, v(0, 0, 1))).toBe('none');
  });

  it('a reported drift holds until a policy level is saved again', () => {
    const drifted: MinimumRecord = {
      setMinSize: 1,
      drift: { observedMinSize: 3, policyVersions: v(1, 0, 4) },
    };
    expect(minimumDriftState(drifted, 3, v(1, 0, 4))).toBe('holding');
    // Still holding whatever the minimum is now: only a person's save ends the yield.
    expect(minimumDriftState(drifted, 1, v(1, 0, 4))).toBe('holding');
    expect(minimumDriftState(drifted, 3, v(1, 0, 5))).toBe('none');
    expect(minimumDriftState(drifted, 3, v(2, 0, 4))).toBe('none');
    expect(minimumDriftState(drifted, 3, v(1, 1, 4))).toBe('none');
  });

  it('the message names the group, the minimum found and the one set', () => {
    expect(minimumDriftMessage('web', 3, 1)).toContain(
      'The minimum of web was set back to 3 outside the product (it had set 1) — infrastructure as code?',
    );
  });

  it('property: never `new` at or below the minimum set; a reported drift yields until a version goes up', () => {
    const versions = fc.record({
      organization: fc.nat(5),
      account: fc.nat(5),
      cluster: fc.nat(5),
    });
    fc.assert(
      fc.property(fc.nat(10), fc.nat(10), versions, versions, (setMin, observed, at, now) => {
        const fresh = minimumDriftState(set(setMin), observed, now);
        expect(fresh === 'new').toBe(observed > setMin);
        expect(fresh).not.toBe('holding');
        const reported = minimumDriftState(
          { setMinSize: setMin, drift: { observedMinSize: observed, policyVersions: at } },
          observed,
          now,
        );
        const saved =
          now.organization > at.organization || now.account > at.account || now.cluster > at.cluster;
        expect(reported).toBe(saved ? 'none' : 'holding');
      }),
    );
  });
});
