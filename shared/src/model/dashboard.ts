import { z } from 'zod';
import { scanProgressSchema } from './account';

/**
 * The contract of the read-only dashboard (`GET /api/client/dashboard` and
 * `GET /api/client/dashboard/resource-gap`): the API builds these bodies from the precomputed per-cluster
 * summaries and series, the SPA parses them at its boundary. One schema, two sides.
 *
 * Units are in the names. Dollar figures are monthly (730 h) unless the name says otherwise; every one is a
 * "Potential Savings" or a "Projected Waste" figure, never an applied one. Fractions are in [0, 1].
 */

export const dashboardRanges = ['24h', '7d', '30d'] as const;
export type DashboardRange = (typeof dashboardRanges)[number];
export const dashboardResources = ['cpu', 'memory'] as const;
export type DashboardResource = (typeof dashboardResources)[number];

const id = z.string().trim().min(1).max(100);

export const dashboardQuerySchema = z.object({
  /** Only the clusters of this connected account (the global account filter). */
  accountId: id.optional(),
  /** Only this cluster (the cluster page). */
  clusterId: id.optional(),
});
export type DashboardQuery = z.infer<typeof dashboardQuerySchema>;

export const resourceGapQuerySchema = dashboardQuerySchema.extend({
  range: z.enum(dashboardRanges).default('7d'),
  resource: z.enum(dashboardResources).default('cpu'),
});
export type ResourceGapQuery = z.infer<typeof resourceGapQuerySchema>;

const usd = z.number().nonnegative();
const fraction = z.number().min(0).max(1);
const grade = z.enum(['A', 'B', 'C', 'D', 'F']);

/** Efficiency score and grade with the inputs the tooltip shows (`shared/src/savings/efficiency.ts`). */
export const dashboardEfficiencySchema = z.object({
  score: fraction.nullable(),
  grade: grade.nullable(),
  /** Cost-weighted CPU and memory utilization (used / allocatable). */
  cpuUtilization: fraction.nullable(),
  memoryUtilization: fraction.nullable(),
  /** The weight: what the graded nodes cost, USD/h. */
  totalHourlyCostUsd: usd,
  nodeCount: z.number().int().nonnegative(),
  /** `unavailable` when the cluster sends no usage metrics (no metrics-server): no grade then. */
  basis: z.enum(['metrics-server', 'unavailable']),
});
export type DashboardEfficiency = z.infer<typeof dashboardEfficiencySchema>;

export const dashboardClusterRowSchema = z.object({
  clusterId: z.string(),
  name: z.string(),
  accountId: z.string(),
  /** The connected account's display name (`null` if it was disconnected meanwhile). */
  accountName: z.string().nullable(),
  region: z.string(),
  kubernetesVersion: z.string(),
  nodeCount: z.number().int().nonnegative(),
  podCount: z.number().int().nonnegative(),
  monthlyRunRateUsd: usd,
  efficiency: dashboardEfficiencySchema,
  /** The cluster's combined (non-overlapping) Potential Savings, USD/month. */
  potentialSavingsMonthlyUsd: usd,
  stabilityIndex: z.number().min(0).max(100).nullable(),
  /** Spot Readiness Score by pod count; `null` when no pod is eligible. */
  spotReadinessScore: fraction.nullable(),
  timeZone: z.string(),
  tags: z.record(z.string(), z.string()),
  /** When its last snapshot was applied (`null`: discovered, not yet read). */
  lastSyncedAt: z.string().nullable(),
  collection: z.object({
    status: z.enum(['pending', 'ok', 'error']),
    reason: z.string().nullable(),
    source: z.enum(['agentless', 'agent', 'sandbox']).nullable(),
  }),
});
export type DashboardClusterRow = z.infer<typeof dashboardClusterRowSchema>;

/** Summary header: totals over the clusters in scope; savings per source are the incremental figures. */
export const dashboardSummarySchema = z.object({
  clusterCount: z.number().int().nonnegative(),
  nodeCount: z.number().int().nonnegative(),
  monthlyRunRateUsd: usd,
  potentialSavings: z.object({
    /** Sum over clusters of each cluster's combined savings: never more than the run rate. */
    totalMonthlyUsd: usd,
    /** Incremental figures (after the earlier sources), summing to the total. */
    binPackingMonthlyUsd: usd,
    spotMonthlyUsd: usd,
    hibernationMonthlyUsd: usd,
    rightsizingMonthlyUsd: usd,
    /** What adding the stand-alone figures would claim (shown to explain the overlap rule). */
    naiveSumMonthlyUsd: usd,
    projectedMonthlyCostUsd: usd,
  }),
  /** How overlaps are handled, in words (`SAVINGS_OVERLAP_RULE`). */
  overlapRule: z.string(),
  /** Exempt by the clusters' policies ("Unmanaged"): in the run rate, never in the savings. */
  unmanaged: z.object({
    workloadCount: z.number().int().nonnegative(),
    nodeCount: z.number().int().nonnegative(),
    monthlyCostUsd: usd,
  }),
});
export type DashboardSummary = z.infer<typeof dashboardSummarySchema>;

