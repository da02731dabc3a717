import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  defaultPolicy,
  type Policy,
  type PolicyOverrides,
  policyOverridesSchema,
  policySchema,
} from '../../src/model/policy';
import {
  combineOverrides,
  diffPolicies,
  leavesOf,
  lowerGroupMinimumsOf,
  mergePolicy,
  mergeTrees,
  policyLeafPaths,
  policySources,
} from '../../src/policy/merge';

const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
const clean = <T extends object>(o: T): T =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

// Spot rules never set force and prefer both true in one document (the schema refuses that).
const spotRulesArb = fc
  .record({
    forceSpot: maybe(fc.boolean()),
    preferSpot: maybe(fc.boolean()),
    blockBurstableFamilies: maybe(fc.boolean()),
    enforceMultiAzSpread: maybe(fc.boolean()),
  })
  .map((s) => clean(s.forceSpot && s.preferSpot ? { ...s, preferSpot: false } : s));

const overridesArb: fc.Arbitrary<PolicyOverrides> = fc
  .record({
    infrastructure: maybe(
      fc.record({
        autoscaling: maybe(
          fc
            .record({
              enabled: maybe(fc.boolean()),
              strategy: maybe(fc.constantFrom('lowest-cost' as const, 'capacity-optimized' as const)),
              nodeTemplateId: maybe(fc.constantFrom(null, 't-1', 't-2')),
              spotFallbackToOnDemand: maybe(fc.boolean()),
            })
            .map(clean),
        ),
        binPacking: maybe(
          fc
            .record({
              aggressiveness: maybe(
                fc.constantFrom('conservative' as const, 'balanced' as const, 'aggressive' as const),
              ),
              method: maybe(fc.constantFrom('delete-empty' as const, 'replace-and-move' as const)),
              stabilizationWindowMinutes: maybe(fc.integer({ min: 0, max: 1440 })),
              maxNodesInFlight: maybe(fc.integer({ min: 1, max: 20 })),
              lowerGroupMinimums: maybe(fc.boolean()),
            })
            .map(clean),
        ),
      }),
    ),
    workload: maybe(
      fc.record({
        rightsizing: maybe(
          fc
            .record({
              mode: maybe(fc.constantFrom('off' as const, 'recommendations' as const, 'automatic' as const)),
              safetyBufferPct: maybe(fc.integer({ min: 10, max: 50 })),
              severityThresholdUsdPerMonth: maybe(fc.integer({ min: 0, max: 1000 })),
            })
            .map(clean),
        ),
        spotRules: maybe(spotRulesArb),
      }),
    ),
    governance: maybe(
      fc
        .record({
          excludedNamespaces: maybe(fc.uniqueArray(fc.constantFrom('kube-system', 'batch', 'db', 'web'))),
          excludedLabelSelectors: maybe(
            fc.array(
              fc
                .record({ key: fc.constantFrom('app', 'tier'), value: maybe(fc.constantFrom('db', 'x')) })
                .map(clean),
              {
                maxLength: 3,
              },
            ),
          ),
        })
        .map(clean),
    ),
  })
  .map((o) => policyOverridesSchema.parse(o));

const policyArb: fc.Arbitrary<Policy> = overridesArb.map((o) =>
  policySchema.parse(mergePolicy(defaultPolicy, o)),
);

