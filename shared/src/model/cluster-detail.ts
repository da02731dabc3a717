import { z } from 'zod';
import { agentCommandOutcomeSchema, agentCommandStatusSchema } from './agent-command';

/**
 * Contracts of the cluster detail tabs (issue 17 item 5, ADR 0052): drift against the node template, the
 * CIS EKS benchmark subset, and editing one node group's sizes and spot mode. The handlers and the SPA
 * import these; the rules behind them live in `shared/src/cluster-detail/`.
 */

export const nodeGroupLauncherKinds = ['asg', 'managed-node-group', 'karpenter-nodepool', 'manual'] as const;
export type NodeGroupLauncherKind = (typeof nodeGroupLauncherKinds)[number];

export const driftReasonCodes = [
  'family-not-allowed',
  'architecture-not-allowed',
  'size-excluded',
  'capacity-type-not-allowed',
  'unknown-instance-type',
] as const;
export type DriftReasonCode = (typeof driftReasonCodes)[number];

export const driftedNodeSchema = z.object({
  nodeName: z.string(),
  instanceType: z.string(),
  capacityType: z.enum(['on-demand', 'spot']),
  zone: z.string(),
  reasons: z.array(z.object({ code: z.enum(driftReasonCodes), message: z.string() })),
  /** Who launched it: its ASG, managed node group or NodePool, or nobody we know ("manual"). */
  launchedBy: z.object({ kind: z.enum(nodeGroupLauncherKinds), name: z.string().nullable() }),
  launchedAt: z.string(),
});
export type DriftedNode = z.infer<typeof driftedNodeSchema>;

/**
 * A drifted node as the drift route answers it: the rule's finding plus who launched the instance, from
 * its RunInstances event in CloudTrail (ADR 0078): a user or role ARN with the account id masked, or
 * `null` with `launchedByPrincipalNote` saying why it is not known.
 */
export const driftFindingSchema = driftedNodeSchema.extend({
  launchedByPrincipal: z.string().nullable(),
  /** When the launch event was recorded; `null` when the principal is not known. */
  launchedByPrincipalAt: z.string().nullable(),
  /** Why the principal is not known (`unknown (cloudtrail:LookupEvents not allowed)`); `null` when it is. */
  launchedByPrincipalNote: z.string().nullable(),
});
export type DriftFinding = z.infer<typeof driftFindingSchema>;

export const clusterDriftResponseSchema = z.object({
  clusterId: z.string(),
  /** The template the nodes are checked against (the policy's, else the organization's default). */
  template: z.object({ id: z.string(), name: z.string() }).nullable(),
  /** Why nothing could be checked (no template), `null` when checked. */
  note: z.string().nullable(),
  checkedNodes: z.number().int().nonnegative(),
  drifted: z.array(driftFindingSchema),
});
export type ClusterDriftResponse = z.infer<typeof clusterDriftResponseSchema>;

export const complianceStatuses = ['pass', 'fail', 'not-evaluated'] as const;
/** The rules of the security scan, in the order it reports them (`shared/src/cluster-detail/compliance.ts`). */
export const complianceRuleIds = [
  '4.1.5',
  '4.2.1',
  '4.2.2',
  '4.2.3',
  '4.2.4',
  '4.2.5',
  '4.2.6',
  'EKS-BP-REL-LIMITS',
  '5.4.2',
] as const;
export type ComplianceRuleId = (typeof complianceRuleIds)[number];
export const complianceSeverities = ['high', 'medium', 'low'] as const;

export const complianceObjectSchema = z.object({
  kind: z.string(),
  namespace: z.string().nullable(),
  name: z.string(),
  /** Pods of the object the finding covers (1 for the cluster itself). */
  podCount: z.number().int().nonnegative(),
});
export type ComplianceObject = z.infer<typeof complianceObjectSchema>;

export const complianceFindingSchema = z.object({
  ruleId: z.string(),
  /** `CIS Amazon EKS Benchmark v1.5.0`, or the guide a rule comes from where CIS has none. */
  benchmark: z.string(),
  title: z.string(),
  severity: z.enum(complianceSeverities),
  status: z.enum(complianceStatuses),
  /** One sentence: what was found (or why it could not be evaluated) and what to do. */
  message: z.string(),
  objects: z.array(complianceObjectSchema),
  podCount: z.number().int().nonnegative(),
});
export type ComplianceFinding = z.infer<typeof complianceFindingSchema>;

export const clusterComplianceResponseSchema = z.object({
  clusterId: z.string(),
  /** When the snapshot the rules read was taken; `null` before the first one. */
  evaluatedAt: z.string().nullable(),
  findings: z.array(complianceFindingSchema),
  summary: z.object({
    failed: z.number().int().nonnegative(),
    passed: z.number().int().nonnegative(),
    notEvaluated: z.number().int().nonnegative(),
    /** No failed rule: the registry's green shield. */
    compliant: z.boolean(),
  }),
});
export type ClusterComplianceResponse = z.infer<typeof clusterComplianceResponseSchema>;

