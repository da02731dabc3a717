import { LocalStepFunctions } from '@spot/local/stepfunctions';
import type {
  AgentCommandResultBody,
  ClusterSnapshot,
  ConsolidationStartResponse,
  PolicyOverrides,
} from '@spot/shared';
import { CloudAccessError } from '@spot/shared';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { auditRecordEntity, auditRecordsQuery } from '../src/data/entities/audit-record';
import { clusterActionEntity, doneActionsQuery, openActionsQuery } from '../src/data/entities/cluster-action';
import { consolidationRunEntity, consolidationRunKey } from '../src/data/entities/consolidation-run';
import { groupMinimumEntity, groupMinimumKey } from '../src/data/entities/group-minimum';
import { hibernationRuntimeEntity, hibernationRuntimeKey } from '../src/data/entities/hibernation-runtime';
import { nodeEntity } from '../src/data/entities/node';
import { nodeGroupEntity, nodeGroupKey } from '../src/data/entities/node-group';
import { getItem, putItem, queryAll, updateItem } from '../src/data/repository';
import { getAgentCommand, pendingCommandsForAgent, recordCommandResult } from '../src/domain/agent-commands';
import { runScheduledConsolidation } from '../src/domain/consolidation-schedule';
import { sleepCluster } from '../src/domain/hibernation-run';
import { setMaintenance } from '../src/domain/maintenance';
import { configurePorts } from '../src/ports';
import type { CustomerCloudPort, InstanceTermination } from '../src/ports/cloud';
import type { KubernetesPort } from '../src/ports/kubernetes';
import { type SeededCluster, seedCluster } from './clusters-support';
import { call, signUpAndIn, useLocalServices } from './support/services';

/**
 * The consolidation workflow (ADR 0040) run by the local Step Functions runner from its ASL, against
 * DynamoDB Local, with fakes for the outside world: the cloud port (the ASG termination), the Kubernetes
 * port (the live pods of a node) and the cluster's agent, which the test plays before each `Advance` step
 * (it polls, then reports each command as the scenario says). The clock moves one minute per step, so a
 * drain times out after 15 steps; a scenario that only waits for a timeout moves it faster (`stepMinutes`),
 * each step costing some thirty DynamoDB requests.
 */

vi.mock('../src/domain/accounts-connect', async (original) => ({
  ...(await original<typeof import('../src/domain/accounts-connect')>()),
  cloudTargetOf: async () => ({
    region: 'us-east-1',
    credentials: { kind: 'role', roleArn: 'arn:aws:iam::111122223333:role/spot', externalId: 'ext' },
  }),
}));

type Outcome = AgentCommandResultBody | null;
interface Scenario {
  /** The agent's answer to a command (null: it does not answer yet); undefined agent: offline. */
  agent?: (command: { id: string; type: string; step: number }) => Outcome;
  termination: (instanceId: string) => InstanceTermination;
  /** Runs before the step's agent turn. */
  beforeStep?: (step: number) => Promise<void>;
  /**
   * The step from which the replacement of an evicted pod is Running (until then it is Pending and the
   * PDB over `web` allows no disruption); undefined: the pods are listed as seeded, with no PDB.
   */
  replacementsReadyAtStep?: number;
  /** At these steps the PDB over `web` allows no disruption whatever runs (as with maxUnavailable 0). */
  budgetSpent?: (step: number) => boolean;
  /** How far the clock moves before this step (default one minute). */
  stepMinutes?: (step: number) => number;
}

let scenario: Scenario;
/** Node labels as the cluster shows them now, where a scenario changed them after the inventory. */
let liveNodeLabels: Record<string, Record<string, string>> = {};
/** Node annotations as the cluster shows them now (`kubectl annotate node`), where a scenario set them. */
let liveNodeAnnotations: Record<string, Record<string, string>> = {};
let clock = new Date('2026-12-01T10:00:00Z');
let steps = 0;
let cluster: SeededCluster;
let orgId: string;
const terminated: string[] = [];
const enqueuedTypes: string[] = [];

/** Pods the agent evicted (`shop/<name>`), in order. */
const evictedPods: string[] = [];
/** The agent's step of each of those evictions. */
const evictedAtStep: number[] = [];

/** Runs when a step reads the live cluster (before a drain, and right before a termination). */
let onSnapshot: (() => Promise<void>) | undefined;

const kubernetes = {
  async collectSnapshot() {
    await onSnapshot?.();
    const pod = (name: string, nodeName: string | null, kind = 'ReplicaSet') => ({
      namespace: 'shop',
      name,
      nodeName,
      phase: nodeName ? 'Running' : 'Pending',
      owner: { kind, name: kind === 'DaemonSet' ? 'logs' : 'web', replicas: 2 },
      labels: { app: kind === 'DaemonSet' ? 'logs' : 'web' },
    });
    const seeded = [pod('web-a', 'web-1'), pod('logs-a', 'web-1', 'DaemonSet'), pod('web-b', 'web-2')];
    // The nodes whose live labels a scenario changed since the inventory (the others are not listed).
    const nodes = [...new Set([...Object.keys(liveNodeLabels), ...Object.keys(liveNodeAnnotations)])].map(
      (name) => ({
        name,
        labels: liveNodeLabels[name] ?? {},
        annotations: liveNodeAnnotations[name] ?? {},
      }),
    );
    const readyAt = scenario.replacementsReadyAtStep;
    if (readyAt === undefined) return { pods: seeded, nodes } as unknown as ClusterSnapshot;
    // An evicted pod's replacement (a new name, as a Deployment's) starts Pending, then runs on web-3.
    const ready = steps >= readyAt;
    const pods = seeded.map((p) =>
      evictedPods.includes(`shop/${p.name}`) ? pod(`${p.name}-r`, ready ? 'web-3' : null) : p,
    );
    const healthy = pods.filter((p) => p.owner.name === 'web' && p.phase === 'Running').length;
    const pdbs = [
      // maxUnavailable 1 over 2 replicas: one disruption while both run, none while one starts.
      {
        namespace: 'shop',
        name: 'web',
        matchLabels: { app: 'web' },
        disruptionsAllowed: scenario.budgetSpent?.(steps) ? 0 : healthy - 1,
      },
    ];
    return { pods, pdbs, nodes } as unknown as ClusterSnapshot;
  },
} as unknown as KubernetesPort;

/**
 * The ASG's live minimum (node group takeover, ADR 0067): the fake refuses a decrement below it as AWS
 * does when `asg.enforce` is set; `asg.denyUpdate` answers AccessDenied to UpdateAutoScalingGroup.
 */
const asg = {
  minSize: 2,
  /** Its desired capacity: 3, less each termination, or what an update set. */
  desired: 3,
  maxSize: 6,
  enforce: false,
  denyUpdate: false,
  updates: [] as { minSize: number; desiredCapacity: number }[],
  /** Runs when the run reads the group's live sizes (within the step, right before the change). */
  onDescribe: undefined as (() => Promise<void>) | undefined,
};

const cloud = {
  async describeAutoScalingGroups() {
    await asg.onDescribe?.();
    return [
      {
        name: 'web-asg',
        minSize: asg.minSize,
        desiredCapacity: asg.desired,
        maxSize: asg.maxSize,
        instanceIds: [],
        instanceTypes: ['m5.large'],
        onDemandPercentageAboveBase: null,
        tags: {},
      },
    ];
  },
  async updateAutoScalingGroup(
    _target: unknown,
    update: { name: string; minSize: number; desiredCapacity: number; maxSize: number },
  ) {
    if (asg.denyUpdate)
      throw new CloudAccessError(
        'ACCESS_DENIED',
        'The role is not allowed autoscaling:UpdateAutoScalingGroup (AccessDenied).',
        'autoscaling:UpdateAutoScalingGroup',
      );
    asg.updates.push({ minSize: update.minSize, desiredCapacity: update.desiredCapacity });
    asg.minSize = update.minSize;
    asg.desired = update.desiredCapacity;
    asg.maxSize = update.maxSize;
  },
  async terminateInstanceInAutoScalingGroup(_target: unknown, request: { instanceId: string }) {
    if (asg.enforce && asg.desired - 1 < asg.minSize)
      return {
        outcome: 'skipped',
        reason: 'group-minimum',
        message:
          'The Auto Scaling group is at its minimum size: lower the minimum to let the optimizer remove it.',
      } satisfies InstanceTermination;
    const answer = scenario.termination(request.instanceId);
    if (answer.outcome === 'terminating') {
      terminated.push(request.instanceId);
      asg.desired -= 1;
    }
    return answer;
  },
  // The bill (ADR 0044): the group's instances that are not terminated, m5.large on-demand; a NodePool's
  // carry its tag and no ASG.
  async describeInstances() {
    return ['web-1', 'web-2', 'web-3']
      .filter((n) => !terminated.includes(`i-${n}`))
      .map((n) => ({
        instanceId: `i-${n}`,
        instanceType: 'm5.large',
        capacityType: 'on-demand',
        availabilityZone: 'us-east-1a',
        state: 'running',
        tags: seededKind === 'karpenter-nodepool' ? { 'karpenter.sh/nodepool': 'general' } : {},
        clusterName: cluster.name,
        autoScalingGroupName: seededKind === 'karpenter-nodepool' ? null : 'web-asg',
      }));
  },
  async onDemandPrices() {
    return { 'm5.large': 0.096 };
  },
  async spotPriceHistory() {
    return [];
  },
} as unknown as CustomerCloudPort;

