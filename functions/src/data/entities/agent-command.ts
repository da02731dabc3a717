import {
  agentCommandOutcomeSchema,
  agentCommandSpecSchema,
  agentCommandStatusSchema,
  agentUpgradeCommandIdPrefix,
} from '@spot/shared';
import { z } from 'zod';
import { defineEntity } from '../entity';
import type { UpdateSpec } from '../expressions';
import { clusterPk } from './partitions';

const dayS = 86_400;
/** Done commands (and commands no agent ever fetched) are kept a week, for the cluster's Activity view. */
export const agentCommandRetentionDays = 7;

/**
 * One command for a cluster's agent (ADR 0037). Keyed under the cluster, so an agent token (which names
 * one cluster) can only ever build keys of its own cluster's commands. While the command is open
 * (`pending` or `leased`) it is also in the sparse GSI1 partition of the cluster's open commands, oldest
 * first, so the agent's poll reads only those; the result removes the index keys and stamps the TTL.
 */
export const agentCommandEntity = defineEntity(
  'AgentCommand',
  z.object({
    orgId: z.string(),
    clusterId: z.string(),
    commandId: z.string(),
    command: agentCommandSpecSchema,
    status: agentCommandStatusSchema,
    /** Until when the agent that fetched it holds it; another poll after that gets it again. */
    leaseUntil: z.string().nullable().default(null),
    attempts: z.number().int().nonnegative().default(0),
    outcome: agentCommandOutcomeSchema.nullable().default(null),
    reason: z.string().nullable().default(null),
    enqueuedAt: z.string(),
    /** Who enqueued it (a workflow run, a person), for the audit trail. */
    enqueuedBy: z.string(),
    deliveredAt: z.string().nullable().default(null),
    finishedAt: z.string().nullable().default(null),
  }),
  (c) => agentCommandKeys(c.orgId, c.clusterId, c.commandId, c.status === 'done' ? null : c.enqueuedAt),
  (c) => Math.floor(Date.parse(c.finishedAt ?? c.enqueuedAt) / 1000) + agentCommandRetentionDays * dayS,
);

export const agentCommandKey = (orgId: string, clusterId: string, commandId: string) => ({
  PK: clusterPk(orgId, clusterId),
  SK: `COMMAND#${commandId}`,
});

const openCommandsPk = (orgId: string, clusterId: string) => `${clusterPk(orgId, clusterId)}#OPENCOMMANDS`;

/** The command's keys; `openSince` (its enqueue time) puts it in the open-commands index. */
export const agentCommandKeys = (
  orgId: string,
  clusterId: string,
  commandId: string,
  openSince: string | null,
) => ({
  ...agentCommandKey(orgId, clusterId, commandId),
  ...(openSince ? { GSI1PK: openCommandsPk(orgId, clusterId), GSI1SK: `${openSince}#${commandId}` } : {}),
});

/** The open commands of a cluster, oldest first (sparse GSI1: done commands are not in it). */
export const openAgentCommandsQuery = (orgId: string, clusterId: string) => ({
  index: 'GSI1' as const,
  pk: openCommandsPk(orgId, clusterId),
});

/** Every command of a cluster (open and done), for the Activity view and the removal of a cluster. */
export const agentCommandsOfClusterQuery = (orgId: string, clusterId: string) => ({
  pk: clusterPk(orgId, clusterId),
  skPrefix: 'COMMAND#',
});

/** The cluster's agent upgrades (open and done): their ids share a prefix (the cluster page's Activity). */
export const agentUpgradeCommandsQuery = (orgId: string, clusterId: string) => ({
  pk: clusterPk(orgId, clusterId),
  skPrefix: `COMMAND#${agentUpgradeCommandIdPrefix}`,
});

/** The update that closes a command: its outcome, out of the open index, expiring a week later. */
export function closeAgentCommandSpec(result: {
  outcome: z.infer<typeof agentCommandOutcomeSchema>;
  reason: string | null;
  finishedAt: string;
}): UpdateSpec {
  return {
    set: {
      status: 'done',
      outcome: result.outcome,
      reason: result.reason,
      finishedAt: result.finishedAt,
      leaseUntil: null,
      expiresAt: Math.floor(Date.parse(result.finishedAt) / 1000) + agentCommandRetentionDays * dayS,
    },
    remove: ['GSI1PK', 'GSI1SK'],
  };
}
