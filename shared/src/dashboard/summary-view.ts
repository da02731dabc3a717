import { z } from 'zod';
import type { SpotReadinessRule } from '../savings/spot';

/**
 * What the dashboard reads of a stored cluster summary (`shared/src/savings/cluster-summary/`),
 * parsed tolerantly: a summary written by an older version (fields missing) still parses, with the
 * missing parts empty, instead of failing the whole dashboard.
 */

const n = z.number().catch(0);
const nn = z.number().nullable().catch(null);
const str = z.string().catch('');

export const spotRuleText: Record<SpotReadinessRule, string> = {
  exempt: 'Exempted by the cluster policy (Unmanaged)',
  daemonset: 'DaemonSet or static pod: runs wherever its node runs',
  'not-replicated-controller': 'Not run by a Deployment with 2+ replicas, a Job or a CronJob',
  'persistent-volume-claim': 'Mounts a persistent volume claim',
  'do-not-disrupt': 'Annotated karpenter.sh/do-not-disrupt',
  'pdb-blocks-disruption': 'Its PodDisruptionBudget allows no disruption now',
};

const workloadRef = {
  namespace: str,
  kind: str,
  name: str,
  replicas: z.number().int().nonnegative().catch(0),
};
const component = z.object({ value: nn.default(null), penalty: n.default(0), weight: n.default(0) });

export const summaryViewSchema = z.object({
  computedAt: z.string().catch(''),
  capacity: z
    .object({
      cpuMilli: n,
      memoryMiB: n,
      requestedCpuMilli: n,
      requestedMemoryMiB: n,
      usedCpuMilli: nn,
      usedMemoryMiB: nn,
    })
    .catch({
      cpuMilli: 0,
      memoryMiB: 0,
      requestedCpuMilli: 0,
      requestedMemoryMiB: 0,
      usedCpuMilli: null,
      usedMemoryMiB: null,
    }),
  cost: z
    .object({ hourlyCostUsd: n, monthlyRunRateUsd: n })
    .catch({ hourlyCostUsd: 0, monthlyRunRateUsd: 0 }),
  fleet: z
    .object({
      byFamily: z.array(z.object({ capacityType: str, family: str, nodes: n, hourlyCostUsd: n })).catch([]),
      byInstanceType: z
        .array(z.object({ capacityType: str, family: str, instanceType: str, nodes: n, hourlyCostUsd: n }))
        .nullable()
        .catch(null)
        .default(null),
    })
    .catch({ byFamily: [], byInstanceType: null }),
  efficiency: z
    .object({
      score: nn,
      grade: z.enum(['A', 'B', 'C', 'D', 'F']).nullable().catch(null),
      cpuUtilization: nn,
      memoryUtilization: nn,
      totalHourlyCostUsd: n,
      nodeCount: n,
      basis: z.enum(['metrics-server', 'unavailable']).catch('unavailable'),
    })
    .nullable()
    .catch(null),
  spot: z
    .object({
      scoreByCount: nn,
      scoreByCpu: nn,
      eligibleCount: n,
      readyCount: n,
      eligibleCpuMilli: n,
      readyCpuMilli: n,
      firstFailingRuleCounts: z.record(z.string(), z.number()).catch({}),
      monthlySavingUsd: n,
      alreadyOnSpotCount: n,
      topCandidates: z.array(z.object({ ...workloadRef, monthlySavingUsd: n, reason: str })).catch([]),
      topBlockers: z
        .array(z.object({ ...workloadRef, rule: str, reason: str, requestCpuMilli: n }))
        .catch([]),
    })
    .nullable()
    .catch(null),
  idle: z
    .object({
      timeZone: str,
      windowStart: str,
      windowEnd: str,
      idleThreshold: n,
      grid: z.array(z.array(z.number().nullable())),
      classification: z.array(z.array(z.enum(['idle', 'active', 'no-data']))),
      idleCellsPerWeek: n,
      hourlyClusterCostUsd: n,
      monthlyHibernationSavingsUsd: n,
    })
    .nullable()
    .catch(null),
  stability: z
    .object({
      index: z.number(),
      pressure: component.extend({ eventsPerNodeDay: nn.default(null) }),
      spot: component.extend({ spotShare: n.default(0), meanSpotMonthlyProbability: nn.default(null) }),
      latency: component.extend({ p99Ms: nn.default(null), objectiveP99Ms: n.default(1000) }),
      windowDays: n.default(1),
      pressureEventCount: n.default(0),
      recent: z
        .array(
          z.object({
            day: z.string(),
            index: z.number(),
            pressurePenalty: z.number(),
            spotPenalty: z.number(),
            latencyPenalty: z.number(),
            nodeCount: z.number(),
          }),
        )
        .catch([])
        .default([]),
    })
    .nullable()
    .catch(null),
  rightsizing: z.object({ monthlySavingUsd: n }).catch({ monthlySavingUsd: 0 }),
  binPacking: z
    .object({
      currentHourlyCostUsd: n,
      planHourlyCostUsd: n,
      lowerBoundHourlyCostUsd: n,
      monthlySavingUsd: n,
      nodesNow: n,
      nodesInPlan: n,
    })
    .nullable()
    .catch(null),
  /** Exempt by the policy ("Unmanaged"): in the spend, never in the savings; absent in older summaries. */
  unmanaged: z
    .object({ workloadCount: n, nodeCount: n, monthlyCostUsd: n })
    .catch({ workloadCount: 0, nodeCount: 0, monthlyCostUsd: 0 })
    .default({ workloadCount: 0, nodeCount: 0, monthlyCostUsd: 0 }),
  savings: z
    .object({
      steps: z.array(z.object({ source: str, standaloneMonthlyUsd: n, incrementalMonthlyUsd: n })).catch([]),
      totalMonthlyUsd: n,
      naiveSumMonthlyUsd: n,
      projectedMonthlyCostUsd: n,
    })
    .nullable()
    .catch(null),
  notes: z.array(z.string()).catch([]),
});
export type SummaryView = z.infer<typeof summaryViewSchema>;
/** A cluster's bin-packing estimate as the dashboard reads it. */
export type PackingView = NonNullable<SummaryView['binPacking']>;

/** The stored summary as the dashboard reads it; `null` when there is none (not yet read). */
export function parseSummaryView(summary: unknown): SummaryView | null {
  if (summary === null || summary === undefined || typeof summary !== 'object') return null;
  const parsed = summaryViewSchema.safeParse(summary);
  return parsed.success ? parsed.data : null;
}
