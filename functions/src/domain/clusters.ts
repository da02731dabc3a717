import { createHash, randomBytes } from 'node:crypto';
import {
  ConflictError,
  type ItemKeys,
  type ListClustersQuery,
  maskArnAccount,
  maskAwsAccountId,
  NotFoundError,
  ValidationError,
} from '@spot/shared';
import { z } from 'zod';
import { agentChannelEntity, agentChannelKey } from '../data/entities/agent-channel';
import { agentTokenEntity, agentTokenKey } from '../data/entities/agent-token';
import {
  clusterEntity,
  clusterKey,
  clusterKeys,
  clustersOfAccountQuery,
  clustersOfOrgQuery,
} from '../data/entities/cluster';
import { nodeEntity } from '../data/entities/node';
import { nodeGroupEntity } from '../data/entities/node-group';
import { clusterChildrenQuery } from '../data/entities/partitions';
import { workloadEntity } from '../data/entities/workload';
import {
  type AttributePath,
  type Condition,
  cancelledConditions,
  getItem,
  queryAll,
  queryPage,
  type TransactItem,
  transactDelete,
  transactPut,
  transactUpdate,
  transactWrite,
  where,
} from '../data/repository';
import { maintenanceOf } from './maintenance';

/**
 * The cluster registry of an organization. Keys are built from the caller's organization only, so another
 * organization's cluster id is simply not found (404, never 403: ids leak nothing).
 */

/** The attributes the list reads (the summary's headline figures, not the whole summary). */
const listAttributes: AttributePath[] = [
  'clusterId',
  'name',
  'accountId',
  'region',
  'kubernetesVersion',
  'status',
  'tags',
  'nodeCount',
  'podCount',
  'monthlyRunRateUsd',
  'lastSyncedAt',
  'collection',
  'agent',
  ['summary', 'efficiency', 'score'],
  ['summary', 'efficiency', 'grade'],
  ['summary', 'stability', 'index'],
  ['summary', 'stability', 'level'],
  ['summary', 'spot', 'scoreByCount'],
  ['summary', 'savings', 'totalMonthlyUsd'],
  ['summary', 'capacity', 'cpuMilli'],
  ['summary', 'capacity', 'memoryMiB'],
  ['summary', 'capacity', 'zones'],
  ['summary', 'source'],
];

const cursorSchema = z.object({ id: z.string().regex(/^[A-Za-z0-9._-]{1,100}$/) });

function decodeCursor(cursor: string): string {
  try {
    return cursorSchema.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))).id;
  } catch {
    throw new ValidationError('cursor: not a cursor this list returned. Start again without it.');
  }
}
const encodeCursor = (clusterId: string) =>
  Buffer.from(JSON.stringify({ id: clusterId })).toString('base64url');

type ListedItem = {
  clusterId: string;
  name: string;
  accountId: string;
  region: string;
  kubernetesVersion: string;
  status?: string;
  tags?: Record<string, string>;
  nodeCount: number;
  podCount?: number;
  monthlyRunRateUsd: number;
  lastSyncedAt?: string | null;
  collection?: { status: string; reason: string | null; source: string | null };
  agent?: { lastHeartbeatAt: string | null; lastSnapshotAt: string | null; version: string | null };
  summary?: {
    efficiency?: { score?: number | null; grade?: string | null };
    stability?: { index?: number; level?: string };
    spot?: { scoreByCount?: number | null };
    savings?: { totalMonthlyUsd?: number };
    capacity?: { cpuMilli?: number; memoryMiB?: number; zones?: string[] };
    source?: string;
  } | null;
};

/** The list row of a cluster: identity, fleet size, run rate and the headline scores. */
function toListView(c: ListedItem) {
  return {
    id: c.clusterId,
    name: c.name,
    accountId: c.accountId,
    region: c.region,
    kubernetesVersion: c.kubernetesVersion,
    status: c.status ?? null,
    tags: c.tags ?? {},
    nodeCount: c.nodeCount,
    podCount: c.podCount ?? 0,
    monthlyRunRateUsd: c.monthlyRunRateUsd,
    vcpu: c.summary?.capacity?.cpuMilli !== undefined ? c.summary.capacity.cpuMilli / 1000 : null,
    memoryGiB: c.summary?.capacity?.memoryMiB !== undefined ? c.summary.capacity.memoryMiB / 1024 : null,
    zones: c.summary?.capacity?.zones ?? [],
    efficiencyScore: c.summary?.efficiency?.score ?? null,
    efficiencyGrade: c.summary?.efficiency?.grade ?? null,
    stabilityIndex: c.summary?.stability?.index ?? null,
    stabilityLevel: c.summary?.stability?.level ?? null,
    spotReadinessScore: c.summary?.spot?.scoreByCount ?? null,
    potentialSavingsMonthlyUsd: c.summary?.savings?.totalMonthlyUsd ?? null,
    source: c.summary?.source ?? c.collection?.source ?? null,
    collection: c.collection ? { status: c.collection.status, reason: c.collection.reason } : null,
    agent: c.agent ?? null,
    lastSyncedAt: c.lastSyncedAt ?? null,
  };
}

