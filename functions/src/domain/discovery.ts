import { createHash } from 'node:crypto';
import { CloudAccessError, clusterTimeZone, DomainError } from '@spot/shared';
import type { z } from 'zod';
import { accountRegionEntity, accountRegionKey } from '../data/entities/account-region';
import { agentTokenKey } from '../data/entities/agent-token';
import { autoScalingGroupEntity, autoScalingGroupsOfRegionQuery } from '../data/entities/auto-scaling-group';
import { cloudAccountKey } from '../data/entities/cloud-account';
import { clusterEntity, clusterKey, clusterKeys, clustersOfAccountQuery } from '../data/entities/cluster';
import { clusterCardKey } from '../data/entities/cluster-card';
import { clusterSeriesKey } from '../data/entities/cluster-series';
import { instanceEntity, instancesOfRegionQuery } from '../data/entities/ec2-instance';
import { clusterChildrenQuery } from '../data/entities/inventory-partitions';
import { nodeEntity } from '../data/entities/node';
import { nodeGroupEntity } from '../data/entities/node-group';
import { workloadEntity } from '../data/entities/workload';
import {
  attributesOf,
  batchWrite,
  getItem,
  keyOfItem,
  queryAll,
  updateItem,
  type WriteRequest,
  where,
} from '../data/repository';
import { errorFields, logger } from '../lib/logger';
import { port } from '../ports';
import type { AutoScalingGroup, Ec2Instance, EksCluster, EksNodegroup } from '../ports/cloud';
import { discoveryScheduleName } from './accounts';
import { appendAudit } from './audit';
import { asRetryable, DiscoveryError, describeFailure } from './discovery-errors';
import { discoveryTarget, requireConnectedAccount } from './discovery-target';
import {
  applySnapshot,
  backfillHistory,
  backfillHours,
  type ClusterItem,
  livePricesOf,
  updateClusterFields,
} from './inventory';
import { fetchLivePrices, priceNode } from './inventory-pricing';
import { hourOf, nodeGroupId } from './inventory-snapshot';

/**
 * The steps of the discovery workflow (one task module each, `functions/src/tasks/discovery/`). The state
 * machine passes ids only; each step reads and writes DynamoDB itself, so no payload grows with the
 * inventory (Step Functions caps a state's data at 256 KB).
 *
 *   LoadAccount -> ListRegions -> DiscoverRegions (Map, 4 at a time: DiscoverRegion, failures reported)
 *   -> PlanCollection -> CollectClusters (Map: CollectCluster, failures reported) -> CompleteDiscovery
 *   any uncaught failure -> FailDiscovery (status `error` with the reason)
 */

export interface DiscoveryInput {
  orgId: string;
  accountId: string;
}

/** Periodic re-discovery of a connected account (EventBridge Scheduler, UTC). */
export const discoverySyncExpression = 'rate(15 minutes)';
/** The period of {@link discoverySyncExpression}. */
export const discoverySyncPeriodMs = 15 * 60_000;

/** A stable, URL-safe cluster id: the same EKS cluster keeps its id across runs. */
export function clusterIdFor(accountId: string, region: string, clusterName: string): string {
  return `eks-${createHash('sha256').update(`${accountId}/${region}/${clusterName}`).digest('hex').slice(0, 20)}`;
}

// -----------------------------------------------------------------------------------------------------
// LoadAccount

/**
 * Loads the account, proves its credentials still work (STS) and still reach the same AWS account, and
 * marks it `scanning`, except an `active` account: connect and Re-Sync set `scanning` themselves before
 * they start a run, so an `active` account here is a scheduled re-sync, which keeps `active` (the
 * accounts page shows its last discovery) instead of flipping to Scanning every 15 minutes. A credential
 * problem fails the run here, with the message of the CloudAccessError.
 */
