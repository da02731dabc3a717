import {
  agentChartPath,
  type ClusterSnapshot,
  type DashboardResponse,
  type PolicyPreviewResponse,
} from '@spot/shared';
import { beforeAll, describe, expect, it } from 'vitest';
import { clusterEntity, clusterKey } from '../src/data/entities/cluster';
import { nodeEntity } from '../src/data/entities/node';
import { clusterChildrenQuery } from '../src/data/entities/partitions';
import { workloadEntity } from '../src/data/entities/workload';
import { getItem, queryAll } from '../src/data/repository';
import { type SeededCluster, seedCluster } from './clusters-support';
import { fixtureSnapshot } from './fixtures/k8s/snapshot';
import { call, signUpAndIn, useLocalServices } from './support/services';

type User = Awaited<ReturnType<typeof signUpAndIn>>;
let a: User;
let b: User;
let prod: SeededCluster;
let theirs: SeededCluster;
let token: string;

beforeAll(async () => {
  await useLocalServices();
  [a, b] = await Promise.all([signUpAndIn('Agents A'), signUpAndIn('Agents B')]);
  prod = await seedCluster(a.orgId, { name: 'prod' });
  theirs = await seedCluster(b.orgId, { name: 'staging' });
  const issued = await call('POST /api/client/clusters/{id}/agent-token', {
    token: a.accessToken,
    path: { id: prod.clusterId },
  });
  expect(issued.status).toBe(201);
  token = String(issued.body.token);
});

/** Pushes with the cluster's token, another token, or none (`null`). */
const push = (body: unknown, bearer: string | null = token) =>
  call('POST /api/ingest/snapshots', { ...(bearer !== null ? { token: bearer } : {}), body });

const snapshotOf = async (clusterName = 'prod', patch: (s: ClusterSnapshot) => unknown = (s) => s) =>
  patch(await fixtureSnapshot({ clusterName, now: new Date() }));

describe('agent tokens', () => {
  it('are shown once, stored only as a hash, and say how to install the agent', async () => {
    const issued = await call('POST /api/client/clusters/{id}/agent-token', {
      token: a.accessToken,
      path: { id: theirs.clusterId },
    });
    expect(issued.status).toBe(404);
    expect(token).toMatch(/^spot_agt_[A-Za-z0-9_-]{43}$/);
    const cluster = await getItem(clusterEntity, clusterKey(a.orgId, prod.clusterId));
    expect(cluster?.agentTokenSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(cluster)).not.toContain(token);
  });

  it('come with install commands that fetch the chart and the manifest this deployment serves', async () => {
    const issued = await call('POST /api/client/clusters/{id}/agent-token', {
      token: a.accessToken,
      path: { id: prod.clusterId },
    });
    expect(issued.status).toBe(201);
    token = String(issued.body.token);
    const install = issued.body.install as { helm: string; manifest: string };
    const appUrl = String(process.env.APP_URL);
    expect(install.helm).toContain(`spot-optimizer-agent ${appUrl}${agentChartPath}`);
    expect(install.helm).toContain(`--set token=${token}`);
    expect(install.helm).toContain(`--set apiUrl=${appUrl}`);
    expect(install.manifest).toContain(`curl -fsSL ${appUrl}/api/agent/manifest.yaml`);
    expect(install.manifest).toContain(token);
    for (const command of Object.values(install)) expect(command).not.toContain('$SPOT_API_URL');
  });
});

