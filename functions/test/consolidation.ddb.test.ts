import type { ClusterActionsResponse, ConsolidationPlanResponse } from '@spot/shared';
import { beforeAll, describe, expect, it } from 'vitest';
import { auditRecordEntity, auditRecordsQuery } from '../src/data/entities/audit-record';
import { clusterActionEntity, doneActionsQuery, openActionsQuery } from '../src/data/entities/cluster-action';
import { nodeEntity } from '../src/data/entities/node';
import { nodeGroupEntity } from '../src/data/entities/node-group';
import { clusterChildrenQuery } from '../src/data/entities/partitions';
import { putItem, queryAll } from '../src/data/repository';
import { planClusterConsolidation } from '../src/domain/consolidation';
import { type SeededCluster, seedCluster } from './clusters-support';
import { call, signUpAndIn, useLocalServices } from './support/services';

beforeAll(async () => {
  await useLocalServices();
});

/**
 * Four m5.large nodes of one ASG (minimum 2): two empty, one lightly used, one busy; plus one node of no
 * known group and one whose pod carries karpenter.sh/do-not-disrupt (a NodePool node).
 */
async function seedInventory(orgId: string, cluster: SeededCluster) {
  const ids = { orgId, clusterId: cluster.clusterId, accountId: cluster.accountId };
  await putItem(
    nodeGroupEntity,
    nodeGroupEntity.schema.parse({
      ...ids,
      nodeGroupId: 'asg-web',
      name: 'web',
      kind: 'asg',
      capacityType: 'on-demand',
      instanceTypes: ['m5.large'],
      minSize: 2,
      desiredSize: 4,
      maxSize: 6,
      autoScalingGroupNames: ['web-asg'],
    }),
  );
  await putItem(
    nodeGroupEntity,
    nodeGroupEntity.schema.parse({
      ...ids,
      nodeGroupId: 'karpenter-default',
      name: 'default',
      kind: 'karpenter-nodepool',
      capacityType: 'spot',
      instanceTypes: [],
      minSize: 0,
      desiredSize: 1,
      maxSize: 10,
    }),
  );
  const node = (name: string, group: string | null, cpu: number, pods: unknown[], extra = {}) =>
    putItem(
      nodeEntity,
      nodeEntity.schema.parse({
        ...ids,
        nodeName: name,
        instanceId: `i-${name}`,
        instanceType: 'm5.large',
        capacityType: 'on-demand',
        zone: 'us-east-1a',
        nodeGroupId: group,
        allocatableCpuMilli: 1930,
        allocatableMemoryMiB: 7000,
        allocatablePods: 29,
        requestedCpuMilli: cpu,
        requestedMemoryMiB: 500,
        movablePods: pods,
        hourlyPriceUsd: 0.096,
        priceSource: 'catalog',
        launchedAt: '2026-06-20T08:12:44Z',
        ...extra,
      }),
    );
  const web = (count: number, cpuMilli: number) => [
    { namespace: 'shop', workload: 'shop#Deployment#web', count, cpuMilli, memoryMiB: 100 * count },
  ];
  await node('web-1', 'asg-web', 0, []);
  await node('web-2', 'asg-web', 0, []);
  await node('web-3', 'asg-web', 200, web(2, 200));
  await node('web-4', 'asg-web', 1500, web(3, 1500));
  await node('loose', null, 0, []);
  await node('pinned', 'karpenter-default', 100, web(1, 100), { doNotDisrupt: true });
}

const plan = (token: string, clusterId: string, body: unknown) =>
  call('POST /api/client/clusters/{id}/consolidation', { token, path: { id: clusterId }, body });