const sizeSchema = z
  .number({ message: 'Give the size as a whole number of nodes.' })
  .int('Give the size as a whole number of nodes.')
  .min(0, 'A size is 0 or more nodes.')
  .max(100_000, 'A size is at most 100,000 nodes.');

/**
 * `PUT /api/client/clusters/{id}/node-groups/{groupId}`. `spotMode` absent: leave the purchase option.
 * For a Karpenter NodePool (ADR 0079) `maxSize` is its `spec.limits.nodes` and `null` removes that
 * limit; minSize is 0 (Karpenter has no minimum). An Auto Scaling or managed node group needs a number.
 */
export const nodeGroupUpdateInputSchema = z
  .object({
    minSize: sizeSchema,
    maxSize: sizeSchema.nullable(),
    spotMode: z.boolean().optional(),
  })
  .refine((b) => b.maxSize === null || b.minSize <= b.maxSize, {
    message: 'minSize must not exceed maxSize.',
    path: ['minSize'],
  });
export type NodeGroupUpdateInput = z.infer<typeof nodeGroupUpdateInputSchema>;

export const nodeGroupPathSchema = z.object({
  id: z.string().min(1).max(128),
  groupId: z.string().min(1).max(300),
});

export const nodeGroupSizesSchema = z.object({
  minSize: z.number().int(),
  desiredSize: z.number().int(),
  maxSize: z.number().int(),
});

/** The agent command a NodePool edit was written as (ADR 0079), and what the agent answered so far. */
export const nodePoolEditCommandSchema = z.object({
  id: z.string(),
  /** null: the command is gone (commands expire a week after their result). */
  status: agentCommandStatusSchema.nullable(),
  outcome: agentCommandOutcomeSchema.nullable(),
  reason: z.string().nullable(),
});

/**
 * The last edit of a Karpenter NodePool through the product (ADR 0079), as the Node Groups tab shows it:
 * what was asked, whether the NodePool is Spot Optimizer's own (the edit then lives on as an override its
 * reconcile renders), and the command's outcome.
 */
export const nodePoolEditSchema = z.object({
  nodePool: z.string(),
  capacityTypes: z.array(z.enum(['spot', 'on-demand'])).nullable(),
  /** `spec.limits.nodes`; null: no node limit. */
  nodesLimit: z.number().int().nullable(),
  managedBySpotOptimizer: z.boolean(),
  editedAt: z.string(),
  editedBy: z.string(),
  command: nodePoolEditCommandSchema,
});
export type NodePoolEdit = z.infer<typeof nodePoolEditSchema>;

export const nodeGroupUpdateResponseSchema = z.object({
  clusterId: z.string(),
  nodeGroupId: z.string(),
  before: nodeGroupSizesSchema.extend({ capacityType: z.enum(['on-demand', 'spot', 'mixed']) }),
  after: nodeGroupSizesSchema.extend({ capacityType: z.enum(['on-demand', 'spot', 'mixed']) }),
  /** A NodePool's edit: queued to the cluster's agent, not yet applied (null for the AWS-written groups). */
  nodePool: nodePoolEditSchema.nullable().optional(),
  /** What the cloud port was asked to do, in order (e.g. `autoscaling:UpdateAutoScalingGroup`). */
  actions: z.array(z.string()),
  /** Adjustments made to keep AWS's rules (desired moved into [min, max]). */
  notes: z.array(z.string()),
});
export type NodeGroupUpdateResponse = z.infer<typeof nodeGroupUpdateResponseSchema>;

/** `PUT /api/client/clusters/{id}/budget`: the monthly budget the burndown is drawn against; `null` clears it. */
export const clusterBudgetInputSchema = z.object({
  monthlyBudgetUsd: z
    .number({ message: 'Give the budget as a number of US dollars per month.' })
    .positive('A budget is more than $0 a month (send null to clear it).')
    .max(100_000_000, 'A budget is at most $100,000,000 a month.')
    .nullable(),
});
export type ClusterBudgetInput = z.infer<typeof clusterBudgetInputSchema>;

export const burndownDaySchema = z.object({
  /** UTC date, `YYYY-MM-DD`. */
  date: z.string(),
  /** Spend of the day so far (the hourly rollups' cost), USD; `null` for days still to come. */
  spendUsd: z.number().nullable(),
  /** Month-to-date spend at the end of the day, USD; `null` for days still to come. */
  cumulativeUsd: z.number().nullable(),
  /** The budget spread evenly: budget x day / days in month, USD; `null` without a budget. */
  budgetCumulativeUsd: z.number().nullable(),
});

export const clusterBudgetResponseSchema = z.object({
  clusterId: z.string(),
  monthlyBudgetUsd: z.number().nullable(),
  /** `YYYY-MM` (UTC). */
  month: z.string(),
  days: z.array(burndownDaySchema),
  monthToDateUsd: z.number(),
  /** Month-to-date plus the last 24 hours' average hourly cost for every hour left, USD. */
  projectedMonthEndUsd: z.number(),
  status: z.enum(['no-budget', 'on-track', 'at-risk', 'over-budget']),
});
export type ClusterBudgetResponse = z.infer<typeof clusterBudgetResponseSchema>;