describe('POST /api/ingest/snapshots', () => {
  it('accepts a heartbeat with the cluster’s token and records it', async () => {
    const res = await push({ kind: 'heartbeat', agentVersion: '0.1.0' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ accepted: 'heartbeat', clusterId: prod.clusterId });
    const cluster = await getItem(clusterEntity, clusterKey(a.orgId, prod.clusterId));
    expect(cluster?.agent).toMatchObject({ version: '0.1.0', lastSnapshotAt: null });
    expect(cluster?.agent.lastHeartbeatAt).not.toBeNull();
  });

  it('applies a snapshot: nodes, summary and the agent’s state', async () => {
    const res = await push({ kind: 'snapshot', agentVersion: '0.1.0', snapshot: await snapshotOf() });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({
      accepted: 'snapshot',
      clusterId: prod.clusterId,
      nodeCount: 3,
      podCount: 8,
    });
    const cluster = await getItem(clusterEntity, clusterKey(a.orgId, prod.clusterId));
    expect(cluster).toMatchObject({ nodeCount: 3, collection: { status: 'ok', source: 'agent' } });
    expect(cluster?.monthlyRunRateUsd).toBeGreaterThan(0);
    expect(cluster?.summary).toMatchObject({ source: 'agent', capacity: { nodes: 3 } });
    expect(cluster?.agent.lastSnapshotAt).not.toBeNull();
    const nodes = await queryAll(nodeEntity, clusterChildrenQuery(a.orgId, prod.clusterId, 'NODE'));
    expect(nodes.map((n) => n.nodeName).sort()).toEqual([
      'ip-10-0-1-10.ec2.internal',
      'ip-10-0-2-20.ec2.internal',
      'ip-10-0-3-30.ec2.internal',
    ]);
  });

  it('carries the control plane’s error ratio to the registry’s health score, and an older agent’s lack of it (ADR 0086)', async () => {
    const registryItem = async () => {
      const res = await call('GET /api/client/clusters', {
        token: a.accessToken,
        query: { q: prod.clusterId },
      });
      expect(res.status).toBe(200);
      return (
        res.body.items as { id: string; apiErrorRatio: number | null; health: { factors: object } }[]
      ).find((i) => i.id === prod.clusterId);
    };
    const failing = await snapshotOf('prod', (s) => ({
      ...s,
      controlPlane: { ...s.controlPlane, errorRatio: 0.03 },
    }));
    expect((await push({ kind: 'snapshot', agentVersion: '0.1.0', snapshot: failing })).status).toBe(202);
    const measured = await registryItem();
    expect(measured?.apiErrorRatio).toBe(0.03);
    expect(measured?.health.factors).toMatchObject({ errors: 40, heartbeat: 100 });
    const older = await snapshotOf('prod', (s) => {
      const { errorRatio: _, ...controlPlane } = s.controlPlane;
      return { ...s, controlPlane };
    });
    expect((await push({ kind: 'snapshot', agentVersion: '0.1.0', snapshot: older })).status).toBe(202);
    const unmeasured = await registryItem();
    expect(unmeasured?.apiErrorRatio).toBeNull();
    expect(unmeasured?.health.factors).toMatchObject({ errors: null, heartbeat: 100 });
  });

  it('names the lists the cluster refused the agent on its collection, and clears them with a full push', async () => {
    const partial = await push({
      kind: 'snapshot',
      agentVersion: '0.1.0',
      snapshot: await snapshotOf('prod', (s) => ({ ...s, events: [], deniedLists: ['events'] })),
    });
    expect(partial.status, partial.raw).toBe(202);
    const read = await getItem(clusterEntity, clusterKey(a.orgId, prod.clusterId));
    expect(read?.collection.status).toBe('ok');
    expect(read?.collection.reason).toMatch(
      /^Read without a permission: the cluster refused list events — pressure events and spot interruptions \(HTTP 403\)/,
    );
    const full = await push({ kind: 'snapshot', agentVersion: '0.1.0', snapshot: await snapshotOf() });
    expect(full.status).toBe(202);
    expect((await getItem(clusterEntity, clusterKey(a.orgId, prod.clusterId)))?.collection).toMatchObject({
      status: 'ok',
      reason: null,
    });
  });

  it('audits the agent’s first contact and refusals, not every push', async () => {
    const audit = await call('GET /api/client/audit', { token: a.accessToken });
    const actions = (audit.body.items ?? []).map((r) => r.action);
    expect(actions.filter((x) => x === 'cluster.agent.push')).toHaveLength(1);
    expect(actions).toContain('cluster.agent-token.issue');
    const pushRecord = (audit.body.items ?? []).find((r) => r.action === 'cluster.agent.push');
    expect(pushRecord).toMatchObject({
      actorType: 'system',
      actorName: 'Agent of prod',
      target: `cluster/${prod.clusterId}`,
    });
  });

  it('refuses a missing or wrong token with 401', async () => {
    const missing = await push({ kind: 'heartbeat', agentVersion: '0.1.0' }, null);
    expect(missing.status).toBe(401);
    const wrong = await push({ kind: 'heartbeat', agentVersion: '0.1.0' }, `spot_agt_${'x'.repeat(43)}`);
    expect(wrong.status).toBe(401);
    expect(wrong.body.message).toMatch(/agent token is not valid/);
    // A user's access token is not an agent token either.
    expect((await push({ kind: 'heartbeat', agentVersion: '0.1.0' }, a.accessToken)).status).toBe(401);
  });

  it('validates the snapshot and names the field that is wrong (400)', async () => {
    const negative = await push({
      kind: 'snapshot',
      agentVersion: '0.1.0',
      snapshot: await snapshotOf('prod', (s) => ({
        ...s,
        nodes: s.nodes.map((n, i) =>
          i === 1 ? { ...n, allocatable: { ...n.allocatable, cpuMilli: -5 } } : n,
        ),
      })),
    });
    expect(negative.status).toBe(400);
    expect(negative.body.message).toMatch(/^snapshot\.nodes\.1\.allocatable\.cpuMilli: /);
    const noKind = await push({ agentVersion: '0.1.0' });
    expect(noKind.status).toBe(400);
    expect(noKind.body.message).toMatch(/^kind: /);
    const agentless = await push({
      kind: 'snapshot',
      agentVersion: '0.1.0',
      snapshot: await snapshotOf('prod', (s) => ({ ...s, source: 'agentless' })),
    });
    expect(agentless.status).toBe(400);
    expect(agentless.body.message).toMatch(/^snapshot\.source: /);
  });

  it('never writes to another cluster, let alone another organization’s', async () => {
    const claim = await push({ kind: 'heartbeat', agentVersion: '0.1.0', clusterId: theirs.clusterId });
    expect(claim.status).toBe(404);
    expect(claim.raw).not.toContain(theirs.clusterId);
    const otherName = await push({
      kind: 'snapshot',
      agentVersion: '0.1.0',
      snapshot: await snapshotOf('staging'),
    });
    expect(otherName.status).toBe(400);
    expect(otherName.body.message).toMatch(/belongs to "prod"/);
    const untouched = await getItem(clusterEntity, clusterKey(b.orgId, theirs.clusterId));
    expect(untouched).toMatchObject({ nodeCount: 0, summary: null, agent: { lastHeartbeatAt: null } });
    const auditOfB = await call('GET /api/client/audit', { token: b.accessToken });
    expect(JSON.stringify(auditOfB.body)).not.toContain('agent');
  });

  it('stops accepting a token once a new one is issued', async () => {
    const again = await call('POST /api/client/clusters/{id}/agent-token', {
      token: a.accessToken,
      path: { id: prod.clusterId },
    });
    expect(again.status).toBe(201);
    expect(again.body.revokedPrevious).toBe(true);
    expect((await push({ kind: 'heartbeat', agentVersion: '0.1.0' })).status).toBe(401);
    expect((await push({ kind: 'heartbeat', agentVersion: '0.1.0' }, String(again.body.token))).status).toBe(
      200,
    );
  });
});

