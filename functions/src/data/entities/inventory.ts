import { z } from 'zod';
import { defineEntity } from '../entity';
import { orgPk } from './organization';

/**
 * Discovered inventory. Every key starts with the organization, so a read can only ever reach the
 * caller's own items, and every item carries its source account for the global account filter.
 *
 * Partitions:
 * - `ORG#<orgId>`: the clusters (`CLUSTER#<clusterId>`) and their dashboard cards (`CARD#<clusterId>`) and
 *   series (`SERIES#<clusterId>`), beside the organization's other top-level items;
 * - `ORG#<orgId>#ACCOUNT#<accountId>`: what discovery found in one cloud account, outside Kubernetes
 *   (`REGION#`, `INSTANCE#<region>#`, `ASG#<region>#`);
 * - `ORG#<orgId>#CLUSTER#<clusterId>`: one cluster's node groups, nodes and workloads;
 * - `…#ROLLUP` / `…#WLROLLUP`: its time series, expiring through TTL.
 */
export const clusterPk = (orgId: string, clusterId: string) => `${orgPk(orgId)}#CLUSTER#${clusterId}`;
export const accountInventoryPk = (orgId: string, accountId: string) =>
  `${orgPk(orgId)}#ACCOUNT#${accountId}`;
const dayS = 86_400;
/** Time series are kept 35 days: the 30 days the screens show plus a margin for late rollups. */
export const timeSeriesRetentionDays = 35;
const expiresFrom = (iso: string) => Math.floor(Date.parse(iso) / 1000) + timeSeriesRetentionDays * dayS;

const capacityTypeSchema = z.enum(['on-demand', 'spot']);
const tagsSchema = z.record(z.string(), z.string());
/** Where a price came from: the savings engine's sources, or `unknown` (shown as such, never as $0). */
export const inventoryPriceSourceSchema = z.enum(['live-on-demand', 'live-spot', 'catalog', 'unknown']);

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
    agent: agentStateSchema.default({ lastHeartbeatAt: null, lastSnapshotAt: null, version: null }),
    /** SHA-256 of the cluster's current agent token: issuing a new one revokes this one. */
    agentTokenSha256: z.string().nullable().default(null),
    /** When the 30-day history was back-filled, and from where (`null` = not yet). */
    history: z
      .object({ at: z.string(), status: z.enum(['done', 'unavailable']), hours: z.number().int() })
      .nullable()
      .default(null),
    discoveredAt: z.string(),
    lastDiscoveryRunId: z.string().nullable().default(null),
    /** Time of the last applied snapshot (`null` until the first one). */
    lastSyncedAt: z.string().nullable().default(null),
  }),
  (c) => clusterKeys(c.orgId, c.clusterId, c.accountId),
);
export const clusterKey = (orgId: string, clusterId: string) => ({
  PK: orgPk(orgId),
  SK: `CLUSTER#${clusterId}`,
});
/** Primary and GSI1 keys of a cluster: GSI1 lists the clusters of one account. */
export const clusterKeys = (orgId: string, clusterId: string, accountId: string) => ({
  ...clusterKey(orgId, clusterId),
  GSI1PK: accountInventoryPk(orgId, accountId),
  GSI1SK: `CLUSTER#${clusterId}`,
});
export const clustersOfOrgQuery = (orgId: string) => ({ pk: orgPk(orgId), skPrefix: 'CLUSTER#' });
export const clustersOfAccountQuery = (orgId: string, accountId: string) => ({
  index: 'GSI1' as const,
  pk: accountInventoryPk(orgId, accountId),
  skPrefix: 'CLUSTER#',
});

/**
 * The dashboard card of one cluster (`shared/src/dashboard/card.ts`): its row fields and the summary parts
 * the widgets read, as one JSON string. Its own small item beside the Cluster item, so ONE Query
 * (`begins_with(SK, 'CARD#')`) of the organization's partition reads the whole fleet's dashboard and
 * nothing else (a Query reads whole items: the series strings stay on the ClusterSeries item). Rewritten
 * with every snapshot (in the same transaction as the series item) and every collection status change;
 * deleted with the cluster; it carries `accountId` for the account filter.
 */
