import { z } from 'zod';
import { maintenanceStateSchema } from './agent-command';
import { registryFieldsShape, registryQueryShape } from './cluster-registry';

/** The cluster registry routes (`/api/client/clusters*`). */

export const clusterPathSchema = z.object({ id: z.string().min(1).max(100) });

/**
 * `GET /api/client/clusters`: one page of the registry, sorted by any column (`sort`, `dir`), filtered by
 * account, region, tag, the search `q` and the quick filters (ADR 0045).
 */
export const listClustersQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().max(512).optional(),
  accountId: z.string().min(1).max(64).optional(),
  region: z.string().min(1).max(32).optional(),
  /** `key=value` (exact) or `key` (any value). */
  tag: z.string().min(1).max(256).optional(),
  /** Search: part of the name, id, a tag key or value, or the region (any case). */
  q: z.string().trim().min(1).max(100).optional(),
  ...registryQueryShape,
});
export type ListClustersQuery = z.infer<typeof listClustersQuerySchema>;

/** A cluster fed by its agent is not read agentlessly while the agent's last snapshot is this fresh. */
export const agentFreshnessMs = 10 * 60_000;

/**
 * Whether discovery leaves the cluster to its agent at `now` (the collector's rule, ADR 0076): the agent
 * pushed a snapshot within {@link agentFreshnessMs}.
 */
export function agentFeedsCluster(lastSnapshotAt: string | null, now: Date): boolean {
  const last = lastSnapshotAt ? Date.parse(lastSnapshotAt) : 0;
  return now.getTime() - last < agentFreshnessMs;
}

const agentStateSchema = z.object({
  lastHeartbeatAt: z.string().nullable(),
  lastSnapshotAt: z.string().nullable(),
  version: z.string().nullable(),
});

/** The list row of a cluster: identity, fleet size, run rate (USD/month) and the headline scores. */
export const clusterListItemSchema = z.object({
  id: z.string(),
  name: z.string(),
  accountId: z.string(),
  region: z.string(),
  kubernetesVersion: z.string(),
  status: z.string().nullable(),
  tags: z.record(z.string(), z.string()),
  nodeCount: z.number().int().nonnegative(),
  podCount: z.number().int().nonnegative(),
  monthlyRunRateUsd: z.number().nonnegative(),
  vcpu: z.number().nonnegative().nullable(),
  memoryGiB: z.number().nonnegative().nullable(),
  zones: z.array(z.string()),
  efficiencyScore: z.number().nullable(),
  efficiencyGrade: z.string().nullable(),
  stabilityIndex: z.number().nullable(),
  stabilityLevel: z.string().nullable(),
  spotReadinessScore: z.number().nullable(),
  potentialSavingsMonthlyUsd: z.number().nullable(),
  source: z.string().nullable(),
  collection: z.object({ status: z.string(), reason: z.string().nullable() }).nullable(),
  agent: agentStateSchema.nullable(),
  lastSyncedAt: z.string().nullable(),
  ...registryFieldsShape,
});
export type ClusterListItem = z.infer<typeof clusterListItemSchema>;

/**
 * `nextCursor` continues after the last item returned, in the same order (pass the same sort and
 * filters); null on the last page. `total`: the clusters matching the filters, on every page.
 */
export const clusterListResponseSchema = z.object({
  items: z.array(clusterListItemSchema),
  total: z.number().int().nonnegative(),
  nextCursor: z.string().nullable(),
});
export type ClusterListResponse = z.infer<typeof clusterListResponseSchema>;

/**
 * `GET /api/client/clusters/{id}`: the cluster, its summary (what the dashboard shows), node groups, nodes
 * and workloads. The named fields are the contract; the items carry more inventory fields, kept open
 * (`loose`) because they follow the snapshot format (`cluster-snapshot.ts`).
 */
export const clusterDetailResponseSchema = z.object({
  cluster: z
    .object({
      id: z.string(),
      clusterId: z.string(),
      name: z.string(),
      accountId: z.string(),
      region: z.string(),
      awsAccountIdMasked: z.string().nullable(),
      arn: z.string().nullable(),
      agentConnected: z.boolean(),
      /** Maintenance mode: while enabled no automated action runs on the cluster (ADR 0037). */
      maintenance: maintenanceStateSchema,
      /** The agent's last command poll (write mode; `agentCanAct` says whether it can act now). */
      commandChannel: z.object({ lastPollAt: z.string().nullable() }),
      /**
       * What refreshes the cluster's figures now ({@link agentFeedsCluster}): its agent's snapshots, or the
       * account's discoveries (the agentless collector).
       */
      collectedBy: z.enum(['agent', 'discovery']),
    })
    .loose(),
  summary: z.record(z.string(), z.unknown()).nullable(),
  nodeGroups: z.array(z.object({ clusterId: z.string() }).loose()),
  nodes: z.array(z.object({ clusterId: z.string() }).loose()),
  workloads: z.array(z.object({ clusterId: z.string() }).loose()),
  /** The Overview tab's alert feed, most severe first (ADR 0052). */
  alerts: z.array(
    z.object({
      kind: z.enum([
        'spot-reclaim-risk',
        'node-pressure',
        'node-not-ready',
        'pending-pods',
        'heartbeat-lost',
      ]),
      severity: z.enum(['critical', 'warning', 'info']),
      message: z.string(),
      rule: z.string(),
    }),
  ),
});
export type ClusterDetailResponse = z.infer<typeof clusterDetailResponseSchema>;

/** `POST /api/client/clusters/{id}/agent-token`: the new token, shown once, and how to install the agent. */
export const agentTokenResponseSchema = z.object({
  token: z.string(),
  clusterId: z.string(),
  clusterName: z.string(),
  ingestPath: z.string(),
  revokedPrevious: z.boolean(),
  /** `helm`: the chart served by this deployment; `manifest`: its manifest piped through `kubectl apply`. */
  install: z.object({ helm: z.string(), manifest: z.string() }),
});
export type AgentTokenResponse = z.infer<typeof agentTokenResponseSchema>;
