import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultPolicy, type Policy } from '../../src/model/policy';
import { mergePolicy } from '../../src/policy/merge';
import { type PolicyPreviewInput, type PreviewNode, previewPolicySavings } from '../../src/policy/preview';
import { loadCatalog } from '../../src/pricing/catalog';

const namespaces = ['shop', 'batch', 'db'] as const;
const catalog = loadCatalog().instanceTypes.filter((t) => ['m5', 'c5', 't3'].includes(t.family));

const nodeArb = (i: number) =>
  fc
    .record({
      pods: fc.array(
        fc.record({
          namespace: fc.constantFrom(...namespaces),
          count: fc.integer({ min: 1, max: 4 }),
          cpuMilli: fc.integer({ min: 50, max: 2500 }),
          memoryMiB: fc.integer({ min: 64, max: 8000 }),
        }),
        { maxLength: 3 },
      ),
      capacityType: fc.constantFrom('on-demand' as const, 'spot' as const),
      doNotDisrupt: fc.boolean(),
    })
    .map(({ pods, capacityType, doNotDisrupt }): PreviewNode => {
      const byNs = new Map<
        string,
        { namespace: string; count: number; cpuMilli: number; memoryMiB: number }
      >();
      for (const p of pods) {
        const g = byNs.get(p.namespace) ?? { namespace: p.namespace, count: 0, cpuMilli: 0, memoryMiB: 0 };
        byNs.set(p.namespace, {
          ...g,
          count: g.count + p.count,
          cpuMilli: g.cpuMilli + p.cpuMilli,
          memoryMiB: g.memoryMiB + p.memoryMiB,
        });
      }
      const movablePods = [...byNs.values()];
      return {
        name: `node-${i}`,
        instanceType: 'm5.xlarge',
        capacityType,
        hourlyPriceUsd: capacityType === 'spot' ? 0.07 : 0.192,
        allocatableCpuMilli: 3920,
        allocatableMemoryMiB: 14_531,
        allocatablePods: 58,
        requestedCpuMilli: movablePods.reduce((s, g) => s + g.cpuMilli, 100),
        requestedMemoryMiB: movablePods.reduce((s, g) => s + g.memoryMiB, 200),
        movablePods,
        doNotDisrupt,
      };
    });

const inputArb: fc.Arbitrary<PolicyPreviewInput> = fc
  .record({
    nodes: fc
      .integer({ min: 1, max: 8 })
      .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => nodeArb(i)))),
    workloads: fc.array(
      fc.record({
        namespace: fc.constantFrom(...namespaces),
        replicas: fc.integer({ min: 1, max: 5 }),
        cpuP95Milli: fc.integer({ min: 1, max: 2000 }),
        requestCpuMilli: fc.integer({ min: 10, max: 8000 }),
        /** Limit as a multiple of the request (`null`: no limit declared). */
        limitRatio: fc.option(fc.constantFrom(1, 1.5, 2, 4), { nil: null }),
        spotReady: fc.boolean(),
      }),
      { maxLength: 6 },
    ),
    lastSpot: fc.option(fc.integer({ min: 0, max: 500 }), { nil: null }),
  })
  .map(({ nodes, workloads, lastSpot }) => ({
    region: 'us-east-1',
    nodes,
    workloads: workloads.map((w, i) => ({
      key: `${w.namespace}#Deployment#app-${i}`,
      namespace: w.namespace,
      replicas: w.replicas,
      requestCpuMilli: w.requestCpuMilli,
      requestMemoryMiB: 2048 * w.replicas,
      limitCpuMilli: w.limitRatio === null ? null : w.requestCpuMilli * w.limitRatio,
      limitMemoryMiB: w.limitRatio === null ? null : 2048 * w.replicas * w.limitRatio,
      monthlyCostUsd: w.requestCpuMilli / 100,
      spotReady: w.spotReady,
      hpaScaledResources: [],
      usage: {
        days: Array.from({ length: 7 }, () => ({
          cpuP95Milli: w.cpuP95Milli,
          memoryPeakMiB: 500,
          oomKills: 0,
        })),
        todayCpuMilli: [],
        todayMemoryPeakMiB: null,
        todayOomKills: 0,
      },
    })),
    instanceTypes: catalog,
    template: null,
    lastSpotMonthlySavingUsd: lastSpot,
    now: new Date('2026-07-01T12:00:00Z'),
  }));

/**
 * The same inventories with labels: workloads alternate `tier: web | batch`, every node carries a `pool`
 * label, and each node's pod groups belong to the input's workloads (as discovery stores them).
 */
const labelledArb: fc.Arbitrary<PolicyPreviewInput> = inputArb
  .filter((input) => input.workloads.length > 0)
  .map((input) => {
    const workloads = input.workloads.map((w, i) => ({
      ...w,
      labels: { tier: i % 2 === 0 ? 'web' : 'batch', app: `app-${i}` },
    }));
    return {
      ...input,
      workloads,
      nodes: input.nodes.map((n, ni) => ({
        ...n,
        labels: { pool: ni % 3 === 0 ? 'reserved' : 'general' },
        movablePods: (n.movablePods ?? []).map((g, gi) => {
          const w = workloads[(ni + gi) % workloads.length];
          return { ...g, namespace: w?.namespace ?? g.namespace, workload: w?.key ?? '' };
        }),
      })),
    };
  });

