import { z } from 'zod';
import { rightsizingModes } from './policy';

/**
 * Workload patches (issue 14, ADR 0043): the optimizer changing Deployments and StatefulSets through the
 * agent's `patch-workload` command. Rightsizing (automatic mode only) sets requests (and limits, in
 * proportion, where the workload declares them) to the recommendation; the spot rules add the scheduling
 * fields the policy page shows. `POST .../rightsizing` with `dryRun: true` answers the patches and changes
 * nothing; `dryRun: false` starts a run whose steps show in `GET .../actions`.
 */

export const workloadRefSchema = z.object({
  namespace: z.string(),
  kind: z.string(),
  name: z.string(),
});
export type WorkloadRef = z.infer<typeof workloadRefSchema>;

/** A workload's resources per replica (all containers summed) and the scheduling fields the patch sets. */
export const workloadPatchStateSchema = z.object({
  requests: z.object({ cpuMilli: z.number(), memoryMiB: z.number() }),
  /** `null`: the workload declares no such limit (a patch never adds one). */
  limits: z.object({ cpuMilli: z.number().nullable(), memoryMiB: z.number().nullable() }),
  /** The pod template fields a spot-rule patch writes (`null`: none). */
  scheduling: z.record(z.string(), z.unknown()).nullable(),
});
export type WorkloadPatchState = z.infer<typeof workloadPatchStateSchema>;

export const rightsizingRequestSchema = z.strictObject({
  dryRun: z.boolean({
    error: 'Send dryRun: true for the patches alone, or false to start patching the workloads.',
  }),
});
export type RightsizingRequest = z.infer<typeof rightsizingRequestSchema>;

export const workloadPatchSkipReasons = [
  'exempt',
  'unsupported-kind',
  'hpa-scaled',
  'rolled-out-recently',
  'below-threshold',
  'no-recommendation',
  'mode-not-automatic',
] as const;
export type WorkloadPatchSkipReason = (typeof workloadPatchSkipReasons)[number];

export const spotRuleNames = [
  'forceSpot',
  'preferSpot',
  'blockBurstableFamilies',
  'enforceMultiAzSpread',
] as const;

export const plannedWorkloadPatchSchema = z.object({
  workload: workloadRefSchema,
  kind: z.enum(['rightsize-workload', 'spot-rules-workload']),
  replicas: z.number().int().nonnegative(),
  /** Whether the patch changes requests (and limits): only those are watched and rolled back. */
  resizes: z.boolean(),
  /** The spot rules the patch applies. */
  rules: z.array(z.enum(spotRuleNames)),
  before: workloadPatchStateSchema,
  after: workloadPatchStateSchema,
  /** The recommendation's saving when the patch resizes, USD/month (0 for a spot-rule patch alone). */
  monthlySavingUsd: z.number(),
});
export type PlannedWorkloadPatch = z.infer<typeof plannedWorkloadPatchSchema>;

export const skippedWorkloadSchema = z.object({
  workload: workloadRefSchema,
  reason: z.enum(workloadPatchSkipReasons),
  message: z.string(),
});
export type SkippedWorkload = z.infer<typeof skippedWorkloadSchema>;

export const rightsizingPlanResponseSchema = z.object({
  clusterId: z.string(),
  dryRun: z.literal(true),
  /** When the inventory the plan reads was collected (`null`: never). */
  snapshotAt: z.string().nullable(),
  policy: z.object({
    mode: z.enum(rightsizingModes),
    severityThresholdUsdPerMonth: z.number(),
    spotRules: z.array(z.enum(spotRuleNames)),
  }),
  patches: z.array(plannedWorkloadPatchSchema),
  /** Workloads left alone, and why (workloads with nothing to change are not listed). */
  skipped: z.array(skippedWorkloadSchema),
  monthlySavingUsd: z.number(),
  notes: z.array(z.string()),
});
export type RightsizingPlanResponse = z.infer<typeof rightsizingPlanResponseSchema>;

export const rightsizingStartResponseSchema = z.object({
  clusterId: z.string(),
  dryRun: z.literal(false),
  runId: z.string(),
  workloads: z.number().int().positive(),
  predictedMonthlySavingUsd: z.number(),
});
export type RightsizingStartResponse = z.infer<typeof rightsizingStartResponseSchema>;
