import { z } from 'zod';
import { binPackingAggressiveness, consolidationMethods } from './policy';
import { workloadPatchStateSchema, workloadRefSchema } from './workload-patch';

/**
 * Consolidation: the optimizer removing nodes a cluster does not need. `POST .../consolidation` with
 * `dryRun: true` answers the plan (what would go, how, what stays and why, the saving) and changes
 * nothing; `GET .../actions` lists what the optimizer did or is doing on the cluster.
 */

export const consolidationRequestSchema = z.strictObject({
  dryRun: z.boolean({
    error: 'Send dryRun: true for the plan alone, or false to start consolidating the cluster.',
  }),
});
export type ConsolidationRequest = z.infer<typeof consolidationRequestSchema>;

export const nodeOwnerKinds = ['asg', 'managed-node-group', 'karpenter-nodepool'] as const;
export const terminations = ['asg-terminate-decrement', 'karpenter-delete-node'] as const;
export const consolidationSkipReasons = [
  'owner-unknown',
  'group-minimum',
  'replacement-needs-karpenter',
  'protected-pod',
  'pdb-budget',
  'run-cap',
] as const;
/** A run holds at most this many node steps (they are written in one transaction with the run). */
export const consolidationRunMaxNodes = 90;

/** Pods of one workload leaving a node, and where they land. */
export const planPodGroupSchema = z.object({
  namespace: z.string(),
  workload: z.string(),
  count: z.number().int().positive(),
  toNodes: z.array(z.string()),
});

export const planStepSchema = z.object({
  node: z.string(),
  /** 0-based: the nodes of a wave are drained together; the next wave starts when they are gone. */
  wave: z.number().int().nonnegative(),
  kind: z.enum(['delete', 'replace']),
  instanceId: z.string().nullable(),
  instanceType: z.string(),
  nodeGroupId: z.string(),
  nodeGroupKind: z.enum(nodeOwnerKinds),
  /** ASG (self-managed or a managed node group's) TerminateInstanceInAutoScalingGroup with decrement, or Karpenter. */
  termination: z.enum(terminations),
  autoScalingGroupName: z.string().nullable(),
  pods: z.array(planPodGroupSchema),
  hourlySavingUsd: z.number(),
  monthlySavingUsd: z.number(),
});
export type PlanStep = z.infer<typeof planStepSchema>;

export const planMinimumChangeSchema = z.object({
  nodeGroupId: z.string(),
  name: z.string(),
  nodeGroupKind: z.enum(['asg', 'managed-node-group']),
  autoScalingGroupName: z.string().nullable(),
  fromMinSize: z.number().int().nonnegative(),
  toMinSize: z.number().int().nonnegative(),
  /** The group's nodes now. */
  nodes: z.number().int().nonnegative(),
  /** What the plan saves on top of the same plan at the group's own minimum. */
  monthlySavingUsd: z.number(),
});
export type PlanMinimumChange = z.infer<typeof planMinimumChangeSchema>;

/** A group minimum set back outside the product (ADR 0073): reported, and no longer lowered. */
export const planMinimumDriftSchema = z.object({
  nodeGroupId: z.string(),
  name: z.string(),
  /** The minimum the product set last. */
  setMinSize: z.number().int().nonnegative(),
  /** The minimum found since. */
  observedMinSize: z.number().int().nonnegative(),
  detectedAt: z.string(),
  message: z.string(),
});
export type PlanMinimumDrift = z.infer<typeof planMinimumDriftSchema>;

export const planSkippedSchema = z.object({
  node: z.string(),
  reason: z.enum(consolidationSkipReasons),
  message: z.string(),
  hourlyPriceUsd: z.number(),
});

export const planHeldSchema = z.object({
  node: z.string(),
  /** `stabilizing`: launched or acted on within the policy's stabilization window (ADR 0044). */
  status: z.enum(['unmanaged', 'blocked', 'stabilizing']),
  /** The planner's blockers (`pod-do-not-disrupt`, `node-exempt`, ...). */
  reasons: z.array(z.string()),
  /** A stabilizing node: when its window ends. */
  actionableAt: z.string().optional(),
});

