import { LocalStepFunctions } from '@spot/local/stepfunctions';
import type { ClusterSnapshot, ConsolidationPlanResponse } from '@spot/shared';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { auditRecordEntity, auditRecordsQuery } from '../src/data/entities/audit-record';
import { clusterActionEntity, doneActionsQuery } from '../src/data/entities/cluster-action';
import { consolidationRunEntity, consolidationRunKey } from '../src/data/entities/consolidation-run';
import { nodeEntity } from '../src/data/entities/node';
import { nodeGroupEntity } from '../src/data/entities/node-group';
import { getItem, putItem, queryAll } from '../src/data/repository';
import { pendingCommandsForAgent, recordCommandResult } from '../src/domain/agent-commands';
import { consolidationScheduleName } from '../src/domain/consolidation-schedule';
import { setMaintenance } from '../src/domain/maintenance';
import { configurePorts } from '../src/ports';
import type { CustomerCloudPort } from '../src/ports/cloud';
import type { KubernetesPort } from '../src/ports/kubernetes';
import type { ScheduleSpec } from '../src/ports/types';
import { type SeededCluster, seedCluster } from './clusters-support';
import { call, signUpAndIn, useLocalServices } from './support/services';

/**
 * Scheduled consolidation and the owners' terminations (ADR 0044), through the local Step Functions runner
 * and DynamoDB Local: the automation switch (a policy field) arms and removes the cluster's schedule; a
 * fire starts the consolidation workflow or audits why not (maintenance, a run in flight); a managed node
 * group's node is terminated in the ASG behind it, a Karpenter node is deleted through the agent's
 * delete-node command; each realized saving is the drop of the group's bill the cloud port reads.
 */

vi.mock('../src/domain/accounts-connect', async (original) => ({
  ...(await original<typeof import('../src/domain/accounts-connect')>()),
  cloudTargetOf: async () => ({
    region: 'us-east-1',
    credentials: { kind: 'role', roleArn: 'arn:aws:iam::111122223333:role/spot', externalId: 'ext' },
  }),
}));

let clock = new Date('2026-12-01T10:00:00Z');
let cluster: SeededCluster;
let orgId: string;
const schedules = new Map<string, ScheduleSpec>();
/** Nodes of the fake cloud: name → group (`asg:<name>` or `pool:<name>`), price and capacity type. */
const fleet = new Map<string, { group: string; usd: number; spot: boolean }>();
const asgTerminated: string[] = [];
const commandTypes: string[] = [];

const kubernetes = {
  async collectSnapshot() {
    const pods = [...fleet.keys()].map((node) => ({
      namespace: 'shop',
      name: `web-${node}`,
      nodeName: node,
      phase: 'Running',
      owner: { kind: 'ReplicaSet', name: 'web', replicas: 2 },
    }));
    return { pods } as unknown as ClusterSnapshot;
  },
} as unknown as KubernetesPort;

const cloud = {
  async terminateInstanceInAutoScalingGroup(_t: unknown, request: { instanceId: string }) {
    asgTerminated.push(request.instanceId);
    fleet.delete(request.instanceId.replace(/^i-/, ''));
    return { outcome: 'terminating', activityId: 'a-1', description: null };
  },
  async describeInstances() {
    return [...fleet].map(([node, f]) => ({
      instanceId: `i-${node}`,
      instanceType: f.spot ? 'm6g.large' : 'm5.large',
      capacityType: f.spot ? 'spot' : 'on-demand',
      availabilityZone: 'us-east-1a',
      state: 'running',
      clusterName: cluster.name,
      autoScalingGroupName: f.group.startsWith('asg:') ? f.group.slice(4) : null,
      tags: f.group.startsWith('pool:') ? { 'karpenter.sh/nodepool': f.group.slice(5) } : {},
    }));
  },
  async onDemandPrices() {
    return { 'm5.large': 0.096 };
  },
  async spotPriceHistory() {
    return [
      {
        instanceType: 'm6g.large',
        availabilityZone: 'us-east-1a',
        priceUsdPerHour: 0.03,
        timestamp: '2026-12-01T00:00:00Z',
      },
      {
        instanceType: 'm6g.large',
        availabilityZone: 'us-east-1a',
        priceUsdPerHour: 0.031,
        timestamp: '2026-12-01T06:00:00Z',
      },
    ];
  },
} as unknown as CustomerCloudPort;

