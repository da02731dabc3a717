import { z } from 'zod';

/**
 * The command channel to a cluster (issue 14): Spot Optimizer enqueues commands, the cluster's agent in
 * write mode fetches them with `GET /api/agent/commands` (its cluster token), runs each once and posts
 * the outcome to `POST /api/agent/commands/{id}/result`. Maintenance mode pauses every automated action
 * of a cluster (`PUT /api/client/clusters/{id}/maintenance`). See ADR 0037.
 */

/** A Kubernetes object name (RFC 1123 subdomain). */
const objectName = z
  .string()
  .min(1)
  .max(253)
  .regex(
    /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/,
    'A Kubernetes name is lowercase letters, digits, dashes and dots, starting and ending with a letter or digit.',
  );
/** A Kubernetes namespace (RFC 1123 label). */
const namespaceName = z
  .string()
  .min(1)
  .max(63)
  .regex(
    /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/,
    'A namespace is 1-63 lowercase letters, digits and dashes, starting and ending with a letter or digit.',
  );

/** Requests or limits of one container, in the product's units (millicores, MiB). */
export const containerResourcesSchema = z.strictObject({
  cpuMilli: z.number().int().positive().max(1_000_000).optional(),
  memoryMiB: z.number().int().positive().max(16_777_216).optional(),
});
export type ContainerResources = z.infer<typeof containerResourcesSchema>;

const labelMap = z.record(z.string().min(1).max(316), z.string().max(63));

/** The scheduling fields a patch may set on the pod template (replacing the field as a whole). */
export const schedulingPatchSchema = z.strictObject({
  nodeSelector: labelMap.optional(),
  tolerations: z
    .array(
      z.strictObject({
        key: z.string().max(316).optional(),
        operator: z.enum(['Equal', 'Exists']).optional(),
        value: z.string().max(63).optional(),
        effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']).optional(),
      }),
    )
    .max(50)
    .optional(),
  /** `affinity` as Kubernetes writes it (node/pod affinity); passed through as is. */
  affinity: z.record(z.string(), z.unknown()).optional(),
  /** `topologySpreadConstraints` as Kubernetes writes them (the multi-AZ spread rule); passed through. */
  topologySpreadConstraints: z.array(z.record(z.string(), z.unknown())).max(20).optional(),
  priorityClassName: objectName.optional(),
});

/** A Karpenter object applied server-side (field manager `spot-optimizer`). */
export const karpenterManifestSchema = z
  .object({
    apiVersion: z.enum(['karpenter.sh/v1', 'karpenter.k8s.aws/v1']),
    kind: z.enum(['NodePool', 'EC2NodeClass']),
    metadata: z.object({ name: objectName }).loose(),
    spec: z.record(z.string(), z.unknown()),
  })
  .refine((m) => (m.kind === 'NodePool') === (m.apiVersion === 'karpenter.sh/v1'), {
    message: 'A NodePool is karpenter.sh/v1, an EC2NodeClass karpenter.k8s.aws/v1.',
    path: ['apiVersion'],
  });
export type KarpenterManifest = z.infer<typeof karpenterManifestSchema>;

/** One command; `id` is the idempotency key (enqueueing the same id twice keeps the first). */
export const agentCommandSpecSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('cordon'), node: objectName }),
  z.strictObject({ type: z.literal('uncordon'), node: objectName }),
  z.strictObject({ type: z.literal('evict'), namespace: namespaceName, pod: objectName }),
  z
    .strictObject({
      type: z.literal('patch-workload'),
      kind: z.enum(['Deployment', 'StatefulSet']),
      namespace: namespaceName,
      name: objectName,
      containers: z
        .array(
          z.strictObject({
            name: objectName,
            requests: containerResourcesSchema.optional(),
            limits: containerResourcesSchema.optional(),
          }),
        )
        .max(20)
        .optional(),
      scheduling: schedulingPatchSchema.optional(),
    })
    .refine((p) => (p.containers?.length ?? 0) > 0 || p.scheduling !== undefined, {
      message: 'A workload patch changes containers (requests, limits) or scheduling fields, or both.',
      path: ['containers'],
    }),
  z.strictObject({ type: z.literal('apply-karpenter'), manifest: karpenterManifestSchema }),
  /** Deletes one of Spot Optimizer's own Karpenter objects; the agent refuses one without its label (ADR 0042). */
  z.strictObject({
    type: z.literal('delete-karpenter'),
    kind: z.enum(['NodePool', 'EC2NodeClass']),
    name: objectName,
  }),
  /** A drained Karpenter node: deleting the Node object lets Karpenter's finalizer terminate its instance. */
  z.strictObject({ type: z.literal('delete-node'), node: objectName }),
  /** Run this agent release (the registry's bulk "Upgrade agent", ADR 0045); heartbeats report the version. */
  z.strictObject({ type: z.literal('upgrade-agent'), version: z.string().regex(/^\d+\.\d+\.\d+$/) }),
]);
export type AgentCommandSpec = z.infer<typeof agentCommandSpecSchema>;
export type AgentCommandType = AgentCommandSpec['type'];

export const agentCommandIdSchema = z
  .string()
  .min(8)
  .max(100)
  .regex(/^[A-Za-z0-9._:-]+$/, 'A command id is 8-100 letters, digits, dots, dashes, colons or underscores.');

/** What a workflow enqueues: an idempotency id chosen by the caller (e.g. `<runId>:<step>`) and the command. */
export const agentCommandInputSchema = z.object({
  id: agentCommandIdSchema,
  command: agentCommandSpecSchema,
});
export type AgentCommandInput = z.infer<typeof agentCommandInputSchema>;

