import {
  type AgentCommandInput,
  type AgentCommandResultBody,
  type AgentCommandsResponse,
  type AgentCommandView,
  type AgentExemptions,
  type AgentUpgradesResponse,
  agentCanAct,
  agentCommandInputSchema,
  ConflictError,
  DomainError,
  NotFoundError,
} from '@spot/shared';
import { z } from 'zod';
import { agentChannelEntity, agentChannelKey } from '../data/entities/agent-channel';
import {
  agentCommandEntity,
  agentCommandKey,
  agentUpgradeCommandsQuery,
  closeAgentCommandSpec,
  openAgentCommandsQuery,
} from '../data/entities/agent-command';
import { clusterKey } from '../data/entities/cluster';
import {
  getItem,
  getRaw,
  isConditionalCheckFailed,
  putItem,
  queryAll,
  updateEntity,
  updateItem,
  where,
} from '../data/repository';
import { MaintenanceModeError, maintenanceOf } from './maintenance';
import { effectivePolicyOf } from './policy-effective';

/**
 * The command channel to a cluster's agent (issue 14, ADR 0037). Workflows enqueue commands with
 * {@link enqueueAgentCommands}; the agent in write mode fetches them (`GET /api/agent/commands`, a lease
 * each), runs each once and reports (`POST /api/agent/commands/{id}/result`). Every read and write is
 * keyed by the agent token's own organization and cluster: another cluster's commands cannot be named.
 */

/** How long a fetched command is held by the agent; a crashed agent gets it again after this. */
export const commandLeaseMs = 5 * 60_000;
/** Commands handed out per poll: the agent runs them one by one within the lease. */
export const commandsPerPoll = 10;
/** Commands one enqueue may carry (a consolidation step drains a few nodes at a time). */
export const maxCommandsPerEnqueue = 100;

/** The cluster's agent cannot take commands now: nothing was enqueued. */
export class AgentUnavailableError extends DomainError {
  /** `instead`: what a person can do without the channel (appended to the message). */
  constructor(clusterId: string, lastPollAt: string | null, instead?: string) {
    super(
      'AGENT_UNAVAILABLE',
      (lastPollAt
        ? `The agent of cluster ${clusterId} has not fetched commands since ${lastPollAt}: it is offline or its write mode was switched off. Check the agent's pod, or install it with writeMode.enabled=true.`
        : `The agent of cluster ${clusterId} has never fetched commands: install it with write mode on (Helm value writeMode.enabled=true, or SPOT_WRITE_MODE=true with agent/manifests/write-rbac.yaml).`) +
        (instead ? ` ${instead}` : ''),
      409,
      { clusterId, lastPollAt },
    );
    this.name = 'AgentUnavailableError';
  }
}

/** A command touches what the optimization policy exempts: nothing was enqueued. */
export class CommandExemptError extends DomainError {
  constructor(commandId: string, why: string) {
    super('COMMAND_EXEMPT', `Command ${commandId}: ${why}; it was not sent to the agent.`, 422, {
      commandId,
    });
    this.name = 'CommandExemptError';
  }
}

type StoredCommand = z.infer<typeof agentCommandEntity.schema>;

const viewOf = (c: StoredCommand): AgentCommandView => ({
  id: c.commandId,
  clusterId: c.clusterId,
  command: c.command,
  status: c.status,
  outcome: c.outcome,
  reason: c.reason,
  enqueuedAt: c.enqueuedAt,
  deliveredAt: c.deliveredAt,
  finishedAt: c.finishedAt,
  attempts: c.attempts,
});

/** The cluster's account (a projection: the Cluster item carries its whole summary), or 404. */
async function accountOf(orgId: string, clusterId: string): Promise<string> {
  const item = await getRaw(clusterKey(orgId, clusterId), { projection: ['accountId'] });
  if (!item) throw new NotFoundError('The cluster');
  return String(item.accountId);
}