export async function loadAccount(input: DiscoveryInput & { executionArn?: string | undefined }, now: Date) {
  const account = await requireConnectedAccount(input.orgId, input.accountId);
  const target = await discoveryTarget(input.orgId, input.accountId, account.region);
  const identity = await port('cloud').identify(target);
  if (identity.awsAccountId !== account.awsAccountId) {
    throw new CloudAccessError(
      'ACCOUNT_MISMATCH',
      `The credentials now reach AWS account ${identity.awsAccountId.slice(0, 4)}-****-****, not the connected one. Connect the account again.`,
    );
  }
  const keepActive = account.status === 'active';
  const fields = {
    ...(keepActive ? {} : { status: 'scanning', statusReason: null, updatedAt: now.toISOString() }),
    ...(input.executionArn ? { lastExecutionArn: input.executionArn } : {}),
  };
  if (Object.keys(fields).length > 0) {
    // Not recreated if disconnected meanwhile. An `active` account's status is not written at all, so a
    // Re-Sync that sets `scanning` in the meantime is never overwritten.
    await updateItem(
      cloudAccountKey(input.orgId, input.accountId),
      { set: fields },
      { condition: where.itemExists() },
    );
  }
  return { runId: now.toISOString(), homeRegion: account.region, awsAccountId: account.awsAccountId };
}

// -----------------------------------------------------------------------------------------------------
// ListRegions

export async function listRegions(input: DiscoveryInput) {
  const account = await requireConnectedAccount(input.orgId, input.accountId);
  const target = await discoveryTarget(input.orgId, input.accountId, account.region);
  const regions = [...new Set(await port('cloud').listRegions(target))].sort();
  return { regions };
}

// -----------------------------------------------------------------------------------------------------
// DiscoverRegion

export interface RegionOutcome {
  region: string;
  ok: true;
  instanceCount: number;
  runningInstanceCount: number;
  autoScalingGroupCount: number;
  monthlyRunRateUsd: number;
  clusters: { clusterId: string; name: string }[];
  pricesError: string | null;
}

const activeStates = new Set(['pending', 'running']);

/** Which cluster an ASG serves, from the tags EKS, eksctl, Karpenter and cluster-autoscaler put on it. */
function clusterOfTags(tags: Record<string, string>): string | null {
  if (tags['eks:cluster-name']) return tags['eks:cluster-name'];
  for (const key of Object.keys(tags)) {
    const m = /^kubernetes\.io\/cluster\/(.+)$/.exec(key) ?? /^k8s\.io\/cluster-autoscaler\/(.+)$/.exec(key);
    if (m?.[1] && m[1] !== 'enabled') return m[1];
  }
  return null;
}

/**
 * One region of the account: EC2 instances, Auto Scaling groups, EKS clusters and their node groups, and
 * the region's live prices. Writes the instances, ASGs, clusters (metadata only: the summary comes with the
 * cluster's snapshot) and node groups, and removes what this region no longer has.
 */
export async function discoverRegion(
  input: DiscoveryInput & { runId: string; region: string },
  now: Date,
): Promise<RegionOutcome> {
  try {
    return await discoverRegionOnce(input, now);
  } catch (error) {
    throw asRetryable(error);
  }
}

