import type { HourResourceFigures } from '../dashboard/series';
import { instanceFamily } from './node-pricing';
import { pressureConditions, type SnapshotModel } from './snapshot-model';

/** Start of the UTC hour of an instant, ISO 8601. */
export const hourOf = (iso: string | Date) => {
  const d = new Date(iso);
  d.setUTCMinutes(0, 0, 0);
  return d.toISOString();
};

export interface HourRollupFigures extends HourResourceFigures {
  usageKnown: boolean;
  nodesByCapacityType: Record<string, number>;
  nodesByFamily: Record<string, number>;
  hourlyCostUsd: number;
  apiRequestRate: number;
  apiLatencyP99Ms: number | null;
  pressureEvents: number;
  spotInterruptions: number;
  oomKills: number;
  /** Pods in the snapshot (the registry's 24 h sparkline); absent on rollups back-filled from history. */
  podCount?: number | null;
}

/** The figures of the snapshot's hour: capacity, requests, usage, fleet mix, cost and the hour's events. */
export function hourRollupOf(model: SnapshotModel): HourRollupFigures {
  const hour = hourOf(model.snapshot.capturedAt);
  const start = Date.parse(hour);
  const inHour = (at: string) => {
    const t = Date.parse(at);
    return t >= start && t < start + 3_600_000;
  };
  let capacityCpu = 0;
  let capacityMem = 0;
  let requestedCpu = 0;
  let requestedMem = 0;
  let nodeUsedCpu = 0;
  let nodeUsedMem = 0;
  let nodesWithUsage = 0;
  let cost = 0;
  const byCapacity: Record<string, number> = {};
  const byFamily: Record<string, number> = {};
  for (const n of model.nodes) {
    capacityCpu += n.allocatableCpuMilli;
    capacityMem += n.allocatableMemoryMiB;
    requestedCpu += n.requestedCpuMilli;
    requestedMem += n.requestedMemoryMiB;
    if (n.usedCpuMilli !== null && n.usedMemoryMiB !== null) {
      nodeUsedCpu += n.usedCpuMilli;
      nodeUsedMem += n.usedMemoryMiB;
      nodesWithUsage += 1;
    }
    cost += n.price.hourlyPriceUsd ?? 0;
    byCapacity[n.capacityType] = (byCapacity[n.capacityType] ?? 0) + 1;
    const family = instanceFamily(n.instanceType);
    byFamily[family] = (byFamily[family] ?? 0) + 1;
  }
  let podUsedCpu = 0;
  let podUsedMem = 0;
  let podsWithUsage = 0;
  for (const p of model.pods) {
    if (p.usedCpuMilli === null) continue;
    podUsedCpu += p.usedCpuMilli;
    podUsedMem += p.usedMemoryMiB ?? 0;
    podsWithUsage += 1;
  }
  const nodeUsageComplete = model.nodes.length > 0 && nodesWithUsage === model.nodes.length;
  const count = (reasons: readonly string[]) =>
    model.snapshot.events
      .filter((e) => reasons.includes(e.reason) && inHour(e.at))
      .reduce((s, e) => s + e.count, 0);
  return {
    hour,
    capacityCpuMilli: capacityCpu,
    requestedCpuMilli: requestedCpu,
    usedCpuMilli: nodeUsageComplete ? nodeUsedCpu : podUsedCpu,
    capacityMemoryMiB: capacityMem,
    requestedMemoryMiB: requestedMem,
    usedMemoryMiB: nodeUsageComplete ? nodeUsedMem : podUsedMem,
    usageKnown: nodeUsageComplete || podsWithUsage > 0,
    nodesByCapacityType: byCapacity,
    nodesByFamily: byFamily,
    hourlyCostUsd: cost,
    apiRequestRate: model.snapshot.controlPlane.requestsPerMinute / 60,
    apiLatencyP99Ms:
      model.snapshot.controlPlane.latencyP99Ms > 0 ? model.snapshot.controlPlane.latencyP99Ms : null,
    pressureEvents: count(pressureConditions),
    spotInterruptions: count(['SpotInterruption']),
    oomKills: count(['OOMKilled']),
    podCount: model.pods.length,
  };
}
