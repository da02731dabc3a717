import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  afterProductWrite,
  type MinimumDriftState,
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

describe('afterProductWrite (hibernation writes the minimum, ADR 0081)', () => {
  it('follows a write when the read before it holds no drift; keeps the record when it does', () => {
    // Sleep pins 2 nodes over a minimum of 0 the product set, then the wake restores 0.
    expect(afterProductWrite(set(0), 0, 2, v(0, 0, 1))).toEqual({ state: 'none', record: set(2) });
    expect(afterProductWrite(set(2), 2, 0, v(0, 0, 1))).toEqual({ state: 'none', record: set(0) });
    // IaC set it back to 4 before the sleep: the sleep's read reports it; the record stays.
    expect(afterProductWrite(set(0), 4, 0, v(0, 0, 1))).toEqual({ state: 'new', record: set(0) });
    const drifted: MinimumRecord = {
      setMinSize: 0,
      drift: { observedMinSize: 4, policyVersions: v(0, 0, 1) },
    };
    expect(afterProductWrite(drifted, 0, 4, v(0, 0, 1))).toEqual({ state: 'holding', record: drifted });
    // Acknowledged by a policy save: the write is the new baseline.
    expect(afterProductWrite(drifted, 0, 4, v(0, 0, 2))).toEqual({ state: 'none', record: set(4) });
    expect(afterProductWrite(null, 3, 0, v(0, 0, 1))).toEqual({ state: 'none', record: null });
  });

  /**
   * The group's minimum over time: the product's writes (sleep/wake/edit, each after reading the group),
   * IaC's writes and plain reads (discovery, a plan). The record is kept as the product keeps it.
   */
  type Event = { kind: 'product'; minSize: number } | { kind: 'iac'; minSize: number } | { kind: 'read' };
  const event: fc.Arbitrary<Event> = fc.oneof(
    fc.record({ kind: fc.constant('product' as const), minSize: fc.nat(8) }),
    fc.record({ kind: fc.constant('iac' as const), minSize: fc.nat(8) }),
    fc.record({ kind: fc.constant('read' as const) }),
  );

  it('property: the product’s own writes are never reported; IaC raising the minimum above the product’s last write is, at the next read', () => {
    const versions = v(0, 0, 1);
    fc.assert(
      fc.property(fc.nat(8), fc.array(event, { maxLength: 30 }), (start, events) => {
        let live = start;
        let record: MinimumRecord | null = set(start);
        let productLast = start;
        let raisedByIac = false;
        for (const e of events) {
          if (e.kind === 'iac') {
            live = e.minSize;
            if (live > productLast && record?.drift === null) raisedByIac = true;
            continue;
          }
          // A read, or the read a product write makes first, reports exactly an IaC raise not reported yet.
          const expected = raisedByIac && live > productLast;
          const next: { state: MinimumDriftState; record: MinimumRecord | null } =
            e.kind === 'product'
              ? afterProductWrite(record, live, e.minSize, versions)
              : { state: minimumDriftState(record, live, versions), record };
          expect(next.state === 'new').toBe(expected);
          record = next.record;
          if (next.state === 'new' && record) {
            // Reported (the caller writes the drift); the record keeps what the product had set.
            expect(record.setMinSize).toBe(productLast);
            record = { ...record, drift: { observedMinSize: live, policyVersions: versions } };
            raisedByIac = false;
          }
          if (e.kind === 'product') {
            live = e.minSize;
            if (next.state === 'none') {
              expect(record?.setMinSize).toBe(e.minSize);
              productLast = e.minSize;
              raisedByIac = false;
            }
          }
        }
        // Without IaC, no read ever finds drift.
        if (!events.some((e) => e.kind === 'iac')) expect(record?.drift ?? null).toBeNull();
      }),
    );
  });
});