async function discoverRegionOnce(input: DiscoveryInput & { runId: string; region: string }, now: Date) {
  const { orgId, accountId, runId, region } = input;
  const account = await requireConnectedAccount(orgId, accountId);
  const target = await discoveryTarget(orgId, accountId, region);
  const cloud = port('cloud');
  const [instances, groups, eksClusters] = await Promise.all([
    cloud.describeInstances(target),
    cloud.describeAutoScalingGroups(target),
    cloud.listEksClusters(target),
  ]);
  const nodegroups = (await Promise.all(eksClusters.map((c) => cloud.listNodegroups(target, c.name)))).flat();
  const types = [
    ...new Set([
      ...instances.map((i) => i.instanceType),
      ...groups.flatMap((g) => g.instanceTypes),
      ...nodegroups.flatMap((g) => g.instanceTypes),
    ]),
  ].sort();
  const live = await fetchLivePrices(cloud, target, types, now);
  const nowIso = now.toISOString();
  const idOf = (name: string) => clusterIdFor(accountId, region, name);
  const clusterNames = new Set(eksClusters.map((c) => c.name));

  const writes: WriteRequest[] = [];
  let monthlyRunRateUsd = 0;
  for (const i of instances) {
    const price = activeStates.has(i.state)
      ? priceNode(live, region, {
          instanceType: i.instanceType,
          capacityType: i.capacityType,
          zone: i.availabilityZone,
        })
      : { hourlyPriceUsd: null, priceSource: 'unknown' as const };
    if (i.state === 'running') monthlyRunRateUsd += (price.hourlyPriceUsd ?? 0) * 730;
    writes.push({
      put: instanceEntity.toItem(
        instanceAttributes(orgId, accountId, region, runId, i, price, idOf, clusterNames),
      ),
    });
  }
  for (const g of groups) {
    const clusterName = clusterOfTags(g.tags);
    writes.push({
      put: autoScalingGroupEntity.toItem({
        orgId,
        accountId,
        region,
        name: g.name,
        minSize: g.minSize,
        desiredCapacity: g.desiredCapacity,
        maxSize: g.maxSize,
        instanceTypes: g.instanceTypes,
        instanceCount: g.instanceIds.length,
        onDemandPercentageAboveBase: g.onDemandPercentageAboveBase,
        tags: g.tags,
        clusterId: clusterName && clusterNames.has(clusterName) ? idOf(clusterName) : null,
        runId,
      }),
    });
  }
  writes.push({
    put: accountRegionEntity.toItem({
      orgId,
      accountId,
      region,
      ok: true,
      error: null,
      instanceCount: instances.length,
      runningInstanceCount: instances.filter((i) => i.state === 'running').length,
      autoScalingGroupCount: groups.length,
      clusterCount: eksClusters.length,
      monthlyRunRateUsd,
      onDemandPrices: live.onDemand,
      spotPrices: live.spot,
      spotHistory: live.spotHistory,
      pricesError: live.error,
      discoveredAt: nowIso,
      runId,
    }),
  });

  // Node groups of each cluster: EKS managed node groups, other ASGs of the cluster, Karpenter pools.
  // Node groups keep the figures of the cluster's last snapshot (nodes, cost, spot readiness); EKS node
  // groups that no longer exist go.
  const existingGroups = await Promise.all(
    eksClusters.map((c) => queryAll(nodeGroupEntity, clusterChildrenQuery(orgId, idOf(c.name), 'NODEGROUP'))),
  );
  eksClusters.forEach((c, i) => {
    const clusterId = idOf(c.name);
    const previous = new Map((existingGroups[i] ?? []).map((g) => [g.nodeGroupId, g]));
    const current = nodeGroupsOf(c, nodegroups, groups, instances);
    for (const g of current) {
      const before = previous.get(g.nodeGroupId);
      const figures = before
        ? { hourlyCostUsd: before.hourlyCostUsd, spotReadinessScore: before.spotReadinessScore }
        : {};
      writes.push({ put: nodeGroupEntity.toItem({ orgId, clusterId, accountId, ...g, ...figures }) });
    }
    const ids = new Set(current.map((g) => g.nodeGroupId));
    for (const g of previous.values()) {
      if (g.kind === 'managed-node-group' && !ids.has(g.nodeGroupId)) {
        writes.push({ delete: keyOfItem(nodeGroupEntity.toItem(g)) });
      }
    }
  });

  // What the region no longer has.
  const [oldInstances, oldGroups, oldClusters] = await Promise.all([
    queryAll(instanceEntity, instancesOfRegionQuery(orgId, accountId, region)),
    queryAll(autoScalingGroupEntity, autoScalingGroupsOfRegionQuery(orgId, accountId, region)),
    queryAll(clusterEntity, clustersOfAccountQuery(orgId, accountId)),
  ]);
  const seenInstances = new Set(instances.map((i) => i.instanceId));
  const seenGroups = new Set(groups.map((g) => g.name));
  for (const i of oldInstances)
    if (!seenInstances.has(i.instanceId)) writes.push({ delete: keyOfItem(instanceEntity.toItem(i)) });
  for (const g of oldGroups)
    if (!seenGroups.has(g.name)) writes.push({ delete: keyOfItem(autoScalingGroupEntity.toItem(g)) });
  const goneClusters = oldClusters.filter((c) => c.region === region && !clusterNames.has(c.name));
  await batchWrite(writes);
  await Promise.all(goneClusters.map((c) => removeCluster(c)));
  // Clusters: metadata set field by field, so a summary written meanwhile (agent snapshot) is kept.
  await Promise.all(
    eksClusters.map((c) =>
      upsertClusterMetadata(orgId, accountId, account.awsAccountId, region, runId, c, now),
    ),
  );

  return {
    region,
    ok: true as const,
    instanceCount: instances.length,
    runningInstanceCount: instances.filter((i) => i.state === 'running').length,
    autoScalingGroupCount: groups.length,
    monthlyRunRateUsd,
    clusters: eksClusters.map((c) => ({ clusterId: idOf(c.name), name: c.name })),
    pricesError: live.error,
  };
}

