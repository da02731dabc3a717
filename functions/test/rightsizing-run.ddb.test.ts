import { LocalStepFunctions } from '@spot/local/stepfunctions';
import type {
  AgentCommandResultBody,
  AgentCommandSpec,
  ClusterSnapshot,
  PolicyOverrides,
  RightsizingPlanResponse,
  RightsizingStartResponse,
} from '@spot/shared';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { auditRecordEntity, auditRecordsQuery } from '../src/data/entities/audit-record';
import { clusterActionEntity, doneActionsQuery, openActionsQuery } from '../src/data/entities/cluster-action';
import { policyEntity } from '../src/data/entities/cluster-policy';
import { rightsizingRunEntity, rightsizingRunKey } from '../src/data/entities/rightsizing-run';
import { workloadEntity } from '../src/data/entities/workload';
import { workloadRolloutEntity, workloadRolloutKey } from '../src/data/entities/workload-rollout';
import { getItem, putItem, queryAll } from '../src/data/repository';
import { pendingCommandsForAgent, recordCommandResult } from '../src/domain/agent-commands';
import { setMaintenance } from '../src/domain/maintenance';
import { configurePorts } from '../src/ports';
import type { KubernetesPort } from '../src/ports/kubernetes';
import { type SeededCluster, seedCluster } from './clusters-support';
import { call, signUpAndIn, useLocalServices } from './support/services';

/**
 * The rightsizing workflow (ADR 0043) run by the local Step Functions runner from its ASL, against
 * DynamoDB Local, with a fake Kubernetes port (the live pods of the workloads, their restarts and OOMKilled
 * events, which follow the patches the agent ran) and the cluster's agent played by the test before each
 * `Advance` step. The clock moves one minute per step, so a rollout is watched for 30 steps.
 */

vi.mock('../src/domain/accounts-connect', async (original) => ({
  ...(await original<typeof import('../src/domain/accounts-connect')>()),
  cloudTargetOf: async () => ({
    region: 'us-east-1',
    credentials: { kind: 'role', roleArn: 'arn:aws:iam::111122223333:role/spot', externalId: 'ext' },
  }),
}));

type Outcome = AgentCommandResultBody | null;
type Patch = Extract<AgentCommandSpec, { type: 'patch-workload' }>;
interface Scenario {
  /** The agent's answer to a command (null: not yet); undefined agent: offline. */
  agent?: (command: { id: string; command: AgentCommandSpec; step: number }) => Outcome;
  /** Restarts (and as many OOMKilled events) of each pod rolled out by a resize, per minute since it. */
  oomsPerMinuteAfterResize?: number;
  beforeStep?: (step: number) => Promise<void>;
}

let scenario: Scenario;
let clock = new Date('2026-12-01T10:00:00Z');
let steps = 0;
let cluster: SeededCluster;
let orgId: string;
/** The patches the agent ran, in order (the fake cluster's pod templates follow them). */
const applied: { id: string; patch: Patch; at: Date }[] = [];

/** Per container of web: the requests and limits of its template now (the last patch wins). */
function templateOf(name: string) {
  const base = {
    web: [{ name: 'app', requests: { cpuMilli: 1000, memoryMiB: 2048 }, limits: { memoryMiB: 4096 } }],
    db: [{ name: 'db', requests: { cpuMilli: 500, memoryMiB: 1024 }, limits: {} }],
  }[name] ?? [{ name: 'app', requests: { cpuMilli: 100, memoryMiB: 128 }, limits: {} }];
  const containers = base.map((c) => ({ ...c, requests: { ...c.requests }, limits: { ...c.limits } }));
  let rolledOutAt: Date | null = null;
  let resized = false;
  for (const a of applied.filter((x) => x.patch.name === name)) {
    rolledOutAt = a.at;
    resized = a.id.endsWith(':patch') && (a.patch.containers?.length ?? 0) > 0;
    for (const p of a.patch.containers ?? []) {
      const c = containers.find((x) => x.name === p.name);
      if (!c) continue;
      Object.assign(c.requests, p.requests);
      Object.assign(c.limits, p.limits);
    }
  }
  return { containers, rolledOutAt, resized };
}