describe('exemptions on the dashboard', () => {
  it('counts label-exempt workloads as Unmanaged: in the spend, 0 potential savings, exempt in the preview', async () => {
    const shop = await seedCluster(a.orgId, { name: 'shop' });
    const issued = await call('POST /api/client/clusters/{id}/agent-token', {
      token: a.accessToken,
      path: { id: shop.clusterId },
    });
    const agentToken = String(issued.body.token);
    const governance = { excludedLabelSelectors: [{ key: 'app', value: 'web' }] };
    const saved = await call('PUT /api/client/clusters/{id}/policy', {
      token: a.accessToken,
      path: { id: shop.clusterId },
      body: { version: 0, policy: { governance } },
    });
    expect(saved.status, saved.raw).toBe(200);
    const res = await push(
      { kind: 'snapshot', agentVersion: '0.1.0', snapshot: await snapshotOf('shop') },
      agentToken,
    );
    expect(res.status, res.raw).toBe(202);

    // The stored inventory keeps the labels and says why each exempt workload is Unmanaged.
    const workloads = await queryAll(
      workloadEntity,
      clusterChildrenQuery(a.orgId, shop.clusterId, 'WORKLOAD'),
    );
    const web = workloads.find((w) => w.name === 'web');
    expect(web).toMatchObject({ labels: { app: 'web' }, unmanagedReason: 'label app=web is excluded' });
    expect(workloads.find((w) => w.name === 'aws-node')?.unmanagedReason).toBe(
      'namespace kube-system is excluded',
    );
    expect(workloads.find((w) => w.name === 'api')?.unmanagedReason).toBeNull();

    // The dashboard of that cluster: web's cost is in the run rate and in "Unmanaged", in no saving.
    const dashboard = await call('GET /api/client/dashboard', {
      token: a.accessToken,
      query: { clusterId: shop.clusterId },
    });
    expect(dashboard.status, dashboard.raw).toBe(200);
    const body = dashboard.body as DashboardResponse;
    expect(body.summary.unmanaged.workloadCount).toBe(2);
    expect(body.summary.unmanaged.monthlyCostUsd).toBeCloseTo(
      workloads.filter((w) => w.unmanagedReason !== null).reduce((s, w) => s + w.monthlyCostUsd, 0),
      6,
    );
    expect(body.summary.monthlyRunRateUsd).toBeGreaterThan(body.summary.unmanaged.monthlyCostUsd);
    expect(JSON.stringify(body.spot)).not.toContain('"web"');
    expect(web?.rightsizing).toBeNull();

    // The policy page's preview reads the same labels: web is Unmanaged by its label.
    const preview = await call('POST /api/client/clusters/{id}/policy/preview', {
      token: a.accessToken,
      path: { id: shop.clusterId },
      body: { policy: { governance } },
    });
    expect(preview.status, preview.raw).toBe(200);
    const unmanaged = (preview.body as PolicyPreviewResponse).unmanagedWorkloads;
    expect(unmanaged.find((u) => u.workload === 'shop#Deployment#web')?.reason).toBe(
      'label app=web is excluded',
    );
    expect((preview.body as PolicyPreviewResponse).notes).toEqual([]);
  });
});
