import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  allowsAvailableCapacity,
  type FallbackGroup,
  type OnDemandDistribution,
  planSpotFallback,
  spotRecoveryQuietMs,
  spotShortOf,
} from '../../src/policy/spot-fallback';

const now = new Date('2026-12-01T12:00:00.000Z');
const ago = (ms: number) => new Date(now.getTime() - ms).toISOString();

const distributionArb: fc.Arbitrary<OnDemandDistribution> = fc.record({
  onDemandBaseCapacity: fc.integer({ min: 0, max: 5 }),
  onDemandPercentageAboveBase: fc.oneof(fc.constantFrom(0, 100), fc.integer({ min: 0, max: 100 })),
});
const groupArb: fc.Arbitrary<FallbackGroup> = fc.record({
  name: fc.string({ minLength: 1, maxLength: 8 }),
  distribution: fc.option(distributionArb, { nil: null }),
  exempt: fc.boolean(),
  lastSpotCapacityFailureAt: fc.option(fc.integer({ min: 0, max: 3 * spotRecoveryQuietMs }).map(ago), {
    nil: null,
  }),
  fallback: fc.option(
    distributionArb.map((original) => ({ since: ago(spotRecoveryQuietMs * 2), original })),
    { nil: null },
  ),
});
const guardsArb = fc.record({
  maintenance: fc.boolean(),
  clusterExempt: fc.boolean(),
  spotFallbackToOnDemand: fc.boolean(),
});

describe('planSpotFallback', () => {
  it('never switches a group of a cluster in maintenance or exempt, nor an exempt group', () => {
    fc.assert(
      fc.property(fc.array(groupArb, { maxLength: 6 }), guardsArb, (groups, guards) => {
        const plan = planSpotFallback(groups, guards, now);
        if (guards.maintenance || guards.clusterExempt) expect(plan.switches).toEqual([]);
        for (const s of plan.switches) {
          const group = groups.find((g) => g.name === s.group);
          expect(group?.exempt).toBe(false);
        }
      }),
    );
  });

  it('never leaves a group with no capacity EC2 can give it', () => {
    fc.assert(
      fc.property(fc.array(groupArb, { maxLength: 6 }), guardsArb, (groups, guards) => {
        for (const s of planSpotFallback(groups, guards, now).switches) {
          const group = groups.find((g) => g.name === s.group) as FallbackGroup;
          expect(allowsAvailableCapacity(s.to, spotShortOf(group, now))).toBe(true);
          expect(s.to.onDemandPercentageAboveBase).toBeGreaterThanOrEqual(0);
          expect(s.to.onDemandPercentageAboveBase).toBeLessThanOrEqual(100);
        }
      }),
    );
  });

  it('falls back while spot launches fail and reverts once they have been quiet long enough', () => {
    const original = { onDemandBaseCapacity: 1, onDemandPercentageAboveBase: 0 };
    const guards = { maintenance: false, clusterExempt: false, spotFallbackToOnDemand: true };
    const short: FallbackGroup = {
      name: 'workers',
      distribution: original,
      exempt: false,
      lastSpotCapacityFailureAt: ago(60_000),
      fallback: null,
    };
    expect(planSpotFallback([short], guards, now).switches).toEqual([
      {
        group: 'workers',
        kind: 'fall-back',
        from: original,
        to: { onDemandBaseCapacity: 1, onDemandPercentageAboveBase: 100 },
        original,
      },
    ]);
    const switched: FallbackGroup = {
      ...short,
      distribution: { onDemandBaseCapacity: 1, onDemandPercentageAboveBase: 100 },
      fallback: { since: ago(60_000), original },
    };
    expect(planSpotFallback([switched], guards, now).switches).toEqual([]);
    const quiet = { ...switched, lastSpotCapacityFailureAt: ago(spotRecoveryQuietMs + 1) };
    expect(planSpotFallback([quiet], guards, now).switches.map((s) => [s.kind, s.to])).toEqual([
      ['revert', original],
    ]);
    // Someone set the group to something else meanwhile: theirs stands.
    const changed = { ...quiet, distribution: { onDemandBaseCapacity: 0, onDemandPercentageAboveBase: 50 } };
    expect(planSpotFallback([changed], guards, now)).toEqual({
      switches: [],
      skipped: [],
      forget: ['workers'],
    });
  });

  it('says why a short group is left alone', () => {
    const group: FallbackGroup = {
      name: 'workers',
      distribution: { onDemandBaseCapacity: 0, onDemandPercentageAboveBase: 0 },
      exempt: false,
      lastSpotCapacityFailureAt: ago(1_000),
      fallback: null,
    };
    const plan = (g: Partial<typeof guards>) => planSpotFallback([group], { ...guards, ...g }, now).skipped;
    const guards = { maintenance: false, clusterExempt: false, spotFallbackToOnDemand: true };
    expect(plan({ maintenance: true })[0]?.reason).toMatch(/maintenance/);
    expect(plan({ spotFallbackToOnDemand: false })[0]?.reason).toMatch(/does not allow/);
  });
});
