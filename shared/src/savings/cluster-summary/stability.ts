import { dailyStability, type StabilityDay } from '../../dashboard/stability-recent';
import { bucketFromIndex, estimateInterruption } from '../interruption';
import { type LivePrices, typePrices } from '../node-pricing';
import { pressureConditions, type SnapshotModel } from '../snapshot-model';
import { stabilityIndex } from '../stability';
import { sum } from './common';
import type { HistoryWindow, RollupSample } from './types';

/** Monthly interruption probability of a spot instance type (`estimateInterruption`), `null` without a bucket. */
export function interruptionProbability(
  live: LivePrices,
  region: string,
  instanceType: string,
): number | null {
  const prices = typePrices(live, region, instanceType);
  if (prices.interruptionBucket === null) return null;
  return estimateInterruption({
    instanceType,
    region,
    bucket: bucketFromIndex(prices.interruptionBucket),
    spotPriceHistoryUsd: prices.spotHistory,
  }).monthlyProbability;
}

/**
 * Stability (`stabilityIndex`) over the week of rollups, or over the snapshot's own pressure events in a
 * one-day window with the current node count when there is no history yet.
 */
export function stabilityOf(model: SnapshotModel, live: LivePrices, window: HistoryWindow) {
  const snapshot = model.snapshot;
  const windowDays = window.week?.windowDays ?? 1;
  const nodeCount = window.week?.nodeCount ?? model.nodes.length;
  const pressureEventCount =
    window.week?.pressureEventCount ??
    sum(snapshot.events.filter((e) => pressureConditions.includes(e.reason)).map((e) => e.count));
  return {
    ...stabilityIndex({
      windowDays,
      nodeCount,
      pressureEventCount,
      nodes: model.nodes.map((n) => ({
        capacityType: n.capacityType,
        allocatableCpuMilli: n.allocatableCpuMilli,
        monthlyInterruptionProbability:
          n.capacityType === 'spot' ? interruptionProbability(live, model.region, n.instanceType) : null,
      })),
      controlPlaneLatencyP99Ms:
        snapshot.controlPlane.latencyP99Ms > 0 ? snapshot.controlPlane.latencyP99Ms : null,
    }),
    windowDays,
    pressureEventCount,
  };
}

/** Daily stability of the last 7 days of rollups (`dailyStability`). */
export function recentStability(
  rollups: readonly RollupSample[],
  now: Date,
  meanSpotMonthlyProbability: number | null,
): StabilityDay[] {
  return dailyStability(
    rollups.map((r) => ({
      hour: r.hour,
      pressureEvents: r.pressureEvents,
      apiLatencyP99Ms: r.apiLatencyP99Ms ?? null,
      nodesByCapacityType: r.nodesByCapacityType,
    })),
    now,
    meanSpotMonthlyProbability,
  );
}