const terminating = (): InstanceTermination => ({
  outcome: 'terminating',
  activityId: 'a-1',
  description: null,
});

/** The agent's turn: poll (fetches the open commands) and answer each as the scenario says. */
async function agentTurn() {
  if (!scenario.agent) return;
  const polled = await pendingCommandsForAgent({ orgId, clusterId: cluster.clusterId }, clock);
  for (const c of polled.commands) {
    enqueuedTypes.push(c.command.type);
    const outcome = scenario.agent({ id: c.id, type: c.command.type, step: steps });
    if (outcome) await recordCommandResult({ orgId, clusterId: cluster.clusterId }, c.id, outcome, clock);
    // Karpenter's finalizer terminates a deleted node's instance: it leaves the NodePool's bill.
    if (outcome?.outcome === 'succeeded' && c.command.type === 'delete-node')
      terminated.push(`i-${c.command.node}`);
    if (outcome?.outcome === 'succeeded' && c.command.type === 'evict') {
      evictedPods.push(`${c.command.namespace}/${c.command.pod}`);
      evictedAtStep.push(steps);
    }
  }
}

const workflows = new LocalStepFunctions({
  retryIntervalMs: 5,
  waitTimeMs: 5,
  wrapTask: (state, run) => async (input) => {
    if (state === 'Advance') {
      steps += 1;
      clock = new Date(clock.getTime() + (scenario.stepMinutes?.(steps) ?? 1) * 60_000);
      await scenario.beforeStep?.(steps);
      await agentTurn();
    }
    return run(input);
  },
});

beforeAll(async () => {
  await useLocalServices();
  configurePorts({ workflows, cloud, kubernetes, clock: { now: () => clock } });
});

type GroupKind = 'asg' | 'karpenter-nodepool';
/** The kind of the seeded group: an ASG (`web`), or a Karpenter NodePool (`general`). */
let seededKind: GroupKind = 'asg';

/** Three m5.large nodes of one group (an ASG by default): web-1 and web-2 nearly empty, web-3 busy. */
async function seed(name: string, minSize = 2, kind: GroupKind = 'asg') {
  const user = await signUpAndIn(`Run ${name}`);
  orgId = user.orgId;
  seededKind = kind;
  cluster = await seedCluster(user.orgId, { name });
  const ids = { orgId, clusterId: cluster.clusterId, accountId: cluster.accountId };
  const karpenter = kind === 'karpenter-nodepool';
  const nodeGroupId = karpenter ? 'pool-general' : 'asg-web';
  await putItem(
    nodeGroupEntity,
    nodeGroupEntity.schema.parse({
      ...ids,
      nodeGroupId,
      name: karpenter ? 'general' : 'web',
      kind,
      capacityType: 'on-demand',
      instanceTypes: ['m5.large'],
      minSize: karpenter ? 0 : minSize,
      desiredSize: 3,
      maxSize: karpenter ? 10 : 6,
      autoScalingGroupNames: karpenter ? [] : ['web-asg'],
    }),
  );
  const node = (nodeName: string, cpu: number, count: number) =>
    putItem(
      nodeEntity,
      nodeEntity.schema.parse({
        ...ids,
        nodeName,
        instanceId: `i-${nodeName}`,
        instanceType: 'm5.large',
        capacityType: 'on-demand',
        zone: 'us-east-1a',
        nodeGroupId,
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
        hourlyPriceUsd: 0.096,
        priceSource: 'catalog',
        launchedAt: '2026-06-20T08:12:44Z',
      }),
    );
  await node('web-1', 0, 0);
  await node('web-2', 200, 1);
  await node('web-3', 1500, 3);
  return user;
}

/** The agent's first poll: a run starts only for a cluster whose agent takes commands. */
const agentOnline = () => pendingCommandsForAgent({ orgId, clusterId: cluster.clusterId }, clock);

async function runToEnd(token: string) {
  if (scenario.agent) await agentOnline();
  const res = await call('POST /api/client/clusters/{id}/consolidation', {
    token,
    path: { id: cluster.clusterId },
    body: { dryRun: false },
  });
  expect(res.status, res.raw).toBe(202);
  const started = res.body as ConsolidationStartResponse;
  const execution = await workflows.waitForExecution(
    `arn:aws:states:local:000000000000:execution:consolidation:${started.runId}`,
  );
  const done = await queryAll(clusterActionEntity, doneActionsQuery(orgId, cluster.clusterId));
  const open = await queryAll(clusterActionEntity, openActionsQuery(orgId, cluster.clusterId));
  const run = await getItem(consolidationRunEntity, consolidationRunKey(orgId, cluster.clusterId));
  const audit = await queryAll(auditRecordEntity, auditRecordsQuery(orgId));
  return { started, execution, done, open, run, audit };
}

const succeed = (): Outcome => ({ outcome: 'succeeded', reason: null });

beforeEach(() => {
  liveNodeLabels = {};
  liveNodeAnnotations = {};
  asg.minSize = 2;
  asg.desired = 3;
  asg.maxSize = 6;
  onSnapshot = undefined;
  asg.enforce = false;
  asg.denyUpdate = false;
  asg.updates.length = 0;
  asg.onDescribe = undefined;
  steps = 0;
  terminated.length = 0;
  enqueuedTypes.length = 0;
  evictedPods.length = 0;
  evictedAtStep.length = 0;
});