export const consolidationPlanResponseSchema = z.object({
  clusterId: z.string(),
  dryRun: z.literal(true),
  /** When the inventory the plan reads was collected (`null`: never). */
  snapshotAt: z.string().nullable(),
  policy: z.object({
    aggressiveness: z.enum(binPackingAggressiveness),
    method: z.enum(consolidationMethods),
    stabilizationWindowMinutes: z.number(),
    maxNodesInFlight: z.number().int().positive(),
  }),
  steps: z.array(planStepSchema),
  skipped: z.array(planSkippedSchema),
  held: z.array(planHeldSchema),
  replacements: z.array(
    z.object({
      name: z.string(),
      instanceType: z.string(),
      capacityType: z.enum(['on-demand', 'spot']),
      hourlyPriceUsd: z.number(),
    }),
  ),
  waves: z.number().int().nonnegative(),
  podsEvicted: z.number().int().nonnegative(),
  hourlySavingUsd: z.number(),
  monthlySavingUsd: z.number(),
  /** The planner's figure before owners, group minimums and waves (the policy page's bin-packing card). */
  plannedMonthlySavingUsd: z.number(),
  /**
   * Groups whose minimum size keeps nodes this plan would otherwise remove (ADR 0066): what the same plan
   * would save on top with that group's minimum lowered to `minimumToAllow`. Never acted on: only the
   * customer changes a group's minimum.
   */
  heldByMinimums: z
    .array(
      z.object({
        nodeGroupId: z.string(),
        name: z.string(),
        minSize: z.number().int().nonnegative(),
        nodes: z.number().int().nonnegative(),
        minimumToAllow: z.number().int().nonnegative(),
        monthlySavingUsd: z.number(),
      }),
    )
    .default([]),
  /**
   * Node group takeover (ADR 0067, policy `infrastructure.binPacking.lowerGroupMinimums`): the minimums
   * the run lowers, each right before terminating the node of the group that needs it, never below what
   * the group's remaining pods need (`toMinSize`: the nodes the plan keeps of it). Empty when the policy
   * does not allow it.
   */
  minimumChanges: z.array(planMinimumChangeSchema).default([]),
  /**
   * Groups whose minimum was set back above what the product set, outside the product (infrastructure as
   * code, ADR 0073): the run does not lower them until the policy is saved again.
   */
  minimumDrift: z.array(planMinimumDriftSchema).default([]),
  /** What the plan could not take into account, in words. */
  notes: z.array(z.string()),
});
export type ConsolidationPlanResponse = z.infer<typeof consolidationPlanResponseSchema>;

/** `dryRun: false`: the run started (202); its node steps show in `GET .../actions` as they progress. */
export const consolidationStartResponseSchema = z.object({
  clusterId: z.string(),
  dryRun: z.literal(false),
  runId: z.string(),
  /** Nodes the run will try to remove, and in how many waves. */
  nodes: z.number().int().positive(),
  waves: z.number().int().positive(),
  predictedMonthlySavingUsd: z.number(),
});
export type ConsolidationStartResponse = z.infer<typeof consolidationStartResponseSchema>;

// ------------------------------------------------------------------------------------------- actions

/** Node actions of consolidation; workload patches of rightsizing and the spot rules (ADR 0043). */
export const clusterActionKinds = [
  'remove-node',
  'replace-node',
  'rightsize-workload',
  'spot-rules-workload',
  // A node group minimum set back outside the product (ADR 0073): reported, never acted on.
  'group-minimum-drift',
] as const;
export const clusterActionStates = [
  'pending',
  'draining',
  'terminating',
  'done',
  'failed',
  'skipped',
  // Workload patches (ADR 0043): the patch command is out, the rollout is watched, the rollback is out.
  'patching',
  'watching',
  'rolling-back',
  'rolled-back',
] as const;
export type ClusterActionState = (typeof clusterActionStates)[number];
/** States of an action still in flight (listed first). */
export const openActionStates: readonly ClusterActionState[] = [
  'pending',
  'draining',
  'terminating',
  'patching',
  'watching',
  'rolling-back',
];

export const clusterActionViewSchema = z.object({
  actionId: z.string(),
  runId: z.string(),
  kind: z.enum(clusterActionKinds),
  node: z.string(),
  instanceType: z.string(),
  nodeGroupId: z.string().nullable(),
  state: z.enum(clusterActionStates),
  /** What happened, in words (`null` while in flight). */
  result: z.string().nullable(),
  predictedMonthlySavingUsd: z.number(),
  /** Measured once the node is gone (`null` before, or when it failed). */
  realizedMonthlySavingUsd: z.number().nullable(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  /**
   * Node group takeover (ADR 0067): the group's minimum size this node action lowered right before its
   * termination, before and after.
   */
  minimumChange: z
    .object({ nodeGroup: z.string(), before: z.number().int(), after: z.number().int() })
    .optional(),
  /** The patched workload (workload actions only; `node` and `instanceType` are then empty). */
  workload: workloadRefSchema.optional(),
  /** Per replica, before and after the patch (workload actions only). */
  before: workloadPatchStateSchema.optional(),
  after: workloadPatchStateSchema.optional(),
});
export type ClusterActionView = z.infer<typeof clusterActionViewSchema>;

export const clusterActionsQuerySchema = z.object({
  limit: z.coerce
    .number({ error: 'limit is a number of actions.' })
    .int('limit is a whole number.')
    .min(1, 'limit is at least 1.')
    .max(100, 'limit is at most 100.')
    .default(50),
  /** The `nextCursor` of the previous page. */
  cursor: z
    .string()
    .min(1)
    .max(512)
    .regex(/^[A-Za-z0-9_-]+$/, 'cursor: send the nextCursor of the previous page as it came.')
    .optional(),
});
export type ClusterActionsQuery = z.infer<typeof clusterActionsQuerySchema>;

/** In flight first (oldest first), then done (newest first); `nextCursor` null on the last page. */
export const clusterActionsResponseSchema = z.object({
  items: z.array(clusterActionViewSchema),
  nextCursor: z.string().nullable(),
});
export type ClusterActionsResponse = z.infer<typeof clusterActionsResponseSchema>;
