import { agentPermissionReportSchema, registryFindingsSchema } from '@spot/shared';
import { z } from 'zod';
import { defineEntity } from '../entity';
import { orgItemKey, orgItemsQuery } from './organization';
import { accountInventoryPk, tagsSchema } from './partitions';

/** How the last collection of a cluster's Kubernetes data went. */
export const collectionStateSchema = z.object({
  status: z.enum(['pending', 'ok', 'error']),
  /** Why it failed, in words a person can act on (e.g. the missing access entry). */
  reason: z.string().nullable(),
  source: z.enum(['agentless', 'agent', 'sandbox']).nullable(),
  lastAttemptAt: z.string().nullable(),
});

export const agentStateSchema = z.object({
  lastHeartbeatAt: z.string().nullable(),
  lastSnapshotAt: z.string().nullable(),
  version: z.string().nullable(),
  /** The agent's last report of its own Kubernetes permissions (ADR 0070); `null` until one arrives. */
  permissions: agentPermissionReportSchema.nullable().default(null),
});

export const clusterEntity = defineEntity(
  'Cluster',
  z.object({
    orgId: z.string(),
    clusterId: z.string(),
    accountId: z.string(),
    awsAccountId: z.string(),
    name: z.string(),
    region: z.string(),
    arn: z.string().nullable().default(null),
    kubernetesVersion: z.string(),
    /** EKS status (`ACTIVE`, `UPDATING`, …). */
    status: z.string().default('ACTIVE'),
    endpoint: z.string().nullable().default(null),
    /** Who can reach the API endpoint (DescribeCluster), for CIS 5.4.2; `null` until discovery reads it. */
    endpointAccess: z
      .object({
        publicAccess: z.boolean(),
        privateAccess: z.boolean(),
        publicAccessCidrs: z.array(z.string()),
      })
      .nullable()
      .default(null),
    createdAt: z.string().nullable().default(null),
    tags: tagsSchema.default({}),
    nodeCount: z.number().int().nonnegative(),
    podCount: z.number().int().nonnegative().default(0),
    monthlyRunRateUsd: z.number().nonnegative(),
    timeZone: z.string().default('UTC'),
    /** The precomputed figures the dashboard reads (`ClusterSummary`, written after each snapshot). */
    summary: z.record(z.string(), z.unknown()).nullable().default(null),
    collection: collectionStateSchema.default({
      status: 'pending',
      reason: null,
      source: null,
      lastAttemptAt: null,
    }),
    agent: agentStateSchema.default({
      lastHeartbeatAt: null,
      lastSnapshotAt: null,
      version: null,
      permissions: null,
    }),
    /** SHA-256 of the cluster's current agent token: issuing a new one revokes this one. */
    agentTokenSha256: z.string().nullable().default(null),
    /** When the 30-day history was back-filled, and from where (`null` = not yet). */
    history: z
      .object({ at: z.string(), status: z.enum(['done', 'unavailable']), hours: z.number().int() })
      .nullable()
      .default(null),
    discoveredAt: z.string(),
    lastDiscoveryRunId: z.string().nullable().default(null),
    /** The monthly budget the cost burndown is drawn against, USD (ADR 0052); `null` when none is set. */
    monthlyBudgetUsd: z.number().positive().nullable().default(null),
    /**
     * The last Sync Now that asked the cluster's agent for a snapshot (ADR 0076): when, and who asked. It
     * is pending while no snapshot arrived since (`agent.lastSnapshotAt` is older); the agent's next
     * heartbeat is answered with `snapshotRequested`.
     */
    syncRequestedAt: z.string().nullable().default(null),
    syncRequestedBy: z.string().nullable().default(null),
    /** Time of the last applied snapshot (`null` until the first one). */
    lastSyncedAt: z.string().nullable().default(null),
    /**
     * The Compliance & Drift tab's findings counted at the last snapshot (drift recounted when the node
     * template changes), which the registry row copies for its shield (ADR 0068); `null` before one.
     */
    findings: registryFindingsSchema.nullable().catch(null),
  }),
  (c) => clusterKeys(c.orgId, c.clusterId, c.accountId),
);
export const clusterKey = orgItemKey('CLUSTER');
/** Primary and GSI1 keys of a cluster: GSI1 lists the clusters of one account. */
export const clusterKeys = (orgId: string, clusterId: string, accountId: string) => ({
  ...clusterKey(orgId, clusterId),
  GSI1PK: accountInventoryPk(orgId, accountId),
  GSI1SK: `CLUSTER#${clusterId}`,
});
export const clustersOfOrgQuery = orgItemsQuery('CLUSTER');
export const clustersOfAccountQuery = (orgId: string, accountId: string) => ({
  index: 'GSI1' as const,
  pk: accountInventoryPk(orgId, accountId),
  skPrefix: 'CLUSTER#',
});
