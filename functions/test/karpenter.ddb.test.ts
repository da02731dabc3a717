import { type KarpenterStateResponse, nodeTemplateDraftSchema, policySchema } from '@spot/shared';
import { type LiveKarpenterObject, managedByKey } from '@spot/shared/karpenter/managed';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { pendingCommandsForAgent, recordCommandResult } from '../src/domain/agent-commands';
import { reconcileKarpenter } from '../src/domain/karpenter';
import { setMaintenance } from '../src/domain/maintenance';
import { createTemplate } from '../src/domain/node-templates';
import { savePolicy } from '../src/domain/policies';
import { configurePorts } from '../src/ports';
import type { KubernetesPort } from '../src/ports/kubernetes';
import { KubernetesAccessError } from '../src/ports/kubernetes-errors';
import { type SeededCluster, seedCluster } from './clusters-support';
import { call, signUpAndIn, useLocalServices } from './support/services';

/**
 * Karpenter integration (ADR 0042) against DynamoDB Local: the reconcile renders the template and policy,
 * compares with the live objects (a fake Kubernetes port), enqueues commands on the agent channel, and
 * the GET route shows desired vs live, drift and the commands' outcomes. Each failure path of the issue:
 * agent offline, maintenance on, apply refused by RBAC, drift detected, a customer's NodePool never
 * removed or taken over, live objects unreadable.
 */

vi.mock('../src/domain/accounts-connect', async (original) => ({
  ...(await original<typeof import('../src/domain/accounts-connect')>()),
  cloudTargetOf: async () => ({
    region: 'us-east-1',
    credentials: { kind: 'role', roleArn: 'arn:aws:iam::111122223333:role/spot', externalId: 'ext' },
  }),
}));

let live: LiveKarpenterObject[] = [];
let unreadable = false;
const kubernetes = {
  async listKarpenterObjects() {
    if (unreadable) throw new KubernetesAccessError('KUBERNETES_ACCESS_DENIED', 'HTTP 403 listing nodepools');
    return structuredClone(live);
  },
} as unknown as KubernetesPort;

let clock = new Date('2026-07-01T10:00:00Z');
let orgId = '';
let token = '';
let cluster: SeededCluster;

beforeAll(async () => {
  await useLocalServices();
  configurePorts({ kubernetes, clock: { now: () => clock } });
});

async function seed(name: string, autoscaling: Record<string, unknown> = {}) {
  const user = await signUpAndIn(`Karpenter ${name}`);
  orgId = user.orgId;
  token = user.accessToken;
  cluster = await seedCluster(orgId, { name });
  const { template } = await createTemplate(
    orgId,
    nodeTemplateDraftSchema.parse({
      name: 'General',
      families: ['m5', 'c5'],
      architecture: 'x86_64',
      capacityType: 'spot',
      disk: { type: 'gp3', sizeGiB: 40 },
    }),
    clock,
  );
  await savePolicy(
    orgId,
    { level: 'organization' },
    {
      version: 0,
      policy: policySchema.parse({
        infrastructure: {
          autoscaling: { nodeTemplateId: template.id, ...autoscaling },
          binPacking: { stabilizationWindowMinutes: 5, maxNodesInFlight: 2 },
        },
      }),
    },
    { userId: user.userId, email: 'owner@example.com' },
    clock,
  );
  return template;
}

const agentPolls = () => pendingCommandsForAgent({ orgId, clusterId: cluster.clusterId }, clock);
const state = async () => {
  const res = await call('GET /api/client/clusters/{id}/karpenter', {
    token,
    path: { id: cluster.clusterId },
  });
  expect(res.status).toBe(200);
  return res.body as unknown as KarpenterStateResponse;
};
/** What the API server would hold after the agent applied the commands' manifests. */
const applyAll = (commands: Awaited<ReturnType<typeof agentPolls>>['commands']) => {
  for (const { command } of commands)
    if (command.type === 'apply-karpenter') {
      const m = command.manifest as unknown as {
        kind: LiveKarpenterObject['kind'];
        metadata: { name: string; labels: Record<string, string>; annotations: Record<string, string> };
        spec: Record<string, unknown>;
      };
      live = live.filter((l) => !(l.kind === m.kind && l.name === m.metadata.name));
      live.push({
        kind: m.kind,
        name: m.metadata.name,
        labels: m.metadata.labels,
        annotations: m.metadata.annotations,
        spec: m.spec,
      });
    }
};