const kubernetes = {
  async collectSnapshot() {
    const pods: ClusterSnapshot['pods'] = [];
    const events: ClusterSnapshot['events'] = [];
    for (const [name, kind, ns] of [
      ['web', 'Deployment', 'shop'],
      ['api', 'Deployment', 'shop'],
      ['db', 'StatefulSet', 'shop'],
      ['coredns', 'Deployment', 'kube-system'],
    ] as const) {
      const t = templateOf(name);
      const rollout = t.rolledOutAt ? t.rolledOutAt.getTime() : 0;
      const minutes = t.rolledOutAt ? Math.floor((clock.getTime() - rollout) / 60_000) : 0;
      const ooms = t.resized ? minutes * (scenario.oomsPerMinuteAfterResize ?? 0) : 0;
      for (const i of [0, 1]) {
        const podName = `${name}-${rollout.toString(36)}-${i}`;
        pods.push({
          namespace: ns,
          name: podName,
          nodeName: 'node-1',
          phase: 'Running',
          owner: { kind, name, replicas: 2 },
          qosClass: 'Burstable',
          containers: t.containers.map((c) => ({
            name: c.name,
            requests: { ...c.requests, resources: {} },
            limits: c.limits,
            usage: null,
            restarts: ooms,
            lastTerminationReason: ooms > 0 ? 'OOMKilled' : null,
          })),
          pvcNames: [],
          labels: { app: name },
          annotations: {},
          nodeSelector: {},
          tolerations: [],
        });
        for (let k = 0; k < ooms; k++)
          events.push({
            reason: 'OOMKilled',
            objectKind: 'Pod',
            objectName: podName,
            namespace: ns,
            at: new Date(rollout + (k + 1) * 20_000).toISOString(),
            count: 1,
          });
      }
    }
    return { pods, events, nodes: [], pdbs: [], hpas: [] } as unknown as ClusterSnapshot;
  },
} as unknown as KubernetesPort;

/** The agent's turn: poll and answer each command as the scenario says (a succeeded patch is applied). */
async function agentTurn() {
  if (!scenario.agent) return;
  const polled = await pendingCommandsForAgent({ orgId, clusterId: cluster.clusterId }, clock);
  for (const c of polled.commands) {
    const outcome = scenario.agent({ id: c.id, command: c.command, step: steps });
    if (!outcome) continue;
    if (outcome.outcome === 'succeeded' && c.command.type === 'patch-workload')
      applied.push({ id: c.id, patch: c.command, at: clock });
    await recordCommandResult({ orgId, clusterId: cluster.clusterId }, c.id, outcome, clock);
  }
}

const workflows = new LocalStepFunctions({
  retryIntervalMs: 5,
  waitTimeMs: 2,
  wrapTask: (state, run) => async (input) => {
    if (state === 'Advance') {
      steps += 1;
      clock = new Date(clock.getTime() + 60_000);
      await scenario.beforeStep?.(steps);
      await agentTurn();
    }
    return run(input);
  },
});

beforeAll(async () => {
  await useLocalServices();
  configurePorts({ workflows, kubernetes, clock: { now: () => clock } });
});

beforeEach(() => {
  steps = 0;
  applied.length = 0;
});

const automatic: PolicyOverrides = {
  workload: {
    rightsizing: { mode: 'automatic', severityThresholdUsdPerMonth: 10 },
    spotRules: {
      forceSpot: false,
      preferSpot: false,
      blockBurstableFamilies: false,
      enforceMultiAzSpread: false,
    },
  },
};

/**
 * web: 2 replicas of 1000 m / 2 GiB (limit 4 GiB), recommended 250 m / 512 MiB, saving 80 USD/month;
 * api: the same, but an HPA scales it on CPU and memory; db: a StatefulSet saving 5 USD/month (below the
 * threshold); coredns: kube-system, exempt by default.
 */
