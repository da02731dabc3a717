import { nodeTemplateDraftSchema, policySchema } from '@spot/shared';
import { type LiveKarpenterObject, managedByKey } from '@spot/shared/karpenter/managed';
import { nodeGroupId } from '@spot/shared/savings/snapshot-model';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { nodeGroupEntity } from '../src/data/entities/node-group';
import { nodePoolEditEntity, nodePoolEditKey } from '../src/data/entities/nodepool-edit';
import { getItem, putItem } from '../src/data/repository';
import { pendingCommandsForAgent, recordCommandResult } from '../src/domain/agent-commands';
import { karpenterStateOf, reconcileKarpenter } from '../src/domain/karpenter';
import { createTemplate } from '../src/domain/node-templates';
import { savePolicy } from '../src/domain/policies';
import { configurePorts } from '../src/ports';
import type { KubernetesPort } from '../src/ports/kubernetes';
import { type SeededCluster, seedCluster } from './clusters-support';
import { expectContractResponse } from './support/contract';
import { call, signUpAndIn, useLocalServices } from './support/services';

/**
 * Editing a Karpenter NodePool from the Node Groups tab (issue 17, ADR 0079) against DynamoDB Local and a
 * fake Kubernetes port: spot mode and the node limit are queued to the agent as a server-side apply,
 * audited, shown with the command's outcome; bad input is a 400 naming the rule; another organization's
 * cluster a 404; an agent that cannot act (write mode off) a 409 with nothing queued; Spot Optimizer's
 * own NodePool keeps the edit through its reconcile.
 */

vi.mock('../src/domain/accounts-connect', async (original) => ({
  ...(await original<typeof import('../src/domain/accounts-connect')>()),
  cloudTargetOf: async () => ({
    region: 'us-east-1',
    credentials: { kind: 'role', roleArn: 'arn:aws:iam::111122223333:role/spot', externalId: 'ext' },
  }),
}));

let live: LiveKarpenterObject[] = [];
const kubernetes = {
  async listKarpenterObjects() {
    return structuredClone(live);
  },
} as unknown as KubernetesPort;

let clock = new Date('2026-08-01T10:00:00Z');

beforeAll(async () => {
  await useLocalServices();
  configurePorts({ kubernetes, clock: { now: () => clock } });
});
beforeEach(() => {
  live = [];
  clock = new Date(clock.getTime() + 3_600_000);
});

type User = Awaited<ReturnType<typeof signUpAndIn>>;

const customerPool = (name: string): LiveKarpenterObject => ({
  kind: 'NodePool',
  name,
  labels: { team: 'data' },
  annotations: {},
  spec: {
    template: {
      spec: {
        nodeClassRef: { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: 'default' },
        requirements: [
          { key: 'karpenter.k8s.aws/instance-family', operator: 'In', values: ['m5', 'c5'] },
          { key: 'karpenter.sh/capacity-type', operator: 'In', values: ['on-demand'] },
        ],
      },
    },
    limits: { cpu: '64' },
  },
});

async function seedPoolGroup(orgId: string, cluster: SeededCluster, name: string, nodeCount = 3) {
  const id = nodeGroupId('karpenter-nodepool', name);
  await putItem(nodeGroupEntity, {
    orgId,
    clusterId: cluster.clusterId,
    accountId: cluster.accountId,
    nodeGroupId: id,
    name,
    kind: 'karpenter-nodepool',
    capacityType: 'on-demand',
    instanceTypes: ['m5.large'],
    minSize: 0,
    desiredSize: nodeCount,
    maxSize: nodeCount,
    autoScalingGroupNames: [],
    labels: {},
    tags: {},
    taints: [],
    status: null,
    nodeCount,
    hourlyCostUsd: 0.3,
    spotReadinessScore: null,
  });
  return id;
}

const put = (token: string, cluster: string, groupId: string, body: unknown) =>
  call('PUT /api/client/clusters/{id}/node-groups/{groupId}', {
    token,
    path: { id: cluster, groupId },
    body,
  });
