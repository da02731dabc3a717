import { z } from 'zod';
import { defineEntity } from '../entity';
import { orgPk } from './organization';

/**
 * Discovered inventory. Every key starts with the organization, so a read can only ever reach the
 * caller's own items, and every item carries its source account for the global account filter.
 */
export const clusterPk = (orgId: string, clusterId: string) => `${orgPk(orgId)}#CLUSTER#${clusterId}`;
const dayS = 86_400;
/** Time series are kept 35 days: the 30 days the screens show plus a margin for late rollups. */
export const timeSeriesRetentionDays = 35;
const expiresFrom = (iso: string) => Math.floor(Date.parse(iso) / 1000) + timeSeriesRetentionDays * dayS;

export const clusterEntity = defineEntity(
  'Cluster',
  z.object({
    orgId: z.string(),
    clusterId: z.string(),
    accountId: z.string(),
    awsAccountId: z.string(),
    name: z.string(),
    region: z.string(),
    kubernetesVersion: z.string(),
    tags: z.record(z.string(), z.string()).default({}),
    nodeCount: z.number().int().nonnegative(),
    podCount: z.number().int().nonnegative().default(0),
    monthlyRunRateUsd: z.number().nonnegative(),
    timeZone: z.string().default('UTC'),
    /** The precomputed figures the dashboard reads (written after each discovery). */
    summary: z.record(z.string(), z.unknown()).default({}),
    lastSyncedAt: z.string(),
  }),
  (c) => ({
    ...clusterKey(c.orgId, c.clusterId),
    GSI1PK: `${orgPk(c.orgId)}#ACCOUNT#${c.accountId}`,
    GSI1SK: `CLUSTER#${c.clusterId}`,
  }),
);
export const clusterKey = (orgId: string, clusterId: string) => ({
  PK: orgPk(orgId),
  SK: `CLUSTER#${clusterId}`,
});
export const clustersOfOrgQuery = (orgId: string) => ({ pk: orgPk(orgId), skPrefix: 'CLUSTER#' });
export const clustersOfAccountQuery = (orgId: string, accountId: string) => ({
  index: 'GSI1' as const,
  pk: `${orgPk(orgId)}#ACCOUNT#${accountId}`,
  skPrefix: 'CLUSTER#',
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
  }),
  (g) => ({ PK: clusterPk(g.orgId, g.clusterId), SK: `NODEGROUP#${g.nodeGroupId}` }),
);

export const nodeEntity = defineEntity(
  'Node',
  z.object({
    orgId: z.string(),
    clusterId: z.string(),
    accountId: z.string(),
    nodeName: z.string(),
    instanceId: z.string(),
    instanceType: z.string(),
    capacityType: z.enum(['on-demand', 'spot']),
    zone: z.string(),
    nodeGroupId: z.string().nullable(),
    allocatableCpuMilli: z.number().nonnegative(),
    allocatableMemoryMiB: z.number().nonnegative(),
    hourlyPriceUsd: z.number().nonnegative(),
    priceSource: z.string(),
    launchedAt: z.string(),
  }),
  (n) => ({ PK: clusterPk(n.orgId, n.clusterId), SK: `NODE#${n.nodeName}` }),
);

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
    requestCpuMilli: z.number().nonnegative(),
    requestMemoryMiB: z.number().nonnegative(),
    spotReady: z.boolean(),
    spotReason: z.string().nullable(),
    monthlyCostUsd: z.number().nonnegative(),
  }),
  (w) => ({ PK: clusterPk(w.orgId, w.clusterId), SK: `WORKLOAD#${w.namespace}#${w.kind}#${w.name}` }),
);
/** Node groups, nodes and workloads of one cluster share a partition: one query per kind. */
export const clusterChildrenQuery = (
  orgId: string,
  clusterId: string,
  kind: 'NODEGROUP' | 'NODE' | 'WORKLOAD',
) => ({
  pk: clusterPk(orgId, clusterId),
  skPrefix: `${kind}#`,
});

export const clusterRollupEntity = defineEntity(
  'ClusterRollup',
  z.object({
    orgId: z.string(),
    clusterId: z.string(),
    accountId: z.string(),
    hour: z.string(),
    capacityCpuMilli: z.number(),
    requestedCpuMilli: z.number(),
    usedCpuMilli: z.number(),
    capacityMemoryMiB: z.number(),
    requestedMemoryMiB: z.number(),
    usedMemoryMiB: z.number(),
    nodesByCapacityType: z.record(z.string(), z.number()),
    nodesByFamily: z.record(z.string(), z.number()),
    hourlyCostUsd: z.number(),
    podChurn: z.number().default(0),
    apiRequestRate: z.number().default(0),
  }),
  (r) => ({ PK: `${clusterPk(r.orgId, r.clusterId)}#ROLLUP`, SK: `HOUR#${r.hour}` }),
  (r) => expiresFrom(r.hour),
);
export const clusterRollupsQuery = (orgId: string, clusterId: string, fromHourIso: string) => ({
  pk: `${clusterPk(orgId, clusterId)}#ROLLUP`,
  skFrom: `HOUR#${fromHourIso}`,
});

export const workloadRollupEntity = defineEntity(
  'WorkloadRollup',
  z.object({
    orgId: z.string(),
    clusterId: z.string(),
    workloadKey: z.string(),
    day: z.string(),
    cpuP50Milli: z.number(),
    cpuP95Milli: z.number(),
    cpuMaxMilli: z.number(),
    memoryPeakMiB: z.number(),
    oomKills: z.number().int().nonnegative(),
  }),
  (r) => ({ PK: `${clusterPk(r.orgId, r.clusterId)}#WLROLLUP`, SK: `${r.workloadKey}#DAY#${r.day}` }),
  (r) => expiresFrom(`${r.day}T00:00:00Z`),
);

/** A per-cluster agent token, stored as its SHA-256 only: the ingestion route looks it up by hash. */
export const agentTokenEntity = defineEntity(
  'AgentToken',
  z.object({ tokenSha256: z.string(), orgId: z.string(), clusterId: z.string(), createdAt: z.string() }),
  (t) => ({ PK: `AGENTTOKEN#${t.tokenSha256}`, SK: 'TOKEN' }),
);