async function seed(name: string, overrides: PolicyOverrides = automatic) {
  const user = await signUpAndIn(`Rightsizing ${name}`);
  orgId = user.orgId;
  cluster = await seedCluster(user.orgId, { name });
  const ids = { orgId, clusterId: cluster.clusterId, accountId: cluster.accountId };
  await putItem(policyEntity, {
    orgId,
    scope: { level: 'cluster', id: cluster.clusterId },
    version: 1,
    document: overrides as Record<string, unknown>,
    updatedAt: clock.toISOString(),
    updatedBy: 'u-1',
    updatedByEmail: 'owner@example.com',
  });
  const workload = (
    namespace: string,
    kind: string,
    wname: string,
    extra: Partial<Record<string, unknown>> = {},
  ) =>
    putItem(
      workloadEntity,
      workloadEntity.schema.parse({
        ...ids,
        namespace,
        kind,
        name: wname,
        replicas: 2,
        requestCpuMilli: 2000,
        requestMemoryMiB: 4096,
        limitMemoryMiB: 8192,
        labels: { app: wname },
        spotReady: true,
        spotReason: null,
        monthlyCostUsd: 200,
        rightsizing: {
          recommendedCpuMilli: 250,
          recommendedMemoryMiB: 512,
          monthlySavingUsd: 80,
          status: 'apply',
        },
        dailyUsage: {
          '2026-11-29': {
            cpuP50Milli: 100,
            cpuP95Milli: 200,
            cpuMaxMilli: 300,
            memoryPeakMiB: 400,
            oomKills: 0,
          },
          '2026-11-30': {
            cpuP50Milli: 100,
            cpuP95Milli: 200,
            cpuMaxMilli: 300,
            memoryPeakMiB: 420,
            oomKills: 0,
          },
        },
        ...extra,
      }),
    );
  await workload('shop', 'Deployment', 'web');
  await workload('shop', 'Deployment', 'api', { hpaScaledResources: ['cpu', 'memory'] });
  await workload('shop', 'StatefulSet', 'db', {
    requestCpuMilli: 1000,
    requestMemoryMiB: 2048,
    limitMemoryMiB: null,
    rightsizing: {
      recommendedCpuMilli: 400,
      recommendedMemoryMiB: 900,
      monthlySavingUsd: 5,
      status: 'apply',
    },
  });
  await workload('kube-system', 'Deployment', 'coredns');
  return user;
}

const agentOnline = () => pendingCommandsForAgent({ orgId, clusterId: cluster.clusterId }, clock);
const succeed = (): Outcome => ({ outcome: 'succeeded', reason: null });

const start = (token: string, dryRun: boolean) =>
  call('POST /api/client/clusters/{id}/rightsizing', {
    token,
    path: { id: cluster.clusterId },
    body: { dryRun },
  });

async function runToEnd(token: string) {
  if (scenario.agent) await agentOnline();
  const res = await start(token, false);
  expect(res.status, res.raw).toBe(202);
  const started = res.body as RightsizingStartResponse;
  const execution = await workflows.waitForExecution(
    `arn:aws:states:local:000000000000:execution:rightsizing:${started.runId}`,
  );
  const done = await queryAll(clusterActionEntity, doneActionsQuery(orgId, cluster.clusterId));
  const open = await queryAll(clusterActionEntity, openActionsQuery(orgId, cluster.clusterId));
  const run = await getItem(rightsizingRunEntity, rightsizingRunKey(orgId, cluster.clusterId));
  const audit = await queryAll(auditRecordEntity, auditRecordsQuery(orgId));
  return { started, execution, done, open, run, audit };
}