/** The agent: every command succeeds; a deleted Karpenter node leaves the fleet (Karpenter terminates it). */
async function agentTurn() {
  const polled = await pendingCommandsForAgent({ orgId, clusterId: cluster.clusterId }, clock);
  for (const c of polled.commands) {
    commandTypes.push(c.command.type);
    if (c.command.type === 'delete-node') fleet.delete(c.command.node);
    await recordCommandResult(
      { orgId, clusterId: cluster.clusterId },
      c.id,
      { outcome: 'succeeded', reason: null },
      clock,
    );
  }
}

const workflows = new LocalStepFunctions({
  retryIntervalMs: 5,
  waitTimeMs: 5,
  wrapTask: (state, run) => async (input) => {
    if (state === 'Advance') {
      clock = new Date(clock.getTime() + 60_000);
      await agentTurn();
    }
    return run(input);
  },
});

beforeAll(async () => {
  await useLocalServices();
  configurePorts({
    workflows,
    cloud,
    kubernetes,
    clock: { now: () => clock },
    scheduler: {
      upsertSchedule: async (spec) => {
        schedules.set(spec.name, spec);
      },
      deleteSchedule: async (name) => {
        schedules.delete(name);
      },
    },
  });
});

beforeEach(() => {
  fleet.clear();
  asgTerminated.length = 0;
  commandTypes.length = 0;
});

type Kind = 'managed-node-group' | 'karpenter-nodepool';

/** One group of three nodes: the first empty, the second light, the third busy (minimum `minSize`). */
async function seed(name: string, kind: Kind, minSize = 1, launchedAt = '2026-06-20T08:12:44Z') {
  const user = await signUpAndIn(`Schedule ${name}`);
  orgId = user.orgId;
  cluster = await seedCluster(user.orgId, { name });
  const ids = { orgId, clusterId: cluster.clusterId, accountId: cluster.accountId };
  const karpenter = kind === 'karpenter-nodepool';
  await putItem(
    nodeGroupEntity,
    nodeGroupEntity.schema.parse({
      ...ids,
      nodeGroupId: karpenter ? 'pool-general' : 'mng-apps',
      name: karpenter ? 'general' : 'apps',
      kind,
      capacityType: karpenter ? 'spot' : 'on-demand',
      instanceTypes: [karpenter ? 'm6g.large' : 'm5.large'],
      minSize,
      desiredSize: 3,
      maxSize: 6,
      autoScalingGroupNames: karpenter ? [] : ['eks-apps-1234'],
    }),
  );
  for (const [i, cpu] of [0, 200, 1500].entries()) {
    const nodeName = `${name}-${i + 1}`;
    fleet.set(nodeName, { group: karpenter ? 'pool:general' : 'asg:eks-apps-1234', usd: 0, spot: karpenter });
    const count = cpu === 0 ? 0 : cpu === 200 ? 1 : 3;
    await putItem(
      nodeEntity,
      nodeEntity.schema.parse({
        ...ids,
        nodeName,
        instanceId: `i-${nodeName}`,
        instanceType: karpenter ? 'm6g.large' : 'm5.large',
        capacityType: karpenter ? 'spot' : 'on-demand',
        zone: 'us-east-1a',
        nodeGroupId: karpenter ? 'pool-general' : 'mng-apps',
        allocatableCpuMilli: 1930,
        allocatableMemoryMiB: 7000,
        allocatablePods: 29,
        requestedCpuMilli: cpu,
        requestedMemoryMiB: 100 * count,
        movablePods: count
          ? [
              {
                namespace: 'shop',
                workload: 'shop#Deployment#web',
                count,
                cpuMilli: cpu,
                memoryMiB: 100 * count,
              },
            ]
          : [],
        hourlyPriceUsd: karpenter ? 0.031 : 0.096,
        priceSource: 'catalog',
        launchedAt,
      }),
    );
  }
  return user;
}

