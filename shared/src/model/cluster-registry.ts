import { z } from 'zod';
import { complianceRuleIds } from './cluster-detail';
import { hibernationScheduleSchema } from './hibernation';
import { policyOverridesSchema } from './policy';

/**
 * The Multi-Cluster Command Center (issue 17): the registry grid's rows, its status bar, comparing
 * clusters and bulk actions (`/api/client/clusters`, `/summary`, `/compare`, `/bulk`). See ADR 0045.
 */

/** The agent version this release ships; an older one reported by a heartbeat is drift. */
export const latestAgentVersion = '0.1.0';

export const clusterEnvironments = ['prod', 'staging', 'dev'] as const;
export type ClusterEnvironment = (typeof clusterEnvironments)[number];
export const clusterProviders = ['eks', 'gke', 'aks'] as const;
/** Only EKS is supported today; the others are shown as "coming". */
export const enabledProviders: readonly (typeof clusterProviders)[number][] = ['eks'];

/**
 * What the cluster detail's Compliance & Drift tab finds, counted when the row is written (ADR 0068): the
 * registry's shield derives its drift and violation checks from it, so the two never disagree.
 */
export const registryFindingsSchema = z.object({
  /** Nodes running a type the node template forbids; `null` when no template bounds the cluster. */
  driftNodes: z.number().int().nonnegative().nullable(),
  /** The forbidden instance types those nodes run, most nodes first (at most 5). */
  driftTypes: z.array(z.string()),
  /** Each failing rule of the security scan as `[ruleId, objects, pods]`, in the scan's order. */
  failing: z.array(z.tuple([z.string(), z.number().int().nonnegative(), z.number().int().nonnegative()])),
});
export type RegistryFindings = z.infer<typeof registryFindingsSchema>;

/**
 * The precomputed registry row of a cluster, stored as one JSON string on its ClusterRegistryRow item
 * (written with the dashboard card) and read for the whole organization by one Query. Figures that
 * depend on the time of reading (heartbeat age, version support) are derived when read.
 */
export const registryRowSchema = z.object({
  clusterId: z.string(),
  name: z.string(),
  accountId: z.string(),
  region: z.string(),
  zones: z.array(z.string()).catch([]),
  kubernetesVersion: z.string().catch(''),
  status: z.string().nullable().catch(null),
  tags: z.record(z.string(), z.string()).catch({}),
  nodeCount: z.number().catch(0),
  podCount: z.number().catch(0),
  vcpu: z.number().nullable().catch(null),
  memoryGiB: z.number().nullable().catch(null),
  monthlyRunRateUsd: z.number().catch(0),
  potentialSavingsMonthlyUsd: z.number().nullable().catch(null),
  efficiencyScore: z.number().nullable().catch(null),
  efficiencyGrade: z.string().nullable().catch(null),
  stabilityIndex: z.number().nullable().catch(null),
  stabilityLevel: z.string().nullable().catch(null),
  spotReadinessScore: z.number().nullable().catch(null),
  apiLatencyP99Ms: z.number().nullable().catch(null),
  latencyObjectiveP99Ms: z.number().catch(1000),
  pressureEventsPerNodeDay: z.number().nullable().catch(null),
  collection: z.object({ status: z.string(), reason: z.string().nullable() }).nullable().catch(null),
  source: z.string().nullable().catch(null),
  agent: z
    .object({
      lastHeartbeatAt: z.string().nullable(),
      lastSnapshotAt: z.string().nullable(),
      version: z.string().nullable(),
    })
    .nullable()
    .catch(null),
  lastSyncedAt: z.string().nullable().catch(null),
  // New fields go last, tolerant of their absence: a row stored before them is an array without them.
  /** The Compliance & Drift tab's findings at the last snapshot; `null` before one (or in an older row). */
  findings: registryFindingsSchema.nullable().catch(null),
  /** Share (0-1) of the last snapshot's API requests that failed (ADR 0086); `null`: not measured. */
  apiErrorRatio: z.number().nullable().catch(null),
});
export type RegistryRow = z.infer<typeof registryRowSchema>;