/**
 * One page of the organization's clusters, in id order, optionally of one account (GSI1), one region, with
 * a tag, or a name containing `q`. `nextCursor` continues after the last item returned.
 */
export async function listClusters(orgId: string, query: ListClustersQuery) {
  const byAccount = query.accountId !== undefined;
  const keyQuery = byAccount
    ? clustersOfAccountQuery(orgId, query.accountId as string)
    : clustersOfOrgQuery(orgId);
  const filters: Condition[] = [];
  if (query.region) filters.push(where.eq('region', query.region));
  if (query.tag) {
    const [key = '', ...rest] = query.tag.split('=');
    if (key === '') {
      throw new ValidationError('tag: give a tag key, as `key` or `key=value`.');
    }
    filters.push(rest.length ? where.eq(['tags', key], rest.join('=')) : where.exists(['tags', key]));
  }
  if (query.q) filters.push(where.contains('name', query.q));
  let startKey: ItemKeys | undefined;
  if (query.cursor) {
    const id = decodeCursor(query.cursor);
    startKey = byAccount ? clusterKeys(orgId, id, query.accountId as string) : clusterKey(orgId, id);
  }
  const page = await queryPage(keyQuery, {
    limit: query.limit,
    projection: listAttributes,
    ...(filters.length ? { filter: where.and(...filters) } : {}),
    pageSize: Math.min(500, query.limit * 4),
    ...(startKey ? { startKey } : {}),
  });
  const items = page.items as ListedItem[];
  const last = items.at(-1);
  return {
    items: items.map(toListView),
    nextCursor: page.hasMore && last ? encodeCursor(last.clusterId) : null,
  };
}

/** The cluster of the caller's organization, or 404. */
export async function loadCluster(orgId: string, clusterId: string) {
  const cluster = await getItem(clusterEntity, clusterKey(orgId, clusterId));
  if (!cluster) throw new NotFoundError('The cluster');
  return cluster;
}

const withoutOrg = <T extends { orgId: string }>({ orgId: _org, ...rest }: T) => rest;

/** One cluster: its summary (what the dashboard shows), node groups, nodes and workloads. */
export async function getCluster(orgId: string, clusterId: string) {
  const cluster = await loadCluster(orgId, clusterId);
  const [nodeGroups, nodes, workloads, maintenance, channel] = await Promise.all([
    queryAll(nodeGroupEntity, clusterChildrenQuery(orgId, clusterId, 'NODEGROUP')),
    queryAll(nodeEntity, clusterChildrenQuery(orgId, clusterId, 'NODE')),
    queryAll(workloadEntity, clusterChildrenQuery(orgId, clusterId, 'WORKLOAD')),
    maintenanceOf(orgId, clusterId, false),
    getItem(agentChannelEntity, agentChannelKey(orgId, clusterId)),
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
    },
    summary,
    nodeGroups: nodeGroups.map(withoutOrg),
    nodes: nodes.map(withoutOrg),
    workloads: workloads.map(({ dailyUsage: _d, today: _t, ...w }) => withoutOrg(w)),
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
  return {
    body: {
      token,
      clusterId,
      clusterName: cluster.name,
      ingestPath,
      revokedPrevious: cluster.agentTokenSha256 !== null,
      install: {
        helm: `helm upgrade --install spot-optimizer-agent agent/helm/spot-optimizer-agent --namespace spot-optimizer --create-namespace --set apiUrl=$SPOT_API_URL --set clusterName=${cluster.name} --set token=${token}`,
        manifest: 'agent/manifests/agent.yaml (set SPOT_API_URL, SPOT_CLUSTER_NAME and the token Secret)',
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
