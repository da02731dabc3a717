/**
 * Excluded tags and protected nodes through the run code against the sandbox: a node group whose AWS tags
 * match a rule stays as it is, an ASG with a tagged instance stays (an ASG cannot be told which instances
 * to keep), a NodePool keeps exactly its tagged nodes and the nodes critical pods need, and everything
 * comes back on wake.
 */
import { hibernationScheduleName } from '@spot/functions/domain/hibernation';
import { runHibernation, sleepCluster } from '@spot/functions/domain/hibernation-run';
import { configurePorts, resetPorts } from '@spot/functions/ports/index';
import { KubernetesAccessError } from '@spot/functions/ports/kubernetes-errors';
import type { HibernationSchedule } from '@spot/shared';
import { afterAll, describe, expect, it } from 'vitest';
import { SandboxCloud } from '../../src/sandbox/cloud';
import { HOUR_MS } from '../../src/sandbox/cycles';
import { keyTarget } from './fixtures';
import { clusterId, MemoryRunStore, MemoryScheduler, orgId, runInputsOf } from './hibernation-support';

const clusterName = 'staging-payments-euw1';
/** Wednesday 2026-03-04 13:00 in Berlin: the batch NodePool runs nodes. */
const start = Date.parse('2026-03-04T12:00:00Z');
const actor = { kind: 'user' as const, userId: 'user-x', email: 'x@example.com' };

afterAll(() => resetPorts());

async function setUp(protection: HibernationSchedule['protection']) {
  const time = { ms: start };
  const full = new SandboxCloud({ seed: 42 }).world;
  const world = {
    ...full,
    clusters: full.clusters.filter((c) => c.name === clusterName),
    standaloneInstances: [],
  };
  const cloud = new SandboxCloud({ seed: 42, world, clock: { now: () => new Date(time.ms) } });
  const target = keyTarget(cloud, 0, 'eu-west-1');
  const inputs = await runInputsOf(cloud, target, clusterName);
  const instances = await cloud.describeInstances(target);
  // The nodes as discovery records them: name, group, and (for one pool node) a critical pod.
  const poolNodes = instances.filter((i) => i.tags['karpenter.sh/nodepool'] === 'batch');
  inputs.nodes = instances
    .filter((i) => i.clusterName === clusterName)
    .map((i, index) => ({
      orgId,
      clusterId,
      accountId: 'account-sim',
      nodeName: i.privateDnsName as string,
      instanceId: i.instanceId,
      instanceType: i.instanceType,
      capacityType: i.capacityType,
      zone: i.availabilityZone,
      nodeGroupId: i.tags['karpenter.sh/nodepool']
        ? 'karpenter-batch'
        : (inputs.nodeGroups.find(
            (g) => g.name === i.nodegroupName || g.autoScalingGroupNames[0] === i.autoScalingGroupName,
          )?.nodeGroupId ?? null),
      allocatableCpuMilli: 4000,
      allocatableMemoryMiB: 16_000,
      allocatablePods: 58,
      requestedCpuMilli: 0,
      requestedMemoryMiB: 0,
      usedCpuMilli: null,
      usedMemoryMiB: null,
      podCount: 1,
      movablePods:
        i.instanceId === poolNodes[1]?.instanceId
          ? [{ namespace: 'vault', count: 1, cpuMilli: 500, memoryMiB: 512 }]
          : [{ namespace: `app-${index}`, count: 1, cpuMilli: 500, memoryMiB: 512 }],
    })) as typeof inputs.nodes;
  const store = new MemoryRunStore(inputs);
  store.stored = {
    orgId,
    clusterId,
    version: 1,
    enabled: true,
    timeZone: 'Europe/Berlin',
    weeklyGrid: Array.from({ length: 7 }, () => Array.from({ length: 48 }, () => true)),
    preWarm: false,
    scope: { kind: 'full' },
    protection,
    notifications: { enabled: false, emails: [] },
    slackWebhook: null,
    updatedAt: new Date(start).toISOString(),
    updatedBy: actor.userId,
    updatedByEmail: actor.email,
  };
  const scheduler = new MemoryScheduler();
  configurePorts({ cloud, scheduler, kubernetes: cloud.kubernetesPort });
  return { cloud, target, store, time, scheduler, poolNodes };
}

