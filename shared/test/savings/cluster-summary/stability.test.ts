import { describe, expect, it } from 'vitest';
import { dailyStability } from '../../../src/dashboard/stability-recent';
import {
  interruptionProbability,
  recentStability,
  stabilityOf,
} from '../../../src/savings/cluster-summary/stability';
import type { RollupSample } from '../../../src/savings/cluster-summary/types';
import { bucketFromIndex, estimateInterruption } from '../../../src/savings/interruption';
import { typePrices } from '../../../src/savings/node-pricing';
import { buildSnapshotModel } from '../../../src/savings/snapshot-model';
import { stabilityIndex } from '../../../src/savings/stability';
import { live, smallCluster } from '../snapshot-fixtures';
import { now } from './support';

const withEvents = () => {
  const snap = smallCluster();
  snap.events = [
    {
      reason: 'MemoryPressure',
      objectKind: 'Node',
      objectName: 'od',
      namespace: null,
      at: '2026-07-01T10:00:00Z',
      count: 2,
    },
    {
      reason: 'PIDPressure',
      objectKind: 'Node',
      objectName: 'od',
      namespace: null,
      at: '2026-07-01T11:00:00Z',
      count: 1,
    },
    {
      reason: 'OOMKilled',
      objectKind: 'Pod',
      objectName: 'db-0',
      namespace: 'db',
      at: '2026-07-01T11:00:00Z',
      count: 4,
    },
  ];
  snap.controlPlane = { latencyP99Ms: 1200, requestsPerMinute: 60 };
  return buildSnapshotModel(snap, 'us-east-1', live);
};

describe('interruption probability', () => {
  it('is the model’s monthly probability for the type’s advisor bucket, null without one', () => {
    const prices = typePrices(live, 'us-east-1', 'm5.large');
    expect(prices.interruptionBucket).not.toBeNull();
    expect(interruptionProbability(live, 'us-east-1', 'm5.large')).toBe(
      estimateInterruption({
        instanceType: 'm5.large',
        region: 'us-east-1',
        bucket: bucketFromIndex(prices.interruptionBucket ?? 0),
        spotPriceHistoryUsd: [],
      }).monthlyProbability,
    );
    expect(interruptionProbability(live, 'us-east-1', 'zz9.huge')).toBeNull();
  });
});

describe('stabilityOf', () => {
  const model = withEvents();
  const nodes = model.nodes.map((n) => ({
    capacityType: n.capacityType,
    allocatableCpuMilli: n.allocatableCpuMilli,
    monthlyInterruptionProbability:
      n.capacityType === 'spot' ? interruptionProbability(live, 'us-east-1', n.instanceType) : null,
  }));

  it('without history: the snapshot’s pressure events (not OOM kills) over one day and today’s nodes', () => {
    const s = stabilityOf(model, live, { hour: '2026-07-01T12:00:00.000Z', week: null });
    expect(s).toEqual({
      ...stabilityIndex({
        windowDays: 1,
        nodeCount: 3,
        pressureEventCount: 3,
        nodes,
        controlPlaneLatencyP99Ms: 1200,
      }),
      windowDays: 1,
      pressureEventCount: 3,
    });
  });

  it('with history: the week’s window, mean node count and pressure events', () => {
    const week = { windowDays: 7, nodeCount: 4, pressureEventCount: 0 };
    const s = stabilityOf(model, live, { hour: '2026-07-01T12:00:00.000Z', week });
    expect(s).toEqual({
      ...stabilityIndex({ ...week, nodes, controlPlaneLatencyP99Ms: 1200 }),
      windowDays: 7,
      pressureEventCount: 0,
    });
    expect(s.pressure.penalty).toBe(0);
  });
});

it('recentStability is the daily stability of the rollups', () => {
  const rollups: RollupSample[] = Array.from({ length: 48 }, (_, h) => ({
    hour: new Date(now.getTime() - (h + 1) * 3_600_000).toISOString(),
    capacityCpuMilli: 1,
    usedCpuMilli: 1,
    usageKnown: true,
    podChurn: 0,
    apiRequestRate: 0,
    pressureEvents: h === 5 ? 1 : 0,
    nodesByCapacityType: { 'on-demand': 3 },
    ...(h % 2 ? { apiLatencyP99Ms: 900 } : {}),
  }));
  expect(recentStability(rollups, now, 0.1)).toEqual(
    dailyStability(
      rollups.map((r) => ({
        hour: r.hour,
        pressureEvents: r.pressureEvents,
        apiLatencyP99Ms: r.apiLatencyP99Ms ?? null,
        nodesByCapacityType: r.nodesByCapacityType,
      })),
      now,
      0.1,
    ),
  );
});