describe('rightsizing run (workflow)', { timeout: 60_000 }, () => {
  it('previews the patches: web resized, the HPA-scaled, exempt and below-threshold workloads left alone', async () => {
    const user = await seed('preview');
    const res = await start(user.accessToken, true);
    expect(res.status, res.raw).toBe(200);
    const plan = res.body as RightsizingPlanResponse;
    expect(plan.patches.map((p) => p.workload.name)).toEqual(['web']);
    expect(plan.patches[0]).toMatchObject({
      kind: 'rightsize-workload',
      before: { requests: { cpuMilli: 1000, memoryMiB: 2048 }, limits: { memoryMiB: 4096 } },
      after: { requests: { cpuMilli: 250, memoryMiB: 512 }, limits: { memoryMiB: 1024 } },
      monthlySavingUsd: 80,
    });
    const reasons = Object.fromEntries(plan.skipped.map((s) => [s.workload.name, s.reason]));
    expect(reasons).toEqual({ api: 'hpa-scaled', db: 'below-threshold', coredns: 'exempt' });
    // Nothing was written: no run, no action.
    expect(await getItem(rightsizingRunEntity, rightsizingRunKey(orgId, cluster.clusterId))).toBeUndefined();
  });

  it('patches, watches the rollout, records before/after, audits as system: optimizer and lists the action', async () => {
    const user = await seed('apply');
    scenario = { agent: succeed, oomsPerMinuteAfterResize: 0 };
    const { started, execution, done, open, run, audit } = await runToEnd(user.accessToken);
    expect(execution.status, JSON.stringify(execution.error)).toBe('SUCCEEDED');
    expect(started.workloads).toBe(1);
    expect(open).toEqual([]);
    expect(done).toHaveLength(1);
    expect(done[0]).toMatchObject({
      state: 'done',
      kind: 'rightsize-workload',
      realizedMonthlySavingUsd: 80,
    });
    // Only web was patched, with the recommendation and the limit in its ratio to the request.
    expect(applied.map((a) => a.patch.name)).toEqual(['web']);
    expect(applied[0]?.patch.containers).toEqual([
      { name: 'app', requests: { cpuMilli: 250, memoryMiB: 512 }, limits: { memoryMiB: 1024 } },
    ]);
    // Watched 30 minutes after the patch before it was called done.
    expect(steps).toBeGreaterThanOrEqual(30);
    expect(run).toMatchObject({ state: 'finished', reason: null });
    const patchAudit = audit.find((r) => r.action === 'rightsizing.workload.patch');
    expect(patchAudit).toMatchObject({ actorName: 'system: optimizer', outcome: 'success' });
    expect(patchAudit?.before).toMatchObject({ requests: { cpuMilli: 1000, memoryMiB: 2048 } });
    expect(patchAudit?.after).toMatchObject({ requests: { cpuMilli: 250, memoryMiB: 512 } });
    expect(audit.map((r) => r.action)).toEqual(
      expect.arrayContaining(['cluster.rightsizing', 'rightsizing.run.finish']),
    );

    const list = await call('GET /api/client/clusters/{id}/actions', {
      token: user.accessToken,
      path: { id: cluster.clusterId },
    });
    expect(list.status).toBe(200);
    const items = (list.body as { items: Record<string, unknown>[] }).items;
    expect(items[0]).toMatchObject({
      kind: 'rightsize-workload',
      state: 'done',
      workload: { namespace: 'shop', kind: 'Deployment', name: 'web' },
      before: { requests: { cpuMilli: 1000, memoryMiB: 2048 } },
      after: { requests: { cpuMilli: 250, memoryMiB: 512 } },
    });
  });

  it('rolls a workload out at most once per window: the next plan skips it, a rollout recorded after the start skips the step', async () => {
    const user = await seed('window');
    scenario = { agent: succeed, oomsPerMinuteAfterResize: 0 };
    await runToEnd(user.accessToken);
    const again = (await start(user.accessToken, true)).body as RightsizingPlanResponse;
    expect(again.patches).toEqual([]);
    expect(again.skipped.find((s) => s.workload.name === 'web')?.reason).toBe('rolled-out-recently');
    const refused = await start(user.accessToken, false);
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'RIGHTSIZING_NOTHING_TO_DO' });

    // Another cluster state: the plan saw no rollout, but one lands between the start and the patch.
    const second = await seed('window-race');
    applied.length = 0;
    steps = 0;
    scenario = {
      agent: succeed,
      beforeStep: async (step) => {
        if (step !== 1) return;
        await putItem(workloadRolloutEntity, {
          orgId,
          clusterId: cluster.clusterId,
          namespace: 'shop',
          kind: 'Deployment',
          name: 'web',
          rolledOutAtMs: clock.getTime() - 60_000,
          rolledOutAt: new Date(clock.getTime() - 60_000).toISOString(),
          actionId: 'elsewhere',
          scheduling: null,
        });
      },
    };
    const { done, execution } = await runToEnd(second.accessToken);
    expect(execution.status).toBe('SUCCEEDED');
    expect(done[0]?.result).toMatch(/optimizer rolled .*out/);
    expect(done[0]).toMatchObject({ state: 'skipped' });
    expect(applied).toEqual([]);
    const rollout = await getItem(
      workloadRolloutEntity,
      workloadRolloutKey(orgId, cluster.clusterId, { namespace: 'shop', kind: 'Deployment', name: 'web' }),
    );
    expect(rollout?.actionId).toBe('elsewhere');
  });

  it('skips a workload exempted after the start (policy re-checked right before the patch)', async () => {
    const user = await seed('exempt-later');
    scenario = {
      agent: succeed,
      beforeStep: async (step) => {
        if (step !== 1) return;
        await putItem(policyEntity, {
          orgId,
          scope: { level: 'cluster', id: cluster.clusterId },
          version: 2,
          document: { ...automatic, governance: { excludedNamespaces: ['kube-system', 'shop'] } },
          updatedAt: clock.toISOString(),
          updatedBy: 'u-1',
          updatedByEmail: 'owner@example.com',
        });
      },
    };
    const { done, execution } = await runToEnd(user.accessToken);
    expect(execution.status).toBe('SUCCEEDED');
    expect(done[0]).toMatchObject({ state: 'skipped' });
    expect(done[0]?.result).toContain('namespace shop is excluded');
    expect(applied).toEqual([]);
  });

  it('maintenance switched on mid-run stops it before any patch goes out', async () => {
    const user = await seed('maintenance');
    scenario = {
      agent: succeed,
      beforeStep: async (step) => {
        if (step === 1)
          await setMaintenance(
            orgId,
            cluster.clusterId,
            { enabled: true, reason: 'upgrade' },
            { email: 'ops@example.com' },
            clock,
          );
      },
    };
    const { done, run, execution } = await runToEnd(user.accessToken);
    expect(execution.status).toBe('SUCCEEDED');
    expect(run).toMatchObject({ state: 'stopped' });
    expect(run?.reason).toContain('maintenance');
    expect(done.map((a) => a.state)).toEqual(['skipped']);
    expect(applied).toEqual([]);
    // A start in maintenance mode is refused up front.
    const refused = await start(user.accessToken, false);
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'CLUSTER_IN_MAINTENANCE' });
  });

  it('refuses a start while the agent is offline, and stops a run whose agent goes quiet', async () => {
    const user = await seed('offline');
    scenario = {};
    const refused = await start(user.accessToken, false);
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'AGENT_UNAVAILABLE' });

    // Online for the start and the patch, then silent: the watch stops once the channel is stale.
    scenario = {
      agent: (c) => (c.step <= 2 ? { outcome: 'succeeded', reason: null } : null),
      oomsPerMinuteAfterResize: 0,
      beforeStep: async (step) => {
        if (step === 3) scenario.agent = undefined;
      },
    };
    const { done, run, execution } = await runToEnd(user.accessToken);
    expect(execution.status).toBe('SUCCEEDED');
    expect(run).toMatchObject({ state: 'stopped' });
    expect(run?.reason).toMatch(/agent/i);
    expect(done).toHaveLength(1);
    expect(done[0]?.result).toContain('The patch stays');
    expect(steps).toBeLessThan(10);
  });

  it('applies the spot rules as scheduling fields (no resize outside automatic mode, no watch)', async () => {
    const user = await seed('spot', {
      workload: {
        rightsizing: { mode: 'recommendations' },
        spotRules: {
          forceSpot: false,
          preferSpot: true,
          blockBurstableFamilies: true,
          enforceMultiAzSpread: true,
        },
      },
    });
    scenario = { agent: succeed };
    const { done, execution } = await runToEnd(user.accessToken);
    expect(execution.status).toBe('SUCCEEDED');
    // kube-system stays exempt; the three shop workloads get the rules, one rollout each.
    expect(applied.map((a) => a.patch.name).sort()).toEqual(['api', 'db', 'web']);
    const web = applied.find((a) => a.patch.name === 'web')?.patch;
    expect(web?.containers).toBeUndefined();
    expect(web?.scheduling).toMatchObject({
      affinity: {
        nodeAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [
            {
              weight: 100,
              preference: { matchExpressions: [{ key: 'karpenter.sh/capacity-type', values: ['spot'] }] },
            },
          ],
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [
              {
                matchExpressions: [
                  { key: 'karpenter.k8s.aws/instance-category', operator: 'NotIn', values: ['t'] },
                ],
              },
            ],
          },
        },
      },
      topologySpreadConstraints: [
        { topologyKey: 'topology.kubernetes.io/zone', labelSelector: { matchLabels: { app: 'web' } } },
      ],
    });
    expect(done.every((a) => a.kind === 'spot-rules-workload' && a.state === 'done')).toBe(true);
    expect(steps).toBeLessThan(6);
  });

  it('rolls back when OOM kills rise above the baseline after the resize', async () => {
    const user = await seed('rollback');
    scenario = { agent: succeed, oomsPerMinuteAfterResize: 1 };
    const { done, execution, audit, run } = await runToEnd(user.accessToken);
    expect(execution.status).toBe('SUCCEEDED');
    expect(run).toMatchObject({ state: 'finished' });
    expect(done[0]).toMatchObject({ state: 'rolled-back', realizedMonthlySavingUsd: null });
    expect(done[0]?.result).toContain('OOM kill');
    // The patch, then the rollback to the requests and limits the live containers had.
    expect(applied.map((a) => a.id.split(':').pop())).toEqual(['patch', 'rollback']);
    expect(applied[1]?.patch.containers).toEqual([
      { name: 'app', requests: { cpuMilli: 1000, memoryMiB: 2048 }, limits: { memoryMiB: 4096 } },
    ]);
    const rollback = audit.find((r) => r.action === 'rightsizing.workload.rollback');
    expect(rollback).toMatchObject({ actorName: 'system: optimizer', outcome: 'success' });
    // Rolled back within minutes of the patch, not at the end of the watch.
    expect(steps).toBeLessThan(10);
  });
});