const polls = (orgId: string, clusterId: string) => pendingCommandsForAgent({ orgId, clusterId }, clock);

describe('PUT /api/client/clusters/{id}/node-groups/{groupId} for a Karpenter NodePool', () => {
  let a: User;
  let b: User;
  let cluster: SeededCluster;
  let groupId: string;

  beforeAll(async () => {
    a = await signUpAndIn('NodePool Org A');
    b = await signUpAndIn('NodePool Org B');
    cluster = await seedCluster(a.orgId, { name: 'pools' });
    groupId = await seedPoolGroup(a.orgId, cluster, 'batch');
  });

  it("queues a server-side apply of the customer's NodePool (capacity types, limits.nodes), audits it and shows the agent's answer", async () => {
    live = [customerPool('batch')];
    await polls(a.orgId, cluster.clusterId); // the agent in write mode polls
    const res = await put(a.accessToken, cluster.clusterId, groupId, {
      minSize: 0,
      maxSize: 10,
      spotMode: true,
    });
    expect(res.status, res.raw).toBe(200);
    expectContractResponse('PUT /api/client/clusters/{id}/node-groups/{groupId}', res);
    expect(res.body.before).toEqual({ minSize: 0, desiredSize: 3, maxSize: 3, capacityType: 'on-demand' });
    expect(res.body.after).toEqual({ minSize: 0, desiredSize: 3, maxSize: 10, capacityType: 'mixed' });
    const edit = res.body.nodePool as { command: { id: string }; managedBySpotOptimizer: boolean };
    expect(edit).toMatchObject({
      nodePool: 'batch',
      capacityTypes: ['spot', 'on-demand'],
      nodesLimit: 10,
      managedBySpotOptimizer: false,
      command: { status: 'pending', outcome: null },
    });

    // What the agent gets: only what the edit owns (the whole requirement list, limits.nodes), no mark.
    const polled = await polls(a.orgId, cluster.clusterId);
    expect(polled.commands.map((c) => c.id)).toEqual([edit.command.id]);
    expect(polled.commands[0]?.command).toEqual({
      type: 'apply-karpenter',
      manifest: {
        apiVersion: 'karpenter.sh/v1',
        kind: 'NodePool',
        metadata: { name: 'batch' },
        spec: {
          template: {
            spec: {
              requirements: [
                { key: 'karpenter.k8s.aws/instance-family', operator: 'In', values: ['m5', 'c5'] },
                { key: 'karpenter.sh/capacity-type', operator: 'In', values: ['spot', 'on-demand'] },
              ],
            },
          },
          limits: { nodes: '10' },
        },
      },
    });

    const trail = await call('GET /api/client/audit', {
      token: a.accessToken,
      query: { event: 'cluster.node-group.update' },
    });
    const record = (
      trail.body.items as { target: string; outcome: string; before: unknown; after: unknown }[]
    )[0];
    expect(record?.target).toBe(`cluster/${cluster.clusterId}/node-group/${groupId}`);
    expect(record?.outcome).toBe('success');
    expect(record?.before).toMatchObject({ capacityType: 'on-demand' });
    expect(record?.after).toMatchObject({ capacityType: 'mixed', maxSize: 10, command: edit.command.id });

    // The tab shows the edit, then the agent's answer.
    const detail = async () =>
      (
        (
          await call('GET /api/client/clusters/{id}', {
            token: a.accessToken,
            path: { id: cluster.clusterId },
          })
        ).body.nodeGroups as {
          nodeGroupId: string;
          nodePoolEdit?: { command: { status: string; outcome: string } };
        }[]
      ).find((g) => g.nodeGroupId === groupId)?.nodePoolEdit;
    expect((await detail())?.command).toMatchObject({ status: 'leased', outcome: null });
    await recordCommandResult(
      { orgId: a.orgId, clusterId: cluster.clusterId },
      edit.command.id,
      { outcome: 'succeeded', reason: null },
      clock,
    );
    expect((await detail())?.command).toMatchObject({ status: 'done', outcome: 'succeeded' });

    // The Karpenter card's state lists the edit of the customer's pool (its owner cell says the product
    // applied fields of it), though nothing of it is desired.
    const karpenter = await call('GET /api/client/clusters/{id}/karpenter', {
      token: a.accessToken,
      path: { id: cluster.clusterId },
    });
    expect(karpenter.status, karpenter.raw).toBe(200);
    expectContractResponse('GET /api/client/clusters/{id}/karpenter', karpenter);
    expect(karpenter.body.nodePoolEdits).toEqual([
      expect.objectContaining({
        nodePool: 'batch',
        capacityTypes: ['spot', 'on-demand'],
        nodesLimit: 10,
        managedBySpotOptimizer: false,
        command: expect.objectContaining({ id: edit.command.id, status: 'done', outcome: 'succeeded' }),
      }),
    ]);
    expect((karpenter.body.desired as { name: string }[]).map((o) => o.name)).not.toContain('batch');
  });

  it('refuses a minimum, a slip of a limit and a malformed body with a 400 naming the rule, queueing nothing', async () => {
    live = [customerPool('batch')];
    await polls(a.orgId, cluster.clusterId);
    const before = await getItem(nodePoolEditEntity, nodePoolEditKey(a.orgId, cluster.clusterId, 'batch'));
    const min = await put(a.accessToken, cluster.clusterId, groupId, { minSize: 2, maxSize: 10 });
    expect(min.status).toBe(400);
    expect(min.raw).toContain('Karpenter has no minimum size');
    const slip = await put(a.accessToken, cluster.clusterId, groupId, { minSize: 0, maxSize: 5000 });
    expect(slip.status).toBe(400);
    expect(slip.raw).toContain('above 1000 nodes');
    const malformed = await put(a.accessToken, cluster.clusterId, groupId, { minSize: 0, maxSize: 'ten' });
    expect(malformed.status).toBe(400);
    expect(malformed.raw).toContain('whole number of nodes');
    expect((await polls(a.orgId, cluster.clusterId)).commands).toEqual([]);
    expect(await getItem(nodePoolEditEntity, nodePoolEditKey(a.orgId, cluster.clusterId, 'batch'))).toEqual(
      before,
    );
  });

  it("another organization's cluster is a 404 and nothing is queued", async () => {
    live = [customerPool('batch')];
    await polls(a.orgId, cluster.clusterId);
    const res = await put(b.accessToken, cluster.clusterId, groupId, {
      minSize: 0,
      maxSize: 1,
      spotMode: false,
    });
    expect(res.status).toBe(404);
    expect((await polls(a.orgId, cluster.clusterId)).commands).toEqual([]);
  });

  it('an agent without write mode (it never fetches commands) is a 409 saying so, with nothing queued', async () => {
    const other = await seedCluster(a.orgId, { name: 'read-only-agent' });
    const id = await seedPoolGroup(a.orgId, other, 'batch');
    live = [customerPool('batch')];
    const res = await put(a.accessToken, other.clusterId, id, { minSize: 0, maxSize: 4, spotMode: true });
    expect(res.status).toBe(409);
    expect(res.raw).toContain('writeMode.enabled=true');
    expect(
      await getItem(nodePoolEditEntity, nodePoolEditKey(a.orgId, other.clusterId, 'batch')),
    ).toBeUndefined();
    expect((await polls(a.orgId, other.clusterId)).commands).toEqual([]);
  });
});

