import { deniedListsReason, type IngestBody, NotFoundError, ValidationError } from '@spot/shared';
import { clusterEntity, clusterKey } from '../data/entities/cluster';
import { getItem, where } from '../data/repository';
import { executePlan } from '../data/write-plan';
import { registryRowText, registryRowUpdate } from './cluster-registry-row';
import { syncPending } from './cluster-sync';
import { applySnapshot } from './discovery/snapshot';

/** Snapshots stamped further in the future than this are refused: they would write future rollups. */
const maxClockSkewMs = 10 * 60_000;

export interface IngestResult {
  statusCode: number;
  body: Record<string, unknown>;
}

/** Called for the pushes worth an audit record: first contact, a new agent version, a refused push. */
export type AuditPush = (entry: { clusterName: string | null; after: Record<string, unknown> }) => void;

export async function ingest(
  agent: { orgId: string; clusterId: string },
  body: IngestBody,
  now: Date,
  audit: AuditPush,
): Promise<IngestResult> {
  if (body.clusterId !== undefined && body.clusterId !== agent.clusterId) {
    audit({ clusterName: null, after: { event: 'agent.refused', claimedClusterId: body.clusterId } });
    // 404 like any id the caller may not see: whether the named cluster exists (in this organization or
    // another) is none of the agent's business, and a 403 would confirm it.
    throw new NotFoundError('The cluster this push names (an agent token reports only its own cluster)');
  }
  const cluster = await getItem(clusterEntity, clusterKey(agent.orgId, agent.clusterId), true);
  if (!cluster) throw new NotFoundError('The cluster of this agent token');
  const nowIso = now.toISOString();
  const firstContact = cluster.agent.lastHeartbeatAt === null && cluster.agent.lastSnapshotAt === null;
  const versionChanged = cluster.agent.version !== null && cluster.agent.version !== body.agentVersion;
  if (firstContact || versionChanged) {
    audit({
      clusterName: cluster.name,
      after: {
        event: firstContact ? 'agent.connected' : 'agent.upgraded',
        agentVersion: body.agentVersion,
        previousVersion: cluster.agent.version,
      },
    });
  }

  if (body.kind === 'heartbeat') {
    // A heartbeat without a permission report (an older agent) keeps the last one.
    const agentState = {
      ...cluster.agent,
      lastHeartbeatAt: nowIso,
      version: body.agentVersion,
      permissions: body.permissions ?? cluster.agent.permissions,
    };
    // The registry's health and agent version follow heartbeats too (ADR 0045): both in one transaction,
    // so a write refused halfway never leaves the registry telling another story than the cluster.
    await executePlan([
      {
        kind: 'transaction',
        items: [
          {
            update: clusterKey(agent.orgId, agent.clusterId),
            spec: { set: { agent: agentState } },
            condition: where.itemExists(),
          },
          ...registryRowUpdate(cluster, registryRowText({ ...cluster, agent: agentState })),
        ],
      },
    ]);
    return {
      statusCode: 200,
      body: {
        accepted: 'heartbeat',
        clusterId: agent.clusterId,
        serverTime: nowIso,
        // Sync Now asked for a snapshot the agent has not pushed yet (ADR 0076); read from the item this
        // heartbeat reads anyway, so an idle heartbeat costs nothing more.
        snapshotRequested: syncPending(cluster, now),
      },
    };
  }

  const snapshot = body.snapshot;
  if (snapshot.clusterName !== cluster.name) {
    audit({
      clusterName: cluster.name,
      after: { event: 'agent.refused', snapshotClusterName: snapshot.clusterName },
    });
    throw new ValidationError(
      `snapshot.clusterName: the snapshot is of cluster "${snapshot.clusterName}" but this token belongs to "${cluster.name}".`,
    );
  }
  if (Date.parse(snapshot.capturedAt) > now.getTime() + maxClockSkewMs) {
    throw new ValidationError(
      'snapshot.capturedAt: is in the future; check the clock of the node running the agent.',
    );
  }
  const applied = await applySnapshot(cluster, snapshot, {
    now,
    clusterUpdate: {
      agent: {
        lastHeartbeatAt: nowIso,
        lastSnapshotAt: nowIso,
        version: body.agentVersion,
        permissions: body.permissions ?? cluster.agent.permissions,
      },
      collection: {
        status: 'ok',
        reason: deniedListsReason(snapshot.deniedLists),
        source: snapshot.source,
        lastAttemptAt: nowIso,
      },
    },
  });
  return {
    statusCode: 202,
    body: {
      accepted: 'snapshot',
      clusterId: agent.clusterId,
      nodeCount: applied.nodeCount,
      podCount: applied.podCount,
      monthlyRunRateUsd: applied.monthlyRunRateUsd,
    },
  };
}