const resourceNowSchema = z.object({
  capacityCpuMilli: z.number().nonnegative(),
  requestedCpuMilli: z.number().nonnegative(),
  usedCpuMilli: z.number().nonnegative().nullable(),
  capacityMemoryMiB: z.number().nonnegative(),
  requestedMemoryMiB: z.number().nonnegative(),
  usedMemoryMiB: z.number().nonnegative().nullable(),
});

export const dashboardBinPackingSchema = z.object({
  /** Stand-alone bin-packing Potential Savings (sum over the clusters' packer estimates), USD/month. */
  monthlySavingUsd: usd,
  currentMonthlyCostUsd: usd,
  planMonthlyCostUsd: usd,
  lowerBoundMonthlyCostUsd: usd,
  /** (plan - bound) / plan x 100 over the estimated clusters: the plan is within this % of the best possible. */
  withinPctOfBest: z.number().nonnegative().nullable(),
  clustersEstimated: z.number().int().nonnegative(),
  nodesNow: z.number().int().nonnegative(),
  nodesInPlan: z.number().int().nonnegative(),
  /** Capacity, requests and usage now (last snapshots). */
  now: resourceNowSchema,
});
export type DashboardBinPacking = z.infer<typeof dashboardBinPackingSchema>;

/** One ring of the Fleet Composition sunburst: capacity type -> instance family -> instance type. */
export interface FleetSlice {
  name: string;
  nodes: number;
  monthlyCostUsd: number;
  children?: FleetSlice[];
}
// The id names the recursive schema once, so generated documents (OpenAPI) can refer to it.
export const fleetSliceSchema: z.ZodType<FleetSlice> = z
  .lazy(() =>
    z.object({
      name: z.string(),
      nodes: z.number().int().nonnegative(),
      monthlyCostUsd: usd,
      children: z.array(fleetSliceSchema).optional(),
    }),
  )
  .meta({ id: 'FleetSlice' });

const workloadRef = {
  clusterId: z.string(),
  clusterName: z.string(),
  namespace: z.string(),
  kind: z.string(),
  name: z.string(),
  replicas: z.number().int().nonnegative(),
};

export const dashboardSpotSchema = z.object({
  /** Spot Readiness Score by pod count over the clusters in scope (ready / eligible); `null`: none eligible. */
  readinessScore: fraction.nullable(),
  readinessScoreByCpu: fraction.nullable(),
  eligibleCount: z.number().int().nonnegative(),
  readyCount: z.number().int().nonnegative(),
  alreadyOnSpotCount: z.number().int().nonnegative(),
  /** Stand-alone spot (Karpenter) Potential Savings, USD/month. */
  monthlySavingUsd: usd,
  fleet: z.array(fleetSliceSchema),
  /** The workloads that could move to spot, largest saving first (at most 10). */
  topCandidates: z.array(z.object({ ...workloadRef, monthlySavingUsd: usd, reason: z.string() })),
  /** Why the other eligible workloads cannot: first failing rule, by number of pods. */
  blockers: z.array(
    z.object({ rule: z.string(), reason: z.string(), count: z.number().int().nonnegative() }),
  ),
  topBlockers: z.array(
    z.object({ ...workloadRef, rule: z.string(), reason: z.string(), requestCpuMilli: z.number() }),
  ),
});
export type DashboardSpot = z.infer<typeof dashboardSpotSchema>;

const cellState = z.enum(['idle', 'active', 'no-data']);
export const dashboardHeatmapSchema = z.object({
  clusterId: z.string(),
  clusterName: z.string(),
  /** The cluster's IANA zone: rows are its local weekdays (Monday first), columns its local hours. */
  timeZone: z.string(),
  /** 7 x 24 median activity in [0, 1]; `null` where there were no samples. */
  grid: z.array(z.array(z.number().nullable())),
  /** 7 x 24: blue = idle, red = active. */
  classification: z.array(z.array(cellState)),
  idleThreshold: z.number(),
  idleCellsPerWeek: z.number().int().nonnegative(),
  hourlyClusterCostUsd: usd,
  /** Hibernation Potential Savings of this cluster, USD/month. */
  monthlySavingUsd: usd,
  windowStart: z.string(),
  windowEnd: z.string(),
});
export type DashboardHeatmap = z.infer<typeof dashboardHeatmapSchema>;