async function setAutomation(token: string, enabled: boolean) {
  const current = await call('GET /api/client/clusters/{id}/policy', {
    token,
    path: { id: cluster.clusterId },
  });
  const res = await call('PUT /api/client/clusters/{id}/policy', {
    token,
    path: { id: cluster.clusterId },
    body: {
      version: (current.body as { version: number }).version,
      policy: { infrastructure: { binPacking: { automationEnabled: enabled } } },
    },
  });
  expect(res.status, res.raw).toBe(200);
}

/** What the schedule's target does when it fires. */
async function fire() {
  const spec = schedules.get(consolidationScheduleName(cluster.clusterId));
  expect(spec).toBeDefined();
  const { executionArn } = await workflows.startExecution(
    spec?.target.workflow ?? 'consolidation-schedule',
    spec?.target.input ?? {},
  );
  const execution = await workflows.waitForExecution(executionArn);
  expect(execution.status, JSON.stringify(execution.error)).toBe('SUCCEEDED');
  return execution.output as { started: boolean; runId?: string; skipped?: string; reason?: string };
}

const runOf = async (runId: string) =>
  workflows.waitForExecution(`arn:aws:states:local:000000000000:execution:consolidation:${runId}`);
const audit = () => queryAll(auditRecordEntity, auditRecordsQuery(orgId));

