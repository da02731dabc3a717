import type { StabilityDay } from '../../dashboard/stability-recent';
import type { BinPackingEstimate } from '../bin-packing';
import { type ExemptionPolicy, noExemptions } from '../cluster';
import type { LivePrices } from '../node-pricing';
import { type RightsizingPolicy, rightsizingPolicySchema } from '../rightsizing';
import type { SnapshotModel } from '../snapshot-model';
import type { CompactGrid } from './idle';

/** 2: `fleet.byInstanceType` and `stability.recent` (readers tolerate summaries without them). */
export const summarySchemaVersion = 2;

/** One hour of history as the summary reads it (a ClusterRollup item). */
export interface RollupSample {
  hour: string;
  capacityCpuMilli: number;
  usedCpuMilli: number;
  usageKnown: boolean;
  podChurn: number;
  apiRequestRate: number;
  pressureEvents: number;
  nodesByCapacityType: Record<string, number>;
  /** API p99 of the hour, ms (`null` when not measured; absent in older callers). */
  apiLatencyP99Ms?: number | null;
}

/** A workload's usage per replica, by UTC day (the Workload item's `dailyUsage` plus today). */
export interface WorkloadUsage {
  days: {
    cpuP95Milli: number;
    memoryPeakMiB: number;
    oomKills: number;
  }[];
  todayCpuMilli: number[];
  todayMemoryPeakMiB: number | null;
  todayOomKills: number;
}

/** The figures a summary derives from its 4 weeks of rollups; they change hour by hour, not snapshot by snapshot. */
export interface HistoryWindow {
  /** The UTC hour (ISO) they were computed in. */
  hour: string;
  /** Over the last 7 days of rollups; `null` without rollups (the snapshot's events are used). */
  week: { windowDays: number; nodeCount: number; pressureEventCount: number } | null;
  /** Daily stability of the last 7 days (`shared/src/dashboard/stability-recent.ts`); absent before v2. */
  recent?: StabilityDay[];
}

export interface ReusedHistory {
  window: HistoryWindow;
  idle: CompactGrid | null;
}

export interface SummaryPolicy {
  exemptions: ExemptionPolicy;
  rightsizing: RightsizingPolicy;
}

export const defaultSummaryPolicy: SummaryPolicy = {
  exemptions: noExemptions,
  rightsizing: rightsizingPolicySchema.parse({}),
};

export interface SummaryInput {
  model: SnapshotModel;
  live: LivePrices;
  /** The hourly rollups of the last 4 weeks, or the figures computed from them earlier in the same hour. */
  history: { rollups: readonly RollupSample[] } | { reuse: ReusedHistory };
  usage: ReadonlyMap<string, WorkloadUsage>;
  policy: SummaryPolicy;
  timeZone: string;
  binPacking: BinPackingEstimate | null;
  now: Date;
}

/** What the summary says of one workload (stored on its Workload item). */
export interface WorkloadFigures {
  /** Why the policy exempts it ("Unmanaged"), `null` when managed. */
  unmanagedReason: string | null;
  spotEligible: boolean;
  spotReady: boolean;
  spotReason: string | null;
  rightsizing: {
    recommendedCpuMilli: number;
    recommendedMemoryMiB: number;
    monthlySavingUsd: number;
    status: 'apply' | 'below-threshold' | 'no-change';
  } | null;
}

/** What the summary says of one node group (stored on its NodeGroup item). */
export interface NodeGroupFigures {
  nodeCount: number;
  hourlyCostUsd: number;
  spotReadinessScore: number | null;
}