describe('consolidation: the dry run', () => {
  it('plans from the effective policy and the stored inventory, within group minimums, and writes nothing', async () => {
    const user = await signUpAndIn('Consolidation A');
    const cluster = await seedCluster(user.orgId, { name: 'shop' });
    await seedInventory(user.orgId, cluster);
    const res = await plan(user.accessToken, cluster.clusterId, { dryRun: true });
    expect(res.status, res.raw).toBe(200);
    const body = res.body as ConsolidationPlanResponse;
    expect(body.dryRun).toBe(true);
    expect(body.policy).toEqual({
      aggressiveness: 'balanced',
      method: 'replace-and-move',
      stabilizationWindowMinutes: 10,
      maxNodesInFlight: 1,
    });
    // The ASG has 4 nodes and a minimum of 2: two go, one per wave, through the ASG.
    expect(body.steps).toHaveLength(2);
    expect(body.steps.map((s) => s.wave)).toEqual([0, 1]);
    for (const s of body.steps) {
      expect(s).toMatchObject({
        nodeGroupId: 'asg-web',
        termination: 'asg-terminate-decrement',
        autoScalingGroupName: 'web-asg',
        instanceId: `i-${s.node}`,
      });
    }
    expect(body.skipped.map((s) => s.reason)).toEqual(
      expect.arrayContaining(['owner-unknown', 'group-minimum']),
    );
    expect(body.skipped.find((s) => s.node === 'loose')?.reason).toBe('owner-unknown');
    expect(body.held).toEqual([expect.objectContaining({ node: 'pinned', status: 'blocked' })]);
    expect(body.monthlySavingUsd).toBeCloseTo(2 * 0.096 * 730, 6);
    expect(body.plannedMonthlySavingUsd).toBeGreaterThan(body.monthlySavingUsd);
    // What the minimum of 2 holds: web-3 too, with a minimum of 1 (ADR 0066).
    expect(body.heldByMinimums).toEqual([
      {
        nodeGroupId: 'asg-web',
        name: 'web',
        minSize: 2,
        nodes: 4,
        minimumToAllow: 1,
        monthlySavingUsd: Math.round(0.096 * 730 * 100) / 100,
      },
    ]);
    expect(body.notes.join(' ')).toContain('PodDisruptionBudgets');

    // The cluster's own policy: 2 nodes in flight, one wave.
    await call('PUT /api/client/clusters/{id}/policy', {
      token: user.accessToken,
      path: { id: cluster.clusterId },
      body: { version: 0, policy: { infrastructure: { binPacking: { maxNodesInFlight: 2 } } } },
    });
    const wider = (await plan(user.accessToken, cluster.clusterId, { dryRun: true }))
      .body as ConsolidationPlanResponse;
    expect(wider.policy.maxNodesInFlight).toBe(2);
    expect(wider.waves).toBe(1);

    // A dry run records no action.
    expect(await queryAll(clusterActionEntity, openActionsQuery(user.orgId, cluster.clusterId))).toEqual([]);
    expect(await queryAll(clusterActionEntity, doneActionsQuery(user.orgId, cluster.clusterId))).toEqual([]);
  });

  it('answers a start with 409 when the plan removes no node, records no action and audits the attempt', async () => {
    const user = await signUpAndIn('Consolidation B');
    const cluster = await seedCluster(user.orgId, { name: 'batch' });
    const res = await plan(user.accessToken, cluster.clusterId, { dryRun: false });
    expect(res.status, res.raw).toBe(409);
    expect(res.body).toMatchObject({ code: 'CONSOLIDATION_NOTHING_TO_DO' });
    expect(String(res.body.message)).toContain('removes no node');
    const bad = await plan(user.accessToken, cluster.clusterId, {});
    expect(bad.status).toBe(400);
    expect(String(bad.raw)).toContain('dryRun');
    expect(await queryAll(clusterActionEntity, openActionsQuery(user.orgId, cluster.clusterId))).toEqual([]);
    const audit = await queryAll(auditRecordEntity, auditRecordsQuery(user.orgId));
    const starts = audit.filter((r) => r.action === 'cluster.consolidation');
    expect(starts.map((r) => [r.outcome, r.target])).toContainEqual([
      'failed',
      `cluster/${cluster.clusterId}`,
    ]);
  });

  it('what-if variants lift one rule each, for the bench breakdown: group minimums, replacements in every group', async () => {
    const user = await signUpAndIn('Consolidation What-if');
    const cluster = await seedCluster(user.orgId, { name: 'shop' });
    await seedInventory(user.orgId, cluster);
    const now = new Date();
    const normal = await planClusterConsolidation(user.orgId, cluster.clusterId, now);
    expect(normal.steps.map((s) => s.node).sort()).toEqual(['web-1', 'web-2']);
    // Minimum 2 lifted: the lightly used web-3 goes too (its pods fit in web-4's room).
    const noMinimums = await planClusterConsolidation(user.orgId, cluster.clusterId, now, {
      noGroupMinimums: true,
    });
    expect(noMinimums.steps.map((s) => s.node).sort()).toEqual(['web-1', 'web-2', 'web-3']);
    expect(noMinimums.skipped.map((s) => s.reason)).not.toContain('group-minimum');
    // Every group as a NodePool: the same nodes, taken out the way a NodePool's are.
    const everywhere = await planClusterConsolidation(user.orgId, cluster.clusterId, now, {
      replaceInEveryGroup: true,
    });
    expect(everywhere.steps.map((s) => s.termination)).toEqual([
      'karpenter-delete-node',
      'karpenter-delete-node',
    ]);
    // Replacements from a label-less pool: nothing here needs one, the same plan.
    const labelless = await planClusterConsolidation(user.orgId, cluster.clusterId, now, {
      replaceInEveryGroup: true,
      replacementLabels: {},
    });
    expect(labelless.steps.map((s) => s.node).sort()).toEqual(['web-1', 'web-2']);
    // The stored inventory is what it was.
    const groups = await queryAll(
      nodeGroupEntity,
      clusterChildrenQuery(user.orgId, cluster.clusterId, 'NODEGROUP'),
    );
    expect(groups.find((g) => g.nodeGroupId === 'asg-web')).toMatchObject({ kind: 'asg', minSize: 2 });
  });

  it("is another organization's cluster: 404 for both routes", async () => {
    const a = await signUpAndIn('Consolidation C');
    const b = await signUpAndIn('Consolidation D');
    const cluster = await seedCluster(a.orgId);
    expect((await plan(b.accessToken, cluster.clusterId, { dryRun: true })).status).toBe(404);
    const actions = await call('GET /api/client/clusters/{id}/actions', {
      token: b.accessToken,
      path: { id: cluster.clusterId },
    });
    expect(actions.status).toBe(404);
  });
});

