import { clusterTimeZone } from '@spot/shared';
import { priceNode } from '@spot/shared/savings/node-pricing';
import { nodeGroupId } from '@spot/shared/savings/snapshot-model';
import type { z } from 'zod';
import { accountRegionEntity } from '../../data/entities/account-region';
import { agentChannelKey } from '../../data/entities/agent-channel';
import { agentTokenKey } from '../../data/entities/agent-token';
import {
  autoScalingGroupEntity,
  autoScalingGroupsOfRegionQuery,
} from '../../data/entities/auto-scaling-group';
import { clusterEntity, clusterKey, clusterKeys, clustersOfAccountQuery } from '../../data/entities/cluster';
import { clusterActionEntity, doneActionsQuery, openActionsQuery } from '../../data/entities/cluster-action';
import { clusterCardKey } from '../../data/entities/cluster-card';
import { clusterKubeconfigKey } from '../../data/entities/cluster-kubeconfig';
import { clusterMaintenanceKey } from '../../data/entities/cluster-maintenance';
import { clusterRegistryRowKey } from '../../data/entities/cluster-registry-row';
import { clusterSeriesKey } from '../../data/entities/cluster-series';
import { instanceEntity, instancesOfRegionQuery } from '../../data/entities/ec2-instance';
import { karpenterStateKey } from '../../data/entities/karpenter-state';
import { nodeEntity } from '../../data/entities/node';
import { nodeGroupEntity } from '../../data/entities/node-group';
import {
  optimizerSkipEntity,
  optimizerSkipKey,
  optimizerSkipsQuery,
} from '../../data/entities/optimizer-skip';
import { clusterChildrenQuery } from '../../data/entities/partitions';
import { workloadEntity } from '../../data/entities/workload';
import {
  attributesOf,
  batchWrite,
  keyOfItem,
  queryAll,
  updateItem,
  type WriteRequest,
} from '../../data/repository';
import { executePlan } from '../../data/write-plan';
import { port } from '../../ports';
import type { AutoScalingGroup, Ec2Instance, EksCluster, EksNodegroup } from '../../ports/cloud';
import { cardDigestRemovals } from '../cluster-card';
import { refreshRegistryRow, registryIndexRemoval } from '../cluster-registry-row';
import { hibernationKeysOf, hibernationNoticeScheduleName, hibernationScheduleName } from '../hibernation';
import { clusterIdFor, type DiscoveryInput } from './common';
import { asRetryable } from './errors';
import { fetchLivePrices } from './live-prices';
import type { ClusterItem } from './snapshot';
import { discoveryTarget, requireConnectedAccount } from './target';

export interface RegionOutcome {
  region: string;
  ok: true;
  instanceCount: number;
  runningInstanceCount: number;
  autoScalingGroupCount: number;
  monthlyRunRateUsd: number;
  /** With the nodes EC2 runs for each (what PlanCollection orders the collection by). */
  clusters: { clusterId: string; name: string; nodeCount: number }[];
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
    clusters: eksClusters.map((c) => ({
      clusterId: idOf(c.name),
      name: c.name,
      nodeCount: instances.filter((i) => i.clusterName === c.name && activeStates.has(i.state)).length,
    })),
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

/**
 * The node groups of one cluster as discovery records them: its EKS managed node groups, the self-managed
 * ASGs tagged for it, and its Karpenter NodePools (from the instances that carry their label).
 */
export function nodeGroupsOf(
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
      tags: g.tags ?? {},
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
      tags: g.tags,
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
      tags: commonTags(members.map((m) => m.tags)),
      status: null,
      nodeCount: members.length,
      hourlyCostUsd: 0,
      spotReadinessScore: null,
    });
  }
  return out;
}