describe('scheduled consolidation (ADR 0044)', () => {
  it('the automation switch arms the cluster schedule and removing it disarms it', async () => {
    const user = await seed('arm', 'managed-node-group');
    await setAutomation(user.accessToken, true);
    const spec = schedules.get(consolidationScheduleName(cluster.clusterId));
    expect(spec).toMatchObject({
      expression: 'rate(1 hour)',
      target: { workflow: 'consolidation-schedule', input: { orgId, clusterId: cluster.clusterId } },
    });
    expect(spec?.startAt?.getTime()).toBe(clock.getTime() + 3600_000);
    await setAutomation(user.accessToken, false);
    expect(schedules.has(consolidationScheduleName(cluster.clusterId))).toBe(false);
  });

  it('a fire in maintenance mode, or with a run in flight, is skipped and audited with the reason', async () => {
    const user = await seed('skips', 'managed-node-group');
    await setAutomation(user.accessToken, true);
    await setMaintenance(
      orgId,
      cluster.clusterId,
      { enabled: true, reason: 'upgrade' },
      { email: 'ops@x.io' },
      clock,
    );
    const skipped = await fire();
    expect(skipped).toMatchObject({ started: false, skipped: 'maintenance' });
    expect(
      await getItem(consolidationRunEntity, consolidationRunKey(orgId, cluster.clusterId)),
    ).toBeUndefined();
    await setMaintenance(orgId, cluster.clusterId, { enabled: false }, { email: 'ops@x.io' }, clock);

    // A run in flight (stored as running): the fire does not start a second one.
    await putItem(consolidationRunEntity, {
      orgId,
      clusterId: cluster.clusterId,
      accountId: cluster.accountId,
      runId: 'cr-busy',
      state: 'running',
      startedBy: 'ops@x.io',
      startedAt: clock.toISOString(),
      finishedAt: null,
      reason: null,
      executionArn: null,
    });
    expect(await fire()).toMatchObject({ started: false, skipped: 'run-in-flight' });
    const skips = (await audit()).filter((r) => r.action === 'consolidation.scheduled.skip');
    expect(skips).toHaveLength(2);
    expect(skips.every((r) => r.actorName === 'system: optimizer' && r.outcome === 'denied')).toBe(true);
    expect(JSON.stringify(skips.map((r) => r.after))).toContain('maintenance mode');
  });

  it('a fire starts a run that terminates a managed node group node in the ASG behind it, saving read from the bill', async () => {
    const user = await seed('managed', 'managed-node-group', 1);
    await setAutomation(user.accessToken, true);
    await pendingCommandsForAgent({ orgId, clusterId: cluster.clusterId }, clock);
    const started = await fire();
    expect(started.started, started.reason).toBe(true);
    expect((await runOf(started.runId ?? '')).status).toBe('SUCCEEDED');
    const done = await queryAll(clusterActionEntity, doneActionsQuery(orgId, cluster.clusterId));
    // Three nodes, minimum one: two go (never below the group's minimum), each through the ASG.
    expect(done.map((a) => a.state)).toEqual(['done', 'done']);
    expect(asgTerminated.sort()).toEqual(done.map((a) => a.instanceId).sort());
    for (const a of done) expect(a.realizedMonthlySavingUsd).toBeCloseTo(0.096 * 730, 2);
    expect(done[0]?.result).toContain('Auto Scaling group');
    const run = await getItem(consolidationRunEntity, consolidationRunKey(orgId, cluster.clusterId));
    expect(run).toMatchObject({ state: 'finished', startedBy: 'system: optimizer' });
    const starts = (await audit()).filter((r) => r.action === 'consolidation.run.start');
    expect(starts[0]).toMatchObject({ actorName: 'system: optimizer', outcome: 'success' });
  });

  it('a Karpenter node is deleted through the agent and its saving is the NodePool bill drop at the live spot price', async () => {
    const user = await seed('karp', 'karpenter-nodepool', 0);
    await pendingCommandsForAgent({ orgId, clusterId: cluster.clusterId }, clock);
    const res = await call('POST /api/client/clusters/{id}/consolidation', {
      token: user.accessToken,
      path: { id: cluster.clusterId },
      body: { dryRun: false },
    });
    expect(res.status, res.raw).toBe(202);
    expect((await runOf((res.body as { runId: string }).runId)).status).toBe('SUCCEEDED');
    const done = await queryAll(clusterActionEntity, doneActionsQuery(orgId, cluster.clusterId));
    expect(done.length).toBeGreaterThan(0);
    expect(done.every((a) => a.state === 'done')).toBe(true);
    expect(commandTypes.filter((t) => t === 'delete-node')).toHaveLength(done.length);
    expect(asgTerminated).toEqual([]);
    // The latest spot point (0.031 $/h), not the older one.
    for (const a of done) expect(a.realizedMonthlySavingUsd).toBeCloseTo(0.031 * 730, 2);
    expect(done[0]?.result).toContain('Karpenter terminated its instance');
  });

  it('does not plan nodes launched within the stabilization window, nor nodes acted on in it', async () => {
    const user = await seed(
      'stable',
      'managed-node-group',
      0,
      new Date(clock.getTime() - 5 * 60_000).toISOString(),
    );
    const plan = await call('POST /api/client/clusters/{id}/consolidation', {
      token: user.accessToken,
      path: { id: cluster.clusterId },
      body: { dryRun: true },
    });
    expect(plan.status, plan.raw).toBe(200);
    const body = plan.body as ConsolidationPlanResponse;
    expect(body.steps).toEqual([]);
    expect(body.held.filter((h) => h.status === 'stabilizing').length).toBeGreaterThan(0);

    // Eleven minutes later the window (10 min) has passed, except for a node the optimizer just acted on.
    clock = new Date(clock.getTime() + 11 * 60_000);
    await putItem(clusterActionEntity, {
      orgId,
      clusterId: cluster.clusterId,
      actionId: 'cr-old-n0',
      runId: 'cr-old',
      kind: 'remove-node',
      node: 'stable-1',
      instanceId: 'i-stable-1',
      instanceType: 'm5.large',
      nodeGroupId: 'mng-apps',
      state: 'failed',
      result: 'Drain timed out',
      predictedMonthlySavingUsd: 70,
      realizedMonthlySavingUsd: null,
      startedAt: new Date(clock.getTime() - 3 * 60_000).toISOString(),
      finishedAt: new Date(clock.getTime() - 60_000).toISOString(),
    });
    const later = await call('POST /api/client/clusters/{id}/consolidation', {
      token: user.accessToken,
      path: { id: cluster.clusterId },
      body: { dryRun: true },
    });
    const steps = (later.body as ConsolidationPlanResponse).steps.map((s) => s.node);
    expect(steps.length).toBeGreaterThan(0);
    expect(steps).not.toContain('stable-1');
  });
});