export const clusterCardEntity = defineEntity(
  'ClusterCard',
  z.object({
    orgId: z.string(),
    clusterId: z.string(),
    accountId: z.string(),
    /** A string, not a map: reading 50 of them stays cheap (no nested attribute decoding). */
    card: z.string(),
  }),
  (c) => clusterCardKey(c.orgId, c.clusterId),
);
export const clusterCardKey = (orgId: string, clusterId: string) => ({
  PK: orgPk(orgId),
  SK: `CARD#${clusterId}`,
});
export const cardsOfOrgQuery = (orgId: string) => ({ pk: orgPk(orgId), skPrefix: 'CARD#' });

/**
 * The Resource Gap series of one cluster (`shared/src/dashboard/series.ts`), beside its Cluster item so ONE
 * Query (`begins_with(SK, 'SERIES#')`) reads the fleet's series. One compact string per range x resource,
 * so a read projects only the one it draws; `latest` is the current hour, refreshed on every snapshot.
 * Rewritten whole once an hour (when the rollups are read), deleted with the cluster; it carries
 * `accountId` for the account filter.
 */
export const clusterSeriesEntity = defineEntity(
  'ClusterSeries',
  z.object({
    orgId: z.string(),
    clusterId: z.string(),
    accountId: z.string(),
    /** When the completed hours were last downsampled. */
    computedAt: z.string(),
    /** `<hourEpochMinutes>,capCpu,reqCpu,usedCpu,capMem,reqMem,usedMem` of the current hour. */
    latest: z.string().nullable(),
    /**
     * The summary's bin-packing figures the Resource Gap route shows (`shared/src/dashboard`
     * `encodePacking`), so that route reads no card. Derived from the same summary as the card and written
     * in the same transaction; the dashboard route never reads it.
     */
    packing: z.string().nullable().default(null),
    gap24hCpu: z.string().default(''),
    gap24hMemory: z.string().default(''),
    gap7dCpu: z.string().default(''),
    gap7dMemory: z.string().default(''),
    gap30dCpu: z.string().default(''),
    gap30dMemory: z.string().default(''),
  }),
  (s) => clusterSeriesKey(s.orgId, s.clusterId),
);
export const clusterSeriesKey = (orgId: string, clusterId: string) => ({
  PK: orgPk(orgId),
  SK: `SERIES#${clusterId}`,
});
export const seriesOfOrgQuery = (orgId: string) => ({ pk: orgPk(orgId), skPrefix: 'SERIES#' });

/** One enabled region of an account as discovery last saw it, with the live prices it fetched there. */
export const accountRegionEntity = defineEntity(
  'AccountRegion',
  z.object({
    orgId: z.string(),
    accountId: z.string(),
    region: z.string(),
    ok: z.boolean(),
    error: z.object({ code: z.string(), message: z.string() }).nullable(),
    instanceCount: z.number().int().nonnegative(),
    runningInstanceCount: z.number().int().nonnegative(),
    autoScalingGroupCount: z.number().int().nonnegative(),
    clusterCount: z.number().int().nonnegative(),
    /** Running EC2 instances of the region (in and out of clusters), USD/month. */
    monthlyRunRateUsd: z.number().nonnegative(),
    /** Live on-demand prices by instance type, USD/h (empty when the Pricing API was unavailable). */
    onDemandPrices: z.record(z.string(), z.number()).default({}),
    /** Latest live spot price by `<instanceType>|<availabilityZone>`, USD/h. */
    spotPrices: z.record(z.string(), z.number()).default({}),
    /** Recent spot prices by instance type, USD/h, oldest first (price volatility of the interruption model). */
    spotHistory: z.record(z.string(), z.array(z.number())).default({}),
    pricesError: z.string().nullable().default(null),
    discoveredAt: z.string(),
    runId: z.string(),
  }),
  (r) => accountRegionKey(r.orgId, r.accountId, r.region),
);
export const accountRegionKey = (orgId: string, accountId: string, region: string) => ({
  PK: accountInventoryPk(orgId, accountId),
  SK: `REGION#${region}`,
});
export const regionsOfAccountQuery = (orgId: string, accountId: string) => ({
  pk: accountInventoryPk(orgId, accountId),
  skPrefix: 'REGION#',
});