describe('consolidation: the actions list', () => {
  it('lists in-flight actions first, then done ones newest first, page by page', async () => {
    const user = await signUpAndIn('Consolidation E');
    const cluster = await seedCluster(user.orgId);
    const action = (i: number, state: 'draining' | 'done' | 'failed', finishedAt: string | null) =>
      putItem(clusterActionEntity, {
        orgId: user.orgId,
        clusterId: cluster.clusterId,
        actionId: `a${i}`,
        runId: 'run-1',
        kind: 'remove-node',
        node: `node-${i}`,
        instanceId: `i-${i}`,
        instanceType: 'm5.large',
        nodeGroupId: 'asg-web',
        state,
        result:
          state === 'failed'
            ? 'Pods did not leave within 15 minutes: uncordoned.'
            : state === 'done'
              ? 'Terminated.'
              : null,
        predictedMonthlySavingUsd: 70.08,
        realizedMonthlySavingUsd: state === 'done' ? 70.08 : null,
        startedAt: `2026-06-2${i}T10:00:00.000Z`,
        finishedAt,
      });
    await action(1, 'done', '2026-06-21T10:20:00.000Z');
    await action(2, 'failed', '2026-06-22T10:20:00.000Z');
    await action(3, 'done', '2026-06-23T10:20:00.000Z');
    await action(4, 'draining', null);
    const list = (cursor?: string) =>
      call('GET /api/client/clusters/{id}/actions', {
        token: user.accessToken,
        path: { id: cluster.clusterId },
        query: { limit: '2', ...(cursor ? { cursor } : {}) },
      });
    const first = await list();
    expect(first.status, first.raw).toBe(200);
    const one = first.body as ClusterActionsResponse;
    expect(one.items.map((a) => a.actionId)).toEqual(['a4', 'a3', 'a2']);
    expect(one.items[0]).not.toHaveProperty('instanceId');
    expect(one.nextCursor).not.toBeNull();
    const two = (await list(one.nextCursor as string)).body as ClusterActionsResponse;
    expect(two.items.map((a) => a.actionId)).toEqual(['a1']);
    expect(two.nextCursor).toBeNull();
    const forged = await list(Buffer.from('NODE#web-1').toString('base64url'));
    expect(forged.status).toBe(400);
  });
});
