import {
  ConflictError,
  type MaintenanceInput,
  type MaintenanceResponse,
  type MaintenanceState,
  NotFoundError,
} from '@spot/shared';
import {
  agentCommandEntity,
  agentCommandKey,
  closeAgentCommandSpec,
  openAgentCommandsQuery,
} from '../data/entities/agent-command';
import { clusterKey } from '../data/entities/cluster';
import { clusterMaintenanceEntity, clusterMaintenanceKey } from '../data/entities/cluster-maintenance';
import {
  getItem,
  getRaw,
  isConditionalCheckFailed,
  putItem,
  queryAll,
  updateItem,
  where,
} from '../data/repository';

/**
 * Maintenance mode of a cluster (issue 14, ADR 0037): while on, no automated action runs on it. Every
 * workflow step that acts calls {@link assertNotInMaintenance} first; the agent's command poll answers no
 * command; scheduled hibernation runs are skipped (a person's Wake Up Now / Hibernate Now still runs).
 */

/** Thrown by automated steps while the cluster is in maintenance: the step stops, nothing is done. */
export class MaintenanceModeError extends ConflictError {
  constructor(clusterId: string, state: MaintenanceState) {
    super(
      'CLUSTER_IN_MAINTENANCE',
      `Cluster ${clusterId} is in maintenance mode (since ${state.since ?? 'now'}${state.by ? `, by ${state.by}` : ''}): no automated action runs until someone switches it off on the cluster page.`,
      { details: { clusterId, maintenance: state } },
    );
    this.name = 'MaintenanceModeError';
  }
}

const off: MaintenanceState = { enabled: false, since: null, by: null, reason: null };

/** The cluster's maintenance state (off when never switched). `consistent` for a step about to act. */
export async function maintenanceOf(
  orgId: string,
  clusterId: string,
  consistent = true,
): Promise<MaintenanceState> {
  const item = await getItem(clusterMaintenanceEntity, clusterMaintenanceKey(orgId, clusterId), consistent);
  return item ? { enabled: item.enabled, since: item.since, by: item.by, reason: item.reason } : off;
}

/** For workflow steps: throws {@link MaintenanceModeError} while the cluster is in maintenance. */
export async function assertNotInMaintenance(orgId: string, clusterId: string): Promise<void> {
  const state = await maintenanceOf(orgId, clusterId, true);
  if (state.enabled) throw new MaintenanceModeError(clusterId, state);
}

/**
 * Switches maintenance on or off. Switching it on also closes every command no agent has fetched yet as
 * `refused` (a paused plan must not run hours later on a changed cluster); commands an agent holds now
 * finish and report. Switching it on again keeps the first `since`.
 */
export async function setMaintenance(
  orgId: string,
  clusterId: string,
  input: MaintenanceInput,
  actor: { email: string },
  now: Date,
): Promise<{
  response: MaintenanceResponse;
  before: MaintenanceState;
  after: MaintenanceState;
  accountId: string;
}> {
  // A projection: the Cluster item carries its whole summary.
  const cluster = await getRaw(clusterKey(orgId, clusterId), { projection: ['accountId'] });
  if (!cluster) throw new NotFoundError('The cluster');
  const before = await maintenanceOf(orgId, clusterId, true);
  const nowIso = now.toISOString();
  const unchanged = before.enabled === input.enabled;
  const after: MaintenanceState = {
    enabled: input.enabled,
    since: unchanged && before.since ? before.since : nowIso,
    by: unchanged && before.by ? before.by : actor.email,
    reason: input.reason ?? (unchanged ? before.reason : null),
  };
  await putItem(clusterMaintenanceEntity, {
    orgId,
    clusterId,
    enabled: after.enabled,
    since: after.since ?? nowIso,
    by: after.by ?? actor.email,
    reason: after.reason,
  });
  if (input.enabled) await refusePendingCommands(orgId, clusterId, actor.email, nowIso);
  return { response: { clusterId, maintenance: after }, before, after, accountId: String(cluster.accountId) };
}

async function refusePendingCommands(orgId: string, clusterId: string, by: string, nowIso: string) {
  const open = await queryAll(agentCommandEntity, openAgentCommandsQuery(orgId, clusterId));
  for (const command of open.filter((c) => c.status === 'pending')) {
    try {
      await updateItem(
        agentCommandKey(orgId, clusterId, command.commandId),
        closeAgentCommandSpec({
          outcome: 'refused',
          reason: `maintenance mode switched on by ${by}`,
          finishedAt: nowIso,
        }),
        { condition: where.eq('status', 'pending') },
      );
    } catch (error) {
      // An agent fetched it meanwhile: it runs and reports.
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }
}