/** The tags every one of the lists carries with the same value (a NodePool's tags, from its instances). */
function commonTags(lists: readonly Record<string, string>[]): Record<string, string> {
  const [first, ...rest] = lists;
  if (!first) return {};
  return Object.fromEntries(Object.entries(first).filter(([k, v]) => rest.every((t) => t[k] === v)));
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
  const identity = { orgId, clusterId, accountId, awsAccountId, name: c.name, region };
  const defaults = attributesOf(
    clusterEntity.toItem(
      clusterEntity.schema.parse({
        ...identity,
        kubernetesVersion: c.kubernetesVersion,
        nodeCount: 0,
        monthlyRunRateUsd: 0,
        discoveredAt: now.toISOString(),
      }),
    ),
  );
  const always = {
    entity: defaults.entity,
    ...identity,
    arn: c.arn || null,
    status: c.status,
    endpoint: c.endpoint,
    ...(c.endpointAccess ? { endpointAccess: c.endpointAccess } : {}),
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
  // Listed in the registry from its discovery on, before its first collection (ADR 0045).
  await refreshRegistryRow(
    clusterEntity.schema.parse({ ...defaults, ...always, tags: c.tags, status: c.status }),
    true,
  );
}

/**
 * A cluster that no longer exists in EKS: its item, its node groups, nodes, workloads, agent token, and
 * its hibernation schedule, overrides, run record and armed schedules (transitions and notices; its sent
 * notices and used snooze links expire by TTL), and the optimizer's actions on it.
 */
async function removeCluster(cluster: ClusterItem) {
  const [groups, nodes, workloads, hibernation, openActions, doneActions, optimizerSkips] = await Promise.all(
    [
      queryAll(nodeGroupEntity, clusterChildrenQuery(cluster.orgId, cluster.clusterId, 'NODEGROUP')),
      queryAll(nodeEntity, clusterChildrenQuery(cluster.orgId, cluster.clusterId, 'NODE')),
      queryAll(workloadEntity, clusterChildrenQuery(cluster.orgId, cluster.clusterId, 'WORKLOAD')),
      hibernationKeysOf(cluster.orgId, cluster.clusterId),
      queryAll(clusterActionEntity, openActionsQuery(cluster.orgId, cluster.clusterId)),
      queryAll(clusterActionEntity, doneActionsQuery(cluster.orgId, cluster.clusterId)),
      queryAll(optimizerSkipEntity, optimizerSkipsQuery(cluster.orgId, cluster.clusterId)),
    ],
  );
  const deletes: WriteRequest[] = [
    ...groups.map((g) => ({ delete: keyOfItem(nodeGroupEntity.toItem(g)) })),
    ...nodes.map((n) => ({ delete: keyOfItem(nodeEntity.toItem(n)) })),
    ...workloads.map((w) => ({ delete: keyOfItem(workloadEntity.toItem(w)) })),
    ...[...openActions, ...doneActions].map((a) => ({ delete: keyOfItem(clusterActionEntity.toItem(a)) })),
    { delete: clusterKey(cluster.orgId, cluster.clusterId) },
    // The dashboard's card and series of the cluster live beside it (no TTL): they go with it.
    { delete: clusterCardKey(cluster.orgId, cluster.clusterId) },
    { delete: clusterSeriesKey(cluster.orgId, cluster.clusterId) },
    { delete: clusterRegistryRowKey(cluster.orgId, cluster.clusterId) },
    // Its maintenance switch and command channel (its commands expire by TTL).
    { delete: clusterMaintenanceKey(cluster.orgId, cluster.clusterId) },
    { delete: agentChannelKey(cluster.orgId, cluster.clusterId) },
    { delete: karpenterStateKey(cluster.orgId, cluster.clusterId) },
    ...optimizerSkips.map((s) => ({ delete: optimizerSkipKey(s.orgId, s.clusterId, s.subject) })),
  ];
  if (cluster.agentTokenSha256) deletes.push({ delete: agentTokenKey(cluster.agentTokenSha256) });
  // A kubeconfig uploaded in the Add Cluster wizard (ADR 0051) goes with its cluster.
  deletes.push({ delete: clusterKubeconfigKey(cluster.orgId, cluster.clusterId) });
  deletes.push(...hibernation.map((key) => ({ delete: key })));
  await batchWrite(deletes);
  // Its registry index entry (ADR 0053, an attribute of a shared shard item) and its dashboard digest
  // (ADR 0062) with its shard's counter (ADR 0064), together.
  const index = registryIndexRemoval(cluster);
  await executePlan([
    {
      kind: 'transaction',
      items: [{ update: index.key, spec: index.spec }, ...cardDigestRemovals(cluster)],
    },
  ]);
  await port('scheduler').deleteSchedule(hibernationScheduleName(cluster.clusterId));
  await port('scheduler').deleteSchedule(hibernationNoticeScheduleName(cluster.clusterId));
}