beforeEach(() => {
  live = [];
  unreadable = false;
  clock = new Date(clock.getTime() + 3_600_000);
});

describe('Karpenter reconcile', () => {
  it('applies the rendered objects through the agent, then finds no drift; a changed field is drift', async () => {
    await seed('apply');
    await agentPolls();
    const before = await state();
    expect(before.drift.filter((d) => d.path === '(object)')).toHaveLength(2);
    const out = await reconcileKarpenter(orgId, cluster.clusterId, clock);
    expect(out.lastReconcile?.commands.map((c) => [c.action, c.kind])).toEqual([
      ['apply', 'EC2NodeClass'],
      ['apply', 'NodePool'],
    ]);
    const polled = await agentPolls();
    expect(polled.commands.map((c) => c.command.type)).toEqual(['apply-karpenter', 'apply-karpenter']);
    const pool = polled.commands.find(
      (c) => c.command.type === 'apply-karpenter' && c.command.manifest.kind === 'NodePool',
    );
    expect(pool?.command.type === 'apply-karpenter' && pool.command.manifest.spec.disruption).toEqual({
      consolidationPolicy: 'WhenEmptyOrUnderutilized',
      consolidateAfter: '5m',
      budgets: [{ nodes: '2' }],
    });
    applyAll(polled.commands);
    for (const c of polled.commands)
      await recordCommandResult(
        { orgId, clusterId: cluster.clusterId },
        c.id,
        { outcome: 'succeeded', reason: null },
        clock,
      );
    const after = await state();
    expect(after.drift).toEqual([]);
    expect(after.lastReconcile?.commands.map((c) => c.outcome)).toEqual(['succeeded', 'succeeded']);
    // Nothing changed: a second reconcile enqueues nothing.
    expect((await reconcileKarpenter(orgId, cluster.clusterId, clock)).plan.apply).toEqual([]);

    // Someone edits the pool by hand: drift, and the next reconcile re-applies it alone.
    const livePool = live.find((l) => l.kind === 'NodePool') as LiveKarpenterObject;
    (livePool.spec.disruption as Record<string, unknown>).consolidateAfter = '2h';
    const drifted = await state();
    expect(drifted.drift).toEqual([
      expect.objectContaining({
        kind: 'NodePool',
        path: 'spec.disruption.consolidateAfter',
        desired: '5m',
        live: '2h',
      }),
    ]);
    const again = await reconcileKarpenter(orgId, cluster.clusterId, clock);
    expect(again.lastReconcile?.commands.map((c) => c.kind)).toEqual(['NodePool']);
  });

  it('records an apply the agent’s RBAC refused, with the reason', async () => {
    await seed('rbac');
    await agentPolls();
    await reconcileKarpenter(orgId, cluster.clusterId, clock);
    const polled = await agentPolls();
    for (const c of polled.commands)
      await recordCommandResult(
        { orgId, clusterId: cluster.clusterId },
        c.id,
        { outcome: 'refused', reason: "the agent's RBAC does not allow it (apply NodePool: HTTP 403)" },
        clock,
      );
    const after = await state();
    expect(after.lastReconcile?.commands.every((c) => c.outcome === 'refused')).toBe(true);
    expect(after.lastReconcile?.commands[0]?.reason).toContain('RBAC');
    // Still missing in the cluster: still drift.
    expect(after.drift.length).toBeGreaterThan(0);
  });

  it('refuses with nothing enqueued when the agent is offline or the cluster in maintenance', async () => {
    await seed('offline');
    const offline = await call('POST /api/client/clusters/{id}/karpenter/reconcile', {
      token,
      path: { id: cluster.clusterId },
    });
    expect(offline.status).toBe(409);
    expect(offline.body.code).toBe('AGENT_UNAVAILABLE');
    await agentPolls();
    await setMaintenance(
      orgId,
      cluster.clusterId,
      { enabled: true, reason: 'upgrade' },
      { email: 'a@b.c' },
      clock,
    );
    const paused = await call('POST /api/client/clusters/{id}/karpenter/reconcile', {
      token,
      path: { id: cluster.clusterId },
    });
    expect(paused.status).toBe(409);
    expect(paused.body.code).toBe('CLUSTER_IN_MAINTENANCE');
    await setMaintenance(orgId, cluster.clusterId, { enabled: false }, { email: 'a@b.c' }, clock);
    expect((await agentPolls()).commands).toEqual([]);
  });

  it('maintenance switched on after a reconcile sent its commands: the agent gets none, the state says why', async () => {
    await seed('maintenance-mid');
    await agentPolls();
    const sent = await reconcileKarpenter(orgId, cluster.clusterId, clock);
    expect(sent.lastReconcile?.commands).toHaveLength(2);
    await setMaintenance(
      orgId,
      cluster.clusterId,
      { enabled: true, reason: 'node upgrade' },
      { email: 'a@b.c' },
      clock,
    );
    expect((await agentPolls()).commands).toEqual([]);
    const after = await state();
    expect(after.lastReconcile?.commands.map((c) => c.outcome)).toEqual(['refused', 'refused']);
    expect(after.lastReconcile?.commands[0]?.reason).toMatch(/maintenance/i);
    // Nothing reached the cluster: the objects are still missing, hence still drift.
    expect(live).toEqual([]);
    expect(after.drift.length).toBeGreaterThan(0);
  });

  it('when autoscaling is off removes only its own objects, never the customer’s NodePool', async () => {
    await seed('off', { enabled: false });
    await agentPolls();
    live = [
      { kind: 'NodePool', name: 'team-pool', labels: {}, annotations: {}, spec: {} },
      {
        kind: 'NodePool',
        name: 'ours',
        labels: { [managedByKey]: 'spot-optimizer' },
        annotations: {},
        spec: {},
      },
      {
        kind: 'EC2NodeClass',
        name: 'ours',
        labels: { [managedByKey]: 'spot-optimizer' },
        annotations: {},
        spec: {},
      },
    ];
    const out = await reconcileKarpenter(orgId, cluster.clusterId, clock);
    expect(out.enabled).toBe(false);
    expect(out.lastReconcile?.commands.map((c) => [c.action, c.kind, c.name])).toEqual([
      ['delete', 'NodePool', 'ours'],
      ['delete', 'EC2NodeClass', 'ours'],
    ]);
    const polled = await agentPolls();
    expect(polled.commands.map((c) => c.command)).not.toContainEqual(
      expect.objectContaining({ name: 'team-pool' }),
    );
  });

  it('refuses to take over a customer’s NodePool of the same name, and says why', async () => {
    await seed('takeover');
    await agentPolls();
    const first = await state();
    const poolName = first.desired.find((d) => d.kind === 'NodePool')?.name as string;
    live = [{ kind: 'NodePool', name: poolName, labels: {}, annotations: {}, spec: { weight: 5 } }];
    const out = await reconcileKarpenter(orgId, cluster.clusterId, clock);
    expect(out.plan.refused).toEqual([expect.objectContaining({ kind: 'NodePool', name: poolName })]);
    expect(out.lastReconcile?.commands.map((c) => c.kind)).toEqual(['EC2NodeClass']);
  });

  it('answers 422 and enqueues nothing when the live objects cannot be read', async () => {
    await seed('unreadable');
    await agentPolls();
    unreadable = true;
    const view = await state();
    expect(view.live).toBeNull();
    expect(view.liveError).toContain('403');
    const res = await call('POST /api/client/clusters/{id}/karpenter/reconcile', {
      token,
      path: { id: cluster.clusterId },
    });
    expect(res.status).toBe(422);
    expect((await agentPolls()).commands).toEqual([]);
  });

  it('never shows one organization another’s cluster', async () => {
    await seed('isolation');
    const other = await signUpAndIn('Karpenter other');
    const res = await call('GET /api/client/clusters/{id}/karpenter', {
      token: other.accessToken,
      path: { id: cluster.clusterId },
    });
    expect(res.status).toBe(404);
  });
});
