import {
  clusterActionKinds,
  clusterActionStates,
  openActionStates,
  workloadPatchStateSchema,
  workloadRefSchema,
} from '@spot/shared';
import { z } from 'zod';
import { defineEntity } from '../entity';
import { clusterPk } from './partitions';

/**
 * One thing the optimizer does to one node of a cluster (remove it, or replace it with a cheaper one),
 * under the cluster's partition. In flight it sorts under `ACTIONOPEN#<startedAt>#<id>`, done under
 * `ACTION#<finishedAt>#<id>`: the Activity list reads the few open ones whole, then the done ones newest
 * first a page at a time, with no index and no filter. Finishing an action moves it (one transaction:
 * delete the open key, put the done one).
 */
const clusterActionSchema = z.object({
  orgId: z.string(),
  clusterId: z.string(),
  actionId: z.string(),
  runId: z.string(),
  kind: z.enum(clusterActionKinds),
  node: z.string(),
  instanceId: z.string().nullable(),
  instanceType: z.string(),
  nodeGroupId: z.string().nullable(),
  state: z.enum(clusterActionStates),
  result: z.string().nullable(),
  predictedMonthlySavingUsd: z.number(),
  realizedMonthlySavingUsd: z.number().nullable(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  // What the consolidation workflow needs to carry the step out (never shown: the view drops them).
  /** The run's wave: the nodes of the lowest open wave are drained together. */
  wave: z.number().int().nonnegative().optional(),
  termination: z.enum(['asg-terminate-decrement', 'karpenter-delete-node']).optional(),
  hourlySavingUsd: z.number().optional(),
  /** When the cordon and the evictions were enqueued (the drain timeout counts from it). */
  drainStartedAt: z.string().nullable().optional(),
  /**
   * The pods being evicted (`namespace/name`), the id of the latest eviction command of each, and the
   * pod's top-level owner (the next wave waits until it is whole again, ADR 0058; absent before it).
   */
  evictions: z
    .array(
      z.object({
        pod: z.string(),
        commandId: z.string(),
        attempt: z.number().int(),
        owner: z.object({ kind: z.string(), name: z.string() }).nullable().optional(),
        /** The agent evicted it (a refused or never-answered eviction disrupted nothing). */
        evicted: z.boolean().optional(),
      }),
    )
    .optional(),
  /** The group whose bill the realized saving is read from (its ASG, or its Karpenter NodePool). */
  billScope: z
    .object({ kind: z.enum(['asg', 'nodepool']), name: z.string() })
    .nullable()
    .optional(),
  /** The group's hourly bill right before the termination, USD/h (ADR 0044). */
  billBeforeHourlyUsd: z.number().nullable().optional(),
  /**
   * The group's bill right after this termination, when another node of the same group was terminated
   * after it in the same step (that one's bill before): its drop is that node's, not this one's.
   */
  billAfterHourlyUsd: z.number().nullable().optional(),
  /** When the termination was asked for (the ASG call, or the agent's delete-node command enqueued). */
  terminatingAt: z.string().nullable().optional(),
  /**
   * Node group takeover (ADR 0067): the plan lowers the group's minimum, at most to `lowerTo`, right
   * before this node's termination when the group is at its minimum then (not shown).
   */
  groupMinimum: z
    .object({
      lowerTo: z.number().int().nonnegative(),
      nodeGroupName: z.string(),
      kind: z.enum(['asg', 'managed-node-group']),
      autoScalingGroupName: z.string().nullable(),
    })
    .nullable()
    .optional(),
  /** The minimum this step lowered, before and after (shown in the Activity). */
  minimumChange: z
    .object({ nodeGroup: z.string(), before: z.number().int(), after: z.number().int() })
    .optional(),
  // Workload patches (ADR 0043): the workload, its state per replica before and after (shown), and what
  // the rightsizing workflow needs to carry the patch out and watch it (`work`, never meant to be shown).
  workload: workloadRefSchema.optional(),
  before: workloadPatchStateSchema.optional(),
  after: workloadPatchStateSchema.optional(),
  work: z
    .object({
      resizes: z.object({ cpu: z.boolean(), memory: z.boolean() }),
      rules: z.array(z.string()),
      /** The live containers when the patch went out (what a rollback restores). */
      containers: z
        .array(
          z.object({
            name: z.string(),
            requestCpuMilli: z.number(),
            requestMemoryMiB: z.number(),
            limitCpuMilli: z.number().nullable(),
            limitMemoryMiB: z.number().nullable(),
          }),
        )
        .default([]),
      /** Restarts of each pod of the workload when the patch went out. */
      restartsBefore: z.record(z.string(), z.number()).default({}),
      baseline: z.object({ oomKills: z.number(), restarts: z.number() }).nullable().default(null),
      observed: z.object({ oomKills: z.number(), restarts: z.number() }).nullable().default(null),
      patchEnqueuedAt: z.string().nullable().default(null),
      patchedAt: z.string().nullable().default(null),
      rollbackReason: z.string().nullable().default(null),
    })
    .optional(),
});
export type ClusterAction = z.infer<typeof clusterActionSchema>;
export const clusterActionEntity = defineEntity('ClusterAction', clusterActionSchema, (a) =>
  clusterActionKey(a),
);

export const openActionPrefix = 'ACTIONOPEN#';
export const doneActionPrefix = 'ACTION#';

export function clusterActionKey(
  a: Pick<
    z.infer<typeof clusterActionSchema>,
    'orgId' | 'clusterId' | 'actionId' | 'state' | 'startedAt' | 'finishedAt'
  >,
) {
  const open = openActionStates.includes(a.state) || a.finishedAt === null;
  return {
    PK: clusterPk(a.orgId, a.clusterId),
    SK: open
      ? `${openActionPrefix}${a.startedAt}#${a.actionId}`
      : `${doneActionPrefix}${a.finishedAt}#${a.actionId}`,
  };
}

export const openActionsQuery = (orgId: string, clusterId: string) => ({
  pk: clusterPk(orgId, clusterId),
  skPrefix: openActionPrefix,
});
export const doneActionsQuery = (orgId: string, clusterId: string) => ({
  pk: clusterPk(orgId, clusterId),
  skPrefix: doneActionPrefix,
});

/** The done actions that finished at or after `sinceIso` (the stabilization window's reads, ADR 0044). */
export const doneActionsSinceQuery = (orgId: string, clusterId: string, sinceIso: string) => ({
  pk: clusterPk(orgId, clusterId),
  // `~` sorts after every character of an ISO instant and an action id.
  skBetween: [`${doneActionPrefix}${sinceIso}`, `${doneActionPrefix}~`] as const,
});

/**
 * A page position of the done actions, as the list's cursor carries it: the sort key of the last one
 * shown (only ever a position inside the caller's own cluster partition, which the server builds).
 */
export const doneActionPosition = (item: Record<string, unknown>): string | null =>
  typeof item.SK === 'string' && item.SK.startsWith(doneActionPrefix) ? item.SK : null;

/** The start key after a position, or `null` when the text is not one. */
export function doneActionsAfter(orgId: string, clusterId: string, position: string) {
  if (!position.startsWith(doneActionPrefix) || position.length > 300) return null;
  return { PK: clusterPk(orgId, clusterId), SK: position };
}