function instanceAttributes(
  orgId: string,
  accountId: string,
  region: string,
  runId: string,
  i: Ec2Instance,
  price: {
    hourlyPriceUsd: number | null;
    priceSource: 'live-on-demand' | 'live-spot' | 'catalog' | 'unknown';
  },
  idOf: (name: string) => string,
  clusterNames: ReadonlySet<string>,
) {
  return {
    orgId,
    accountId,
    region,
    instanceId: i.instanceId,
    instanceType: i.instanceType,
    capacityType: i.capacityType,
    availabilityZone: i.availabilityZone,
    state: i.state,
    launchTime: i.launchTime,
    architecture: i.architecture,
    tags: i.tags,
    clusterName: i.clusterName,
    clusterId: i.clusterName && clusterNames.has(i.clusterName) ? idOf(i.clusterName) : null,
    autoScalingGroupName: i.autoScalingGroupName,
    nodegroupName: i.nodegroupName,
    hourlyPriceUsd: price.hourlyPriceUsd,
    priceSource: price.priceSource,
    runId,
  };
}

type NodeGroupAttributes = Omit<z.infer<typeof nodeGroupEntity.schema>, 'orgId' | 'clusterId' | 'accountId'>;

function nodeGroupsOf(
  cluster: EksCluster,
  nodegroups: readonly EksNodegroup[],
  groups: readonly AutoScalingGroup[],
  instances: readonly Ec2Instance[],
) {
  const out: NodeGroupAttributes[] = [];
  const managed = nodegroups.filter((g) => g.clusterName === cluster.name);
  const managedAsgs = new Set(managed.flatMap((g) => g.autoScalingGroupNames));
  const running = instances.filter((i) => i.clusterName === cluster.name && activeStates.has(i.state));
  for (const g of managed) {
    out.push({
      nodeGroupId: nodeGroupId('managed-node-group', g.name),
      name: g.name,
      kind: 'managed-node-group',
      capacityType: g.capacityType,
      instanceTypes: g.instanceTypes,
      minSize: g.minSize,
      desiredSize: g.desiredSize,
      maxSize: g.maxSize,
      autoScalingGroupNames: g.autoScalingGroupNames,
      labels: g.labels,
      taints: g.taints,
      status: g.status,
      nodeCount: running.filter((i) => i.nodegroupName === g.name).length,
      hourlyCostUsd: 0,
      spotReadinessScore: null,
    });
  }
  for (const g of groups) {
    if (managedAsgs.has(g.name) || g.tags['eks:nodegroup-name'] || clusterOfTags(g.tags) !== cluster.name)
      continue;
    const onDemand = g.onDemandPercentageAboveBase;
    out.push({
      nodeGroupId: nodeGroupId('asg', g.name),
      name: g.name,
      kind: 'asg',
      capacityType: onDemand === null || onDemand >= 100 ? 'on-demand' : onDemand <= 0 ? 'spot' : 'mixed',
      instanceTypes: g.instanceTypes,
      minSize: g.minSize,
      desiredSize: g.desiredCapacity,
      maxSize: g.maxSize,
      autoScalingGroupNames: [g.name],
      labels: {},
      taints: [],
      status: null,
      nodeCount: g.instanceIds.length,
      hourlyCostUsd: 0,
      spotReadinessScore: null,
    });
  }
  const pools = new Map<string, Ec2Instance[]>();
  for (const i of running) {
    const pool = i.tags['karpenter.sh/nodepool'];
    if (pool) pools.set(pool, [...(pools.get(pool) ?? []), i]);
  }
  for (const [pool, members] of pools) {
    const capacityTypes = new Set(members.map((m) => m.capacityType));
    out.push({
      nodeGroupId: nodeGroupId('karpenter-nodepool', pool),
      name: pool,
      kind: 'karpenter-nodepool',
      capacityType: capacityTypes.size > 1 ? 'mixed' : (members[0]?.capacityType ?? 'on-demand'),
      instanceTypes: [...new Set(members.map((m) => m.instanceType))].sort(),
      minSize: 0,
      desiredSize: members.length,
      maxSize: members.length,
      autoScalingGroupNames: [],
      labels: {},
      taints: [],
      status: null,
      nodeCount: members.length,
      hourlyCostUsd: 0,
      spotReadinessScore: null,
    });
  }
  return out;
}