describe('consolidation run (workflow)', () => {
  it('drains and terminates a node through its ASG, records the realized saving, audits as system: optimizer', async () => {
    const user = await seed('happy');
    scenario = { agent: succeed, termination: terminating };
    const { started, execution, done, open, run, audit } = await runToEnd(user.accessToken);
    expect(execution.status, JSON.stringify(execution.error)).toBe('SUCCEEDED');
    expect(started.nodes).toBe(1);
    expect(open).toEqual([]);
    expect(done).toHaveLength(1);
    const [action] = done;
    expect(action).toMatchObject({ state: 'done', runId: started.runId });
    expect(terminated).toEqual([action?.instanceId]);
    expect(action?.realizedMonthlySavingUsd).toBeCloseTo((action?.hourlySavingUsd ?? 0) * 730, 1);
    expect(action?.realizedMonthlySavingUsd).toBeGreaterThan(0);
    // The DaemonSet pod is not evicted; the node's other pod is.
    expect(enqueuedTypes.sort()).toEqual(['cordon', 'evict']);
    expect(run).toMatchObject({ state: 'finished', reason: null });
    const system = audit.filter((r) => r.actorName === 'system: optimizer').map((r) => r.action);
    expect(system).toEqual(expect.arrayContaining(['consolidation.node.remove', 'consolidation.run.finish']));
    const start = audit.find((r) => r.action === 'cluster.consolidation');
    expect(start).toMatchObject({ actorType: 'user', outcome: 'success' });

    // The Activity list shows it, without the workflow's working fields.
    const list = await call('GET /api/client/clusters/{id}/actions', {
      token: user.accessToken,
      path: { id: cluster.clusterId },
    });
    expect(list.status).toBe(200);
    const items = (list.body as { items: Record<string, unknown>[] }).items;
    expect(items[0]).toMatchObject({ state: 'done' });
    expect(items[0]).not.toHaveProperty('evictions');
  });

  const doNotDisrupt = { 'karpenter.sh/do-not-disrupt': 'true' };

  it('a Node annotated karpenter.sh/do-not-disrupt between the plan and the run: left untouched, the Activity and the audit say why', async () => {
    const user = await seed('node-marked', 1);
    // The plan (at the start) saw no mark; `kubectl annotate node` lands before the run's first step.
    scenario = {
      agent: succeed,
      termination: terminating,
      beforeStep: async (step) => {
        if (step === 1) liveNodeAnnotations = { 'web-1': doNotDisrupt, 'web-2': doNotDisrupt };
      },
    };
    const { done, audit, execution, started } = await runToEnd(user.accessToken);
    expect(execution.status, JSON.stringify(execution.error)).toBe('SUCCEEDED');
    expect(started.nodes).toBe(2);
    expect(done.map((a) => a.state)).toEqual(['skipped', 'skipped']);
    for (const a of done) {
      expect(a.result).toBe(
        'The node is marked karpenter.sh/do-not-disrupt now: the node stays, nothing was cordoned.',
      );
    }
    expect(enqueuedTypes).toEqual([]);
    expect(evictedPods).toEqual([]);
    expect(terminated).toEqual([]);
    const records = audit.filter((r) => r.action === 'consolidation.node.remove');
    expect(records.map((r) => (r.after as { node: string }).node).sort()).toEqual(['web-1', 'web-2']);
    for (const r of records) {
      expect(r).toMatchObject({ outcome: 'failed', actorName: 'system: optimizer' });
      expect((r.after as { reason: string }).reason).toBe(
        'exempt: The node is marked karpenter.sh/do-not-disrupt',
      );
    }
  });

  it('a Node annotated karpenter.sh/do-not-disrupt while it drains: not terminated, uncordoned, audited; the run goes on', async () => {
    const user = await seed('node-marked-draining', 1);
    let marked: string | null = null;
    scenario = {
      agent: succeed,
      termination: terminating,
      beforeStep: async () => {
        if (marked) return;
        // Cordoned and drained already: the mark arrives between the drain and the termination.
        const open = await queryAll(clusterActionEntity, openActionsQuery(orgId, cluster.clusterId));
        const draining = open.find((a) => a.state === 'draining');
        if (!draining) return;
        marked = draining.node;
        liveNodeAnnotations = { [draining.node]: doNotDisrupt };
      },
    };
    const { done, audit, execution, started } = await runToEnd(user.accessToken);
    expect(execution.status, JSON.stringify(execution.error)).toBe('SUCCEEDED');
    expect(started).toMatchObject({ nodes: 2, waves: 2 });
    expect(marked).not.toBeNull();
    const kept = done.find((a) => a.node === marked);
    const other = done.find((a) => a.node !== marked);
    expect(kept).toMatchObject({ state: 'skipped', realizedMonthlySavingUsd: null });
    expect(kept?.result).toContain(
      'The node is marked karpenter.sh/do-not-disrupt now: it was drained but is not terminated.',
    );
    expect(kept?.result).toContain('The node is being uncordoned');
    expect(terminated).not.toContain(kept?.instanceId);
    // The other node of the plan is removed as planned.
    expect(other).toMatchObject({ state: 'done' });
    expect(terminated).toEqual([other?.instanceId]);
    // The agent takes the uncordon at its next poll.
    await agentTurn();
    expect(enqueuedTypes.filter((t) => t === 'uncordon')).toHaveLength(1);
    const record = audit.find(
      (r) => r.action === 'consolidation.node.remove' && (r.after as { node: string }).node === marked,
    );
    expect(record).toMatchObject({
      outcome: 'failed',
      actorName: 'system: optimizer',
      after: { reason: 'exempt: The node is marked karpenter.sh/do-not-disrupt' },
    });
  });

  it('drains one wave at a time (maxNodesInFlight 1) and never below the group minimum', async () => {
    const user = await seed('waves', 1);
    let mostInFlight = 0;
    scenario = {
      agent: succeed,
      termination: terminating,
      beforeStep: async () => {
        const open = await queryAll(clusterActionEntity, openActionsQuery(orgId, cluster.clusterId));
        mostInFlight = Math.max(mostInFlight, open.filter((a) => a.state === 'draining').length);
      },
    };
    const { started, done, execution } = await runToEnd(user.accessToken);
    expect(execution.status).toBe('SUCCEEDED');
    // Three nodes, minimum one: two go, in two waves.
    expect(started).toMatchObject({ nodes: 2, waves: 2 });
    expect(done.map((a) => a.state)).toEqual(['done', 'done']);
    expect(terminated.sort()).toEqual(done.map((a) => a.instanceId).sort());
    expect(mostInFlight).toBe(1);
  });

  it('two nodes of one group terminated in the same step: each records its own drop of the bill, not both', async () => {
    const user = await seed('same-step', 1);
    const put = await call('PUT /api/client/clusters/{id}/policy', {
      token: user.accessToken,
      path: { id: cluster.clusterId },
      body: { version: 0, policy: { infrastructure: { binPacking: { maxNodesInFlight: 2 } } } },
    });
    expect(put.status, put.raw).toBe(200);
    scenario = { agent: succeed, termination: terminating };
    const { started, done, execution } = await runToEnd(user.accessToken);
    expect(execution.status).toBe('SUCCEEDED');
    // One wave of two nodes, drained together and terminated in the same step.
    expect(started).toMatchObject({ nodes: 2, waves: 1 });
    expect(new Set(done.map((a) => a.terminatingAt)).size).toBe(1);
    const node = 0.096 * 730;
    for (const a of done) expect(a.realizedMonthlySavingUsd).toBeCloseTo(node, 1);
    const total = done.reduce((s, a) => s + (a.realizedMonthlySavingUsd ?? 0), 0);
    expect(total).toBeCloseTo(2 * node, 1);
  });

  it('two nodes of one Karpenter NodePool drained together: each records its own drop of the bill, not both', async () => {
    const user = await seed('same-step-pool', 0, 'karpenter-nodepool');
    const put = await call('PUT /api/client/clusters/{id}/policy', {
      token: user.accessToken,
      path: { id: cluster.clusterId },
      body: { version: 0, policy: { infrastructure: { binPacking: { maxNodesInFlight: 2 } } } },
    });
    expect(put.status, put.raw).toBe(200);
    scenario = { agent: succeed, termination: terminating };
    const { started, done, execution } = await runToEnd(user.accessToken);
    expect(execution.status, JSON.stringify(execution.error)).toBe('SUCCEEDED');
    // One wave of two nodes of the NodePool, drained together, each deleted by the agent.
    expect(started).toMatchObject({ nodes: 2, waves: 1 });
    expect(done.map((a) => [a.state, a.termination])).toEqual([
      ['done', 'karpenter-delete-node'],
      ['done', 'karpenter-delete-node'],
    ]);
    expect(terminated.sort()).toEqual(['i-web-1', 'i-web-2']);
    // The second delete-node went out only once the first node's drop was read.
    expect(new Set(done.map((a) => a.terminatingAt)).size).toBe(2);
    const node = 0.096 * 730;
    for (const a of done) expect(a.realizedMonthlySavingUsd).toBeCloseTo(node, 1);
    const total = done.reduce((s, a) => s + (a.realizedMonthlySavingUsd ?? 0), 0);
    expect(total).toBeCloseTo(2 * node, 1);
  });

  it('waits for the workloads the previous wave evicted from to be ready again, then starts the next wave', async () => {
    const user = await seed('recover', 1);
    const notes: string[] = [];
    scenario = {
      agent: succeed,
      termination: terminating,
      replacementsReadyAtStep: 8,
      beforeStep: async () => {
        const open = await queryAll(clusterActionEntity, openActionsQuery(orgId, cluster.clusterId));
        for (const a of open) if (a.result) notes.push(a.result);
      },
    };
    const { started, done, run, execution } = await runToEnd(user.accessToken);
    expect(execution.status).toBe('SUCCEEDED');
    expect(started).toMatchObject({ nodes: 2, waves: 2 });
    expect(done.map((a) => a.state)).toEqual(['done', 'done']);
    expect(run).toMatchObject({ state: 'finished', reason: null });
    // The first wave's pod went early; the second wave's only once its replacement ran (step 8).
    expect(evictedAtStep).toHaveLength(2);
    expect(evictedAtStep[0]).toBeLessThan(8);
    expect(evictedAtStep[1]).toBeGreaterThanOrEqual(8);
    expect(notes).toContain(
      'Waiting for the workloads wave 1 evicted pods from to be ready again: shop/web: 1 of 2 pods ready, its PodDisruptionBudget web allows no disruption.',
    );
    // The note goes once the drain starts.
    expect(done[1]?.result).not.toContain('Waiting');
  });

  it('stops before the next wave when the evicted workloads never recover, with the reason, nothing cordoned', async () => {
    const user = await seed('never', 1);
    scenario = {
      agent: succeed,
      termination: terminating,
      replacementsReadyAtStep: Number.POSITIVE_INFINITY,
      // Three-minute steps: the wait for the first wave's workloads is what this runs through.
      stepMinutes: () => 3,
    };
    const { done, run, execution } = await runToEnd(user.accessToken);
    expect(execution.status).toBe('SUCCEEDED');
    expect(run?.state).toBe('stopped');
    expect(run?.reason).toContain('did not recover within 10 minutes');
    expect(run?.reason).toContain('shop/web: 1 of 2 pods ready');
    const [first, second] = [...done].sort((a, b) => (a.wave ?? 0) - (b.wave ?? 0));
    expect(first).toMatchObject({ state: 'done' });
    expect(second).toMatchObject({ state: 'skipped', drainStartedAt: null });
    expect(second?.result).toBe(run?.reason);
    // One node drained and terminated; the second never cordoned, none of its pods evicted.
    expect(enqueuedTypes.filter((t) => t === 'cordon')).toHaveLength(1);
    expect(evictedPods).toHaveLength(1);
    expect(terminated).toEqual([first?.instanceId]);
    // Bounded: stopped at the first step more than ten minutes after the first wave closed.
    const waited = Date.parse(second?.finishedAt ?? '') - Date.parse(first?.finishedAt ?? '');
    expect(waited).toBeGreaterThan(10 * 60_000);
    expect(waited).toBeLessThanOrEqual(13 * 60_000);
  });

  it('a wave whose evictions were all refused disrupted nothing: the next wave does not wait for it', async () => {
    const user = await seed('refused-wave', 1);
    let firstPod: string | null = null;
    scenario = {
      // The first wave's pod: its budget never lets it go (the drain times out); the second's goes.
      agent: ({ type, id }) => {
        if (type !== 'evict') return succeed();
        const pod = id.split(':evict:')[1]?.split(':')[0] ?? '';
        firstPod ??= pod;
        return pod === firstPod
          ? { outcome: 'wait', reason: "Cannot evict pod as it would violate the pod's disruption budget." }
          : succeed();
      },
      termination: terminating,
      replacementsReadyAtStep: Number.POSITIVE_INFINITY,
      // The budget allowed the first drain to start, then nothing more (spent by others).
      budgetSpent: (step) => step > 1,
      // Five-minute steps while the first drain waits (15 minutes in at step 4), then one-minute steps.
      stepMinutes: (step) => (step <= 4 ? 5 : 1),
    };
    const { done, run, execution } = await runToEnd(user.accessToken);
    expect(execution.status).toBe('SUCCEEDED');
    expect(run).toMatchObject({ state: 'finished', reason: null });
    const [first, second] = [...done].sort((a, b) => (a.wave ?? 0) - (b.wave ?? 0));
    expect(first?.state).toBe('failed');
    expect(first?.result).toContain('Drain timed out');
    expect(first?.evictions?.every((e) => e.evicted !== true)).toBe(true);
    // The second wave came at the next step after the first closed, not ten minutes later (its node is
    // then kept: the budget allows nothing although every pod is ready).
    expect(second?.state).toBe('skipped');
    expect(Date.parse(second?.finishedAt ?? '') - Date.parse(first?.finishedAt ?? '')).toBeLessThanOrEqual(
      60_000,
    );
  });

  it('a node whose pods a budget allows no disruption although all are ready is kept, nothing cordoned', async () => {
    const user = await seed('budget-zero');
    scenario = {
      agent: succeed,
      termination: terminating,
      replacementsReadyAtStep: 0,
      budgetSpent: () => true,
    };
    const { done, run, execution } = await runToEnd(user.accessToken);
    expect(execution.status).toBe('SUCCEEDED');
    expect(run).toMatchObject({ state: 'finished' });
    expect(done[0]).toMatchObject({ state: 'skipped', drainStartedAt: null });
    expect(done[0]?.result).toContain(
      'A PodDisruptionBudget allows no disruption of pods on this node although all their pods are ready (shop/web: its PodDisruptionBudget web allows no disruption)',
    );
    // Not cordoned, not drained for 15 minutes: closed at the first step.
    expect(enqueuedTypes).toEqual([]);
    expect(terminated).toEqual([]);
    expect(steps).toBeLessThanOrEqual(2);
  });

  it('a second start while a run is in progress is a 409', async () => {
    const user = await seed('twice');
    // The agent never answers: the first run keeps waiting for its drain.
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    scenario = {
      agent: () => null,
      termination: terminating,
      beforeStep: async (step) => {
        if (step === 2) await gate;
      },
    };
    await agentOnline();
    const first = call('POST /api/client/clusters/{id}/consolidation', {
      token: user.accessToken,
      path: { id: cluster.clusterId },
      body: { dryRun: false },
    });
    const res = await first;
    expect(res.status).toBe(202);
    const again = await call('POST /api/client/clusters/{id}/consolidation', {
      token: user.accessToken,
      path: { id: cluster.clusterId },
      body: { dryRun: false },
    });
    expect(again.status, again.raw).toBe(409);
    expect(again.body).toMatchObject({ code: 'CONSOLIDATION_RUNNING' });
    // Let it end: maintenance on stops it.
    await setMaintenance(
      orgId,
      cluster.clusterId,
      { enabled: true, reason: 'test' },
      { email: 'ops@x.io' },
      clock,
    );
    release();
    const runId = (res.body as ConsolidationStartResponse).runId;
    const execution = await workflows.waitForExecution(
      `arn:aws:states:local:000000000000:execution:consolidation:${runId}`,
    );
    expect(execution.status).toBe('SUCCEEDED');
  });

  it('waits while a PDB allows no eviction, then removes the node', async () => {
    const user = await seed('pdb');
    scenario = {
      agent: ({ type, step }) =>
        type === 'evict' && step < 4
          ? { outcome: 'wait', reason: "Cannot evict pod as it would violate the pod's disruption budget." }
          : succeed(),
      termination: terminating,
    };
    const { execution, done } = await runToEnd(user.accessToken);
    expect(execution.status).toBe('SUCCEEDED');
    expect(done[0]).toMatchObject({ state: 'done' });
    expect(done[0]?.evictions?.[0]?.attempt).toBeGreaterThanOrEqual(2);
    expect(terminated).toHaveLength(1);
  });

  it('gives up a drain past the timeout: uncordons and records why', async () => {
    const user = await seed('timeout');
    scenario = {
      agent: ({ type }) =>
        type === 'evict'
          ? { outcome: 'wait', reason: 'PodDisruptionBudget web allows 0 disruptions' }
          : succeed(),
      termination: terminating,
      // The drain starts at step 1: 12 minutes in at step 4 (going on), 16 at step 5 (timed out).
      stepMinutes: () => 4,
    };
    const { execution, done, run } = await runToEnd(user.accessToken);
    expect(execution.status).toBe('SUCCEEDED');
    expect(done[0]?.state).toBe('failed');
    expect(done[0]?.result).toContain('Drain timed out after 15 minutes');
    // Step 6 finds nothing open and ends the run.
    expect(steps).toBe(6);
    expect(Date.parse(done[0]?.finishedAt ?? '') - Date.parse(done[0]?.drainStartedAt ?? '')).toBe(
      16 * 60_000,
    );
    expect(done[0]?.result).toContain('shop/web-a');
    expect(done[0]?.result).toContain('uncordoned');
    expect(enqueuedTypes).toContain('uncordon');
    expect(terminated).toEqual([]);
    expect(run?.state).toBe('finished');
  });

  it('a blocked eviction uncordons the node and names the reason', async () => {
    const user = await seed('blocked');
    scenario = {
      agent: ({ type }) =>
        type === 'evict' ? { outcome: 'refused', reason: 'the pod is exempt by label team=core' } : succeed(),
      termination: terminating,
    };
    const { done } = await runToEnd(user.accessToken);
    expect(done[0]?.state).toBe('failed');
    expect(done[0]?.result).toContain(
      'Eviction of shop/web-a was blocked: the pod is exempt by label team=core',
    );
    expect(terminated).toEqual([]);
  });

  it('a pod of an exempt namespace found on the node keeps it: skipped, nothing cordoned', async () => {
    const user = await seed('exempt');
    const policy = await call('PUT /api/client/clusters/{id}/policy', {
      token: user.accessToken,
      path: { id: cluster.clusterId },
      body: { version: 0, policy: { governance: { excludedNamespaces: ['shop'] } } },
    });
    expect(policy.status, policy.raw).toBe(200);
    scenario = { agent: succeed, termination: terminating };
    const { done, execution, run } = await runToEnd(user.accessToken);
    expect(execution.status).toBe('SUCCEEDED');
    expect(done[0]).toMatchObject({ node: 'web-1', state: 'skipped' });
    expect(done[0]?.result).toContain('namespace shop is excluded by the optimization policy');
    expect(enqueuedTypes).toEqual([]);
    expect(terminated).toEqual([]);
    expect(run?.state).toBe('finished');
  });

  it('a missing AWS permission skips the termination, names the permission and uncordons', async () => {
    const user = await seed('denied');
    scenario = {
      agent: succeed,
      termination: () => ({
        outcome: 'skipped',
        reason: 'access-denied',
        message:
          'The role is not allowed autoscaling:TerminateInstanceInAutoScalingGroup: add the write policy of the onboarding template.',
      }),
    };
    const { done, audit, execution } = await runToEnd(user.accessToken);
    expect(execution.status).toBe('SUCCEEDED');
    expect(done[0]?.state).toBe('skipped');
    expect(done[0]?.result).toContain('autoscaling:TerminateInstanceInAutoScalingGroup');
    expect(done[0]?.result).toContain('uncordoned');
    expect(done[0]?.realizedMonthlySavingUsd).toBeNull();
    expect(audit.find((r) => r.action === 'consolidation.node.remove')).toMatchObject({ outcome: 'failed' });
  });

  it('an agent that cannot take commands: the start is refused, nothing is written', async () => {
    const user = await seed('offline');
    scenario = { termination: terminating };
    const res = await call('POST /api/client/clusters/{id}/consolidation', {
      token: user.accessToken,
      path: { id: cluster.clusterId },
      body: { dryRun: false },
    });
    expect(res.status, res.raw).toBe(409);
    expect(res.body).toMatchObject({ code: 'AGENT_UNAVAILABLE' });
    expect(String(res.body.message)).toContain('has never fetched commands');
    expect(await queryAll(clusterActionEntity, openActionsQuery(orgId, cluster.clusterId))).toEqual([]);
    expect(
      await getItem(consolidationRunEntity, consolidationRunKey(orgId, cluster.clusterId)),
    ).toBeUndefined();
  });

  it('an agent going offline mid-run stops the run with the reason, the node left cordoned and said so', async () => {
    const user = await seed('gone');
    const answer = ({ type }: { type: string }): Outcome => (type === 'cordon' ? succeed() : null);
    scenario = {
      agent: answer,
      termination: terminating,
      // The agent answers the cordon at step 1, then never polls again (3 minutes later it cannot act).
      beforeStep: async (step) => {
        if (step === 2) scenario = { termination: terminating };
      },
    };
    const { done, run, execution } = await runToEnd(user.accessToken);
    expect(execution.status).toBe('SUCCEEDED');
    expect(run).toMatchObject({ state: 'stopped' });
    expect(run?.reason).toContain('has not fetched commands since');
    expect(done[0]?.state).toBe('failed');
    expect(done[0]?.result).toContain('has not fetched commands since');
    expect(done[0]?.result).toContain('kubectl uncordon web-1');
    expect(terminated).toEqual([]);
  });

  it('an unexpected failure stops the run: the step closed with the reason, the node uncordoned, the execution failed', async () => {
    const user = await seed('boom');
    scenario = {
      agent: succeed,
      termination: () => {
        throw new Error('socket hang up');
      },
    };
    const { done, open, run, execution } = await runToEnd(user.accessToken);
    expect(execution.status).toBe('FAILED');
    expect(open).toEqual([]);
    expect(run).toMatchObject({ state: 'stopped' });
    expect(run?.reason).toContain('The run stopped: An internal step (consolidation/advance) failed');
    expect(done[0]).toMatchObject({ state: 'failed' });
    expect(done[0]?.result).toContain('uncordoned');
    // The internals stay in the logs.
    expect(done[0]?.result).not.toContain('socket hang up');
    // Enqueued after the agent's last turn: it waits in the channel.
    const uncordon = await getAgentCommand(orgId, cluster.clusterId, `${done[0]?.actionId}:uncordon`);
    expect(uncordon).toMatchObject({ status: 'pending', command: { type: 'uncordon', node: done[0]?.node } });
  });

  it('maintenance switched on mid-run stops it: no further command, the reason recorded', async () => {
    const user = await seed('maint');
    const afterMaintenance: string[] = [];
    let inMaintenance = false;
    scenario = {
      agent: ({ type }) => {
        if (inMaintenance) afterMaintenance.push(type);
        return type === 'evict' ? null : succeed();
      },
      termination: terminating,
      beforeStep: async (step) => {
        if (step === 3) {
          await setMaintenance(
            orgId,
            cluster.clusterId,
            { enabled: true, reason: 'upgrade' },
            { email: 'ops@x.io' },
            clock,
          );
          inMaintenance = true;
        }
      },
    };
    const { done, run, execution } = await runToEnd(user.accessToken);
    expect(execution.status).toBe('SUCCEEDED');
    expect(run).toMatchObject({ state: 'stopped' });
    expect(run?.reason).toContain('maintenance mode');
    expect(done[0]?.state).toBe('failed');
    expect(done[0]?.result).toContain('maintenance mode');
    expect(done[0]?.result).toContain('kubectl uncordon web-1');
    expect(afterMaintenance).toEqual([]);
    expect(terminated).toEqual([]);
  });
});