describe('policy merge (organization ⊕ account ⊕ cluster)', () => {
  it('an empty override changes nothing, and applying an override twice is applying it once', () => {
    fc.assert(
      fc.property(policyArb, overridesArb, (p, o) => {
        expect(mergePolicy(p, {})).toEqual(p);
        expect(mergePolicy(p)).toEqual(p);
        expect(mergePolicy(mergePolicy(p, o), o)).toEqual(mergePolicy(p, o));
      }),
    );
  });

  it('is associative: account then cluster equals their combination in one step', () => {
    fc.assert(
      fc.property(policyArb, overridesArb, overridesArb, (p, a, c) => {
        // Level by level on the raw documents, then the one normalization (force spot beats prefer spot).
        // Normalizing between levels would lose an inherited prefer-spot that a deeper level's
        // `forceSpot: false` should bring back (fast-check found that case).
        const stepwise = mergePolicy(mergeTrees(mergeTrees(p, a), c));
        expect(mergePolicy(p, a, c)).toEqual(stepwise);
        expect(mergePolicy(p, combineOverrides(a, c))).toEqual(stepwise);
        // The empty override is the identity of the combination on both sides.
        expect(combineOverrides({}, a)).toEqual(a);
        expect(combineOverrides(a, {})).toEqual(a);
      }),
    );
  });

  it('always yields a complete, valid policy, whose fields are the deepest level that set them', () => {
    fc.assert(
      fc.property(policyArb, overridesArb, overridesArb, (org, account, cluster) => {
        const effective = mergePolicy(org, account, cluster);
        expect(policySchema.safeParse(effective).success).toBe(true);
        // Every leaf, in order; a leaf without a default value (ADR 0088) only where some level set it.
        const setSomewhere = (path: string) =>
          [org, account, cluster].some((doc) => path in Object.fromEntries(leavesOf(doc)));
        expect(leavesOf(effective).map(([path]) => path)).toEqual(policyLeafPaths.filter(setSomewhere));
        const sources = policySources({ organization: org, account, cluster });
        const byLevel = { organization: org, account, cluster } as Record<string, object>;
        const values = new Map(leavesOf(effective));
        for (const path of policyLeafPaths) {
          const source = sources[path];
          expect(source).toBe(
            path in Object.fromEntries(leavesOf(cluster))
              ? 'cluster'
              : path in Object.fromEntries(leavesOf(account))
                ? 'account'
                : setSomewhere(path)
                  ? 'organization'
                  : 'default',
          );
          if (source === 'default') continue;
          const fromSource = new Map(leavesOf(byLevel[source as string] as Record<string, unknown>));
          // Force spot wins a conflict between levels: preferSpot alone may differ from its source.
          if (path !== 'workload.spotRules.preferSpot')
            expect(values.get(path)).toEqual(fromSource.get(path));
        }
      }),
    );
  });

  it('names the default as the source where no level saved anything', () => {
    const sources = policySources({});
    expect(new Set(Object.values(sources))).toEqual(new Set(['default']));
    expect(policySources({ cluster: { governance: { excludedNamespaces: [] } } })).toMatchObject({
      'governance.excludedNamespaces': 'cluster',
      'governance.excludedLabelSelectors': 'default',
    });
  });

  it('lets force spot win when two levels turn both spot rules on', () => {
    const org = mergePolicy(defaultPolicy, { workload: { spotRules: { preferSpot: true } } });
    const effective = mergePolicy(org, { workload: { spotRules: { forceSpot: true } } });
    expect(effective.workload.spotRules).toMatchObject({ forceSpot: true, preferSpot: false });
  });
});

describe('lowerGroupMinimumsOf: node group takeover under an effective policy (ADR 0088)', () => {
  const aggressivenessArb = fc.constantFrom(
    'conservative' as const,
    'balanced' as const,
    'aggressive' as const,
  );

  it('is the deepest explicit value, else on exactly at Aggressive, whatever the levels', () => {
    fc.assert(
      fc.property(policyArb, overridesArb, overridesArb, (org, account, cluster) => {
        const effective = mergePolicy(org, account, cluster);
        const explicit = [cluster, account, org]
          .map((doc) => doc.infrastructure?.binPacking?.lowerGroupMinimums)
          .find((v) => v !== undefined);
        expect(lowerGroupMinimumsOf(effective)).toBe(
          explicit ?? effective.infrastructure.binPacking.aggressiveness === 'aggressive',
        );
      }),
    );
  });

  it('keeps an explicit false at any level, even at Aggressive set at any level', () => {
    const levelArb = fc.constantFrom(0, 1, 2);
    fc.assert(
      fc.property(levelArb, levelArb, aggressivenessArb, (falseAt, aggressiveAt, other) => {
        // Levels below the explicit false never set the field, so nothing deeper overrides it.
        const docs: PolicyOverrides[] = [{}, {}, {}];
        docs[aggressiveAt] = { infrastructure: { binPacking: { aggressiveness: 'aggressive' } } };
        docs[falseAt] = mergeTrees(docs[falseAt] as PolicyOverrides, {
          infrastructure: { binPacking: { lowerGroupMinimums: false } },
        });
        const org = policySchema.parse({
          ...docs[0],
          infrastructure: {
            binPacking: { aggressiveness: other, ...docs[0]?.infrastructure?.binPacking },
          },
        });
        expect(lowerGroupMinimumsOf(mergePolicy(org, docs[1], docs[2]))).toBe(false);
      }),
    );
  });

  it('is on at Aggressive and off at Balanced and Conservative when no level set it', () => {
    fc.assert(
      fc.property(aggressivenessArb, fc.constantFrom(0, 1, 2), (aggressiveness, at) => {
        const docs: PolicyOverrides[] = [{}, {}, {}];
        docs[at] = { infrastructure: { binPacking: { aggressiveness } } };
        const effective = mergePolicy(policySchema.parse(docs[0]), docs[1], docs[2]);
        expect(effective.infrastructure.binPacking.lowerGroupMinimums).toBeUndefined();
        expect(lowerGroupMinimumsOf(effective)).toBe(aggressiveness === 'aggressive');
      }),
    );
    expect(lowerGroupMinimumsOf(defaultPolicy)).toBe(false);
  });

  it('is not given a default value by the schema, and refuses a value that is not a boolean', () => {
    expect(policySchema.parse({}).infrastructure.binPacking).not.toHaveProperty('lowerGroupMinimums');
    expect(
      policySchema.parse({ infrastructure: { binPacking: { lowerGroupMinimums: false } } }).infrastructure
        .binPacking.lowerGroupMinimums,
    ).toBe(false);
    for (const schema of [policySchema, policyOverridesSchema]) {
      const bad = schema.safeParse({ infrastructure: { binPacking: { lowerGroupMinimums: 'yes' } } });
      expect(bad.success).toBe(false);
      expect(bad.error?.issues[0]?.message).toBe(
        'Lowering node group minimums is allowed (true) or not (false).',
      );
    }
  });
});