/** Creates the Cluster item or refreshes its EKS metadata, leaving summary, agent and history alone. */
async function upsertClusterMetadata(
  orgId: string,
  accountId: string,
  awsAccountId: string,
  region: string,
  runId: string,
  c: EksCluster,
  now: Date,
) {
  const clusterId = clusterIdFor(accountId, region, c.name);
  const defaults = attributesOf(
    clusterEntity.toItem(
      clusterEntity.schema.parse({
        orgId,
        clusterId,
        accountId,
        awsAccountId,
        name: c.name,
        region,
        kubernetesVersion: c.kubernetesVersion,
        nodeCount: 0,
        monthlyRunRateUsd: 0,
        discoveredAt: now.toISOString(),
      }),
    ),
  );
  const always = {
    entity: defaults.entity,
    orgId,
    clusterId,
    accountId,
    awsAccountId,
    name: c.name,
    region,
    arn: c.arn || null,
    status: c.status,
    endpoint: c.endpoint,
    createdAt: c.createdAt || null,
    tags: c.tags,
    // Hours of the heatmap and idle windows: a time-zone tag, else the region's location.
    timeZone: clusterTimeZone(region, c.tags),
    lastDiscoveryRunId: runId,
    // The version EKS reports wins over an older snapshot's.
    ...(c.kubernetesVersion ? { kubernetesVersion: c.kubernetesVersion } : {}),
  };
  const setIfAbsent = Object.fromEntries(Object.entries(defaults).filter(([field]) => !(field in always)));
  // The full keys: the GSI1 keys (clusters of an account) are written with the item.
  await updateItem(clusterKeys(orgId, clusterId, accountId), { set: always, setIfAbsent });
}

/** A cluster that no longer exists in EKS: its item, its node groups, nodes, workloads and agent token. */
async function removeCluster(cluster: ClusterItem) {
  const [groups, nodes, workloads] = await Promise.all([
    queryAll(nodeGroupEntity, clusterChildrenQuery(cluster.orgId, cluster.clusterId, 'NODEGROUP')),
    queryAll(nodeEntity, clusterChildrenQuery(cluster.orgId, cluster.clusterId, 'NODE')),
    queryAll(workloadEntity, clusterChildrenQuery(cluster.orgId, cluster.clusterId, 'WORKLOAD')),
  ]);
  const deletes: WriteRequest[] = [
    ...groups.map((g) => ({ delete: keyOfItem(nodeGroupEntity.toItem(g)) })),
    ...nodes.map((n) => ({ delete: keyOfItem(nodeEntity.toItem(n)) })),
    ...workloads.map((w) => ({ delete: keyOfItem(workloadEntity.toItem(w)) })),
    { delete: clusterKey(cluster.orgId, cluster.clusterId) },
    // The dashboard's card and series of the cluster live beside it (no TTL): they go with it.
    { delete: clusterCardKey(cluster.orgId, cluster.clusterId) },
    { delete: clusterSeriesKey(cluster.orgId, cluster.clusterId) },
  ];
  if (cluster.agentTokenSha256) deletes.push({ delete: agentTokenKey(cluster.agentTokenSha256) });
  await batchWrite(deletes);
}

