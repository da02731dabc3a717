import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { activeSpotRuleFields, spotRuleFields } from '../../src/policy/spot-rule-fields';

describe('the Kubernetes fields of the spot and deployment rules', () => {
  it('force spot is a hard node selector; prefer spot only a preference Karpenter may ignore', () => {
    expect(spotRuleFields('forceSpot').podSpec).toEqual({
      nodeSelector: { 'karpenter.sh/capacity-type': 'spot' },
    });
    const prefer = JSON.stringify(spotRuleFields('preferSpot').podSpec);
    expect(prefer).toContain('preferredDuringSchedulingIgnoredDuringExecution');
    expect(prefer).not.toContain('requiredDuringScheduling');
    expect(JSON.stringify(spotRuleFields('blockBurstableFamilies').podSpec)).toContain(
      '"operator":"NotIn","values":["t"]',
    );
    expect(spotRuleFields('enforceMultiAzSpread').podSpec).toMatchObject({
      topologySpreadConstraints: [{ topologyKey: 'topology.kubernetes.io/zone', maxSkew: 1 }],
    });
  });

  it('shows one block per rule that is on, and none for a rule that is off', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.boolean(), fc.boolean(), fc.boolean(), (f, p, b, m) => {
        const rules = { forceSpot: f, preferSpot: p, blockBurstableFamilies: b, enforceMultiAzSpread: m };
        const shown = activeSpotRuleFields(rules).map((x) => x.rule);
        expect(shown).toEqual(
          Object.entries(rules)
            .filter(([, on]) => on)
            .map(([r]) => r),
        );
      }),
    );
  });
});