describe('policy diff', () => {
  it('is empty exactly between equal documents and lists each changed leaf once', () => {
    fc.assert(
      fc.property(policyArb, overridesArb, (p, o) => {
        const after = mergePolicy(p, o);
        const changes = diffPolicies(p, after);
        expect(diffPolicies(p, p)).toEqual([]);
        expect(changes.length === 0).toBe(JSON.stringify(p) === JSON.stringify(after));
        expect(new Set(changes.map((c) => c.path)).size).toBe(changes.length);
        for (const c of changes) expect(c.after).toEqual(new Map(leavesOf(after)).get(c.path));
      }),
    );
  });

  it('records an added and a removed override leaf against null', () => {
    expect(diffPolicies({}, { infrastructure: { binPacking: { aggressiveness: 'aggressive' } } })).toEqual([
      { path: 'infrastructure.binPacking.aggressiveness', before: null, after: 'aggressive' },
    ]);
    expect(diffPolicies({ governance: { excludedNamespaces: ['a'] } }, {})).toEqual([
      { path: 'governance.excludedNamespaces', before: ['a'], after: null },
    ]);
  });
});

describe('policy schema', () => {
  it('defaults: kube-system excluded, balanced packing, 20 % buffer, prefer spot', () => {
    expect(defaultPolicy.governance.excludedNamespaces).toEqual(['kube-system']);
    expect(defaultPolicy.infrastructure.binPacking.aggressiveness).toBe('balanced');
    expect(defaultPolicy.workload.rightsizing.safetyBufferPct).toBe(20);
    expect(defaultPolicy.workload.spotRules).toMatchObject({ preferSpot: true, forceSpot: false });
  });

  it('refuses each bad field with a message naming what to do', () => {
    const bad: [unknown, string][] = [
      [{ workload: { rightsizing: { safetyBufferPct: 5 } } }, 'at least 10 %'],
      [{ workload: { rightsizing: { safetyBufferPct: 60 } } }, 'at most 50 %'],
      [{ workload: { rightsizing: { mode: 'sometimes' } } }, 'off, recommendations or automatic'],
      [
        { infrastructure: { binPacking: { aggressiveness: 'wild' } } },
        'conservative, balanced or aggressive',
      ],
      [{ infrastructure: { binPacking: { stabilizationWindowMinutes: -1 } } }, 'cannot be negative'],
      [{ infrastructure: { binPacking: { maxNodesInFlight: 0 } } }, 'At least one node'],
      [{ infrastructure: { autoscaling: { strategy: 'cheap' } } }, 'lowest-cost or capacity-optimized'],
      [{ workload: { spotRules: { forceSpot: true, preferSpot: true } } }, 'not both'],
      [{ governance: { excludedNamespaces: ['Bad_NS'] } }, 'lowercase letters'],
      [{ governance: { excludedLabelSelectors: [{ key: '' }] } }, 'label key'],
    ];
    for (const [doc, message] of bad) {
      const result = policyOverridesSchema.safeParse(doc);
      expect(result.success, JSON.stringify(doc)).toBe(false);
      expect(result.error?.issues.map((i) => i.message).join(' ')).toContain(message);
    }
    expect(policyOverridesSchema.safeParse({ governance: { typo: 1 } }).success).toBe(false);
  });
});