// -----------------------------------------------------------------------------------------------------
// PlanCollection

export interface RegionFailure {
  region: string;
  ok: false;
  error?: { Error?: string; Cause?: string };
}
export type RegionResult = RegionOutcome | RegionFailure;

/**
 * The message of a failed state as Step Functions hands it to a Catch: `Cause` is the Lambda's JSON
 * (`errorMessage`) in AWS and the plain message locally.
 */
export function causeMessage(error: { Error?: string; Cause?: string } | undefined): string {
  if (!error) return 'unknown error';
  try {
    const parsed = JSON.parse(error.Cause ?? '') as { errorMessage?: string };
    if (parsed.errorMessage) return parsed.errorMessage;
  } catch {
    // Not JSON: the cause is the message itself.
  }
  return error.Cause || error.Error || 'unknown error';
}

/** Every cluster of the regions that were read. Fails the run when not a single region could be read. */
export function planCollection(input: DiscoveryInput & { regionResults: RegionResult[] }) {
  const ok = input.regionResults.filter((r): r is RegionOutcome => r.ok);
  const failed = input.regionResults.filter((r): r is RegionFailure => !r.ok);
  if (ok.length === 0 && failed.length > 0) {
    const first = failed[0] as RegionFailure;
    throw new DiscoveryError(
      'DISCOVERY_NO_REGION_SUCCEEDED',
      `No region could be read (${failed.length} failed; ${first.region}: ${causeMessage(first.error)})`,
    );
  }
  return {
    clusters: ok.flatMap((r) => r.clusters.map((c) => ({ clusterId: c.clusterId, region: r.region }))),
    regionsRead: ok.length,
    regionsFailed: failed.map((f) => f.region),
  };
}

// -----------------------------------------------------------------------------------------------------
// CollectCluster

export interface ClusterOutcome {
  clusterId: string;
  ok: boolean;
  source?: string;
  nodeCount?: number;
  backfilledHours?: number;
  error?: { code: string; message: string };
}

/** A cluster fed by its agent is not read agentlessly while the agent's last snapshot is this fresh. */
export const agentFreshnessMs = 10 * 60_000;

const toEksCluster = (c: ClusterItem): EksCluster => ({
  name: c.name,
  arn: c.arn ?? '',
  kubernetesVersion: c.kubernetesVersion,
  status: c.status,
  endpoint: c.endpoint,
  createdAt: c.createdAt ?? '',
  tags: c.tags,
});

/**
 * The packer's budget for one cluster in discovery. CollectCluster is a task of its own (a 5-minute
 * Lambda, or one of four concurrent Map iterations locally), so it can afford what the packing benchmark
 * gives an instance rather than the 300 ms an ingestion request gets: 1.5 ms per pod, between 0.4 s
 * (small clusters close their gap in well under that; the solver stops early once it has) and 1.5 s
 * (`pack()`'s own default, where a 10,000-pod plan lands within 3 % of its bound warm). Beyond 25,000
 * pods the LP phases would not fit the Lambda's memory and time: heuristics and simple bounds only.
 */
export function discoveryPackingBudget(pods: number): { timeLimitMs: number; heuristicsOnly: boolean } {
  return {
    timeLimitMs: Math.round(Math.min(1_500, Math.max(400, pods * 1.5))),
    heuristicsOnly: pods > 25_000,
  };
}

/**
 * Reads a cluster's Kubernetes side through the KubernetesPort, back-fills 30 days of history the first
 * time (where the source keeps history), and applies the snapshot (inventory, rollups, summary). A
 * cluster that cannot be read is reported on its item and in the result; the run goes on.
 */