export const instanceEntity = defineEntity(
  'Ec2Instance',
  z.object({
    orgId: z.string(),
    accountId: z.string(),
    region: z.string(),
    instanceId: z.string(),
    instanceType: z.string(),
    capacityType: capacityTypeSchema,
    availabilityZone: z.string(),
    state: z.string(),
    launchTime: z.string(),
    architecture: z.string().nullable(),
    tags: tagsSchema,
    clusterName: z.string().nullable(),
    clusterId: z.string().nullable(),
    autoScalingGroupName: z.string().nullable(),
    nodegroupName: z.string().nullable(),
    hourlyPriceUsd: z.number().nonnegative().nullable(),
    priceSource: inventoryPriceSourceSchema,
    runId: z.string(),
  }),
  (i) => ({ PK: accountInventoryPk(i.orgId, i.accountId), SK: `INSTANCE#${i.region}#${i.instanceId}` }),
);
export const instancesOfRegionQuery = (orgId: string, accountId: string, region: string) => ({
  pk: accountInventoryPk(orgId, accountId),
  skPrefix: `INSTANCE#${region}#`,
});

export const autoScalingGroupEntity = defineEntity(
  'AutoScalingGroup',
  z.object({
    orgId: z.string(),
    accountId: z.string(),
    region: z.string(),
    name: z.string(),
    minSize: z.number().int().nonnegative(),
    desiredCapacity: z.number().int().nonnegative(),
    maxSize: z.number().int().nonnegative(),
    instanceTypes: z.array(z.string()),
    instanceCount: z.number().int().nonnegative(),
    onDemandPercentageAboveBase: z.number().nullable(),
    tags: tagsSchema,
    clusterId: z.string().nullable(),
    runId: z.string(),
  }),
  (a) => ({ PK: accountInventoryPk(a.orgId, a.accountId), SK: `ASG#${a.region}#${a.name}` }),
);
export const autoScalingGroupsOfRegionQuery = (orgId: string, accountId: string, region: string) => ({
  pk: accountInventoryPk(orgId, accountId),
  skPrefix: `ASG#${region}#`,
});

export const nodeGroupEntity = defineEntity(
  'NodeGroup',
  z.object({
    orgId: z.string(),
    clusterId: z.string(),
    accountId: z.string(),
    nodeGroupId: z.string(),
    name: z.string(),
    kind: z.enum(['managed-node-group', 'asg', 'karpenter-nodepool']),
    capacityType: z.enum(['on-demand', 'spot', 'mixed']),
    instanceTypes: z.array(z.string()),
    minSize: z.number().int().nonnegative(),
    desiredSize: z.number().int().nonnegative(),
    maxSize: z.number().int().nonnegative(),
    autoScalingGroupNames: z.array(z.string()).default([]),
    labels: tagsSchema.default({}),
    taints: z
      .array(z.object({ key: z.string(), value: z.string().optional(), effect: z.string() }))
      .default([]),
    status: z.string().nullable().default(null),
    /** From the last snapshot: nodes running in the group now and what they cost. */
    nodeCount: z.number().int().nonnegative().default(0),
    hourlyCostUsd: z.number().nonnegative().default(0),
    /** Spot readiness (by count) of the pods on the group's nodes; `null` when none is eligible. */
    spotReadinessScore: z.number().min(0).max(1).nullable().default(null),
  }),
  (g) => nodeGroupKey(g.orgId, g.clusterId, g.nodeGroupId),
);
export const nodeGroupKey = (orgId: string, clusterId: string, nodeGroupId: string) => ({
  PK: clusterPk(orgId, clusterId),
  SK: `NODEGROUP#${nodeGroupId}`,
});

