import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hourOf, hourRollupOf } from '../../src/savings/rollups';
import { buildSnapshotModel } from '../../src/savings/snapshot-model';
import { capturedAt, event, live, smallCluster, snapNode, snapshotOf } from './snapshot-fixtures';

it('hourOf is the start of the UTC hour', () => {
  expect(hourOf('2026-07-01T12:59:59.999Z')).toBe('2026-07-01T12:00:00.000Z');
  expect(hourOf(new Date('2026-07-01T00:00:00.000Z'))).toBe('2026-07-01T00:00:00.000Z');
});

describe('hourRollupOf', () => {
  it('sums capacity, requests and cost of the nodes and counts the hour’s events only', () => {
    const snap = smallCluster();
    snap.events = [
      event('MemoryPressure', 'od', '2026-07-01T12:05:00Z', 2),
      event('DiskPressure', 'od', '2026-07-01T11:59:00Z', 5),
      event('OOMKilled', 'db-0', '2026-07-01T12:10:00Z', 1),
      event('SpotInterruption', 'sp', '2026-07-01T13:00:00Z', 1),
    ];
    snap.controlPlane = { latencyP99Ms: 800, requestsPerMinute: 120 };
    const r = hourRollupOf(buildSnapshotModel(snap, 'us-east-1', live));
    expect(r).toEqual({
      hour: '2026-07-01T12:00:00.000Z',
      capacityCpuMilli: 6000,
      requestedCpuMilli: 1600 + 600 + 100,
      // Node `c5` reports no usage: the pods' usage stands in.
      usedCpuMilli: 300,
      capacityMemoryMiB: 20_000,
      requestedMemoryMiB: 3100 + 1100 + 100,
      usedMemoryMiB: 1100,
      usageKnown: true,
      nodesByCapacityType: { 'on-demand': 2, spot: 1 },
      nodesByFamily: { m5: 2, c5: 1 },
      hourlyCostUsd: expect.closeTo(0.225, 12),
      apiRequestRate: 2,
      apiLatencyP99Ms: 800,
      pressureEvents: 2,
      spotInterruptions: 0,
      oomKills: 1,
      // Running and Pending pods (the finished Job pod is not in the model).
      podCount: 7,
    });
  });

  it('takes the nodes’ usage when every node reports it; unknown with neither', () => {
    const nodes = [snapNode({ name: 'a', usage: { cpuMilli: 700, memoryMiB: 900 } })];
    expect(hourRollupOf(buildSnapshotModel(snapshotOf({ nodes }), 'us-east-1', live))).toMatchObject({
      usedCpuMilli: 700,
      usedMemoryMiB: 900,
      usageKnown: true,
      apiLatencyP99Ms: null,
    });
    const quiet = hourRollupOf(
      buildSnapshotModel(snapshotOf({ nodes: [snapNode({ name: 'a' })] }), 'us-east-1', live),
    );
    expect(quiet).toMatchObject({ usedCpuMilli: 0, usageKnown: false });
    expect(quiet.hour).toBe(hourOf(capturedAt));
  });

  it('property: the fleet mix counts every node once, by capacity type and by family', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom('m5.large', 'c5.xlarge', 'r5.large'), fc.boolean()), {
          maxLength: 20,
        }),
        (spec) => {
          const nodes = spec.map(([instanceType, spot], i) =>
            snapNode({ name: `n${i}`, instanceType, capacityType: spot ? 'spot' : 'on-demand' }),
          );
          const r = hourRollupOf(buildSnapshotModel(snapshotOf({ nodes }), 'us-east-1', live));
          const total = (o: Record<string, number>) => Object.values(o).reduce((s, v) => s + v, 0);
          expect(total(r.nodesByCapacityType)).toBe(nodes.length);
          expect(total(r.nodesByFamily)).toBe(nodes.length);
        },
      ),
    );
  });
});
