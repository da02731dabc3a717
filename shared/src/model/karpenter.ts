import { z } from 'zod';
import { nodePoolEditSchema } from './cluster-detail';

/**
 * `GET /api/client/clusters/{id}/karpenter` and `POST .../karpenter/reconcile` (issue 14, ADR 0042): the
 * NodePool and EC2NodeClass Spot Optimizer keeps in the cluster while Intelligent Autoscaling is on, what
 * the cluster has, the drift between them and the last reconcile's commands with their outcomes.
 */

const kindSchema = z.enum(['NodePool', 'EC2NodeClass']);

export const karpenterDriftSchema = z.object({
  kind: kindSchema,
  name: z.string(),
  /** Dotted field path, or `(object)` when the object is missing. */
  path: z.string(),
  desired: z.unknown(),
  live: z.unknown(),
});

const objectSchema = z.object({
  kind: kindSchema,
  name: z.string(),
  /** Whether it carries Spot Optimizer's `spot-optimizer.io/managed-by` label. */
  managedBySpotOptimizer: z.boolean(),
  labels: z.record(z.string(), z.string()),
  annotations: z.record(z.string(), z.string()),
  spec: z.record(z.string(), z.unknown()),
});

export const karpenterCommandViewSchema = z.object({
  id: z.string(),
  action: z.enum(['apply', 'delete']),
  kind: kindSchema,
  name: z.string(),
  /** The command's state on the channel: `pending`/`leased` until the agent reports, then `done`. */
  status: z.enum(['pending', 'leased', 'done']).nullable(),
  outcome: z.enum(['succeeded', 'failed', 'refused', 'wait']).nullable(),
  reason: z.string().nullable(),
});

export const karpenterStateResponseSchema = z.object({
  clusterId: z.string(),
  /** The policy's Intelligent Autoscaling switch. */
  enabled: z.boolean(),
  /** The node template the objects are rendered from (the policy's, else the organization's default). */
  templateId: z.string().nullable(),
  /** Why nothing is desired although autoscaling is on (no template), else null. */
  note: z.string().nullable(),
  /** What Spot Optimizer applies (empty when autoscaling is off). */
  desired: z.array(objectSchema),
  /** What the cluster has; `null` when it could not be read (`liveError` says why). */
  live: z.array(objectSchema).nullable(),
  liveError: z.string().nullable(),
  drift: z.array(karpenterDriftSchema),
  /** What a reconcile would do now. */
  plan: z.object({
    apply: z.array(z.object({ kind: kindSchema, name: z.string() })),
    remove: z.array(z.object({ kind: kindSchema, name: z.string() })),
    refused: z.array(z.object({ kind: kindSchema, name: z.string(), reason: z.string() })),
  }),
  lastReconcile: z
    .object({ at: z.string(), by: z.string(), commands: z.array(karpenterCommandViewSchema) })
    .nullable(),
  /**
   * The NodePool edits made from the Node Groups tab (ADR 0079) with their commands' outcomes: on a
   * customer's NodePool the product owns the fields the edit applied (its capacity-type requirement and
   * `limits.nodes`), though it never renders nor removes that pool.
   */
  nodePoolEdits: z.array(nodePoolEditSchema),
});
export type KarpenterStateResponse = z.infer<typeof karpenterStateResponseSchema>;