export const nodeEntity = defineEntity(
  'Node',
  z.object({
    orgId: z.string(),
    clusterId: z.string(),
    accountId: z.string(),
    nodeName: z.string(),
    instanceId: z.string().nullable(),
    instanceType: z.string(),
    capacityType: capacityTypeSchema,
    zone: z.string(),
    nodeGroupId: z.string().nullable(),
    allocatableCpuMilli: z.number().nonnegative(),
    allocatableMemoryMiB: z.number().nonnegative(),
    allocatablePods: z.number().int().nonnegative().default(0),
    requestedCpuMilli: z.number().nonnegative().default(0),
    requestedMemoryMiB: z.number().nonnegative().default(0),
    usedCpuMilli: z.number().nonnegative().nullable().default(null),
    usedMemoryMiB: z.number().nonnegative().nullable().default(null),
    podCount: z.number().int().nonnegative().default(0),
    ready: z.boolean().default(true),
    /** Node conditions other than Ready that are True now (DiskPressure, MemoryPressure, PIDPressure). */
    pressure: z.array(z.string()).default([]),
    hourlyPriceUsd: z.number().nonnegative().nullable(),
    priceSource: inventoryPriceSourceSchema,
    launchedAt: z.string(),
  }),
  (n) => ({ PK: clusterPk(n.orgId, n.clusterId), SK: `NODE#${n.nodeName}` }),
);

/** `<namespace>#<kind>#<name>`: a workload's identity in keys (Workload items and their daily rollups). */
export const workloadKeyOf = (w: { namespace: string; kind: string; name: string }) =>
  `${w.namespace}#${w.kind}#${w.name}`;

/** One day of a workload's usage, per replica. */
export const workloadDaySchema = z.object({
  cpuP50Milli: z.number().nonnegative(),
  cpuP95Milli: z.number().nonnegative(),
  cpuMaxMilli: z.number().nonnegative(),
  memoryPeakMiB: z.number().nonnegative(),
  oomKills: z.number().int().nonnegative(),
});

export const workloadEntity = defineEntity(
  'Workload',
  z.object({
    orgId: z.string(),
    clusterId: z.string(),
    accountId: z.string(),
    namespace: z.string(),
    kind: z.string(),
    name: z.string(),
    replicas: z.number().int().nonnegative(),
    /** Sum over the workload's pods, millicores / MiB. */
    requestCpuMilli: z.number().nonnegative(),
    requestMemoryMiB: z.number().nonnegative(),
    usedCpuMilli: z.number().nonnegative().nullable().default(null),
    usedMemoryMiB: z.number().nonnegative().nullable().default(null),
    spotReady: z.boolean(),
    /** The first failing spot-readiness rule of its pods (`null` when ready or not eligible). */
    spotReason: z.string().nullable(),
    spotEligible: z.boolean().default(true),
    /** Cost share of the workload's requests on the nodes it runs on, USD/month. */
    monthlyCostUsd: z.number().nonnegative(),
    hpaScaledResources: z.array(z.enum(['cpu', 'memory'])).default([]),
    /** Rightsizing per replica (the savings engine's recommendation), `null` when there is no usage yet. */
    rightsizing: z
      .object({
        recommendedCpuMilli: z.number().nonnegative(),
        recommendedMemoryMiB: z.number().nonnegative(),
        monthlySavingUsd: z.number(),
        status: z.enum(['apply', 'below-threshold', 'no-change']),
      })
      .nullable()
      .default(null),
    /**
     * Finished days (per replica) by UTC date: the current month and at least the last 14 days (what
     * rightsizing reads). Today's hourly CPU samples are kept in `today` until the day is over; then the
     * day joins `dailyUsage` and its month's WorkloadRollup item is rewritten.
     */
    dailyUsage: z.record(z.string(), workloadDaySchema).default({}),
    today: z
      .object({
        date: z.string(),
        cpuByHourMilli: z.record(z.string(), z.number()),
        cpuMaxMilli: z.number(),
        memoryPeakMiB: z.number(),
        oomByHour: z.record(z.string(), z.number()),
      })
      .nullable()
      .default(null),
  }),
  (w) => ({ PK: clusterPk(w.orgId, w.clusterId), SK: `WORKLOAD#${workloadKeyOf(w)}` }),
);
/** Node groups, nodes and workloads of one cluster share a partition: one query per kind, or one for all. */
export const clusterChildrenQuery = (
  orgId: string,
  clusterId: string,
  kind?: 'NODEGROUP' | 'NODE' | 'WORKLOAD',
) => ({
  pk: clusterPk(orgId, clusterId),
  ...(kind ? { skPrefix: `${kind}#` } : {}),
});