/** Hibernation put the cluster to sleep at `since` (its runtime record, as a sleep run writes it). */
async function fallAsleep(since: Date) {
  await putItem(hibernationRuntimeEntity, {
    orgId,
    clusterId: cluster.clusterId,
    revision: 1,
    actual: 'sleeping',
    records: {
      'asg-web': {
        size: { minSize: 2, desiredSize: 3, maxSize: 6 },
        sleptAs: { minSize: 1, desiredSize: 1, maxSize: 6 },
      },
    },
    manualOverride: null,
    sleepPeriods: [{ from: since.toISOString(), to: null, savedUsdPerHour: 0.192 }],
    savingsRateUsdPerHour: 0.192,
    lastRunAt: since.toISOString(),
    nextRunAt: null,
  });
}

describe('consolidation run on a hibernating cluster', () => {
  it('asleep: the start is a 409 with the reason, the dry run notes it, a scheduled fire is skipped and audited; nothing is written or cordoned', async () => {
    const user = await seed('asleep');
    scenario = { agent: succeed, termination: terminating };
    await agentOnline();
    await fallAsleep(new Date('2026-12-01T09:00:00Z'));
    const res = await call('POST /api/client/clusters/{id}/consolidation', {
      token: user.accessToken,
      path: { id: cluster.clusterId },
      body: { dryRun: false },
    });
    expect(res.status, res.raw).toBe(409);
    expect(res.body).toMatchObject({
      code: 'CLUSTER_HIBERNATING',
      message:
        'The cluster is hibernating (asleep since 2026-12-01T09:00:00.000Z); consolidation resumes after it wakes.',
    });
    expect(
      await getItem(consolidationRunEntity, consolidationRunKey(orgId, cluster.clusterId)),
    ).toBeUndefined();
    expect(await queryAll(clusterActionEntity, openActionsQuery(orgId, cluster.clusterId))).toEqual([]);

    // The plan is still there to read, with why a run would not act now.
    const dry = await call('POST /api/client/clusters/{id}/consolidation', {
      token: user.accessToken,
      path: { id: cluster.clusterId },
      body: { dryRun: true },
    });
    expect(dry.status, dry.raw).toBe(200);
    const plan = dry.body as { steps: unknown[]; notes: string[] };
    expect(plan.steps.length).toBeGreaterThan(0);
    expect(plan.notes).toContain(
      'The cluster is hibernating (asleep since 2026-12-01T09:00:00.000Z); consolidation resumes after it wakes. A run would not act until then.',
    );

    // The hourly schedule fires (automation on): skipped with the reason, audited.
    const policy = await call('GET /api/client/clusters/{id}/policy', {
      token: user.accessToken,
      path: { id: cluster.clusterId },
    });
    const saved = await call('PUT /api/client/clusters/{id}/policy', {
      token: user.accessToken,
      path: { id: cluster.clusterId },
      body: {
        version: (policy.body as { version: number }).version,
        policy: { infrastructure: { binPacking: { automationEnabled: true } } },
      },
    });
    expect(saved.status, saved.raw).toBe(200);
    const fired = await runScheduledConsolidation(orgId, cluster.clusterId, clock);
    expect(fired).toMatchObject({ started: false, skipped: 'hibernating' });
    expect(fired.started === false && fired.reason).toContain('asleep since 2026-12-01T09:00:00.000Z');
    const skips = (await queryAll(auditRecordEntity, auditRecordsQuery(orgId))).filter(
      (r) => r.action === 'consolidation.scheduled.skip',
    );
    expect(skips).toHaveLength(1);
    expect(skips[0]).toMatchObject({ actorName: 'system: optimizer', outcome: 'denied' });
    expect(JSON.stringify(skips[0]?.after)).toContain('hibernating');
    expect(
      await getItem(consolidationRunEntity, consolidationRunKey(orgId, cluster.clusterId)),
    ).toBeUndefined();

    // Nothing reached the agent or the cloud.
    expect(await pendingCommandsForAgent({ orgId, clusterId: cluster.clusterId }, clock)).toMatchObject({
      commands: [],
    });
    expect(terminated).toEqual([]);
  });

  it('asleep mid-run: the run stops before its next node step, the draining node uncordoned, audited', async () => {
    const user = await seed('sleeps');
    const afterSleep: string[] = [];
    let asleep = false;
    scenario = {
      // The evictions hang: the node is still draining when the cluster goes to sleep.
      agent: ({ type }) => {
        if (asleep) afterSleep.push(type);
        return type === 'evict' ? null : succeed();
      },
      termination: terminating,
      beforeStep: async (step) => {
        if (step === 3) {
          await fallAsleep(clock);
          asleep = true;
        }
      },
    };
    const { done, open, run, execution, audit } = await runToEnd(user.accessToken);
    expect(execution.status, JSON.stringify(execution.error)).toBe('SUCCEEDED');
    expect(steps).toBe(3);
    expect(open).toEqual([]);
    expect(run).toMatchObject({ state: 'stopped' });
    expect(run?.reason).toContain('The cluster is hibernating (asleep since');
    expect(done).toHaveLength(1);
    expect(done[0]).toMatchObject({ state: 'failed', node: 'web-1' });
    expect(done[0]?.result).toContain('consolidation resumes after it wakes');
    expect(done[0]?.result).toContain('The node is being uncordoned');
    // The uncordon waits for the agent's next poll; nothing else was asked of it after the sleep.
    const uncordon = await getAgentCommand(orgId, cluster.clusterId, `${done[0]?.actionId}:uncordon`);
    expect(uncordon).toMatchObject({ status: 'pending', command: { type: 'uncordon', node: 'web-1' } });
    expect(afterSleep).toEqual([]);
    expect(terminated).toEqual([]);
    expect(asg.updates).toEqual([]);
    const stop = audit.find((r) => r.action === 'consolidation.run.stop');
    expect(stop).toMatchObject({ actorName: 'system: optimizer', outcome: 'failed' });
    expect(JSON.stringify(stop?.after)).toContain('hibernating');
  });
});