describe('hibernation exclusions and protection (sandbox)', () => {
  it('leaves tagged groups alone and keeps tagged and critical nodes of a NodePool, then restores all', async () => {
    const probe = await setUp({ criticalNamespaces: [], excludedTags: [] });
    expect(probe.poolNodes.length).toBeGreaterThanOrEqual(3);
    const taggedNode = probe.poolNodes[0];
    const legacyAsg = probe.cloud.world.clusters[0]?.nodeGroups.find((g) => g.name === 'legacy-workers')
      ?.autoScalingGroupName as string;
    const { cloud, target, store, time, scheduler } = await setUp({
      criticalNamespaces: ['vault'],
      excludedTags: [
        // A managed node group's AWS tag.
        { key: 'eks:nodegroup-name', value: 'general-spot' },
        // One Karpenter node's tag (its NodeClaim).
        { key: 'karpenter.sh/nodeclaim', value: taggedNode?.tags['karpenter.sh/nodeclaim'] as string },
        // The self-managed ASG's instances carry their group's name.
        { key: 'aws:autoscaling:groupName', value: legacyAsg },
      ],
    });
    const before = {
      managed: await cloud.listNodegroups(target, clusterName),
      pools: cloud.nodePools(target, clusterName),
    };
    const sleep = await sleepCluster(orgId, clusterId, actor, new Date(time.ms), store);
    const outcome = Object.fromEntries(sleep.response.actions.map((a) => [a.nodeGroupId, a]));
    expect(outcome['mng-general-spot']?.reason).toBe(
      'tagged eks:nodegroup-name=general-spot: excluded from hibernation',
    );
    expect(outcome['asg-staging-payments-euw1-legacy-workers']?.reason).toMatch(
      /carries an excluded tag, and the group cannot be told which nodes to keep/,
    );
    expect(outcome['mng-system']?.outcome, JSON.stringify(outcome)).toBe('scaled');
    expect(outcome['karpenter-batch']?.outcome).toBe('scaled');
    // The pool: limit 0, the tagged node and the one running vault's pod kept, the others gone.
    const pool = cloud.nodePools(target, clusterName).find((p) => p.name === 'batch');
    expect(pool).toEqual({ name: 'batch', cpuLimit: '0', nodeCount: 2 });
    const managed = await cloud.listNodegroups(target, clusterName);
    const spot = managed.find((g) => g.name === 'general-spot');
    const spotBefore = before.managed.find((g) => g.name === 'general-spot');
    expect(spot && [spot.minSize, spot.desiredSize, spot.maxSize]).toEqual(
      spotBefore && [spotBefore.minSize, spotBefore.desiredSize, spotBefore.maxSize],
    );

    // Hibernate-now lasts until the schedule wants nodes (always): a run an hour later wakes everything.
    time.ms += HOUR_MS;
    expect(scheduler.armed.get(hibernationScheduleName(clusterId))).toBeDefined();
    await runHibernation(orgId, clusterId, new Date(time.ms), { kind: 'system' }, null, store);
    const after = cloud.nodePools(target, clusterName).find((p) => p.name === 'batch');
    expect(after?.cpuLimit).toBe(before.pools.find((p) => p.name === 'batch')?.cpuLimit);
    const system = (await cloud.listNodegroups(target, clusterName)).find((g) => g.name === 'system');
    const systemBefore = before.managed.find((g) => g.name === 'system');
    expect(system && [system.minSize, system.desiredSize, system.maxSize]).toEqual(
      systemBefore && [systemBefore.minSize, systemBefore.desiredSize, systemBefore.maxSize],
    );
    expect(store.runtime?.records).toEqual({});
  });

  it('still hibernates the other groups when the cluster refuses the NodePool calls', async () => {
    const { cloud, store, time } = await setUp({ criticalNamespaces: [], excludedTags: [] });
    const refused = new KubernetesAccessError(
      'KUBERNETES_ACCESS_DENIED',
      'Cluster staging refused (HTTP 403).',
    );
    configurePorts({
      kubernetes: {
        ...cloud.kubernetesPort,
        collectSnapshot: (t, c) => cloud.kubernetesPort.collectSnapshot(t, c),
        history: (t, c, f, u) => cloud.kubernetesPort.history(t, c, f, u),
        checkAccess: (t, c, r) => cloud.kubernetesPort.checkAccess(t, c, r),
        listNodePools: () => Promise.reject(refused),
        listKarpenterObjects: () => Promise.reject(refused),
        setNodePoolCpuLimit: () => Promise.reject(refused),
        removeNodePoolNodes: () => Promise.reject(refused),
      },
    });
    const sleep = await sleepCluster(orgId, clusterId, actor, new Date(time.ms), store);
    const outcome = Object.fromEntries(sleep.response.actions.map((a) => [a.nodeGroupId, a]));
    expect(outcome['karpenter-batch']).toEqual({
      nodeGroupId: 'karpenter-batch',
      outcome: 'skipped',
      reason: 'Cluster staging refused (HTTP 403).',
    });
    expect(outcome['mng-system']?.outcome).toBe('scaled');
    expect(Object.keys(store.runtime?.records ?? {})).not.toContain('karpenter-batch');
  });
});
