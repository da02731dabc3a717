import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pricedNodesOf } from '../../../src/savings/cluster-summary/common';
import { fleetComposition, runRateOf, unpricedNote } from '../../../src/savings/cluster-summary/run-rate';
import { buildSnapshotModel } from '../../../src/savings/snapshot-model';
import { live, snapNode, snapshotOf } from '../snapshot-fixtures';
import { smallModel } from './support';

describe('run rate', () => {
  it('sums the priced nodes’ hourly prices, x 730 a month, by price source', () => {
    const r = runRateOf(pricedNodesOf(smallModel()));
    expect(r.hourlyCostUsd).toBeCloseTo(0.225, 12);
    expect(r.monthlyRunRateUsd).toBeCloseTo(0.225 * 730, 9);
    expect(r.bySource['live-on-demand']).toEqual({ nodeCount: 2, hourlyCostUsd: expect.closeTo(0.185, 12) });
    expect(r.bySource['live-spot']).toEqual({ nodeCount: 1, hourlyCostUsd: 0.04 });
    expect(r.oldestCatalogAsOf).toBeNull();
  });

  it('says how many nodes have no price, and nothing when all have one', () => {
    expect(unpricedNote(2, 'ap-south-2')).toBe(
      '2 node(s) have an instance type with no live or catalog price in ap-south-2; they are not in the run rate.',
    );
    expect(unpricedNote(0, 'us-east-1')).toBeNull();
  });
});

describe('fleet composition', () => {
  it('breaks the fleet down by capacity type, family and instance type, dearest first', () => {
    const fleet = fleetComposition(smallModel().nodes);
    expect(fleet.byCapacityType).toEqual({
      'on-demand': { nodes: 2, cpuMilli: 4000, hourlyCostUsd: expect.closeTo(0.185, 12) },
      spot: { nodes: 1, cpuMilli: 2000, hourlyCostUsd: 0.04 },
    });
    expect(fleet.byFamily).toEqual([
      { capacityType: 'on-demand', family: 'm5', nodes: 1, hourlyCostUsd: 0.1 },
      { capacityType: 'on-demand', family: 'c5', nodes: 1, hourlyCostUsd: 0.085 },
      { capacityType: 'spot', family: 'm5', nodes: 1, hourlyCostUsd: 0.04 },
    ]);
    expect(fleet.byInstanceType.map((t) => `${t.capacityType}/${t.instanceType}`)).toEqual([
      'on-demand/m5.large',
      'on-demand/c5.large',
      'spot/m5.large',
    ]);
  });

  it('property: every breakdown adds up to the run rate and the node count', () => {
    const types = ['m5.large', 'm5.xlarge', 'c5.large', 'zz9.unpriced'] as const;
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(...types), fc.boolean(), fc.constantFrom('a', 'b')), {
          maxLength: 25,
        }),
        (spec) => {
          const nodes = spec.map(([instanceType, spot, zone], i) =>
            snapNode({
              name: `n${i}`,
              instanceType,
              capacityType: spot ? 'spot' : 'on-demand',
              zone: `us-east-1${zone}`,
            }),
          );
          const model = buildSnapshotModel(snapshotOf({ nodes }), 'us-east-1', live);
          const hourly = runRateOf(pricedNodesOf(model)).hourlyCostUsd;
          const fleet = fleetComposition(model.nodes);
          const total = (rows: readonly { hourlyCostUsd: number; nodes: number }[]) => ({
            cost: rows.reduce((s, r) => s + r.hourlyCostUsd, 0),
            nodes: rows.reduce((s, r) => s + r.nodes, 0),
          });
          for (const rows of [Object.values(fleet.byCapacityType), fleet.byFamily, fleet.byInstanceType]) {
            expect(total(rows).cost).toBeCloseTo(hourly, 9);
            expect(total(rows).nodes).toBe(nodes.length);
          }
          for (const f of fleet.byFamily) {
            const types = fleet.byInstanceType.filter(
              (t) => t.capacityType === f.capacityType && t.family === f.family,
            );
            expect(total(types).cost).toBeCloseTo(f.hourlyCostUsd, 9);
          }
        },
      ),
    );
  });
});
