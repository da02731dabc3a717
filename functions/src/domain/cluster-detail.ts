import {
  CloudAccessError,
  type ClusterComplianceResponse,
  type ClusterDriftResponse,
  ConflictError,
  type DriftedNode,
  type DriftFinding,
  maskArnAccount,
  type NodeGroupUpdateInput,
  type NodeGroupUpdateResponse,
  NotFoundError,
} from '@spot/shared';
import { evaluateCompliance } from '@spot/shared/cluster-detail/compliance';
import { type EditableGroup, planNodeGroupUpdate } from '@spot/shared/cluster-detail/node-group-update';
import type { z } from 'zod';
import type { clusterEntity } from '../data/entities/cluster';
import {
  instanceLauncherEntity,
  instanceLauncherKey,
  launcherFresh,
} from '../data/entities/instance-launcher';
import { nodeEntity } from '../data/entities/node';
import { nodeGroupEntity, nodeGroupKey } from '../data/entities/node-group';
import { clusterChildrenQuery } from '../data/entities/partitions';
import { workloadEntity } from '../data/entities/workload';
import { batchGet, batchWrite, getItem, queryAll, updateItem } from '../data/repository';
import { errorFields, logger } from '../lib/logger';
import { port } from '../ports';
import { type CloudTarget, type InstanceLaunchLookup, maxInstanceLaunchLookups } from '../ports/cloud';
import { cloudTargetOf } from './accounts-connect';
import { complianceInputOf, driftOf, templateOf } from './cluster-findings';
import { loadCluster } from './clusters';
import { groupMinimumsOf, recordMinimumSet } from './group-minimum-drift';
import { MaintenanceModeError, maintenanceOf } from './maintenance';
import { updateNodePool } from './nodepool-update';

/**
 * The cluster detail tabs (issue 17 item 5, ADR 0052): drift against the node template, the CIS EKS
 * subset, the alert feed, and a person's edit of one node group. The rules are in
 * `shared/src/cluster-detail/`; this module reads the items and applies the edit through the cloud port.
 */

type ClusterItem = z.infer<typeof clusterEntity.schema>;
type NodeGroupItem = z.infer<typeof nodeGroupEntity.schema>;

/** `GET /api/client/clusters/{id}/drift`. */
export async function clusterDrift(
  orgId: string,
  clusterId: string,
  now: Date,
): Promise<ClusterDriftResponse> {
  const cluster = await loadCluster(orgId, clusterId);
  const [template, nodes, groups] = await Promise.all([
    templateOf(orgId, cluster),
    queryAll(nodeEntity, clusterChildrenQuery(orgId, clusterId, 'NODE')),
    queryAll(nodeGroupEntity, clusterChildrenQuery(orgId, clusterId, 'NODEGROUP')),
  ]);
  const drifted = driftOf(template, nodes, groups);
  if (!template || !drifted)
    return {
      clusterId,
      template: null,
      note: 'No node template bounds this cluster: choose one in its policy (Intelligent Autoscaling) or set a default template, and drift is checked against it.',
      checkedNodes: 0,
      drifted: [],
    };
  return {
    clusterId,
    template: { id: template.id, name: template.name },
    note: null,
    checkedNodes: nodes.length,
    drifted: await withLaunchers(orgId, cluster, drifted, nodes, now),
  };
}

/** What the tab says for a launch CloudTrail could not name. */
function launcherNote(lookup: InstanceLaunchLookup | undefined): string {
  if (!lookup || lookup.outcome === 'not-found')
    return "unknown (no RunInstances event in CloudTrail's 90 days)";
  if (lookup.outcome === 'unknown') return `unknown (${lookup.message})`;
  return '';
}

/** Stored launchers read per drift read at most (one BatchGetItem); drifted nodes beyond are not looked up. */
const maxStoredLaunchers = 100;

/**
 * Who launched each drifted instance (ADR 0078): the answers kept from earlier reads first (the launcher
 * of an instance id never changes: `InstanceLauncher` items), then CloudTrail, asked at read time about
 * the rest, the hand-launched ones first (no group names their launcher), at most
 * {@link maxInstanceLaunchLookups} per read. Found answers and misses are kept; a refusal or throttling is
 * not, so the next read asks again. A lookup that fails (credentials, CloudTrail down) leaves the
 * principals not kept unknown, never the tab; a failed write of the answers only costs the next read
 * its lookups.
 */