/** The policy's exemptions of the cluster, as the agent applies them to each pod it is asked to touch. */
export async function exemptionsOf(orgId: string, clusterId: string): Promise<AgentExemptions> {
  const accountId = await accountOf(orgId, clusterId);
  const { policy } = await effectivePolicyOf(orgId, { clusterId, accountId });
  return {
    namespaces: [...policy.governance.excludedNamespaces],
    labels: policy.governance.excludedLabelSelectors.map((s) => ({
      key: s.key,
      ...(s.value === undefined ? {} : { value: s.value }),
    })),
  };
}

/** Agent upgrades listed on the cluster page: a person sends a few a week at most. */
export const listedAgentUpgrades = 20;

/**
 * The cluster's agent upgrades (kept a week, like every command), newest first, with the agent's answer:
 * the bulk action only queues them, and this is where a person reads what came of it.
 */
export async function listAgentUpgrades(orgId: string, clusterId: string): Promise<AgentUpgradesResponse> {
  await accountOf(orgId, clusterId);
  const commands = await queryAll(agentCommandEntity, agentUpgradeCommandsQuery(orgId, clusterId));
  return {
    items: commands
      .sort((a, b) => b.enqueuedAt.localeCompare(a.enqueuedAt) || b.commandId.localeCompare(a.commandId))
      .slice(0, listedAgentUpgrades)
      .map(viewOf),
  };
}

/**
 * Enqueues commands for the cluster's agent, the call the consolidation workflow makes. Refuses the whole
 * batch, enqueueing nothing, when the cluster is in maintenance ({@link MaintenanceModeError}), its agent
 * has not polled in write mode lately ({@link AgentUnavailableError}) or a command names a namespace the
 * policy exempts ({@link CommandExemptError}; labels are checked by the agent, which reads the live pod).
 * Idempotent by command id: an id already enqueued is left as it is (and reported in `existing`), so a
 * retried workflow step never enqueues, nor runs, a command twice.
 */
export async function enqueueAgentCommands(
  orgId: string,
  clusterId: string,
  commands: readonly AgentCommandInput[],
  now: Date,
  enqueuedBy = 'system',
): Promise<{ enqueued: string[]; existing: string[] }> {
  const parsed = z.array(agentCommandInputSchema).max(maxCommandsPerEnqueue).parse(commands);
  const [maintenance, channel, exemptions] = await Promise.all([
    maintenanceOf(orgId, clusterId, true),
    getItem(agentChannelEntity, agentChannelKey(orgId, clusterId), true),
    exemptionsOf(orgId, clusterId),
  ]);
  if (maintenance.enabled) throw new MaintenanceModeError(clusterId, maintenance);
  const lastPollAt = channel?.lastPollAt ?? null;
  if (!agentCanAct(lastPollAt, now)) throw new AgentUnavailableError(clusterId, lastPollAt);
  for (const { id, command } of parsed) {
    const namespace = 'namespace' in command ? command.namespace : null;
    if (namespace && exemptions.namespaces.includes(namespace))
      throw new CommandExemptError(id, `namespace ${namespace} is excluded by the optimization policy`);
  }
  const enqueued: string[] = [];
  const existing: string[] = [];
  const nowIso = now.toISOString();
  for (const { id, command } of parsed) {
    try {
      await putItem(
        agentCommandEntity,
        {
          orgId,
          clusterId,
          commandId: id,
          command,
          status: 'pending',
          leaseUntil: null,
          attempts: 0,
          outcome: null,
          reason: null,
          enqueuedAt: nowIso,
          enqueuedBy,
          deliveredAt: null,
          finishedAt: null,
        },
        where.itemNotExists(),
      );
      enqueued.push(id);
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      existing.push(id);
    }
  }
  return { enqueued, existing };
}

/**
 * What the agent should run now: the open commands whose lease is free (never fetched, or fetched and
 * not reported within {@link commandLeaseMs}), each leased to it with a conditional write, so two polls
 * racing never both get one. Nothing while the cluster is in maintenance. Records the poll: a recent
 * poll is what tells {@link enqueueAgentCommands} the agent can act.
 */