const withExcluded = (excludedNamespaces: string[], extra = {}): Policy =>
  mergePolicy(defaultPolicy, { governance: { excludedNamespaces } }, extra);

const savingsOf = (input: PolicyPreviewInput, policy: Policy) => {
  const { cards } = previewPolicySavings(input, policy);
  return {
    binPacking: cards.binPacking.monthlySavingUsd ?? 0,
    rightsizing: cards.rightsizing.monthlySavingUsd ?? 0,
    spotRules: cards.spotRules.monthlySavingUsd ?? 0,
  };
};

describe('policy preview', () => {
  it('never reports savings for an exempt workload: exempting every namespace leaves only empty nodes to remove', () => {
    fc.assert(
      fc.property(
        inputArb,
        fc.constantFrom('conservative', 'balanced', 'aggressive') as fc.Arbitrary<'balanced'>,
        (input, aggressiveness) => {
          const preview = previewPolicySavings(
            input,
            withExcluded([...namespaces], { infrastructure: { binPacking: { aggressiveness } } }),
          );
          // A node with no movable pod hosts no workload (its DaemonSets go with it): deleting it saves its
          // price whatever the exemptions; every other node hosts an exempt pod and stays.
          const emptyNodesMonthlyUsd = input.nodes
            .filter((n) => (n.movablePods ?? []).length === 0)
            .reduce((s, n) => s + (n.hourlyPriceUsd ?? 0) * 730, 0);
          expect(preview.cards.binPacking.monthlySavingUsd ?? 0).toBeLessThanOrEqual(
            emptyNodesMonthlyUsd + 1e-9,
          );
          expect(preview.cards.rightsizing.monthlySavingUsd ?? 0).toBe(0);
          expect(preview.cards.spotRules.monthlySavingUsd ?? 0).toBe(0);
          const cost = input.workloads.reduce((s, w) => s + w.monthlyCostUsd, 0);
          expect(preview.unmanagedMonthlyCostUsd).toBeCloseTo(cost, 9);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('an exempt namespace contributes nothing: its workloads can be removed without changing the cards', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const policy = withExcluded(['db']);
        const without = { ...input, workloads: input.workloads.filter((w) => w.namespace !== 'db') };
        // Spot is a share of the last sync's figure over all spot-ready workloads: compare the managed part only.
        expect(savingsOf(input, policy).rightsizing).toBeCloseTo(savingsOf(without, policy).rightsizing, 9);
        // No recommendation names an exempt workload; the Unmanaged list is exactly the exempt ones.
        const preview = previewPolicySavings(input, policy);
        expect(preview.recommendations.filter((r) => r.namespace === 'db')).toEqual([]);
        expect(preview.unmanagedWorkloads.map((w) => w.workload).sort()).toEqual(
          input.workloads
            .filter((w) => w.namespace === 'db')
            .map((w) => w.key)
            .sort(),
        );
        // The card is the sum of the recommendations worth applying (nothing else, nothing twice).
        const applied = preview.recommendations.filter((r) => r.status === 'apply');
        expect(applied.reduce((s, r) => s + r.monthlySavingUsd, 0)).toBeCloseTo(
          preview.cards.rightsizing.monthlySavingUsd ?? 0,
          6,
        );
      }),
      { numRuns: 60 },
    );
  });

  it('keeps each declared limit in its ratio to the request, and shows none where none is declared', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        for (const r of previewPolicySavings(input, defaultPolicy).recommendations) {
          const w = input.workloads.find((x) => x.key === r.workload);
          if (!w) throw new Error(`no workload ${r.workload}`);
          if (w.limitCpuMilli === null || w.limitCpuMilli === undefined) {
            expect(r.cpuLimitMilli).toBeNull();
            expect(r.memoryLimitMiB).toBeNull();
            continue;
          }
          const ratio = w.limitCpuMilli / w.requestCpuMilli;
          expect(r.cpuLimitMilli?.current).toBeCloseTo(r.cpuRequestMilli.current * ratio, 6);
          // Rounded up to a whole millicore / MiB: never below the ratio, less than one unit above it.
          const cpu = r.cpuLimitMilli?.recommended ?? Number.NaN;
          expect(cpu).toBeGreaterThanOrEqual(r.cpuRequestMilli.recommended * ratio - 1e-9);
          expect(cpu).toBeLessThan(r.cpuRequestMilli.recommended * ratio + 1);
          const memory = r.memoryLimitMiB?.recommended ?? Number.NaN;
          expect(memory).toBeGreaterThanOrEqual(r.memoryRequestMiB.recommended * ratio - 1e-9);
          expect(memory).toBeLessThan(r.memoryRequestMiB.recommended * ratio + 1);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('stricter settings never report more savings than looser ones', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const at = (
          aggressiveness: 'conservative' | 'balanced' | 'aggressive',
          method = 'replace-and-move',
        ) =>
          savingsOf(
            input,
            mergePolicy(defaultPolicy, {
              infrastructure: { binPacking: { aggressiveness, method: method as 'replace-and-move' } },
            }),
          ).binPacking;
        const eps = 1e-9;
        expect(at('conservative')).toBeLessThanOrEqual(at('balanced') + eps);
        expect(at('balanced')).toBeLessThanOrEqual(at('aggressive') + eps);
        expect(at('aggressive', 'delete-empty')).toBeLessThanOrEqual(at('aggressive') + eps);
        // More exemptions, less to save; a larger safety buffer, less to save.
        const open = savingsOf(input, withExcluded([]));
        const closed = savingsOf(input, withExcluded(['shop']));
        expect(closed.rightsizing).toBeLessThanOrEqual(open.rightsizing + eps);
        expect(closed.spotRules).toBeLessThanOrEqual(open.spotRules + eps);
        const buffer = (safetyBufferPct: number) =>
          savingsOf(input, mergePolicy(defaultPolicy, { workload: { rightsizing: { safetyBufferPct } } }))
            .rightsizing;
        expect(buffer(50)).toBeLessThanOrEqual(buffer(10) + eps);
      }),
      { numRuns: 40 },
    );
  });

  it('exempts by label too: workloads whose pods carry an excluded label save nothing, on any card', () => {
    fc.assert(
      fc.property(labelledArb, fc.constantFrom('web', 'batch'), (input, tier) => {
        const byLabel = mergePolicy(defaultPolicy, {
          governance: { excludedNamespaces: [], excludedLabelSelectors: [{ key: 'tier', value: tier }] },
        });
        const exempt = input.workloads.filter((w) => w.labels?.tier === tier);
        const preview = previewPolicySavings(input, byLabel);
        // The Unmanaged list is exactly the labelled workloads, each with the selector as its reason.
        expect(preview.unmanagedWorkloads.map((u) => u.workload).sort()).toEqual(
          exempt.map((w) => w.key).sort(),
        );
        for (const u of preview.unmanagedWorkloads) expect(u.reason).toBe(`label tier=${tier} is excluded`);
        expect(preview.recommendations.filter((r) => exempt.some((w) => w.key === r.workload))).toEqual([]);
        // Rightsizing is what the managed workloads alone would save.
        const managedOnly = { ...input, workloads: input.workloads.filter((w) => w.labels?.tier !== tier) };
        expect(savingsOf(input, byLabel).rightsizing).toBeCloseTo(
          savingsOf(managedOnly, byLabel).rightsizing,
          9,
        );

        // A selector without a value matches every workload here: nothing but empty nodes can save.
        const all = previewPolicySavings(
          input,
          mergePolicy(defaultPolicy, {
            governance: { excludedNamespaces: [], excludedLabelSelectors: [{ key: 'tier' }] },
          }),
        );
        const emptyNodesMonthlyUsd = input.nodes
          .filter((n) => (n.movablePods ?? []).length === 0)
          .reduce((s, n) => s + (n.hourlyPriceUsd ?? 0) * 730, 0);
        expect(all.cards.binPacking.monthlySavingUsd ?? 0).toBeLessThanOrEqual(emptyNodesMonthlyUsd + 1e-9);
        expect(all.cards.rightsizing.monthlySavingUsd ?? 0).toBe(0);
        expect(all.cards.spotRules.monthlySavingUsd ?? 0).toBe(0);
        expect(all.notes).toEqual([]);
      }),
      { numRuns: 50 },
    );
  });

  it('an exempt node label keeps those nodes: every node exempt leaves nothing to consolidate', () => {
    fc.assert(
      fc.property(labelledArb, (input) => {
        const policy = mergePolicy(defaultPolicy, {
          governance: { excludedNamespaces: [], excludedLabelSelectors: [{ key: 'pool' }] },
        });
        expect(previewPolicySavings(input, policy).cards.binPacking.monthlySavingUsd).toBe(0);
      }),
      { numRuns: 30 },
    );
  });

  it('reports no figure it cannot compute: autoscaling is null with a reason, old inventories wait for a sync', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const preview = previewPolicySavings(input, defaultPolicy);
        expect(preview.cards.autoscaling.monthlySavingUsd).toBeNull();
        expect(preview.cards.autoscaling.note).toBeTruthy();
        const old = previewPolicySavings(
          { ...input, nodes: input.nodes.map((n) => ({ ...n, movablePods: null })) },
          defaultPolicy,
        );
        expect(old.cards.binPacking.monthlySavingUsd).toBeNull();
        expect(preview.totalMonthlySavingUsd).toBeLessThanOrEqual(preview.monthlyRunRateUsd + 1e-9);
      }),
      { numRuns: 20 },
    );
  });
});