/** The policy's exemptions, sent with the commands: the agent refuses to evict or patch what they cover. */
export const agentExemptionsSchema = z.object({
  namespaces: z.array(z.string()),
  labels: z.array(z.object({ key: z.string(), value: z.string().optional() })),
});
export type AgentExemptions = z.infer<typeof agentExemptionsSchema>;

/** `GET /api/agent/commands`: the commands to run now, each leased to this agent until `leaseUntil`. */
export const agentCommandsResponseSchema = z.object({
  clusterId: z.string(),
  commands: z.array(
    z.object({
      id: z.string(),
      command: agentCommandSpecSchema,
      leaseUntil: z.string(),
      attempt: z.number(),
    }),
  ),
  /** The policy's exemptions the commands of this answer are checked against; null when there is none. */
  exemptions: agentExemptionsSchema.nullable(),
  /** While true the agent runs nothing (a command leased before maintenance was switched on is refused). */
  maintenance: z.boolean(),
  serverTime: z.string(),
});
export type AgentCommandsResponse = z.infer<typeof agentCommandsResponseSchema>;

/**
 * The outcome of one command. `wait`: the eviction API answered 429 (a PodDisruptionBudget allows no
 * disruption now), a normal outcome the workflow retries later. `refused`: the agent would not run it
 * (write mode off, RBAC, an exempt pod, maintenance).
 */
export const agentCommandOutcomeSchema = z.enum(['succeeded', 'failed', 'refused', 'wait']);
export type AgentCommandOutcome = z.infer<typeof agentCommandOutcomeSchema>;

export const agentCommandResultBodySchema = z
  .object({
    outcome: agentCommandOutcomeSchema,
    /** Why, in words a person can act on (required unless it succeeded). */
    reason: z.string().max(2000).nullable().default(null),
    finishedAt: z.string().optional(),
  })
  .refine((r) => r.outcome === 'succeeded' || (r.reason !== null && r.reason.length > 0), {
    message: 'A command that did not succeed says why (reason).',
    path: ['reason'],
  });
export type AgentCommandResultBody = z.infer<typeof agentCommandResultBodySchema>;

export const agentCommandPathSchema = z.object({ id: agentCommandIdSchema });

export const agentCommandStatusSchema = z.enum(['pending', 'leased', 'done']);

/** A command as stored and answered (the result route answers it; the actions route of issue 14 lists them). */
export const agentCommandViewSchema = z.object({
  id: z.string(),
  clusterId: z.string(),
  command: agentCommandSpecSchema,
  status: agentCommandStatusSchema,
  outcome: agentCommandOutcomeSchema.nullable(),
  reason: z.string().nullable(),
  enqueuedAt: z.string(),
  deliveredAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  attempts: z.number().int().nonnegative(),
});
export type AgentCommandView = z.infer<typeof agentCommandViewSchema>;

/**
 * Every agent upgrade the registry's bulk action sends has an id starting with this (the request id
 * follows), so a cluster's upgrades are listed without reading its other commands.
 */
export const agentUpgradeCommandIdPrefix = 'upgrade-agent:';

/**
 * `GET /api/client/clusters/{id}/agent-upgrades`: the cluster's agent upgrades of the last week, newest
 * first, each with the agent's answer (done, or refused with the `helm upgrade` command to run).
 */
export const agentUpgradesResponseSchema = z.object({ items: z.array(agentCommandViewSchema) });
export type AgentUpgradesResponse = z.infer<typeof agentUpgradesResponseSchema>;

// ------------------------------------------------------------------------------------- maintenance

export const maintenanceInputSchema = z.strictObject({
  enabled: z.boolean(),
  /** Why (shown on the cluster page and kept in the audit record). */
  reason: z.string().trim().max(500).optional(),
});
export type MaintenanceInput = z.infer<typeof maintenanceInputSchema>;

/** A cluster's maintenance mode: while enabled no automated action runs on it. */
export const maintenanceStateSchema = z.object({
  enabled: z.boolean(),
  since: z.string().nullable(),
  /** Who switched it (email of the person), null when never set. */
  by: z.string().nullable(),
  reason: z.string().nullable(),
});
export type MaintenanceState = z.infer<typeof maintenanceStateSchema>;

export const maintenanceResponseSchema = z.object({
  clusterId: z.string(),
  maintenance: maintenanceStateSchema,
});
export type MaintenanceResponse = z.infer<typeof maintenanceResponseSchema>;

/**
 * An agent in write mode polls every 15 s; with no poll for this long it cannot act (offline, or its write
 * mode was switched off), and no command is enqueued for it.
 */
export const agentWriteModeWindowMs = 3 * 60_000;

/** Pure: whether the cluster's agent can take commands at `now`, from its last poll (ISO or null). */
export function agentCanAct(lastPollAt: string | null, now: Date): boolean {
  return lastPollAt !== null && now.getTime() - Date.parse(lastPollAt) <= agentWriteModeWindowMs;
}

/** Pure: whether the exemptions cover a pod (its namespace, or a label selector it matches). */
export function exemptionOf(
  exemptions: AgentExemptions,
  pod: { namespace: string; labels: Readonly<Record<string, string>> },
): string | null {
  if (exemptions.namespaces.includes(pod.namespace))
    return `namespace ${pod.namespace} is excluded by the optimization policy`;
  for (const s of exemptions.labels) {
    const value = pod.labels[s.key];
    if (value !== undefined && (s.value === undefined || s.value === value))
      return `label ${s.value === undefined ? s.key : `${s.key}=${s.value}`} is excluded by the optimization policy`;
  }
  return null;
}