/**
 * Issue 14 item 10's failure paths for rightsizing, beside the maintenance and agent-offline ones above:
 * the agent refusing the patch (its RBAC or an exemption it checks: the rightsizing counterpart of a
 * blocked eviction or a missing permission), and a patch the agent never finishes (a rollout held by a PDB:
 * the counterpart of a drain timeout).
 */
describe('rightsizing run: failure paths', { timeout: 60_000 }, () => {
  it('a patch the agent refuses is skipped with its reason, audited as failed, and nothing is watched', async () => {
    const user = await seed('refused');
    const reason = 'RBAC: the agent may not patch deployments in namespace shop';
    scenario = {
      agent: (c) => (c.command.type === 'patch-workload' ? { outcome: 'refused', reason } : succeed()),
    };
    const { done, run, execution, audit } = await runToEnd(user.accessToken);
    expect(execution.status).toBe('SUCCEEDED');
    expect(run).toMatchObject({ state: 'finished', reason: null });
    expect(done).toHaveLength(1);
    expect(done[0]).toMatchObject({ state: 'skipped', realizedMonthlySavingUsd: null });
    expect(done[0]?.result).toContain(reason);
    expect(applied).toEqual([]);
    const failed = audit.filter((r) => r.action === 'rightsizing.workload.patch' && r.outcome === 'failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ actorName: 'system: optimizer' });
    expect(JSON.stringify(failed[0]?.after)).toContain(reason);
    // Closed at the agent's answer, not after a watch.
    expect(steps).toBeLessThan(6);
  });

  it('a patch the agent keeps waiting on (rollout held by a PDB) fails after the command timeout, with why', async () => {
    const user = await seed('held');
    scenario = {
      agent: (c) =>
        c.command.type === 'patch-workload'
          ? { outcome: 'wait', reason: 'PodDisruptionBudget shop/web allows no disruption' }
          : succeed(),
    };
    const { done, run, execution } = await runToEnd(user.accessToken);
    expect(execution.status).toBe('SUCCEEDED');
    expect(run).toMatchObject({ state: 'finished' });
    expect(done).toHaveLength(1);
    expect(done[0]).toMatchObject({ state: 'failed', realizedMonthlySavingUsd: null });
    expect(done[0]?.result).toMatch(/did not run the patch within 10 minutes/);
    expect(applied).toEqual([]);
    // One minute a step: given up just past the ten minutes, not at the end of a 30-minute watch.
    expect(steps).toBeGreaterThanOrEqual(10);
    expect(steps).toBeLessThan(20);
  });
});