export const dashboardHibernationSchema = z.object({
  /** Stand-alone hibernation Potential Savings over the clusters in scope, USD/month. */
  monthlySavingUsd: usd,
  /**
   * One grid per cluster with enough history, largest saving first: at most `dashboardLimits.heatmaps`
   * for a fleet (issue 17: the all-clusters answer stays small at 500 clusters); `others` names the next
   * ones, whose grid the page fetches when one is chosen (`GET /api/client/dashboard?clusterId=`).
   */
  clusters: z.array(dashboardHeatmapSchema),
  others: z
    .array(z.object({ clusterId: z.string(), clusterName: z.string(), monthlySavingUsd: usd }))
    .default([]),
});
export type DashboardHibernation = z.infer<typeof dashboardHibernationSchema>;

export const stabilityComponentKeys = ['pressure', 'spot', 'latency'] as const;
const stabilityComponentSchema = z.object({
  key: z.enum(stabilityComponentKeys),
  label: z.string(),
  /** Maximum points the component can take off 100. */
  weight: z.number().nonnegative(),
  /** Points it takes off now. */
  penalty: z.number().nonnegative(),
  /** The measured value in words with its unit (e.g. "0.12 pressure events per node-day"). */
  detail: z.string(),
  value: z.number().nullable(),
});

export const dashboardStabilitySchema = z.object({
  /** 0..100, node-weighted over the clusters in scope; `null` with no cluster read yet. */
  index: z.number().min(0).max(100).nullable(),
  level: z.enum(['green', 'orange', 'red']).nullable(),
  components: z.array(stabilityComponentSchema),
  /** Daily values over the last 7 days, oldest first: the index and each component's penalty. */
  recent: z.array(
    z.object({
      day: z.string(),
      index: z.number().min(0).max(100),
      pressurePenalty: z.number().nonnegative(),
      spotPenalty: z.number().nonnegative(),
      latencyPenalty: z.number().nonnegative(),
    }),
  ),
  /** Least stable first. */
  clusters: z.array(
    z.object({
      clusterId: z.string(),
      clusterName: z.string(),
      index: z.number(),
      level: z.enum(['green', 'orange', 'red']),
    }),
  ),
});
export type DashboardStability = z.infer<typeof dashboardStabilitySchema>;

/**
 * The scans people wait for in scope (a first scan, a Re-Sync): their clusters appear as each is
 * collected, so while one runs the totals cover only the clusters collected so far. `clustersFound` is
 * `null` while some scanning account is still reading its regions.
 */
export const dashboardScanSchema = scanProgressSchema.extend({
  accountsScanning: z.number().int().positive(),
});
export type DashboardScan = z.infer<typeof dashboardScanSchema>;

export const dashboardResponseSchema = z.object({
  generatedAt: z.string(),
  scope: z.object({ accountId: z.string().nullable(), clusterId: z.string().nullable() }),
  /** Changes whenever a cluster summary in scope changes: the SPA refreshes when it does. */
  dataVersion: z.string(),
  /** The most recent snapshot applied in scope. */
  lastSyncedAt: z.string().nullable(),
  /** While a scan runs in scope: how far it has got (the figures are partial); `null` otherwise. */
  scan: dashboardScanSchema.nullable(),
  summary: dashboardSummarySchema,
  clusters: z.array(dashboardClusterRowSchema),
  binPacking: dashboardBinPackingSchema,
  spot: dashboardSpotSchema,
  hibernation: dashboardHibernationSchema,
  stability: dashboardStabilitySchema,
  /** Fleet efficiency: cost-weighted over the clusters (equal to grading all their nodes together). */
  efficiency: dashboardEfficiencySchema,
  notes: z.array(z.string()),
});
export type DashboardResponse = z.infer<typeof dashboardResponseSchema>;

export const resourceGapResponseSchema = z.object({
  range: z.enum(dashboardRanges),
  resource: z.enum(dashboardResources),
  /** `vCPU` for cpu, `GiB` for memory. */
  unit: z.enum(['vCPU', 'GiB']),
  stepMinutes: z.number().int().positive(),
  /** Oldest first; `used` is `null` where the source had no usage metrics. */
  points: z.array(
    z.object({
      t: z.string(),
      capacity: z.number().nonnegative(),
      requested: z.number().nonnegative(),
      used: z.number().nonnegative().nullable(),
    }),
  ),
  binPacking: z.object({ monthlySavingUsd: usd, withinPctOfBest: z.number().nonnegative().nullable() }),
});
export type ResourceGapResponse = z.infer<typeof resourceGapResponseSchema>;
