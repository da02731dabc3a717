import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  consolidateAfterOf,
  isManagedBySpotOptimizer,
  type LiveKarpenterObject,
  managedByKey,
  managedByValue,
  provisioningStrategyKey,
  renderManagedKarpenter,
} from '../../src/karpenter/managed';
import { karpenterDrift, planKarpenterReconcile } from '../../src/karpenter/reconcile';
import { type Policy, policySchema } from '../../src/model/policy';
import type { KarpenterObject, NodeRequirement } from '../../src/templates/karpenter';
import { spec } from '../templates/helpers';
import { catalogTypes, crdSchema, templateArb } from '../templates/karpenter-fixtures';

const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ??
  addFormatsModule) as unknown as (ajv: Ajv) => Ajv;
function crdValidator(file: string) {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addFormat('int32', true);
  ajv.addFormat('int64', true);
  return ajv.compile(crdSchema(file).schema);
}
const nodePoolCrd = crdValidator('karpenter.sh_nodepools.yaml');
const nodeClassCrd = crdValidator('karpenter.k8s.aws_ec2nodeclasses.yaml');

const policyArb: fc.Arbitrary<Policy> = fc
  .record({
    strategy: fc.constantFrom('lowest-cost', 'capacity-optimized'),
    spotFallbackToOnDemand: fc.boolean(),
    method: fc.constantFrom('delete-empty', 'replace-and-move'),
    stabilizationWindowMinutes: fc.integer({ min: 0, max: 1440 }),
    maxNodesInFlight: fc.integer({ min: 1, max: 20 }),
  })
  .map((p) =>
    policySchema.parse({
      infrastructure: {
        autoscaling: { strategy: p.strategy, spotFallbackToOnDemand: p.spotFallbackToOnDemand },
        binPacking: {
          method: p.method,
          stabilizationWindowMinutes: p.stabilizationWindowMinutes,
          maxNodesInFlight: p.maxNodesInFlight,
        },
      },
    }),
  );

const options = { clusterName: 'shop-prod', catalogTypes };
const template = {
  id: 'tpl-1',
  name: 'General',
  spec: spec({ families: ['m5', 'c5'], capacityType: 'spot' }),
};

/** What the API server returns for an applied object: ours plus what others and Karpenter added. */
function liveOf(o: KarpenterObject): LiveKarpenterObject {
  return {
    kind: o.kind as LiveKarpenterObject['kind'],
    name: o.metadata.name,
    labels: { ...o.metadata.labels, 'added-by': 'someone' },
    annotations: { ...o.metadata.annotations, 'karpenter.sh/nodepool-hash': 'x' },
    spec: structuredClone({ ...o.spec, ...(o.kind === 'NodePool' ? { weight: 10 } : {}) }) as Record<
      string,
      unknown
    >,
  };
}

const capacityTypes = (pool: KarpenterObject) =>
  (
    (pool.spec.template as { spec: { requirements: NodeRequirement[] } }).spec.requirements.find(
      (r) => r.key === 'karpenter.sh/capacity-type',
    ) as NodeRequirement
  ).values;

describe('renderManagedKarpenter', () => {
  it('carries the consolidation card, the budget and the strategy, marked as ours', () => {
    const policy = policySchema.parse({
      infrastructure: {
        autoscaling: { strategy: 'lowest-cost', spotFallbackToOnDemand: false },
        binPacking: { method: 'delete-empty', stabilizationWindowMinutes: 15, maxNodesInFlight: 3 },
      },
    });
    const { nodePool, ec2NodeClass } = renderManagedKarpenter(template, policy, options);
    expect(nodePool.spec.disruption).toEqual({
      consolidationPolicy: 'WhenEmpty',
      consolidateAfter: '15m',
      budgets: [{ nodes: '3' }],
    });
    expect(capacityTypes(nodePool)).toEqual(['spot']);
    expect(nodePool.metadata.annotations[provisioningStrategyKey]).toBe('lowest-cost');
    for (const o of [nodePool, ec2NodeClass]) expect(o.metadata.labels[managedByKey]).toBe(managedByValue);
  });

  it('lets a spot-only pool fall back to on-demand when the policy says so', () => {
    const policy = policySchema.parse({ infrastructure: { autoscaling: { spotFallbackToOnDemand: true } } });
    const { nodePool } = renderManagedKarpenter(template, policy, options);
    expect(capacityTypes(nodePool)).toEqual(['spot', 'on-demand']);
    expect(nodePool.spec.disruption).toMatchObject({ consolidationPolicy: 'WhenEmptyOrUnderutilized' });
    expect(consolidateAfterOf(0)).toBe('0s');
  });

  it('always renders objects the Karpenter v1 CRDs accept, with the policy in the spec (property)', () => {
    fc.assert(
      fc.property(templateArb, policyArb, (t, policy) => {
        const m = renderManagedKarpenter(t, policy, options);
        expect(nodePoolCrd(m.nodePool), JSON.stringify(nodePoolCrd.errors)).toBe(true);
        expect(nodeClassCrd(m.ec2NodeClass), JSON.stringify(nodeClassCrd.errors)).toBe(true);
        const disruption = m.nodePool.spec.disruption as {
          consolidateAfter: string;
          budgets: { nodes: string }[];
        };
        expect(disruption.consolidateAfter).toBe(
          consolidateAfterOf(policy.infrastructure.binPacking.stabilizationWindowMinutes),
        );
        expect(disruption.budgets[0]?.nodes).toBe(String(policy.infrastructure.binPacking.maxNodesInFlight));
        const types = capacityTypes(m.nodePool);
        if (t.spec.capacityType === 'on-demand') expect(types).toEqual(['on-demand']);
        else
          expect(types.includes('on-demand')).toBe(
            t.spec.capacityType === 'hybrid' || policy.infrastructure.autoscaling.spotFallbackToOnDemand,
          );
      }),
      { numRuns: 60 },
    );
  });
});

