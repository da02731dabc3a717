import fc from 'fast-check';
import { expect, it } from 'vitest';
import { noExemptions } from '../../../src/savings/cluster';
import { nodeGroupFiguresOf } from '../../../src/savings/cluster-summary/node-groups';
import { spotReadinessOf } from '../../../src/savings/cluster-summary/spot';
import { buildSnapshotModel, savingsPods } from '../../../src/savings/snapshot-model';
import { live, snapNode, snapPod, snapshotOf } from '../snapshot-fixtures';
import { smallModel } from './support';

it('counts nodes and cost per group, and the share of ready eligible pods on them', () => {
  const model = smallModel();
  const readiness = spotReadinessOf(model, savingsPods(model), noExemptions);
  expect(Object.fromEntries(nodeGroupFiguresOf(model, readiness))).toEqual({
    // web-a is ready, db-0 is not (the agent is not eligible).
    'mng-general': { nodeCount: 1, hourlyCostUsd: 0.1, spotReadinessScore: 0.5 },
    'karpenter-spot': { nodeCount: 1, hourlyCostUsd: 0.04, spotReadinessScore: 1 },
  });
});

it('property: group costs plus the ungrouped nodes’ add up to the cluster’s hourly cost', () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.tuple(fc.constantFrom('m5.large', 'c5.large', 'r5.large'), fc.constantFrom('a', 'b', null)),
        {
          minLength: 1,
          maxLength: 20,
        },
      ),
      fc.array(fc.nat(), { maxLength: 20 }),
      (spec, podsAt) => {
        const nodes = spec.map(([instanceType, group], i) =>
          snapNode({ name: `n${i}`, instanceType, nodeGroup: group }),
        );
        const pods = podsAt.map((at, i) => snapPod({ name: `p${i}-x`, nodeName: `n${at % nodes.length}` }));
        const model = buildSnapshotModel(snapshotOf({ nodes, pods }), 'us-east-1', live);
        const figures = nodeGroupFiguresOf(model, spotReadinessOf(model, savingsPods(model), noExemptions));
        const cost = (n: (typeof model.nodes)[number]) => n.price.hourlyPriceUsd ?? 0;
        const grouped = [...figures.values()].reduce((s, g) => s + g.hourlyCostUsd, 0);
        const ungrouped = model.nodes.filter((n) => !n.nodeGroup).reduce((s, n) => s + cost(n), 0);
        expect(grouped + ungrouped).toBeCloseTo(
          model.nodes.reduce((s, n) => s + cost(n), 0),
          9,
        );
        expect([...figures.values()].reduce((s, g) => s + g.nodeCount, 0)).toBe(
          model.nodes.filter((n) => n.nodeGroup).length,
        );
        for (const g of figures.values()) {
          if (g.spotReadinessScore !== null) {
            expect(g.spotReadinessScore).toBeGreaterThanOrEqual(0);
            expect(g.spotReadinessScore).toBeLessThanOrEqual(1);
          }
        }
      },
    ),
  );
});
