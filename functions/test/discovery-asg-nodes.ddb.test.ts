/**
 * Self-managed Auto Scaling groups (issue 14, item 8): their nodes belong to the ASG discovery found, with
 * its real name and sizes, not to a group only the snapshot names (`asg-<label>`, minSize 0, no ASG).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  autoScalingGroupEntity,
  autoScalingGroupsOfRegionQuery,
} from '../src/data/entities/auto-scaling-group';
import { clusterEntity, clustersOfAccountQuery } from '../src/data/entities/cluster';
import { instanceEntity, instancesOfRegionQuery } from '../src/data/entities/ec2-instance';
import { nodeEntity } from '../src/data/entities/node';
import { nodeGroupEntity } from '../src/data/entities/node-group';
import { clusterChildrenQuery } from '../src/data/entities/partitions';
import { workloadEntity } from '../src/data/entities/workload';
import { queryAll } from '../src/data/repository';
import { installDiscoveryHarness, runDiscovery, seedSandboxAccount } from './discovery-support';
import { signUpAndIn, useLocalServices } from './support/services';

describe('discovery attaches self-managed nodes to their Auto Scaling group', () => {
  let orgId: string;
  let accountId: string;

  beforeAll(async () => {
    await useLocalServices();
    const harness = installDiscoveryHarness();
    ({ orgId } = await signUpAndIn());
    // Account 1 (dev): its clusters run a self-managed `legacy-workers` ASG beside managed groups.
    ({ accountId } = await seedSandboxAccount(harness, orgId, 1));
    const run = await runDiscovery(harness, orgId, accountId);
    expect(run.record.status, JSON.stringify(run.record.error)).toBe('SUCCEEDED');
  }, 180_000);

  it('gives each node of a self-managed ASG that ASG as its group, with the real min/desired/max and name', async () => {
    const clusters = await queryAll(clusterEntity, clustersOfAccountQuery(orgId, accountId));
    let checked = 0;
    for (const cluster of clusters) {
      const [nodes, groups, instances, asgs] = await Promise.all([
        queryAll(nodeEntity, clusterChildrenQuery(orgId, cluster.clusterId, 'NODE')),
        queryAll(nodeGroupEntity, clusterChildrenQuery(orgId, cluster.clusterId, 'NODEGROUP')),
        queryAll(instanceEntity, instancesOfRegionQuery(orgId, accountId, cluster.region)),
        queryAll(autoScalingGroupEntity, autoScalingGroupsOfRegionQuery(orgId, accountId, cluster.region)),
      ]);
      // No group that only a snapshot knows: every ASG-kind group names its ASG.
      for (const g of groups.filter((g) => g.kind === 'asg'))
        expect(g.autoScalingGroupNames, `${cluster.name}/${g.nodeGroupId}`).not.toEqual([]);
      const asgByName = new Map(asgs.map((a) => [a.name, a]));
      const groupById = new Map(groups.map((g) => [g.nodeGroupId, g]));
      for (const node of nodes) {
        const instance = instances.find((i) => i.instanceId === node.instanceId);
        if (!instance?.autoScalingGroupName || instance.nodegroupName) continue;
        const asg = asgByName.get(instance.autoScalingGroupName);
        if (!asg || asg.tags['eks:nodegroup-name']) continue;
        const group = groupById.get(node.nodeGroupId ?? '');
        expect(group, `${cluster.name}/${node.nodeName}`).toBeDefined();
        expect(group?.autoScalingGroupNames).toEqual([asg.name]);
        expect(group).toMatchObject({
          kind: 'asg',
          minSize: asg.minSize,
          desiredSize: asg.desiredCapacity,
          maxSize: asg.maxSize,
        });
        checked++;
      }
    }
    // The dev account's legacy-workers groups hold nodes in several clusters.
    expect(checked).toBeGreaterThan(5);
  });

  it('stores the PodDisruptionBudget of each workload it covers, with the disruptions it allowed', async () => {
    const clusters = await queryAll(clusterEntity, clustersOfAccountQuery(orgId, accountId));
    const workloads = (
      await Promise.all(
        clusters.map((c) => queryAll(workloadEntity, clusterChildrenQuery(orgId, c.clusterId, 'WORKLOAD'))),
      )
    ).flat();
    const covered = workloads.filter((w) => w.pdb !== null);
    // The sandbox gives budgets to some Deployments, not to all.
    expect(covered.length).toBeGreaterThan(0);
    expect(covered.length).toBeLessThan(workloads.length);
    for (const w of covered) {
      expect(w.pdb?.name).toMatch(/\S/);
      expect(w.pdb?.disruptionsAllowed).toBeGreaterThanOrEqual(0);
      expect(w.pdb?.disruptionsAllowed).toBeLessThanOrEqual(w.replicas);
    }
  });
});