describe("Spot Optimizer's own NodePool", () => {
  it('is applied whole with the edit in force, and its reconcile keeps the edit instead of reverting it', async () => {
    const user = await signUpAndIn('NodePool Own');
    const cluster = await seedCluster(user.orgId, { name: 'own-pool' });
    const { template } = await createTemplate(
      user.orgId,
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
      user.orgId,
      { level: 'organization' },
      {
        version: 0,
        policy: policySchema.parse({ infrastructure: { autoscaling: { nodeTemplateId: template.id } } }),
      },
      { userId: user.userId, email: 'owner@example.com' },
      clock,
    );
    await polls(user.orgId, cluster.clusterId);
    // The product applies its objects; the API server holds them as applied.
    const applied = async () => {
      for (const c of (await polls(user.orgId, cluster.clusterId)).commands) {
        if (c.command.type !== 'apply-karpenter') continue;
        const m = c.command.manifest as unknown as {
          kind: 'NodePool' | 'EC2NodeClass';
          metadata: { name: string; labels: Record<string, string>; annotations: Record<string, string> };
          spec: Record<string, unknown>;
        };
        live = [
          ...live.filter((l) => !(l.kind === m.kind && l.name === m.metadata.name)),
          {
            kind: m.kind,
            name: m.metadata.name,
            labels: m.metadata.labels,
            annotations: m.metadata.annotations,
            spec: m.spec,
          },
        ];
        await recordCommandResult(
          { orgId: user.orgId, clusterId: cluster.clusterId },
          c.id,
          { outcome: 'succeeded', reason: null },
          clock,
        );
      }
    };
    await reconcileKarpenter(user.orgId, cluster.clusterId, clock);
    await applied();
    const pool = live.find((l) => l.kind === 'NodePool') as LiveKarpenterObject;
    expect(pool.labels[managedByKey]).toBeDefined();
    const groupId = await seedPoolGroup(user.orgId, cluster, pool.name, 2);

    const res = await put(user.accessToken, cluster.clusterId, groupId, {
      minSize: 0,
      maxSize: 5,
      spotMode: false,
    });
    expect(res.status, res.raw).toBe(200);
    expect(res.body.nodePool).toMatchObject({
      managedBySpotOptimizer: true,
      capacityTypes: ['on-demand'],
      nodesLimit: 5,
    });
    const [command] = (await polls(user.orgId, cluster.clusterId)).commands;
    if (command?.command.type !== 'apply-karpenter') throw new Error('no NodePool apply was queued');
    const manifest = command.command.manifest;
    // The whole rendered object (mark, disruption, class reference) with the edit in force.
    expect(
      (manifest.metadata as unknown as { labels: Record<string, string> }).labels[managedByKey],
    ).toBeDefined();
    expect(manifest.spec.disruption).toEqual(pool.spec.disruption);
    expect(manifest.spec.limits).toEqual({ nodes: '5' });
    const requirements = (
      manifest.spec.template as { spec: { requirements: { key: string; values: string[] }[] } }
    ).spec.requirements;
    expect(requirements.find((r) => r.key === 'karpenter.sh/capacity-type')?.values).toEqual(['on-demand']);

    // Before the agent applied it, the reconcile would apply the same object (the same command id).
    const pending = await karpenterStateOf(user.orgId, cluster.clusterId);
    expect(pending.drift.some((d) => d.path.includes('limits'))).toBe(true);
    // Applied: no drift, and a reconcile sends nothing that would set it back.
    live = live.filter((l) => l.kind !== 'NodePool');
    live.push({ ...pool, spec: manifest.spec ?? {} });
    const state = await karpenterStateOf(user.orgId, cluster.clusterId);
    expect(state.drift).toEqual([]);
    const after = await reconcileKarpenter(user.orgId, cluster.clusterId, clock);
    expect(after.plan.apply).toEqual([]);

    // Spot mode left alone by a later edit keeps the one edited before (the override is the whole state).
    const again = await put(user.accessToken, cluster.clusterId, groupId, { minSize: 0, maxSize: null });
    expect(again.status, again.raw).toBe(200);
    expect(again.body.nodePool).toMatchObject({ capacityTypes: ['on-demand'], nodesLimit: null });
  });
});
