import { createHash, randomBytes } from 'node:crypto';
import {
  agentFeedsCluster,
  ConflictError,
  installCommands,
  maskArnAccount,
  maskAwsAccountId,
  NotFoundError,
} from '@spot/shared';
import { agentChannelEntity, agentChannelKey } from '../data/entities/agent-channel';
import { agentTokenEntity, agentTokenKey } from '../data/entities/agent-token';
import { clusterEntity, clusterKey } from '../data/entities/cluster';
import { nodeEntity } from '../data/entities/node';
import { nodeGroupEntity } from '../data/entities/node-group';
import { clusterChildrenQuery } from '../data/entities/partitions';
import { workloadEntity } from '../data/entities/workload';
import {
  cancelledConditions,
  getItem,
  queryAll,
  type TransactItem,
  transactDelete,
  transactPut,
  transactUpdate,
  transactWrite,
  where,
} from '../data/repository';
import { port } from '../ports';
import { clusterAlerts } from './cluster-alerts';
import { maintenanceOf } from './maintenance';
import { nodePoolEditsOf } from './nodepool-edits';

/**
 * The cluster registry of an organization. Keys are built from the caller's organization only, so another
 * organization's cluster id is simply not found (404, never 403: ids leak nothing).
 */

/** The cluster of the caller's organization, or 404. */
export async function loadCluster(orgId: string, clusterId: string) {
  const cluster = await getItem(clusterEntity, clusterKey(orgId, clusterId));
  if (!cluster) throw new NotFoundError('The cluster');
  return cluster;
}

const withoutOrg = <T extends { orgId: string }>({ orgId: _org, ...rest }: T) => rest;

/** One cluster: its summary (what the dashboard shows), node groups, nodes and workloads. */
export async function getCluster(orgId: string, clusterId: string, now: Date) {
  const cluster = await loadCluster(orgId, clusterId);
  const [nodeGroups, nodes, workloads, maintenance, channel, poolEdits] = await Promise.all([
    queryAll(nodeGroupEntity, clusterChildrenQuery(orgId, clusterId, 'NODEGROUP')),
    queryAll(nodeEntity, clusterChildrenQuery(orgId, clusterId, 'NODE')),
    queryAll(workloadEntity, clusterChildrenQuery(orgId, clusterId, 'WORKLOAD')),
    maintenanceOf(orgId, clusterId, false),
    getItem(agentChannelEntity, agentChannelKey(orgId, clusterId)),
    nodePoolEditsOf(orgId, clusterId),
  ]);
  const { summary, agentTokenSha256, orgId: _org, endpoint: _endpoint, awsAccountId, arn, ...rest } = cluster;
  return {
    cluster: {
      id: cluster.clusterId,
      ...rest,
      // Masked like every account view (the full id is never returned by the API).
      awsAccountIdMasked: maskAwsAccountId(awsAccountId),
      arn: maskArnAccount(arn),
      agentConnected: agentTokenSha256 !== null,
      maintenance,
      commandChannel: { lastPollAt: channel?.lastPollAt ?? null },
      collectedBy: agentFeedsCluster(cluster.agent.lastSnapshotAt, now)
        ? ('agent' as const)
        : ('discovery' as const),
    },
    summary,
    // A NodePool's last edit from the Node Groups tab and its command's outcome (ADR 0079).
    nodeGroups: nodeGroups.map((g) => ({
      ...withoutOrg(g),
      ...(g.kind === 'karpenter-nodepool' ? { nodePoolEdit: poolEdits.get(g.name) ?? null } : {}),
    })),
    nodes: nodes.map(withoutOrg),
    workloads: workloads.map(({ dailyUsage: _d, today: _t, ...w }) => withoutOrg(w)),
    // The Overview tab's alert feed (ADR 0052).
    alerts: clusterAlerts(cluster, nodes, now),
  };
}

export const agentTokenPrefix = 'spot_agt_';
export const ingestPath = '/api/ingest/snapshots';

/**
 * A new agent token for a cluster: 32 random bytes, shown once, stored only as its SHA-256. The token
 * item, the cluster's pointer to it and the removal of the previous token are one transaction, so a
 * cluster has exactly one valid token and issuing a new one revokes the old one.
 */
export async function issueAgentToken(orgId: string, clusterId: string, createdBy: string, now: Date) {
  const cluster = await loadCluster(orgId, clusterId);
  const token = `${agentTokenPrefix}${randomBytes(32).toString('base64url')}`;
  const tokenSha256 = createHash('sha256').update(token).digest('hex');
  const items: TransactItem[] = [
    transactPut(
      agentTokenEntity,
      { tokenSha256, orgId, clusterId, createdAt: now.toISOString(), createdBy },
      true,
    ),
    transactUpdate(
      clusterKey(orgId, clusterId),
      { set: { agentTokenSha256: tokenSha256 } },
      // Still the token this request read: of two concurrent issues only one replaces it, so the one it
      // revokes is the one it read and no second valid token is left behind.
      where.and(
        where.itemExists(),
        cluster.agentTokenSha256
          ? where.eq('agentTokenSha256', cluster.agentTokenSha256)
          : where.or(where.notExists('agentTokenSha256'), where.isNull('agentTokenSha256')),
      ),
    ),
  ];
  if (cluster.agentTokenSha256) items.push(transactDelete(agentTokenKey(cluster.agentTokenSha256)));
  try {
    await transactWrite(items);
  } catch (error) {
    if (!cancelledConditions(error)?.some(Boolean)) throw error;
    await loadCluster(orgId, clusterId); // 404 if it was deleted meanwhile
    throw new ConflictError(
      'AGENT_TOKEN_CHANGED',
      'Another agent token was issued for this cluster at the same moment. Reload the cluster page and use the token shown there, or issue a new one.',
    );
  }
  // The same commands as the wizard's install token (ADR 0071, 0075): the chart and the manifest served by
  // this deployment, not paths of our repository the customer does not have.
  const commands = installCommands(await port('site').appUrl(), cluster.name, token);
  return {
    body: {
      token,
      clusterId,
      clusterName: cluster.name,
      ingestPath,
      revokedPrevious: cluster.agentTokenSha256 !== null,
      install: {
        helm: commands.helm,
        manifest: commands.kubectl,
      },
    },
    audit: {
      after: {
        clusterName: cluster.name,
        tokenSha256Prefix: tokenSha256.slice(0, 12),
        revokedPrevious: cluster.agentTokenSha256 !== null,
      },
    },
  };
}