describe('karpenterDrift and planKarpenterReconcile', () => {
  const desired = (policy = policySchema.parse({})) => {
    const m = renderManagedKarpenter(template, policy, options);
    return [m.ec2NodeClass, m.nodePool];
  };

  it('finds no drift in what the API server returns for the applied objects, whatever others added', () => {
    const objects = desired();
    expect(karpenterDrift(objects, objects.map(liveOf))).toEqual([]);
    const plan = planKarpenterReconcile(objects, objects.map(liveOf));
    expect(plan.apply).toEqual([]);
    expect(plan.remove).toEqual([]);
  });

  it('reports a changed field and a missing object, and re-applies only those', () => {
    const objects = desired();
    const live = objects.map(liveOf);
    const pool = live.find((l) => l.kind === 'NodePool') as LiveKarpenterObject;
    (pool.spec.disruption as Record<string, unknown>).consolidateAfter = '1h';
    const drift = karpenterDrift(objects, [pool]);
    expect(drift).toContainEqual({
      kind: 'NodePool',
      name: pool.name,
      path: 'spec.disruption.consolidateAfter',
      desired: '10m',
      live: '1h',
    });
    expect(drift).toContainEqual(expect.objectContaining({ kind: 'EC2NodeClass', path: '(object)' }));
    const plan = planKarpenterReconcile(objects, [pool]);
    expect(plan.apply.map((o) => o.kind)).toEqual(['EC2NodeClass', 'NodePool']);
  });

  it('refuses to take over a NodePool of the same name that is not ours', () => {
    const objects = desired();
    const users = objects.map((o) => {
      const live = liveOf(o);
      const { [managedByKey]: _mark, ...labels } = live.labels;
      return { ...live, labels, spec: { ...live.spec, weight: 50 } };
    });
    const plan = planKarpenterReconcile(objects, users);
    expect(plan.apply).toEqual([]);
    expect(plan.refused.map((r) => r.kind).sort()).toEqual(['EC2NodeClass', 'NodePool']);
    expect(plan.refused[0]?.reason).toContain('not Spot Optimizer');
  });

  const liveArb = fc.array(
    fc.record({
      kind: fc.constantFrom('NodePool' as const, 'EC2NodeClass' as const),
      name: fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/),
      labels: fc.oneof(
        fc.constant({}),
        fc.constant({ [managedByKey]: managedByValue }),
        fc.constant({ [managedByKey]: 'someone-else' }),
      ),
      annotations: fc.oneof(fc.constant({}), fc.constant({ [managedByKey]: managedByValue })),
      spec: fc.constant({}),
    }),
    { maxLength: 8 },
  );

  it('never removes an object without the label, on or off (property)', () => {
    fc.assert(
      fc.property(liveArb, fc.boolean(), (live, enabled) => {
        const plan = planKarpenterReconcile(enabled ? desired() : null, live);
        for (const r of plan.remove) {
          const found = live.filter((l) => l.kind === r.kind && l.name === r.name);
          expect(found.length).toBeGreaterThan(0);
          expect(found.every(isManagedBySpotOptimizer)).toBe(true);
        }
        if (!enabled) {
          expect(plan.apply).toEqual([]);
          expect(plan.remove.length).toBe(live.filter(isManagedBySpotOptimizer).length);
        }
        // The pool goes before the class it refers to.
        const kinds = plan.remove.map((r) => r.kind);
        expect(kinds).toEqual([...kinds].sort((a, b) => (a === b ? 0 : a === 'NodePool' ? -1 : 1)));
      }),
    );
  });
});