export async function pendingCommandsForAgent(
  agent: { orgId: string; clusterId: string },
  now: Date,
): Promise<AgentCommandsResponse> {
  const { orgId, clusterId } = agent;
  const nowIso = now.toISOString();
  const [maintenance] = await Promise.all([
    maintenanceOf(orgId, clusterId, true),
    putItem(agentChannelEntity, { orgId, clusterId, lastPollAt: nowIso }),
  ]);
  const base = { clusterId, maintenance: maintenance.enabled, serverTime: nowIso };
  if (maintenance.enabled) return { ...base, commands: [], exemptions: null };
  // The index is eventually consistent: a command closed a moment ago may still be listed; the lease's
  // condition on the table item is what decides.
  const open = await queryAll(agentCommandEntity, openAgentCommandsQuery(orgId, clusterId), {
    limit: commandsPerPoll * 3,
  });
  const leaseUntil = new Date(now.getTime() + commandLeaseMs).toISOString();
  const commands: AgentCommandsResponse['commands'] = [];
  for (const c of open) {
    if (commands.length >= commandsPerPoll) break;
    if (c.status === 'done' || (c.status === 'leased' && (c.leaseUntil ?? '') > nowIso)) continue;
    try {
      const leased = await updateEntity(
        agentCommandEntity,
        agentCommandKey(orgId, clusterId, c.commandId),
        { set: { status: 'leased', leaseUntil, deliveredAt: nowIso }, add: { attempts: 1 } },
        where.or(
          where.eq('status', 'pending'),
          where.and(where.eq('status', 'leased'), where.lt('leaseUntil', nowIso)),
        ),
      );
      commands.push({ id: leased.commandId, command: leased.command, leaseUntil, attempt: leased.attempts });
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }
  // Read with the commands they apply to: an idle poll (every 15 s per cluster) stays two small writes
  // and a Query, without the cluster and its three policy levels.
  return { ...base, commands, exemptions: commands.length ? await exemptionsOf(orgId, clusterId) : null };
}

/** One command of the agent's own cluster, or 404 (a command of another cluster is never found). */
export async function getAgentCommand(orgId: string, clusterId: string, commandId: string) {
  const found = await getItem(agentCommandEntity, agentCommandKey(orgId, clusterId, commandId), true);
  // The id is not echoed: an answer about another cluster's id must read like one about an unknown id.
  if (!found) throw new NotFoundError("The command (of this agent's cluster)");
  return viewOf(found);
}

/**
 * Records the agent's outcome of one command, once: the first result closes it (out of the open index,
 * expiring a week later). The same outcome posted again is a no-op (`changed: false`, a retried POST); a
 * different one is a 409, the stored result stands.
 */
export async function recordCommandResult(
  agent: { orgId: string; clusterId: string },
  commandId: string,
  body: AgentCommandResultBody,
  now: Date,
): Promise<{ view: AgentCommandView; changed: boolean; before: AgentCommandView | null }> {
  const { orgId, clusterId } = agent;
  const key = agentCommandKey(orgId, clusterId, commandId);
  const reason = body.outcome === 'succeeded' ? (body.reason ?? null) : body.reason;
  try {
    const out = await updateItem(
      key,
      closeAgentCommandSpec({ outcome: body.outcome, reason, finishedAt: now.toISOString() }),
      { condition: where.and(where.itemExists(), where.ne('status', 'done')), returnValues: 'ALL_OLD' },
    );
    const before = viewOf(agentCommandEntity.fromItem(out ?? {}));
    return { view: await getAgentCommand(orgId, clusterId, commandId), changed: true, before };
  } catch (error) {
    if (!isConditionalCheckFailed(error)) throw error;
  }
  const stored = await getAgentCommand(orgId, clusterId, commandId);
  if (stored.outcome === body.outcome) return { view: stored, changed: false, before: stored };
  throw new ConflictError(
    'COMMAND_RESULT_CONFLICT',
    `Command ${commandId} already has the result "${stored.outcome}"${stored.reason ? ` (${stored.reason})` : ''}; a command reports one result.`,
    { details: { command: stored } },
  );
}