/** The hourly history part of a row, rewritten once an hour from the cluster's hourly rollups. */
export const registryTrendSchema = z.object({
  /** Nodes per hour over the last 24 completed hours, oldest first (`null`: no rollup that hour). */
  nodes24h: z.array(z.number().nullable()).catch([]),
  /** Pods per hour over the same 24 hours (`null`: no rollup, or one without a pod count). */
  pods24h: z.array(z.number().nullable()).catch([]),
  /** Cost of the last 7 days and of the 7 before, USD; `null` without a full week of history. */
  costLast7dUsd: z.number().nullable().catch(null),
  costPrev7dUsd: z.number().nullable().catch(null),
});
export type RegistryTrend = z.infer<typeof registryTrendSchema>;

// ------------------------------------------------------------------------------------------ list

export const registrySortFields = [
  'id',
  'name',
  'region',
  'kubernetesVersion',
  'nodeCount',
  'podCount',
  'monthlyRunRateUsd',
  'savingsPct',
  'costTrendPct',
  'healthScore',
  'compliance',
] as const;
export type RegistrySortField = (typeof registrySortFields)[number];

const flag = z.enum(['true', 'false']).transform((v) => v === 'true');

/** Query of `GET /api/client/clusters` beyond the page and the account/region/tag filters. */
export const registryQueryShape = {
  sort: z.enum(registrySortFields).default('id'),
  dir: z.enum(['asc', 'desc']).default('asc'),
  environment: z.enum(clusterEnvironments).optional(),
  health: z.enum(['healthy', 'degraded']).optional(),
  provider: z.enum(clusterProviders).optional(),
  /** Only the top 10 % spenders (by monthly run rate, at least one cluster). */
  topSpenders: flag.optional(),
};

export const eksVersionViewSchema = z.object({
  status: z.enum(['current', 'upgrade-available', 'extended-support', 'end-of-life', 'unknown']),
  latestVersion: z.string(),
  endOfStandardSupport: z.string().nullable(),
  endOfExtendedSupport: z.string().nullable(),
  extendedSupportExtraMonthlyUsd: z.number(),
});

/** The registry's own checks, then drift from the node template and the security scan's rules. */
export const complianceCheckRules = [
  'kubernetes-supported',
  'agent-reporting',
  'agent-current',
  'collection-ok',
  'template-drift',
  ...complianceRuleIds,
] as const;

export const complianceCheckSchema = z.object({
  rule: z.enum(complianceCheckRules),
  kind: z.enum(['violation', 'drift']),
  message: z.string(),
});

/** What the registry adds to a list row. */
export const registryFieldsShape = {
  /** The API server's p99 over the stability window, ms (`null`: not measured), and its objective. */
  apiLatencyP99Ms: z.number().nullable(),
  latencyObjectiveP99Ms: z.number(),
  /** Share (0-1) of the last snapshot's API requests that failed, 5xx/429 or unanswered; `null`: not measured. */
  apiErrorRatio: z.number().nullable(),
  pressureEventsPerNodeDay: z.number().nullable(),
  provider: z.enum(clusterProviders),
  environment: z.enum(clusterEnvironments).nullable(),
  eks: eksVersionViewSchema,
  nodes24h: z.array(z.number().nullable()),
  pods24h: z.array(z.number().nullable()),
  /** The optimizer's realized saving on the cluster (its done actions' `realizedMonthlySavingUsd`), USD/month. */
  realizedSavingsMonthlyUsd: z.number().nullable(),
  /**
   * % savings achieved, 0-100: the realized saving over the realized plus the potential still found
   * (0 before any action; null when neither is known). See `savingsAchievedPct`.
   */
  savingsPct: z.number().nullable(),
  /** Week-over-week change of the cost, percent; null without two full weeks of history. */
  costTrendPct: z.number().nullable(),
  health: z.object({
    score: z.number(),
    status: z.enum(['healthy', 'degraded']),
    factors: z.object({
      latency: z.number().nullable(),
      errors: z.number().nullable(),
      heartbeat: z.number(),
    }),
    minutesSinceContact: z.number().nullable(),
  }),
  compliance: z.object({
    status: z.enum(['compliant', 'drift', 'violations']),
    checks: z.array(complianceCheckSchema),
  }),
};

// --------------------------------------------------------------------------------------- summary

export const alertRules = [
  'api-high-latency',
  'agent-silent',
  'collection-failing',
  'kubernetes-end-of-life',
  'kubernetes-extended-support',
  'node-pressure',
] as const;
export type AlertRule = (typeof alertRules)[number];