describe('consolidation run with node group takeover (ADR 0067)', () => {
  /** Three nodes at the group's minimum (3); the policy allows lowering it, aggressive, two at a time. */
  async function seedTakeover(name: string, lower: boolean | 'unset' = true) {
    const user = await seed(name, 3);
    asg.minSize = 3;
    asg.enforce = true;
    const put = await call('PUT /api/client/clusters/{id}/policy', {
      token: user.accessToken,
      path: { id: cluster.clusterId },
      body: {
        version: 0,
        policy: {
          infrastructure: {
            binPacking: {
              aggressiveness: 'aggressive',
              ...(lower === 'unset' ? {} : { lowerGroupMinimums: lower }),
            },
          },
        },
      },
    });
    expect(put.status, put.raw).toBe(200);
    return user;
  }

  it('the dry run shows the planned minimum change; without the setting there is none and nothing goes', async () => {
    const user = await seedTakeover('takeover-dry', false);
    const dry = async () =>
      (
        await call('POST /api/client/clusters/{id}/consolidation', {
          token: user.accessToken,
          path: { id: cluster.clusterId },
          body: { dryRun: true },
        })
      ).body as { steps: unknown[]; minimumChanges: unknown[] };
    expect(await dry()).toMatchObject({ steps: [], minimumChanges: [] });
    const put = await call('PUT /api/client/clusters/{id}/policy', {
      token: user.accessToken,
      path: { id: cluster.clusterId },
      body: {
        version: 1,
        policy: {
          infrastructure: { binPacking: { aggressiveness: 'aggressive', lowerGroupMinimums: true } },
        },
      },
    });
    expect(put.status, put.raw).toBe(200);
    const plan = await dry();
    expect(plan.minimumChanges).toEqual([
      expect.objectContaining({ nodeGroupId: 'asg-web', fromMinSize: 3, toMinSize: 1, nodes: 3 }),
    ]);
    expect(plan.steps).toHaveLength(2);
  });

  it('at Aggressive without the setting the dry run plans the minimum change (ADR 0088); Balanced does not', async () => {
    const user = await seedTakeover('takeover-default', 'unset');
    const stored = await call('GET /api/client/clusters/{id}/policy', {
      token: user.accessToken,
      path: { id: cluster.clusterId },
    });
    expect((stored.body.policy as PolicyOverrides).infrastructure?.binPacking).toEqual({
      aggressiveness: 'aggressive',
    });
    const dry = async () => {
      const res = await call('POST /api/client/clusters/{id}/consolidation', {
        token: user.accessToken,
        path: { id: cluster.clusterId },
        body: { dryRun: true },
      });
      expect(res.status, res.raw).toBe(200);
      return res.body as { steps: unknown[]; minimumChanges: unknown[]; notes: string[] };
    };
    const plan = await dry();
    expect(plan.minimumChanges).toEqual([
      expect.objectContaining({ nodeGroupId: 'asg-web', fromMinSize: 3, toMinSize: 1, nodes: 3 }),
    ]);
    expect(plan.steps).toHaveLength(2);
    // The organization's own save (the editor sends the document it read) does not switch it off.
    const org = await call('GET /api/client/policy', { token: user.accessToken });
    const orgPut = await call('PUT /api/client/policy', {
      token: user.accessToken,
      body: { version: org.body.version, policy: org.body.policy },
    });
    expect(orgPut.status, orgPut.raw).toBe(200);
    expect((await dry()).minimumChanges).toHaveLength(1);
    // Balanced, still without the setting: the minimum holds and the plan says why.
    const balanced = await call('PUT /api/client/clusters/{id}/policy', {
      token: user.accessToken,
      path: { id: cluster.clusterId },
      body: { version: 1, policy: { infrastructure: { binPacking: { aggressiveness: 'balanced' } } } },
    });
    expect(balanced.status, balanced.raw).toBe(200);
    const held = await dry();
    expect(held.minimumChanges).toEqual([]);
    expect(held.notes.join(' ')).toContain('on by default at Aggressive');
  });

  it('lowers the minimum right before each termination that needs it, audited with before and after', async () => {
    const user = await seedTakeover('takeover-ok');
    scenario = { agent: succeed, termination: terminating };
    const { done, audit, execution, started } = await runToEnd(user.accessToken);
    expect(execution.status, JSON.stringify(execution.error)).toBe('SUCCEEDED');
    expect(started.nodes).toBe(2);
    expect(done.map((a) => a.state)).toEqual(['done', 'done']);
    // One node at a time: 3 → 2 before the first, 2 → 1 before the second; never below what is left.
    expect(asg.updates).toEqual([
      { minSize: 2, desiredCapacity: 3 },
      { minSize: 1, desiredCapacity: 2 },
    ]);
    expect(terminated).toHaveLength(2);
    const changes = done.map((a) => a.minimumChange).sort((a, b) => (b?.before ?? 0) - (a?.before ?? 0));
    expect(changes).toEqual([
      { nodeGroup: 'web', before: 3, after: 2 },
      { nodeGroup: 'web', before: 2, after: 1 },
    ]);
    expect(done.every((a) => a.result?.includes('was lowered from'))).toBe(true);
    const records = audit.filter((r) => r.action === 'consolidation.nodegroup.minimum');
    expect(records).toHaveLength(2);
    expect(records[0]).toMatchObject({ outcome: 'success', actorName: 'system: optimizer' });
    expect(records.map((r) => (r.before as { minSize: number }).minSize).sort()).toEqual([2, 3]);
    expect(records.map((r) => (r.after as { minSize: number }).minSize).sort()).toEqual([1, 2]);
    // The Activity shows the change.
    const list = await call('GET /api/client/clusters/{id}/actions', {
      token: user.accessToken,
      path: { id: cluster.clusterId },
    });
    const items = (list.body as { items: Record<string, unknown>[] }).items;
    expect(items[0]?.minimumChange).toMatchObject({ nodeGroup: 'web' });
    expect(items[0]).not.toHaveProperty('groupMinimum');
  });

  it('without the write permission: the node is skipped with the permission named, the minimum unchanged', async () => {
    const user = await seedTakeover('takeover-denied');
    asg.denyUpdate = true;
    scenario = { agent: succeed, termination: terminating };
    const { done, audit, execution } = await runToEnd(user.accessToken);
    expect(execution.status).toBe('SUCCEEDED');
    expect(done.map((a) => a.state)).toEqual(['skipped', 'skipped']);
    expect(done[0]?.result).toContain('autoscaling:UpdateAutoScalingGroup');
    expect(done[0]?.result).toContain('uncordoned');
    expect(asg.minSize).toBe(3);
    expect(terminated).toEqual([]);
    expect(audit.find((r) => r.action === 'consolidation.nodegroup.minimum')).toMatchObject({
      outcome: 'failed',
    });
  });

  it('the policy no longer allowing it right before the change: the node stays, uncordoned, the minimum unchanged', async () => {
    const user = await seedTakeover('takeover-policy-off');
    scenario = { agent: succeed, termination: terminating };
    asg.onDescribe = async () => {
      if (asg.onDescribe === undefined) return;
      asg.onDescribe = undefined;
      const put = await call('PUT /api/client/clusters/{id}/policy', {
        token: user.accessToken,
        path: { id: cluster.clusterId },
        body: {
          version: 1,
          policy: {
            infrastructure: { binPacking: { aggressiveness: 'aggressive', lowerGroupMinimums: false } },
          },
        },
      });
      expect(put.status, put.raw).toBe(200);
    };
    const { done, audit, execution } = await runToEnd(user.accessToken);
    expect(execution.status).toBe('SUCCEEDED');
    expect(done.map((a) => a.state)).toEqual(['skipped', 'skipped']);
    expect(done[0]?.result).toContain(
      'the policy no longer allows the optimizer to lower node group minimums',
    );
    expect(asg.updates).toEqual([]);
    expect(terminated).toEqual([]);
    expect(audit.find((r) => r.action === 'consolidation.nodegroup.minimum')).toMatchObject({
      outcome: 'failed',
    });
  });

  /** The takeover policy, with nodes labeled `optimizer.example.com/exempt=true` exempt. */
  async function exemptByLabel(token: string) {
    const put = await call('PUT /api/client/clusters/{id}/policy', {
      token,
      path: { id: cluster.clusterId },
      body: {
        version: 1,
        policy: {
          infrastructure: { binPacking: { aggressiveness: 'aggressive', lowerGroupMinimums: true } },
          governance: { excludedLabelSelectors: [{ key: 'optimizer.example.com/exempt', value: 'true' }] },
        },
      },
    });
    expect(put.status, put.raw).toBe(200);
  }
  const exemptLabel = { 'optimizer.example.com/exempt': 'true' };

  it('a node labeled exempt between the plan and its step: the minimum not lowered, nothing cordoned or evicted, the Activity and the audit say why', async () => {
    const user = await seedTakeover('takeover-exempt');
    await exemptByLabel(user.accessToken);
    // The plan (at the start) saw no label; the label is on both nodes before the run's first step.
    scenario = {
      agent: succeed,
      termination: terminating,
      beforeStep: async (step) => {
        if (step === 1) liveNodeLabels = { 'web-1': exemptLabel, 'web-2': exemptLabel };
      },
    };
    const { done, audit, execution, started } = await runToEnd(user.accessToken);
    expect(execution.status, JSON.stringify(execution.error)).toBe('SUCCEEDED');
    expect(started.nodes).toBe(2);
    expect(done.map((a) => a.state)).toEqual(['skipped', 'skipped']);
    for (const a of done) {
      expect(a.result).toContain('The node carries the exempt label optimizer.example.com/exempt=true now');
      expect(a.result).toContain('nothing was cordoned');
      expect(a.result).toContain('The minimum of web was not changed');
    }
    expect(asg.updates).toEqual([]);
    expect(asg.minSize).toBe(3);
    expect(enqueuedTypes).toEqual([]);
    expect(evictedPods).toEqual([]);
    expect(terminated).toEqual([]);
    const records = audit.filter((r) => r.action === 'consolidation.node.remove');
    expect(records).toHaveLength(2);
    for (const r of records) {
      expect(r).toMatchObject({ outcome: 'failed', actorName: 'system: optimizer' });
      expect((r.after as { reason: string }).reason).toContain(
        'exempt label optimizer.example.com/exempt=true',
      );
    }
    expect(audit.filter((r) => r.action === 'consolidation.nodegroup.minimum')).toEqual([]);
  });

  it('a node labeled exempt after its drain, right before the minimum change: the minimum not lowered, the node uncordoned, audited with the reason', async () => {
    const user = await seedTakeover('takeover-exempt-late');
    await exemptByLabel(user.accessToken);
    scenario = { agent: succeed, termination: terminating };
    // The run reads the group's live sizes right before the change: the label arrives then.
    asg.onDescribe = async () => {
      liveNodeLabels = { 'web-1': exemptLabel, 'web-2': exemptLabel };
    };
    const { done, audit, execution } = await runToEnd(user.accessToken);
    expect(execution.status, JSON.stringify(execution.error)).toBe('SUCCEEDED');
    expect(done.map((a) => a.state)).toEqual(['skipped', 'skipped']);
    const drained = done.find((a) => a.drainStartedAt != null);
    expect(drained?.result).toContain(
      'The node carries the exempt label optimizer.example.com/exempt=true now: the minimum of web was not changed, the node stays.',
    );
    expect(drained?.result).toContain('uncordoned');
    expect(enqueuedTypes).toContain('uncordon');
    expect(asg.updates).toEqual([]);
    expect(asg.minSize).toBe(3);
    expect(terminated).toEqual([]);
    const minimum = audit.filter((r) => r.action === 'consolidation.nodegroup.minimum');
    expect(minimum).toHaveLength(1);
    expect(minimum[0]).toMatchObject({ outcome: 'failed' });
    expect(minimum[0]?.after).toMatchObject({ reason: expect.stringContaining('exempt label') });
  });

  /** What an earlier run recorded: it set the group's minimum to `minSize`. */
  const earlierRunSet = (minSize: number) =>
    putItem(groupMinimumEntity, {
      orgId,
      clusterId: cluster.clusterId,
      nodeGroupId: 'asg-web',
      nodeGroupName: 'web',
      setMinSize: minSize,
      setAt: '2026-11-30T10:00:00.000Z',
      setBy: 'cr-earlier',
      drift: null,
    });
  const dryRun = async (token: string) => {
    const res = await call('POST /api/client/clusters/{id}/consolidation', {
      token,
      path: { id: cluster.clusterId },
      body: { dryRun: true },
    });
    expect(res.status, res.raw).toBe(200);
    return res.body as {
      steps: unknown[];
      minimumChanges: unknown[];
      minimumDrift: Record<string, unknown>[];
      notes: string[];
    };
  };
  const activity = async (token: string) =>
    (
      (
        await call('GET /api/client/clusters/{id}/actions', {
          token,
          path: { id: cluster.clusterId },
        })
      ).body as { items: Record<string, unknown>[] }
    ).items;
  const driftAudits = async () =>
    (await queryAll(auditRecordEntity, auditRecordsQuery(orgId))).filter(
      (r) => r.action === 'consolidation.nodegroup.minimum.drift',
    );

  it('IaC set a lowered minimum back (ADR 0073): reported once, not lowered again until the policy is saved again', async () => {
    // An earlier run lowered web to 1; its Terraform re-applied min_size 3 (the inventory reads 3).
    const user = await seedTakeover('takeover-iac');
    await earlierRunSet(1);
    const first = await dryRun(user.accessToken);
    expect(first.minimumDrift).toEqual([
      expect.objectContaining({ nodeGroupId: 'asg-web', name: 'web', setMinSize: 1, observedMinSize: 3 }),
    ]);
    const message = String(first.minimumDrift[0]?.message);
    expect(message).toContain('The minimum of web was set back to 3 outside the product');
    expect(message).toContain('infrastructure as code?');
    // The product yields: no minimum change, so nothing to remove at the group's minimum.
    expect(first).toMatchObject({ minimumChanges: [], steps: [] });
    const start = await call('POST /api/client/clusters/{id}/consolidation', {
      token: user.accessToken,
      path: { id: cluster.clusterId },
      body: { dryRun: false },
    });
    expect(start.status, start.raw).toBe(409);
    // Reported once, in the Activity and the audit trail, however often it is read again.
    expect((await dryRun(user.accessToken)).minimumDrift).toHaveLength(1);
    const items = await activity(user.accessToken);
    expect(items.filter((a) => a.kind === 'group-minimum-drift')).toEqual([
      expect.objectContaining({ node: 'web', state: 'skipped', result: message }),
    ]);
    const audits = await driftAudits();
    expect(audits).toHaveLength(1);
    expect(audits[0]).toMatchObject({
      actorName: 'system: optimizer',
      before: expect.objectContaining({ nodeGroup: 'web', minSize: 1 }),
      after: expect.objectContaining({ nodeGroup: 'web', minSize: 3 }),
    });
    expect(asg.updates).toEqual([]);

    // Saving the policy again is the person's word: the optimizer may lower it once more, and records it.
    const put = await call('PUT /api/client/clusters/{id}/policy', {
      token: user.accessToken,
      path: { id: cluster.clusterId },
      body: {
        version: 1,
        policy: {
          infrastructure: { binPacking: { aggressiveness: 'aggressive', lowerGroupMinimums: true } },
        },
      },
    });
    expect(put.status, put.raw).toBe(200);
    const again = await dryRun(user.accessToken);
    expect(again.minimumDrift).toEqual([]);
    expect(again.minimumChanges).toEqual([expect.objectContaining({ fromMinSize: 3, toMinSize: 1 })]);
    scenario = { agent: succeed, termination: terminating };
    const { execution, done } = await runToEnd(user.accessToken);
    expect(execution.status, JSON.stringify(execution.error)).toBe('SUCCEEDED');
    expect(done.filter((a) => a.kind === 'remove-node').map((a) => a.state)).toEqual(['done', 'done']);
    expect(asg.updates.map((u) => u.minSize)).toEqual([2, 1]);
    const record = await getItem(groupMinimumEntity, groupMinimumKey(orgId, cluster.clusterId, 'asg-web'));
    expect(record).toMatchObject({ setMinSize: 1, drift: null });
    expect(record?.setBy).toMatch(/^cr-/);
  });

  it('IaC set the minimum back after the inventory was read: found live before the drain, nothing cordoned, not lowered', async () => {
    // The run set web to 2 (the inventory says 2); Terraform then re-applied 3 before discovery ran again.
    const user = await seedTakeover('takeover-iac-live');
    await earlierRunSet(2);
    await updateItem(nodeGroupKey(orgId, cluster.clusterId, 'asg-web'), { set: { minSize: 2 } });
    expect((await dryRun(user.accessToken)).minimumChanges).toEqual([
      expect.objectContaining({ fromMinSize: 2, toMinSize: 1 }),
    ]);
    scenario = { agent: succeed, termination: terminating };
    const { done, audit, execution } = await runToEnd(user.accessToken);
    expect(execution.status, JSON.stringify(execution.error)).toBe('SUCCEEDED');
    const nodes = done.filter((a) => a.kind === 'remove-node');
    expect(nodes.map((a) => a.state)).toEqual(['skipped', 'skipped']);
    for (const a of nodes) {
      expect(a.result).toContain('The minimum of web was set back to 3 outside the product (it had set 2)');
      expect(a.result).toContain('nothing was cordoned');
    }
    expect(enqueuedTypes).toEqual([]);
    expect(asg.updates).toEqual([]);
    expect(asg.minSize).toBe(3);
    expect(terminated).toEqual([]);
    expect(done.filter((a) => a.kind === 'group-minimum-drift')).toHaveLength(1);
    expect(audit.filter((r) => r.action === 'consolidation.nodegroup.minimum.drift')).toHaveLength(1);
    const record = await getItem(groupMinimumEntity, groupMinimumKey(orgId, cluster.clusterId, 'asg-web'));
    expect(record?.drift).toMatchObject({ observedMinSize: 3 });
  });

  it('maintenance switched on within the step, right before the change: the run stops, the minimum unchanged, nothing terminated', async () => {
    const user = await seedTakeover('takeover-maint');
    scenario = { agent: succeed, termination: terminating };
    // Switched on after the step's own maintenance check, while the run reads the group's sizes.
    asg.onDescribe = () =>
      setMaintenance(
        orgId,
        cluster.clusterId,
        { enabled: true, reason: 'upgrade' },
        { email: 'ops@x.io' },
        clock,
      ).then(() => undefined);
    const { run, execution } = await runToEnd(user.accessToken);
    expect(execution.status).toBe('SUCCEEDED');
    expect(run).toMatchObject({ state: 'stopped' });
    expect(asg.updates).toEqual([]);
    expect(asg.minSize).toBe(3);
    expect(terminated).toEqual([]);
  });

  it('asleep within the step, right before the change: the run stops, the minimum a sleep kept unchanged, the node uncordoned', async () => {
    const user = await seedTakeover('takeover-asleep');
    scenario = { agent: succeed, termination: terminating };
    // The sleep is recorded after the step's own hibernation check, while the run reads the group's sizes.
    asg.onDescribe = () => fallAsleep(clock);
    const { run, done, execution } = await runToEnd(user.accessToken);
    expect(execution.status).toBe('SUCCEEDED');
    expect(run).toMatchObject({ state: 'stopped' });
    expect(run?.reason).toContain('The cluster is hibernating');
    expect(asg.updates).toEqual([]);
    expect(asg.minSize).toBe(3);
    expect(terminated).toEqual([]);
    expect(done.length).toBeGreaterThan(0);
    for (const action of done) expect(action.state).not.toBe('done');
    expect(done.some((a) => a.result?.includes('The node is being uncordoned'))).toBe(true);
  });
});

