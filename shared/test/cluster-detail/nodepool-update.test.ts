import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  capacityTypeKey,
  capacityTypesOf,
  type LiveNodePool,
  nodePoolMaxNodesLimit,
  planNodePoolUpdate,
  withNodePoolOverride,
} from '../../src/cluster-detail/nodepool-update';
import { ValidationError } from '../../src/errors';
import { nodeGroupUpdateInputSchema } from '../../src/model/cluster-detail';
import type { NodeRequirement } from '../../src/templates/karpenter';

const families: NodeRequirement = {
  key: 'karpenter.k8s.aws/instance-family',
  operator: 'In',
  values: ['m5', 'c5'],
};
const pool = (requirements: NodeRequirement[], limits: Record<string, string> = {}): LiveNodePool => ({
  name: 'batch',
  requirements,
  limits,
});

describe('capacityTypesOf', () => {
  it("reads Karpenter's default (on-demand) when no requirement names the capacity type", () => {
    expect(capacityTypesOf([families])).toEqual(['on-demand']);
  });
  it('intersects In and NotIn requirements of the key', () => {
    expect(
      capacityTypesOf([{ key: capacityTypeKey, operator: 'In', values: ['spot', 'on-demand'] }]),
    ).toEqual(['spot', 'on-demand']);
    expect(capacityTypesOf([{ key: capacityTypeKey, operator: 'NotIn', values: ['on-demand'] }])).toEqual([
      'spot',
    ]);
  });
});

describe('planNodePoolUpdate', () => {
  it('spot mode on: the capacity-type requirement admits spot and on-demand, the other requirements stay in place', () => {
    const plan = planNodePoolUpdate(
      pool([{ key: capacityTypeKey, operator: 'In', values: ['on-demand'] }, families], { cpu: '64' }),
      { minSize: 0, maxSize: 20, spotMode: true },
      3,
    );
    expect(plan.requirements).toEqual([
      { key: capacityTypeKey, operator: 'In', values: ['spot', 'on-demand'] },
      families,
    ]);
    expect(plan.limits).toEqual({ cpu: '64', nodes: '20' });
    expect(plan.capacityTypeAfter).toBe('mixed');
    expect(plan.override).toEqual({ capacityTypes: ['spot', 'on-demand'], nodesLimit: 20 });
  });

  it('spot mode off on a pool without the requirement adds it; max null removes the node limit only', () => {
    const plan = planNodePoolUpdate(
      pool([families, { key: capacityTypeKey, operator: 'In', values: ['spot'] }], { cpu: '8', nodes: '4' }),
      { minSize: 0, maxSize: null, spotMode: false },
      2,
    );
    expect(plan.requirements).toEqual([
      families,
      { key: capacityTypeKey, operator: 'In', values: ['on-demand'] },
    ]);
    expect(plan.limits).toEqual({ cpu: '8' });
    expect(plan.capacityTypeAfter).toBe('on-demand');
  });

  it('leaves the requirement alone when spot mode is absent or already as asked', () => {
    const requirements = [{ key: capacityTypeKey, operator: 'In' as const, values: ['spot'] }];
    for (const spotMode of [undefined, true]) {
      const plan = planNodePoolUpdate(pool(requirements), { minSize: 0, maxSize: 5, spotMode }, 1);
      expect(plan.override.capacityTypes).toBeNull();
      expect(plan.requirements).toEqual(requirements);
    }
  });

  it('refuses a minimum (Karpenter has none) and a slip of a limit, naming both', () => {
    try {
      planNodePoolUpdate(pool([]), { minSize: 2, maxSize: nodePoolMaxNodesLimit + 1 }, 0);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as Error).message).toMatch(/no minimum size/);
      expect((error as Error).message).toMatch(/above 1000 nodes/);
    }
  });

  it('notes that a limit below the running nodes removes none', () => {
    const plan = planNodePoolUpdate(pool([]), { minSize: 0, maxSize: 1 }, 4);
    expect(plan.notes.join(' ')).toMatch(/runs 4 nodes.*removes none/);
  });

  it('the schema takes max null for no node limit and still refuses min above max', () => {
    expect(nodeGroupUpdateInputSchema.safeParse({ minSize: 0, maxSize: null }).success).toBe(true);
    expect(nodeGroupUpdateInputSchema.safeParse({ minSize: 3, maxSize: 2 }).success).toBe(false);
  });
});

const requirementArb: fc.Arbitrary<NodeRequirement> = fc.record({
  key: fc.constantFrom(capacityTypeKey, 'kubernetes.io/arch', 'karpenter.k8s.aws/instance-family'),
  operator: fc.constantFrom('In' as const, 'NotIn' as const),
  values: fc.subarray(['spot', 'on-demand', 'amd64', 'm5']),
});

describe('withNodePoolOverride (property)', () => {
  it('admits exactly the asked capacity types, keeps every other requirement and limit in order', () => {
    fc.assert(
      fc.property(
        fc.array(requirementArb, { maxLength: 6 }),
        fc.dictionary(fc.constantFrom('cpu', 'memory', 'nodes', 'nvidia.com/gpu'), fc.nat(500).map(String)),
        fc.option(fc.constantFrom<('spot' | 'on-demand')[]>(['spot', 'on-demand'], ['on-demand'], ['spot']), {
          nil: null,
        }),
        fc.option(fc.nat(nodePoolMaxNodesLimit), { nil: null }),
        (requirements, limits, capacityTypes, nodesLimit) => {
          const out = withNodePoolOverride(requirements, limits, { capacityTypes, nodesLimit });
          const others = (list: readonly NodeRequirement[]) => list.filter((r) => r.key !== capacityTypeKey);
          expect(others(out.requirements)).toEqual(others(requirements));
          if (capacityTypes === null) expect(out.requirements).toEqual(requirements);
          else {
            expect(out.requirements.filter((r) => r.key === capacityTypeKey)).toHaveLength(1);
            expect(capacityTypesOf(out.requirements)).toEqual(
              (['spot', 'on-demand'] as const).filter((t) => capacityTypes.includes(t)),
            );
          }
          const { nodes: _n, ...kept } = limits;
          const { nodes, ...rest } = out.limits;
          expect(rest).toEqual(kept);
          expect(nodes).toBe(nodesLimit === null ? undefined : String(nodesLimit));
        },
      ),
    );
  });
});