export const clusterRollupEntity = defineEntity(
  'ClusterRollup',
  z.object({
    orgId: z.string(),
    clusterId: z.string(),
    accountId: z.string(),
    /** Start of the hour, ISO 8601 UTC. */
    hour: z.string(),
    capacityCpuMilli: z.number(),
    requestedCpuMilli: z.number(),
    usedCpuMilli: z.number(),
    capacityMemoryMiB: z.number(),
    requestedMemoryMiB: z.number(),
    usedMemoryMiB: z.number(),
    /** False when the source had no usage metrics for the hour (used* are then 0 and not a measurement). */
    usageKnown: z.boolean().default(true),
    nodesByCapacityType: z.record(z.string(), z.number()),
    nodesByFamily: z.record(z.string(), z.number()),
    hourlyCostUsd: z.number(),
    podChurn: z.number().default(0),
    /** Mean API server requests per second. */
    apiRequestRate: z.number().default(0),
    apiLatencyP99Ms: z.number().nullable().default(null),
    pressureEvents: z.number().int().nonnegative().default(0),
    spotInterruptions: z.number().int().nonnegative().default(0),
    oomKills: z.number().int().nonnegative().default(0),
    source: z.enum(['snapshot', 'history']).default('snapshot'),
  }),
  (r) => clusterRollupKey(r.orgId, r.clusterId, r.hour),
  (r) => expiresFrom(r.hour),
);
export const clusterRollupKey = (orgId: string, clusterId: string, hour: string) => ({
  PK: `${clusterPk(orgId, clusterId)}#ROLLUP`,
  SK: `HOUR#${hour}`,
});
export const clusterRollupsQuery = (orgId: string, clusterId: string, fromHourIso: string) => ({
  pk: `${clusterPk(orgId, clusterId)}#ROLLUP`,
  skFrom: `HOUR#${fromHourIso}`,
});

/**
 * Daily usage of one workload, one item per calendar month (`days` by UTC date): a back-fill writes two
 * items per workload instead of thirty, and a workload's history is one or two reads.
 */
export const workloadRollupEntity = defineEntity(
  'WorkloadRollup',
  z.object({
    orgId: z.string(),
    clusterId: z.string(),
    accountId: z.string(),
    workloadKey: z.string(),
    /** `YYYY-MM`. */
    month: z.string().regex(/^\d{4}-\d{2}$/),
    days: z.record(z.string(), workloadDaySchema),
  }),
  (r) => ({ PK: `${clusterPk(r.orgId, r.clusterId)}#WLROLLUP`, SK: `${r.workloadKey}#MONTH#${r.month}` }),
  // Kept 35 days after the month ends.
  (r) => expiresFrom(nextMonthStart(r.month)),
);
const nextMonthStart = (month: string) => {
  const [y = 1970, m = 1] = month.split('-').map(Number);
  return new Date(Date.UTC(y, m, 1)).toISOString();
};
export const workloadRollupsQuery = (orgId: string, clusterId: string, workloadKey?: string) => ({
  pk: `${clusterPk(orgId, clusterId)}#WLROLLUP`,
  ...(workloadKey ? { skPrefix: `${workloadKey}#MONTH#` } : {}),
});

/** A per-cluster agent token, stored as its SHA-256 only: the ingestion route looks it up by hash. */
export const agentTokenEntity = defineEntity(
  'AgentToken',
  z.object({
    tokenSha256: z.string(),
    orgId: z.string(),
    clusterId: z.string(),
    createdAt: z.string(),
    createdBy: z.string().nullable().default(null),
  }),
  (t) => agentTokenKey(t.tokenSha256),
);
export const agentTokenKey = (tokenSha256: string) => ({ PK: `AGENTTOKEN#${tokenSha256}`, SK: 'TOKEN' });