async function withLaunchers(
  orgId: string,
  cluster: ClusterItem,
  drifted: readonly DriftedNode[],
  nodes: readonly { nodeName: string; instanceId: string | null }[],
  now: Date,
): Promise<DriftFinding[]> {
  const instanceOf = new Map(nodes.map((n) => [n.nodeName, n.instanceId]));
  const candidates = [
    ...new Set(
      [
        ...drifted.filter((d) => d.launchedBy.kind === 'manual'),
        ...drifted.filter((d) => d.launchedBy.kind !== 'manual'),
      ].flatMap((d) => instanceOf.get(d.nodeName) ?? []),
    ),
  ].slice(0, maxStoredLaunchers);
  const stored = new Map<string, InstanceLaunchLookup>();
  if (candidates.length > 0) {
    const items = await batchGet(candidates.map((id) => instanceLauncherKey(orgId, cluster.clusterId, id)));
    for (const item of items) {
      const l = instanceLauncherEntity.fromItem(item);
      if (!launcherFresh(l, now)) continue;
      stored.set(
        l.instanceId,
        l.outcome === 'found' && l.principal && l.eventTime
          ? { outcome: 'found', principal: l.principal, eventTime: l.eventTime }
          : { outcome: 'not-found' },
      );
    }
  }
  const asked = candidates.filter((id) => !stored.has(id)).slice(0, maxInstanceLaunchLookups);
  let launches: Record<string, InstanceLaunchLookup> = {};
  let failed: string | null = null;
  if (asked.length > 0) {
    try {
      const target = { ...(await cloudTargetOf(orgId, cluster.accountId)), region: cluster.region };
      launches = await port('cloud').lookupInstanceLaunches(target, asked);
    } catch (error) {
      // An account whose connection is gone (or a cluster seeded without one) has nobody to ask.
      if (error instanceof NotFoundError) failed = "unknown (the cluster's AWS account is not connected)";
      else {
        logger.warn('drift: launchers not looked up', errorFields(error));
        failed = 'unknown (CloudTrail could not be asked; reload later)';
      }
    }
    await keepLaunchers(orgId, cluster.clusterId, asked, launches, now);
  }
  const answered = new Set([...stored.keys(), ...asked]);
  return drifted.map((d) => {
    const instanceId = instanceOf.get(d.nodeName) ?? null;
    const lookup = instanceId ? (stored.get(instanceId) ?? launches[instanceId]) : undefined;
    if (lookup?.outcome === 'found')
      return {
        ...d,
        launchedByPrincipal: maskArnAccount(lookup.principal),
        launchedByPrincipalAt: lookup.eventTime,
        launchedByPrincipalNote: null,
      };
    const note = !instanceId
      ? 'unknown (the node has no instance id)'
      : !answered.has(instanceId)
        ? `unknown (not looked up: CloudTrail is asked about ${maxInstanceLaunchLookups} instances at most per read)`
        : stored.has(instanceId)
          ? launcherNote(lookup)
          : (failed ?? launcherNote(lookup));
    return { ...d, launchedByPrincipal: null, launchedByPrincipalAt: null, launchedByPrincipalNote: note };
  });
}

/** Keeps CloudTrail's answers that do not depend on the role or the moment: found, and (for an hour) missed. */
async function keepLaunchers(
  orgId: string,
  clusterId: string,
  asked: readonly string[],
  launches: Record<string, InstanceLaunchLookup>,
  now: Date,
): Promise<void> {
  const checkedAt = now.toISOString();
  const puts = asked.flatMap((instanceId) => {
    const lookup = launches[instanceId];
    if (lookup?.outcome !== 'found' && lookup?.outcome !== 'not-found') return [];
    return [
      {
        put: instanceLauncherEntity.toItem({
          orgId,
          clusterId,
          instanceId,
          outcome: lookup.outcome,
          principal: lookup.outcome === 'found' ? lookup.principal : null,
          eventTime: lookup.outcome === 'found' ? lookup.eventTime : null,
          checkedAt,
        }),
      },
    ];
  });
  if (puts.length === 0) return;
  try {
    await batchWrite(puts);
  } catch (error) {
    logger.warn('drift: launchers not kept', errorFields(error));
  }
}

/** `GET /api/client/clusters/{id}/compliance`: the CIS subset on the workloads of the last snapshot. */
export async function clusterCompliance(
  orgId: string,
  clusterId: string,
): Promise<ClusterComplianceResponse> {
  const cluster = await loadCluster(orgId, clusterId);
  const workloads = await queryAll(workloadEntity, clusterChildrenQuery(orgId, clusterId, 'WORKLOAD'));
  return evaluateCompliance(clusterId, complianceInputOf(cluster, workloads));
}

const sizesOf = (g: { minSize: number; desiredSize: number; maxSize: number }) => ({
  minSize: g.minSize,
  desiredSize: g.desiredSize,
  maxSize: g.maxSize,
});