export async function collectCluster(
  input: DiscoveryInput & { runId: string; clusterId: string; region: string },
  now: Date,
): Promise<ClusterOutcome> {
  const cluster = await getItem(clusterEntity, clusterKey(input.orgId, input.clusterId), true);
  if (!cluster)
    return {
      clusterId: input.clusterId,
      ok: false,
      error: { code: 'NOT_FOUND', message: 'The cluster is gone.' },
    };
  const lastAgentSnapshot = cluster.agent.lastSnapshotAt ? Date.parse(cluster.agent.lastSnapshotAt) : 0;
  if (now.getTime() - lastAgentSnapshot < agentFreshnessMs) {
    return { clusterId: cluster.clusterId, ok: true, source: 'agent', nodeCount: cluster.nodeCount };
  }
  const kubernetes = port('kubernetes');
  const eks = toEksCluster(cluster);
  try {
    const target = await discoveryTarget(input.orgId, input.accountId, cluster.region);
    const snapshot = await kubernetes.collectSnapshot(target, eks);
    const live = await livePricesOf(cluster.orgId, cluster.accountId, cluster.region);
    let history = cluster.history;
    let seeds: Awaited<ReturnType<typeof backfillHistory>>['seeds'] | undefined;
    if (!history) {
      const to = new Date(hourOf(now));
      const from = new Date(to.getTime() - backfillHours * 3_600_000);
      const samples = await kubernetes.history(target, eks, from, to);
      if (samples && samples.length > 0) {
        const result = await backfillHistory(cluster, samples, live, now);
        seeds = result.seeds;
        history = { at: now.toISOString(), status: 'done', hours: result.hours };
      } else {
        history = { at: now.toISOString(), status: 'unavailable', hours: 0 };
      }
    }
    const applied = await applySnapshot(cluster, snapshot, {
      now,
      live,
      packing: discoveryPackingBudget(snapshot.pods.length),
      ...(seeds ? { seeds } : {}),
      clusterUpdate: {
        history,
        collection: { status: 'ok', reason: null, source: snapshot.source, lastAttemptAt: now.toISOString() },
      },
    });
    return {
      clusterId: cluster.clusterId,
      ok: true,
      source: snapshot.source,
      nodeCount: applied.nodeCount,
      backfilledHours: history.status === 'done' && !cluster.history ? history.hours : 0,
    };
  } catch (error) {
    const retryable = asRetryable(error);
    if (retryable !== error) throw retryable;
    if (!(error instanceof DomainError)) throw error;
    const failure = describeFailure(error);
    await updateClusterFields(cluster.orgId, cluster.clusterId, {
      collection: {
        status: 'error',
        reason: failure.message,
        source: cluster.collection.source,
        lastAttemptAt: now.toISOString(),
      },
    });
    return { clusterId: cluster.clusterId, ok: false, error: failure };
  }
}

// -----------------------------------------------------------------------------------------------------
// CompleteDiscovery / FailDiscovery

async function setStatus(
  target: DiscoveryInput,
  status: 'active' | 'error',
  reason: string | null,
  now: Date,
) {
  const nowIso = now.toISOString();
  // A disconnected account stays gone: never recreate it from a late workflow step.
  await updateItem(
    cloudAccountKey(target.orgId, target.accountId),
    { set: { status, statusReason: reason, updatedAt: nowIso, lastDiscoveryAt: nowIso } },
    { condition: where.itemExists() },
  );
}

const systemActor = {
  actorType: 'system' as const,
  actorId: null,
  actorName: 'Discovery workflow',
  sourceIp: null,
  userAgent: null,
};

/** A CollectCluster outcome, or the ClusterFailed Pass state's `{ clusterId, ok: false, error }`. */
export interface ClusterResult {
  clusterId: string;
  ok: boolean;
  error?: { code: string; message: string } | { Error?: string; Cause?: string };
}

const messageOf = (r: { error?: unknown }) => {
  const e = r.error as { message?: string; Error?: string; Cause?: string } | undefined;
  return e?.message ?? causeMessage(e as { Error?: string; Cause?: string } | undefined);
};