export const registryAlertSchema = z.object({
  rule: z.enum(alertRules),
  /** What the rule checks, in words (shown beside the alert). */
  ruleText: z.string(),
  severity: z.enum(['critical', 'warning']),
  count: z.number().int().positive(),
  message: z.string(),
  /** Up to 5 of the clusters concerned. */
  clusters: z.array(z.object({ id: z.string(), name: z.string() })),
});
export type RegistryAlert = z.infer<typeof registryAlertSchema>;

/** `GET /api/client/clusters/summary?accountId=`: one account's clusters, or all. */
export const registrySummaryQuerySchema = z.object({ accountId: z.string().min(1).max(64).optional() });

/** `GET /api/client/clusters/summary`: the status bar. */
export const registrySummaryResponseSchema = z.object({
  clusterCount: z.number().int().nonnegative(),
  vcpu: z.number().nonnegative(),
  memoryGiB: z.number().nonnegative(),
  /** Run-rate-weighted mean of the clusters' efficiency scores (0-1) and its grade; null with none. */
  efficiencyScore: z.number().nullable(),
  efficiencyGrade: z.enum(['A', 'B', 'C', 'D', 'F']).nullable(),
  monthlyRunRateUsd: z.number().nonnegative(),
  healthy: z.number().int().nonnegative(),
  degraded: z.number().int().nonnegative(),
  alerts: z.array(registryAlertSchema),
});
export type RegistrySummaryResponse = z.infer<typeof registrySummaryResponseSchema>;

// --------------------------------------------------------------------------------------- compare

const clusterIds = z
  .array(z.string().min(1).max(100))
  .min(1, 'Select at least one cluster.')
  .max(50, 'At most 50 clusters at a time.')
  .refine((ids) => new Set(ids).size === ids.length, 'A cluster is listed twice.');

export const compareClustersBodySchema = z.strictObject({
  ids: clusterIds.refine((ids) => ids.length >= 2 && ids.length <= 6, 'Compare 2 to 6 clusters.'),
});
export type CompareClustersBody = z.infer<typeof compareClustersBodySchema>;

export const compareRowSchema = z.object({
  key: z.string(),
  label: z.string(),
  group: z.enum(['configuration', 'figures']),
  /** One text per cluster, in the order of `clusters`. */
  values: z.array(z.string()),
  /** True when the clusters do not all have the same value. */
  differs: z.boolean(),
});
export const compareClustersResponseSchema = z.object({
  clusters: z.array(z.object({ id: z.string(), name: z.string() })),
  rows: z.array(compareRowSchema),
});
export type CompareClustersResponse = z.infer<typeof compareClustersResponseSchema>;

// ------------------------------------------------------------------------------------------ bulk

export const bulkActionBodySchema = z.discriminatedUnion('action', [
  z.strictObject({
    action: z.literal('apply-template'),
    ids: clusterIds,
    /** The node template the clusters' policy names (cluster-scope override). */
    templateId: z.string().trim().min(1).max(64),
  }),
  z.strictObject({
    action: z.literal('apply-policy'),
    ids: clusterIds,
    /** The cluster-scope overrides to save as each cluster's next policy version. */
    policy: policyOverridesSchema,
  }),
  z.strictObject({
    action: z.literal('apply-hibernation'),
    ids: clusterIds,
    /** The weekly schedule each cluster gets (its holidays and notices stay as they are). */
    schedule: hibernationScheduleSchema,
  }),
  z.strictObject({
    action: z.literal('upgrade-agent'),
    ids: clusterIds,
    version: z
      .string()
      .regex(/^\d+\.\d+\.\d+$/, 'The version is a release like 0.1.0.')
      .default(latestAgentVersion),
  }),
]);
export type BulkActionBody = z.infer<typeof bulkActionBodySchema>;

export const bulkActionResultSchema = z.object({
  id: z.string(),
  name: z.string().nullable(),
  /**
   * `queued`: sent to the cluster's agent, which answers later (an agent upgrade: the answer is on the
   * cluster's Activity); `succeeded`: done when the response was written.
   */
  outcome: z.enum(['succeeded', 'queued', 'failed']),
  /** What happened, or why not, in words a person can act on. */
  message: z.string(),
  errorCode: z.string().nullable(),
});
export const bulkActionResponseSchema = z.object({
  action: z.string(),
  succeeded: z.number().int().nonnegative(),
  queued: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
  results: z.array(bulkActionResultSchema),
});
export type BulkActionResponse = z.infer<typeof bulkActionResponseSchema>;
