import { describe, expect, it } from 'vitest';
import { dailyStability } from '../../../src/dashboard/stability-recent';
import {
  interruptionProbability,
  recentStability,
  stabilityOf,
} from '../../../src/savings/cluster-summary/stability';
import { bucketFromIndex, estimateInterruption } from '../../../src/savings/interruption';
import { typePrices } from '../../../src/savings/node-pricing';
import { buildSnapshotModel } from '../../../src/savings/snapshot-model';
import { stabilityIndex } from '../../../src/savings/stability';
import { event, live, smallCluster } from '../snapshot-fixtures';
import { now, rollupSample } from './support';

const withEvents = () => {
  const snap = smallCluster();
  snap.events = [
    event('MemoryPressure', 'od', '2026-07-01T10:00:00Z', 2),
    event('PIDPressure', 'od', '2026-07-01T11:00:00Z', 1),
    event('OOMKilled', 'db-0', '2026-07-01T11:00:00Z', 4),
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

it('recentStability is the daily stability of the rollups (latency unknown where not measured)', () => {
  const rollups = Array.from({ length: 48 }, (_, h) =>
    rollupSample(h + 1, { pressureEvents: h === 5 ? 1 : 0, ...(h % 2 ? { apiLatencyP99Ms: 900 } : {}) }),
  );
  const expected = dailyStability(
    Array.from({ length: 48 }, (_, h) => ({
      hour: rollupSample(h + 1).hour,
      pressureEvents: h === 5 ? 1 : 0,
      apiLatencyP99Ms: h % 2 ? 900 : null,
      nodesByCapacityType: { 'on-demand': 2, spot: 1 },
    })),
    now,
    0.1,
  );
  expect(recentStability(rollups, now, 0.1)).toEqual(expected);
});