/** The group as AWS has it now (a person may have changed it since the last discovery). */
async function liveGroup(
  target: CloudTarget,
  cluster: ClusterItem,
  group: NodeGroupItem,
): Promise<EditableGroup> {
  const cloud = port('cloud');
  const base = { kind: group.kind, name: group.name, capacityType: group.capacityType };
  if (group.kind === 'asg') {
    const name = group.autoScalingGroupNames[0] ?? group.name;
    const asg = (await cloud.describeAutoScalingGroups(target)).find((a) => a.name === name);
    // A group seen only in node labels (no Auto Scaling group read yet) cannot be edited blind.
    if (!asg)
      throw new ConflictError(
        'NODE_GROUP_NOT_READ',
        `The Auto Scaling group behind ${group.name} is not known (${name} is not in the account): rescan the account so discovery reads it, then try again.`,
      );
    return {
      ...base,
      minSize: asg.minSize,
      desiredSize: asg.desiredCapacity,
      maxSize: asg.maxSize,
      mixedInstancesPolicy: asg.onDemandPercentageAboveBase !== null,
    };
  }
  if (group.kind === 'managed-node-group') {
    const ng = (await cloud.listNodegroups(target, cluster.name)).find((g) => g.name === group.name);
    if (!ng) throw new NotFoundError(`Managed node group ${group.name}`);
    return {
      ...base,
      capacityType: ng.capacityType,
      minSize: ng.minSize,
      desiredSize: ng.desiredSize,
      maxSize: ng.maxSize,
      mixedInstancesPolicy: false,
    };
  }
  return { ...base, ...sizesOf(group), mixedInstancesPolicy: false };
}

/**
 * `PUT /api/client/clusters/{id}/node-groups/{groupId}`: a person's edit of a group's sizes and spot
 * mode. Refused while the cluster is in maintenance (nothing of ours touches it during an upgrade); AWS's
 * rules are checked by the planner before any call; a role without the write option is a 422 naming the
 * permission (the cloud port's CloudAccessError). The stored group is updated so the page shows it at once.
 * A Karpenter NodePool is queued to the cluster's agent instead (`nodepool-update.ts`, ADR 0079).
 */
export async function updateNodeGroup(
  orgId: string,
  clusterId: string,
  nodeGroupId: string,
  input: NodeGroupUpdateInput,
  editedBy: string,
  now: Date,
): Promise<{ response: NodeGroupUpdateResponse; accountId: string }> {
  const cluster = await loadCluster(orgId, clusterId);
  const group = await getItem(nodeGroupEntity, nodeGroupKey(orgId, clusterId, nodeGroupId), true);
  if (!group) throw new NotFoundError('The node group');
  // Checked right before acting, as every action on customer infrastructure is.
  const maintenance = await maintenanceOf(orgId, clusterId, true);
  if (maintenance.enabled) throw new MaintenanceModeError(clusterId, maintenance);
  // A NodePool is a Kubernetes object: written through the cluster's agent, not the cloud (ADR 0079).
  if (group.kind === 'karpenter-nodepool')
    return {
      response: await updateNodePool(orgId, clusterId, group, input, editedBy, now),
      accountId: cluster.accountId,
    };
  const target = { ...(await cloudTargetOf(orgId, cluster.accountId)), region: cluster.region };
  const live = await liveGroup(target, cluster, group);
  const plan = planNodeGroupUpdate(live, input);
  const cloud = port('cloud');
  const actions: string[] = [];
  if (plan.sizes && group.kind === 'asg') {
    await cloud.updateAutoScalingGroup(target, {
      name: group.autoScalingGroupNames[0] ?? group.name,
      minSize: plan.sizes.minSize,
      desiredCapacity: plan.sizes.desiredSize,
      maxSize: plan.sizes.maxSize,
    });
    actions.push('autoscaling:UpdateAutoScalingGroup');
  } else if (plan.sizes) {
    await cloud.updateNodegroupScaling(target, {
      clusterName: cluster.name,
      nodegroupName: group.name,
      ...plan.sizes,
    });
    actions.push('eks:UpdateNodegroupConfig');
  }
  if (plan.distribution) {
    const update = await cloud.updateOnDemandDistribution(target, {
      name: group.autoScalingGroupNames[0] ?? group.name,
      ...plan.distribution,
    });
    if (update.outcome === 'skipped')
      throw update.reason === 'access-denied'
        ? new CloudAccessError('ACCESS_DENIED', update.message, 'autoscaling:UpdateAutoScalingGroup')
        : new NotFoundError(`A mixed instances policy on ${group.name}`);
    actions.push('autoscaling:UpdateAutoScalingGroup (mixed instances distribution)');
  }
  const after = { ...(plan.sizes ?? sizesOf(live)), capacityType: plan.capacityTypeAfter };
  // A minimum the optimizer lowered and a person now sets through the product is the product's own
  // change, not drift (ADR 0073): the record follows it.
  const setMinimum = (await groupMinimumsOf(orgId, clusterId)).get(nodeGroupId);
  if (plan.sizes && setMinimum) {
    await recordMinimumSet(
      orgId,
      clusterId,
      { nodeGroupId, nodeGroupName: group.name, minSize: plan.sizes.minSize, setBy: 'node group edit' },
      port('clock').now(),
    );
  }
  await updateItem(nodeGroupKey(orgId, clusterId, nodeGroupId), {
    set: {
      minSize: after.minSize,
      desiredSize: after.desiredSize,
      maxSize: after.maxSize,
      capacityType: after.capacityType,
    },
  });
  return {
    response: {
      clusterId,
      nodeGroupId,
      before: { ...sizesOf(live), capacityType: live.capacityType },
      after,
      actions,
      notes: plan.notes,
    },
    accountId: cluster.accountId,
  };
}