describe('a hibernation sleep starting while a run drains (ADR 0089)', () => {
  /** The product set the group's minimum to 2 before (a takeover or a person's edit, ADR 0073). */
  const recordMinimum = () =>
    putItem(groupMinimumEntity, {
      orgId,
      clusterId: cluster.clusterId,
      nodeGroupId: 'asg-web',
      nodeGroupName: 'web',
      setMinSize: 2,
      setAt: '2026-11-30T10:00:00.000Z',
      setBy: 'cr-earlier',
      drift: null,
    });
  const runtimeNow = () =>
    getItem(hibernationRuntimeEntity, hibernationRuntimeKey(orgId, cluster.clusterId), true);
  const audited = (audit: { action: string }[], action: string) => audit.filter((r) => r.action === action);

  it('Hibernate now while a node drains: the run stops first, the node uncordoned and kept, the sleep pins the group as it read it, recorded and audited', async () => {
    const user = await seed('sleep-mid-drain');
    await recordMinimum();
    const afterSleep: string[] = [];
    let slept: { status: number; raw: string } | null = null;
    let sleptAt = '';
    scenario = {
      // The evictions hang: web-1 is cordoned and draining when the person hibernates the cluster.
      agent: ({ type }) => {
        if (slept) afterSleep.push(type);
        return type === 'evict' ? null : succeed();
      },
      termination: terminating,
      beforeStep: async (step) => {
        if (step !== 3) return;
        sleptAt = clock.toISOString();
        slept = await call('POST /api/client/clusters/{id}/hibernation/sleep', {
          token: user.accessToken,
          path: { id: cluster.clusterId },
        });
      },
    };
    const { started, done, open, run, execution, audit } = await runToEnd(user.accessToken);
    expect(execution.status, JSON.stringify(execution.error)).toBe('SUCCEEDED');
    expect(slept).toMatchObject({ status: 200 });
    expect(steps).toBe(3);
    expect(open).toEqual([]);
    const reason = `A hibernation sleep of the cluster started at ${sleptAt}: the consolidation run stopped before it, so that the two do not act on the same node groups; consolidation resumes after the cluster wakes.`;
    expect(run).toMatchObject({ state: 'stopped', reason });
    expect(done).toHaveLength(1);
    expect(done[0]).toMatchObject({ state: 'failed', node: 'web-1' });
    expect(done[0]?.result).toBe(
      `${reason} The node is being uncordoned (the command was sent to the agent).`,
    );
    // The agent's poll right after the sleep took the uncordon, and nothing else: the node takes pods again.
    expect(await getAgentCommand(orgId, cluster.clusterId, `${done[0]?.actionId}:uncordon`)).toMatchObject({
      status: 'done',
      outcome: 'succeeded',
      command: { type: 'uncordon', node: 'web-1' },
    });
    expect(afterSleep).toEqual(['uncordon']);
    // No node terminated by the run; the group's one size write is the sleep's, from the sizes the run left.
    expect(terminated).toEqual([]);
    expect(asg.updates).toEqual([{ minSize: 0, desiredCapacity: 0 }]);
    const runtime = await runtimeNow();
    expect(runtime).toMatchObject({ actual: 'sleeping' });
    expect(runtime?.records['asg-web']?.size).toEqual({ minSize: 2, desiredSize: 3, maxSize: 6 });
    // ADR 0081: the minimum record follows the sleep's own write (no drift reported at the next read).
    expect(
      await getItem(groupMinimumEntity, groupMinimumKey(orgId, cluster.clusterId, 'asg-web'), true),
    ).toMatchObject({ setMinSize: 0, setBy: 'hibernation sleep', drift: null });
    // Audited: the run's stop by the optimizer, once, and the person's sleep naming the run it stopped.
    const stops = audited(audit, 'consolidation.run.stop');
    expect(stops).toHaveLength(1);
    expect(stops[0]).toMatchObject({ actorName: 'system: optimizer', outcome: 'failed', after: { reason } });
    const sleeps = audited(audit, 'hibernation.sleep-now');
    expect(sleeps).toHaveLength(1);
    expect(sleeps[0]).toMatchObject({
      actorType: 'user',
      outcome: 'success',
      after: { actual: 'sleeping', consolidationRunStopped: started.runId, changedGroups: ['asg-web'] },
    });
    expect(audited(audit, 'consolidation.node.remove')).toEqual([]);
  });

  it('a sleep while the step is between its last checks and the termination: the step terminates nothing, the node closed once, uncordoned', async () => {
    const user = await seed('sleep-in-step');
    let sleptAtStep = 0;
    scenario = { agent: succeed, termination: terminating };
    // The drain finished; the step re-reads the live Node right before terminating it, and the scheduler's
    // sleep (another Lambda) runs right then, after the step's own maintenance and hibernation checks.
    onSnapshot = async () => {
      const openNow = await queryAll(clusterActionEntity, openActionsQuery(orgId, cluster.clusterId));
      if (sleptAtStep || !openNow.some((a) => a.state === 'draining')) return;
      sleptAtStep = steps;
      await sleepCluster(orgId, cluster.clusterId, { kind: 'user', userId: 'u-1', email: 'ops@x.io' }, clock);
    };
    const { done, open, run, execution, audit } = await runToEnd(user.accessToken);
    expect(execution.status, JSON.stringify(execution.error)).toBe('SUCCEEDED');
    expect(sleptAtStep).toBe(2);
    expect(steps).toBe(2);
    expect(open).toEqual([]);
    expect(run).toMatchObject({ state: 'stopped' });
    expect(run?.reason).toContain('A hibernation sleep of the cluster started at');
    // Closed once, by the sleep's stop: drained, not terminated, uncordoned.
    expect(done).toHaveLength(1);
    expect(done[0]).toMatchObject({ state: 'failed', node: 'web-1', realizedMonthlySavingUsd: null });
    expect(done[0]?.result).toContain('The node is being uncordoned');
    expect(terminated).toEqual([]);
    expect(asg.updates).toEqual([{ minSize: 0, desiredCapacity: 0 }]);
    expect((await runtimeNow())?.records['asg-web']?.size).toEqual({
      minSize: 2,
      desiredSize: 3,
      maxSize: 6,
    });
    expect(audited(audit, 'consolidation.run.stop')).toHaveLength(1);
    expect(audited(audit, 'consolidation.node.remove')).toEqual([]);
  });

  it('a sleep after the termination was asked for: the node goes once, the sleep reads and records the group without it', async () => {
    const user = await seed('sleep-terminating');
    await recordMinimum();
    scenario = {
      agent: succeed,
      termination: terminating,
      // Step 2 terminated web-1 (desired 3 → 2); its saving is read at step 3, before which the sleep runs.
      beforeStep: async (step) => {
        if (step === 3)
          await sleepCluster(
            orgId,
            cluster.clusterId,
            { kind: 'user', userId: 'u-1', email: 'ops@x.io' },
            clock,
          );
      },
    };
    const { done, open, run, execution, audit } = await runToEnd(user.accessToken);
    expect(execution.status, JSON.stringify(execution.error)).toBe('SUCCEEDED');
    expect(open).toEqual([]);
    expect(run).toMatchObject({ state: 'stopped' });
    expect(done).toHaveLength(1);
    expect(done[0]).toMatchObject({ state: 'done', node: 'web-1', realizedMonthlySavingUsd: null });
    expect(done[0]?.result).toContain(
      'Terminated; the run stopped before its saving was measured: A hibernation sleep',
    );
    // One termination only, and no uncordon of the node that went.
    expect(terminated).toEqual(['i-web-1']);
    expect(
      await getAgentCommand(orgId, cluster.clusterId, `${done[0]?.actionId}:uncordon`).catch(() => null),
    ).toBeNull();
    // The sleep read the group after the termination: the wake restores 2 nodes, not 3.
    expect(asg.updates).toEqual([{ minSize: 0, desiredCapacity: 0 }]);
    expect((await runtimeNow())?.records['asg-web']?.size).toEqual({
      minSize: 2,
      desiredSize: 2,
      maxSize: 6,
    });
    expect(
      await getItem(groupMinimumEntity, groupMinimumKey(orgId, cluster.clusterId, 'asg-web'), true),
    ).toMatchObject({ setMinSize: 0, setBy: 'hibernation sleep', drift: null });
    expect(audited(audit, 'consolidation.run.stop')).toHaveLength(1);
  });
});