/**
 * The account becomes `active` (with a reason naming what could not be read, if anything), the failed
 * regions are recorded, the periodic re-sync is (re)armed every 15 minutes, and the run is audited.
 */
export async function completeDiscovery(
  input: DiscoveryInput & { runId: string; regionResults: RegionResult[]; clusterResults: ClusterResult[] },
  now: Date,
) {
  const failedRegions = input.regionResults.filter((r): r is RegionFailure => !r.ok);
  const failedClusters = input.clusterResults.filter((r) => !r.ok);
  for (const f of failedRegions) {
    const previous = await getItem(
      accountRegionEntity,
      accountRegionKey(input.orgId, input.accountId, f.region),
    );
    await batchWrite([
      {
        put: accountRegionEntity.toItem({
          ...(previous ?? {
            orgId: input.orgId,
            accountId: input.accountId,
            region: f.region,
            instanceCount: 0,
            runningInstanceCount: 0,
            autoScalingGroupCount: 0,
            clusterCount: 0,
            monthlyRunRateUsd: 0,
            onDemandPrices: {},
            spotPrices: {},
            spotHistory: {},
            pricesError: null,
          }),
          ok: false,
          error: { code: f.error?.Error ?? 'UNKNOWN', message: causeMessage(f.error) },
          discoveredAt: now.toISOString(),
          runId: input.runId,
        }),
      },
    ]);
  }
  const problems = [
    ...failedRegions.map((r) => `region ${r.region}: ${causeMessage(r.error)}`),
    ...failedClusters.map((c) => `cluster ${c.clusterId}: ${messageOf(c)}`),
  ];
  const reason = problems.length
    ? truncate(`Discovered with gaps (${problems.length}): ${problems.join('; ')}`, 900)
    : null;
  await setStatus(input, 'active', reason, now);
  try {
    await port('scheduler').upsertSchedule({
      name: discoveryScheduleName(input.accountId),
      expression: discoverySyncExpression,
      timeZone: 'UTC',
      target: { workflow: 'discovery', input: { orgId: input.orgId, accountId: input.accountId } },
      // The account was just discovered: the next run is one period from now, not at once (a rate()
      // schedule without a start fires immediately, which ran every first discovery twice).
      startAt: new Date(now.getTime() + discoverySyncPeriodMs),
    });
  } catch (error) {
    // The inventory is fresh and Re-Sync works: a missing schedule is an operational alarm, not a failure.
    logger.error('periodic discovery not scheduled', { accountId: input.accountId, ...errorFields(error) });
  }
  const regionsRead = input.regionResults.filter((r) => r.ok).length;
  await appendAudit(
    input.orgId,
    {
      ...systemActor,
      action: 'discovery.completed',
      resourceType: 'cloud-account',
      target: `cloud-account/${input.accountId}`,
      accountId: input.accountId,
      outcome: 'success',
      after: {
        regionsRead,
        regionsFailed: failedRegions.map((r) => r.region),
        clusters: input.clusterResults.length,
        clustersFailed: failedClusters.length,
      },
      requestId: null,
    },
    now,
  );
  return { status: 'active' as const, reason, regionsRead, clusters: input.clusterResults.length };
}

const truncate = (s: string, max: number) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);

/** Marks the account `error` with a reason a person can act on, taken from the failed step. */
export async function failDiscovery(target: DiscoveryInput, cause: string, now: Date) {
  const reason = truncate(
    `Discovery failed: ${cause.replace(/\.$/, '')}. Check the connection and use Re-Sync.`,
    900,
  );
  await setStatus(target, 'error', reason, now);
  await appendAudit(
    target.orgId,
    {
      ...systemActor,
      action: 'discovery.failed',
      resourceType: 'cloud-account',
      target: `cloud-account/${target.accountId}`,
      accountId: target.accountId,
      outcome: 'failed',
      after: { reason },
      requestId: null,
    },
    now,
  );
  return { status: 'error' as const, reason };
}
