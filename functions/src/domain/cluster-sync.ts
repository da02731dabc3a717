import { agentFeedsCluster, type ClusterSyncResponse, NotFoundError } from '@spot/shared';
import { clusterEntity, clusterKey } from '../data/entities/cluster';
import { getItem, isConditionalCheckFailed, updateEntity, where } from '../data/repository';
import { getAccount, resyncAccount } from './accounts';

/**
 * Sync Now of one cluster (issue 17 item 5, ADR 0076). Discovery does not re-read a cluster whose agent
 * pushed a snapshot within `agentFreshnessMs`, so a re-scan of the account would not make such a
 * cluster any fresher: its sync asks the agent instead. The request is two attributes of the Cluster
 * item; the agent's next heartbeat is answered with `snapshotRequested` and it pushes a snapshot at once
 * (read-only: the agent's write mode plays no part). Every other cluster is read by a discovery of its
 * account, the Re-Sync of Cloud Integrations.
 */

/**
 * How long the agent is given to answer: three heartbeats at the agent's default 30 s period. After it
 * the request is no longer pending, so a new click asks again.
 */
export const agentSyncAnswerMs = 90_000;

type Cluster = NonNullable<Awaited<ReturnType<typeof loadCluster>>>;

async function loadCluster(orgId: string, clusterId: string) {
  const cluster = await getItem(clusterEntity, clusterKey(orgId, clusterId), true);
  // Keyed by the caller's organization: another organization's cluster is simply not found.
  if (!cluster) throw new NotFoundError('The cluster');
  return cluster;
}

/** Whether discovery would leave the cluster to its agent now (the collector's own rule). */
export const agentFeeds = (cluster: { agent: { lastSnapshotAt: string | null } }, now: Date): boolean =>
  agentFeedsCluster(cluster.agent.lastSnapshotAt, now);

/**
 * A sync asked of the agent that it has not answered yet: no snapshot since, and still within
 * {@link agentSyncAnswerMs}. Pure; the heartbeat's answer and the rate limit of clicks both read it.
 */
export function syncPending(
  cluster: { syncRequestedAt: string | null; agent: { lastSnapshotAt: string | null } },
  now: Date,
): boolean {
  const requested = cluster.syncRequestedAt;
  if (!requested) return false;
  if (now.getTime() - Date.parse(requested) >= agentSyncAnswerMs) return false;
  return (cluster.agent.lastSnapshotAt ?? '') < requested;
}

/** The agent pushed a snapshot since the last request (server times, whatever the agent's clock). */
export const syncAnswered = (cluster: {
  syncRequestedAt: string | null;
  agent: { lastSnapshotAt: string | null };
}): boolean =>
  cluster.syncRequestedAt !== null && (cluster.agent.lastSnapshotAt ?? '') >= cluster.syncRequestedAt;

const agentView = (cluster: Cluster, now: Date, alreadyRequested: boolean): ClusterSyncResponse => ({
  clusterId: cluster.clusterId,
  via: 'agent',
  requestedAt: cluster.syncRequestedAt ?? now.toISOString(),
  requestedBy: cluster.syncRequestedBy,
  pending: syncPending(cluster, now),
  answered: syncAnswered(cluster),
  alreadyRequested,
  answerWithinSeconds: agentSyncAnswerMs / 1000,
  lastSyncedAt: cluster.lastSyncedAt,
  account: null,
});

/**
 * Sync Now. An agent-fed cluster: records the request (who, when) unless one is pending, which is
 * answered as it is (one pending sync per cluster: a double click asks once). Otherwise: a discovery of
 * the cluster's account, or the one already running.
 */
export async function requestClusterSync(
  orgId: string,
  clusterId: string,
  requestedBy: string,
  now: Date,
): Promise<{ response: ClusterSyncResponse; changed: boolean; accountId: string }> {
  const cluster = await loadCluster(orgId, clusterId);
  if (agentFeeds(cluster, now)) {
    if (syncPending(cluster, now))
      return { response: agentView(cluster, now, true), changed: false, accountId: cluster.accountId };
    const nowIso = now.toISOString();
    try {
      const updated = await updateEntity(
        clusterEntity,
        clusterKey(orgId, clusterId),
        { set: { syncRequestedAt: nowIso, syncRequestedBy: requestedBy } },
        // Only over the request this read saw: of two clicks racing, one records and the other is told.
        cluster.syncRequestedAt
          ? where.eq('syncRequestedAt', cluster.syncRequestedAt)
          : where.and(
              where.itemExists(),
              where.or(where.notExists('syncRequestedAt'), where.isNull('syncRequestedAt')),
            ),
      );
      return { response: agentView(updated, now, false), changed: true, accountId: cluster.accountId };
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      const current = await loadCluster(orgId, clusterId);
      return { response: agentView(current, now, true), changed: false, accountId: cluster.accountId };
    }
  }
  const current = await getAccount(orgId, cluster.accountId);
  const alreadyRequested = current.status === 'scanning';
  const account = alreadyRequested ? current : (await resyncAccount(orgId, cluster.accountId, now)).account;
  return {
    response: {
      clusterId,
      via: 'discovery',
      requestedAt: now.toISOString(),
      requestedBy: null,
      pending: false,
      answered: false,
      alreadyRequested,
      answerWithinSeconds: agentSyncAnswerMs / 1000,
      lastSyncedAt: cluster.lastSyncedAt,
      account,
    },
    changed: !alreadyRequested,
    accountId: cluster.accountId,
  };
}

/** The cluster's last Sync Now as the page follows it: pending until the agent's snapshot arrived. */
export async function clusterSyncState(
  orgId: string,
  clusterId: string,
  now: Date,
): Promise<ClusterSyncResponse> {
  const cluster = await loadCluster(orgId, clusterId);
  return agentView(cluster, now, false);
}
