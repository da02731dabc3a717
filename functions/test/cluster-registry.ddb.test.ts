import { CommandRunner, type KubernetesExecutor, KubernetesForbiddenError } from '@spot/agent/commands';
import { agentChartVersion, registryRowSchema } from '@spot/shared';
import { encodeRegistryRow } from '@spot/shared/registry/index';
import { beforeAll, describe, expect, it } from 'vitest';
import { transactWrite } from '../src/data/repository';
import { executePlan } from '../src/data/write-plan';
import { realizedSavingAdd, registryRowPut } from '../src/domain/cluster-registry-row';
import { configurePorts } from '../src/ports/index';
import { type SeededCluster, seedCluster } from './clusters-support';
import { expectContractResponse } from './support/contract';
import { call, signUpAndIn, useLocalServices } from './support/services';

/**
 * The Multi-Cluster Command Center's routes (ADR 0045) against DynamoDB Local: server-side sort, filters
 * and cursor over the registry rows, the status bar, compare and bulk actions (per-cluster results and
 * audit records), tenant isolation and bad input.
 */

type User = Awaited<ReturnType<typeof signUpAndIn>>;
let a: User;
let b: User;
let clusters: SeededCluster[] = [];
let foreign: SeededCluster;
// A fixed clock: version support (the EKS calendar) and heartbeat ages are read against it.
const fixedNow = new Date('2026-06-01T12:00:00Z');
const now = fixedNow.getTime();
const minutesAgo = (m: number) => new Date(now - m * 60_000).toISOString();

/** Per cluster of A: name, tags, run rate, version, last contact, API p99, potential savings. */
const plan = [
  {
    name: 'shop-prod',
    tags: { env: 'prod', team: 'web' },
    cost: 9000,
    version: '1.33',
    contact: 2,
    p99: 1800,
    savings: 900,
  },
  { name: 'shop-dev', tags: { env: 'dev' }, cost: 800, version: '1.34', contact: 3, p99: 200, savings: 400 },
  {
    name: 'data-prod',
    tags: { env: 'prod', team: 'data' },
    cost: 4000,
    version: '1.23',
    contact: 5,
    p99: 300,
    savings: null,
  },
  {
    name: 'ml-staging',
    tags: { env: 'staging' },
    cost: 2500,
    version: '1.30',
    contact: null,
    p99: null,
    savings: 100,
  },
  { name: 'batch', tags: {}, cost: 1200, version: '1.32', contact: 600, p99: 2500, savings: 0 },
  {
    name: 'edge-prod',
    tags: { env: 'prod' },
    cost: 300,
    version: '1.29',
    contact: 1,
    p99: 100,
    savings: 30,
    // 2 % of its API requests failed (ADR 0086).
    errors: 0.02,
  },
  {
    name: 'analytics-dev',
    tags: { env: 'dev', team: 'data' },
    cost: 1500,
    version: '1.31',
    contact: 4,
    p99: 400,
    savings: 600,
  },
] as const;
const regions = ['us-east-1', 'eu-west-1', 'ap-southeast-2'];

async function seedRow(orgId: string, c: SeededCluster, p: (typeof plan)[number], i: number) {
  const row = registryRowSchema.parse({
    clusterId: c.clusterId,
    name: c.name,
    accountId: c.accountId,
    region: c.region,
    zones: [`${c.region}a`, `${c.region}b`],
    kubernetesVersion: p.version,
    status: 'ACTIVE',
    tags: c.tags,
    nodeCount: 3 + i,
    podCount: 20 * (i + 1),
    vcpu: 8 * (i + 1),
    memoryGiB: 32 * (i + 1),
    monthlyRunRateUsd: p.cost,
    potentialSavingsMonthlyUsd: p.savings,
    efficiencyScore: 0.3 + i * 0.08,
    efficiencyGrade: null,
    stabilityIndex: null,
    stabilityLevel: null,
    spotReadinessScore: null,
    apiLatencyP99Ms: p.p99,
    latencyObjectiveP99Ms: 1000,
    pressureEventsPerNodeDay: 0,
    // Measured (none failed) but on the never-heard-from cluster, whose agent predates the figure.
    apiErrorRatio: 'errors' in p ? p.errors : p.contact === null ? null : 0,
    collection: { status: 'ok', reason: null },
    source: 'agent',
    agent: {
      lastHeartbeatAt: p.contact === null ? null : minutesAgo(p.contact),
      lastSnapshotAt: null,
      version: '0.1.0',
    },
    lastSyncedAt: null,
  });
  // The hourly write (row, trend and the row's index entry in one transaction, ADR 0053), as discovery does.
  const ids = { orgId, clusterId: c.clusterId, accountId: c.accountId };
  const trend = JSON.stringify({
    nodes24h: Array.from({ length: 24 }, (_, h) => 3 + (h % 3)),
    pods24h: Array.from({ length: 24 }, (_, h) => 20 + h),
    costLast7dUsd: 110 + i,
    costPrev7dUsd: 100,
  });
  await executePlan([{ kind: 'transaction', items: registryRowPut(ids, encodeRegistryRow(row), trend) }]);
}

beforeAll(async () => {
  await useLocalServices();
  configurePorts({ clock: { now: () => fixedNow } });
  [a, b] = await Promise.all([signUpAndIn('Registry A'), signUpAndIn('Registry B')]);
  clusters = [];
  for (const [i, p] of plan.entries()) {
    const c = await seedCluster(a.orgId, {
      name: p.name,
      accountId: i < 4 ? 'acct-one' : 'acct-two',
      region: regions[i % 3],
      tags: { ...p.tags },
      monthlyRunRateUsd: p.cost,
    });
    await seedRow(a.orgId, c, p, i);
    clusters.push(c);
  }
  foreign = await seedCluster(b.orgId, { name: 'other-prod', accountId: 'acct-one', tags: { env: 'prod' } });
});

const list = (user: User, query: Record<string, string> = {}) =>
  call('GET /api/client/clusters', { token: user.accessToken, query });

async function listAll(user: User, query: Record<string, string>) {
  const names: string[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const res = await list(user, { ...query, ...(cursor ? { cursor } : {}) });
    expect(res.status, res.raw).toBe(200);
    expect(res.body.total).toBeGreaterThanOrEqual((res.body.items ?? []).length);
    names.push(...(res.body.items ?? []).map((i) => String(i.name)));
    cursor = (res.body.nextCursor as string | null) ?? undefined;
    pages++;
  } while (cursor && pages < 20);
  return names;
}

const byCost = [...plan].sort((x, y) => y.cost - x.cost).map((p) => p.name);

describe('GET /api/client/clusters (registry)', () => {
  it('sorts on the server by any column, across pages, every cluster once', async () => {
    expect(await listAll(a, { sort: 'monthlyRunRateUsd', dir: 'desc', limit: '2' })).toEqual(byCost);
    expect(await listAll(a, { sort: 'monthlyRunRateUsd', dir: 'asc', limit: '3' })).toEqual(
      [...byCost].reverse(),
    );
    expect(await listAll(a, { sort: 'name', limit: '4' })).toEqual(plan.map((p) => p.name).sort());
    // Versions sort as numbers; savings % puts the cluster without a figure last in both directions.
    const versions = await listAll(a, { sort: 'kubernetesVersion', dir: 'desc', limit: '2' });
    expect(versions[0]).toBe('shop-dev');
    expect(versions.at(-1)).toBe('data-prod');
    for (const dir of ['asc', 'desc']) {
      expect((await listAll(a, { sort: 'savingsPct', dir, limit: '2' })).at(-1)).toBe('data-prod');
    }
  });

  it('answers the registry fields: environment, version support, health, compliance, sparkline and trend', async () => {
    const res = await list(a, { q: 'data-prod' });
    const item = res.body.items?.[0] as Record<string, unknown> & {
      eks: { status: string; extendedSupportExtraMonthlyUsd: number };
      health: { status: string };
      compliance: { status: string; checks: { rule: string }[] };
      nodes24h: unknown[];
    };
    expect(item).toMatchObject({ environment: 'prod', provider: 'eks', costTrendPct: 12 });
    expect(item.eks.status).toBe('end-of-life');
    expect(item.compliance.status).toBe('violations');
    expect(item.compliance.checks.map((c) => c.rule)).toContain('kubernetes-supported');
    expect(item.nodes24h).toHaveLength(24);
    // Never heard from: the heartbeat factor is 0, latency and errors are left out (not measured): 0.
    const staging = (await list(a, { q: 'ml-staging' })).body.items?.[0] as {
      health: { status: string; score: number; factors: Record<string, number | null> };
      eks: { status: string; extendedSupportExtraMonthlyUsd: number };
    };
    expect(staging.health).toMatchObject({
      status: 'degraded',
      score: 0,
      factors: { latency: null, errors: null, heartbeat: 0 },
    });
    // 2 % of the API requests failing: the error factor is 60, the score 100 x 0.4 + 60 x 0.3 + 100 x 0.3.
    const edge = (await list(a, { q: 'edge-prod' })).body.items?.[0] as {
      apiErrorRatio: number | null;
      health: { status: string; score: number; factors: Record<string, number | null> };
    };
    expect(edge.apiErrorRatio).toBe(0.02);
    expect(edge.health).toMatchObject({
      status: 'healthy',
      score: 88,
      factors: { latency: 100, errors: 60, heartbeat: 100 },
    });
    expect(staging.eks).toMatchObject({ status: 'extended-support', extendedSupportExtraMonthlyUsd: 365 });
  });

  it('counts a realized saving in % savings achieved, in the row and its index entry (ADR 0053)', async () => {
    const before = (await list(a, { sort: 'savingsPct', dir: 'desc' })).body.items as {
      name: string;
      savingsPct: number | null;
    }[];
    // Nothing acted on yet: 0 % achieved wherever there is a potential.
    expect(before.filter((i) => i.savingsPct !== null).every((i) => i.savingsPct === 0)).toBe(true);
    const shopDev = clusters[plan.findIndex((p) => p.name === 'shop-dev')] as SeededCluster;
    // What closing an optimizer action with a realized saving of $100/month adds (its transaction).
    await transactWrite(realizedSavingAdd({ orgId: a.orgId, clusterId: shopDev.clusterId }, 100));
    const sorted = (await list(a, { sort: 'savingsPct', dir: 'desc', limit: '1' })).body.items?.[0] as {
      name: string;
      savingsPct: number;
      realizedSavingsMonthlyUsd: number;
      pods24h: unknown[];
    };
    // Sorted by the index, answered from the row: 100 realized of 100 + 400 potential.
    expect(sorted).toMatchObject({ name: 'shop-dev', savingsPct: 20, realizedSavingsMonthlyUsd: 100 });
    expect(sorted.pods24h).toHaveLength(24);
  });

  it('filters with the quick filters and the search (name, id, tag, region), combined', async () => {
    const names = async (query: Record<string, string>) =>
      (await listAll(a, { ...query, sort: 'name' })).sort();
    expect(await names({ environment: 'prod' })).toEqual(['data-prod', 'edge-prod', 'shop-prod']);
    expect(await names({ environment: 'dev' })).toEqual(['analytics-dev', 'shop-dev']);
    expect(await names({ health: 'degraded' })).toEqual(['batch', 'ml-staging', 'shop-prod']);
    expect(await names({ topSpenders: 'true' })).toEqual(['shop-prod']);
    expect(await names({ provider: 'gke' })).toEqual([]);
    expect(await names({ q: 'DATA' })).toEqual(['analytics-dev', 'data-prod']);
    expect(await names({ q: 'ap-southeast' })).toEqual(['data-prod', 'edge-prod']);
    expect(await names({ q: (clusters[4] as SeededCluster).clusterId.slice(4, 16) })).toEqual(['batch']);
    expect(await names({ environment: 'prod', health: 'healthy', accountId: 'acct-one' })).toEqual([
      'data-prod',
    ]);
  });

  it('refuses a bad sort, a bad filter and a cursor of another order with a message', async () => {
    const bad = await list(a, { sort: 'price' });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/sort/);
    expect((await list(a, { environment: 'qa' })).status).toBe(400);
    expect((await list(a, { topSpenders: 'yes' })).status).toBe(400);
    const page = await list(a, { sort: 'name', limit: '2' });
    const other = await list(a, { sort: 'id', cursor: String(page.body.nextCursor) });
    expect(other.status).toBe(400);
    expect(other.body.message).toMatch(/^cursor: .*sorted by name asc/);
  });

  it('never lists, searches or counts another organization’s clusters', async () => {
    const res = await list(b, { limit: '100' });
    expect((res.body.items ?? []).map((i) => i.id)).toEqual([foreign.clusterId]);
    expect(res.body.total).toBe(1);
    expect((await list(b, { q: 'data' })).body.items).toEqual([]);
    const cursorOfA = (await list(a, { limit: '1' })).body.nextCursor;
    const continued = await list(b, { cursor: String(cursorOfA) });
    expect((continued.body.items ?? []).every((i) => i.id === foreign.clusterId)).toBe(true);
  });
});

describe('GET /api/client/clusters/summary', () => {
  it('adds up clusters, capacity and run rate, grades efficiency and raises the alerts with their rules', async () => {
    const res = await call('GET /api/client/clusters/summary', { token: a.accessToken });
    expect(res.status, res.raw).toBe(200);
    const s = res.body as Record<string, unknown> & {
      alerts: { rule: string; count: number; ruleText: string; message: string }[];
    };
    expect(s.clusterCount).toBe(plan.length);
    expect(s.monthlyRunRateUsd).toBe(plan.reduce((sum, p) => sum + p.cost, 0));
    expect(s.vcpu).toBe(8 * ((plan.length * (plan.length + 1)) / 2));
    expect(s.degraded).toBe(3);
    const latency = s.alerts.find((x) => x.rule === 'api-high-latency');
    expect(latency).toMatchObject({ count: 2, message: '2 clusters have API high latency' });
    expect(latency?.ruleText).toMatch(/p99/);
    expect(s.alerts.find((x) => x.rule === 'kubernetes-end-of-life')?.count).toBe(2);
    expect(s.alerts.find((x) => x.rule === 'kubernetes-extended-support')?.count).toBe(3);
    expect(s.alerts.find((x) => x.rule === 'agent-silent')?.count).toBe(2);
    const one = await call('GET /api/client/clusters/summary', {
      token: a.accessToken,
      query: { accountId: 'acct-two' },
    });
    expect(one.body.clusterCount).toBe(3);
  });

  it('shows an organization only its own clusters', async () => {
    const res = await call('GET /api/client/clusters/summary', { token: b.accessToken });
    expect(res.body).toMatchObject({ clusterCount: 1, monthlyRunRateUsd: 0 });
    expect(JSON.stringify(res.body)).not.toContain('data-prod');
  });

  it('refuses an empty or over-long account filter with a message naming it', async () => {
    for (const accountId of ['', 'a'.repeat(65)]) {
      const res = await call('GET /api/client/clusters/summary', {
        token: a.accessToken,
        query: { accountId },
      });
      expect(res.status, res.raw).toBe(400);
      expect(res.body.message).toMatch(/^accountId: /);
    }
  });
});

describe('POST /api/client/clusters/compare', () => {
  it('puts the clusters side by side and flags the rows that differ', async () => {
    const ids = [clusters[0]?.clusterId, clusters[2]?.clusterId];
    const res = await call('POST /api/client/clusters/compare', { token: a.accessToken, body: { ids } });
    expect(res.status, res.raw).toBe(200);
    const rows = res.body.rows as { key: string; values: string[]; differs: boolean }[];
    expect(res.body.clusters).toEqual([
      { id: ids[0], name: 'shop-prod' },
      { id: ids[1], name: 'data-prod' },
    ]);
    expect(rows.find((r) => r.key === 'kubernetesVersion')).toMatchObject({
      values: ['1.33', '1.23'],
      differs: true,
    });
    expect(rows.find((r) => r.key === 'environment')).toMatchObject({
      values: ['prod', 'prod'],
      differs: false,
    });
  });

  it('answers 404 for another organization’s cluster and 400 for a bad selection', async () => {
    const theirs = await call('POST /api/client/clusters/compare', {
      token: a.accessToken,
      body: { ids: [clusters[0]?.clusterId, foreign.clusterId] },
    });
    expect(theirs.status).toBe(404);
    expect(theirs.raw).not.toContain(foreign.clusterId);
    for (const ids of [[clusters[0]?.clusterId], [clusters[0]?.clusterId, clusters[0]?.clusterId], []]) {
      const res = await call('POST /api/client/clusters/compare', { token: a.accessToken, body: { ids } });
      expect(res.status, res.raw).toBe(400);
      expect(res.body.message).toMatch(/ids/);
    }
  });
});

describe('POST /api/client/clusters/bulk', () => {
  const bulk = (user: User, body: Record<string, unknown>) =>
    call('POST /api/client/clusters/bulk', { token: user.accessToken, body });
  const auditOf = async (user: User, action: string) => {
    const res = await call('GET /api/client/audit', { token: user.accessToken, query: { limit: '100' } });
    return (
      (res.body.items ?? []) as { action: string; target: string; outcome: string; after?: unknown }[]
    ).filter((r) => r.action === action);
  };

  it('applies a policy to each cluster, reports a cluster in maintenance as failed and audits each one', async () => {
    const [one, two, three] = clusters as [SeededCluster, SeededCluster, SeededCluster];
    const on = await call('PUT /api/client/clusters/{id}/maintenance', {
      token: a.accessToken,
      path: { id: two.clusterId },
      body: { enabled: true, reason: 'control plane upgrade' },
    });
    expect(on.status, on.raw).toBe(200);
    const res = await bulk(a, {
      action: 'apply-policy',
      ids: [one.clusterId, two.clusterId, three.clusterId, foreign.clusterId],
      policy: { workload: { spotRules: { preferSpot: true } } },
    });
    expect(res.status, res.raw).toBe(200);
    expect(res.body).toMatchObject({ action: 'apply-policy', succeeded: 2, failed: 2 });
    const results = res.body.results as {
      id: string;
      outcome: string;
      errorCode: string | null;
      message: string;
    }[];
    expect(results.map((r) => [r.id, r.outcome, r.errorCode])).toEqual([
      [one.clusterId, 'succeeded', null],
      [two.clusterId, 'failed', 'CLUSTER_IN_MAINTENANCE'],
      [three.clusterId, 'succeeded', null],
      [foreign.clusterId, 'failed', 'NOT_FOUND'],
    ]);
    expect(results[1]?.message).toMatch(/maintenance mode.*switch it off/);
    const saved = await call('GET /api/client/clusters/{id}/policy', {
      token: a.accessToken,
      path: { id: one.clusterId },
    });
    expect(saved.body).toMatchObject({ policy: { workload: { spotRules: { preferSpot: true } } } });
    // One record per cluster of the organization, each with its own outcome; none for the foreign id.
    const records = await auditOf(a, 'policy.update');
    expect(records.map((r) => [r.target, r.outcome]).sort()).toEqual(
      [
        [`cluster/${one.clusterId}`, 'success'],
        [`cluster/${two.clusterId}`, 'failed'],
        [`cluster/${three.clusterId}`, 'success'],
      ].sort(),
    );
    expect(JSON.stringify(await auditOf(b, 'policy.update'))).toBe('[]');
    // The other organization's cluster was not touched.
    const theirs = await call('GET /api/client/clusters/{id}/policy', {
      token: b.accessToken,
      path: { id: foreign.clusterId },
    });
    expect(theirs.body).toMatchObject({ version: 0 });
    await call('PUT /api/client/clusters/{id}/maintenance', {
      token: a.accessToken,
      path: { id: two.clusterId },
      body: { enabled: false },
    });
  });

  it('queues the agent upgrade; an agent its RBAC forbids to patch itself answers with the served chart, shown on the cluster page', async () => {
    const [, , , four, five] = clusters as SeededCluster[] as [
      SeededCluster,
      SeededCluster,
      SeededCluster,
      SeededCluster,
      SeededCluster,
    ];
    const issued = await call('POST /api/client/clusters/{id}/agent-token', {
      token: a.accessToken,
      path: { id: four.clusterId },
    });
    const agentToken = String(issued.body.token);
    // The agent of cluster four in write mode, its HTTP calls answered by the route handlers themselves.
    const appUrl = String(process.env.APP_URL);
    const agentFetch = (async (url: string | URL | Request, init?: RequestInit) => {
      const { pathname } = new URL(String(url));
      const result = /^\/api\/agent\/commands\/([^/]+)\/result$/.exec(pathname);
      const res = await call(
        result ? 'POST /api/agent/commands/{id}/result' : `${init?.method ?? 'GET'} ${pathname}`,
        {
          token: agentToken,
          ...(result ? { path: { id: decodeURIComponent(String(result[1])) } } : {}),
          ...(init?.body ? { body: JSON.parse(String(init.body)) } : {}),
        },
      );
      return new Response(res.raw, { status: res.status });
    }) as typeof fetch;
    // Installed without write mode's self-upgrade Role (ADR 0085): its own Deployment is a 403.
    const noKubernetes = new Proxy({} as KubernetesExecutor, {
      get: (_target, call) => () =>
        Promise.reject(
          call === 'agentDeployment'
            ? new KubernetesForbiddenError('get deployment spot-optimizer/spot-optimizer-agent: HTTP 403')
            : new Error('an upgrade touches nothing but its own Deployment'),
        ),
    });
    const agent = new CommandRunner(
      { apiUrl: appUrl, token: agentToken, writeMode: true },
      { executor: noKubernetes, fetch: agentFetch, log: () => {} },
    );
    // Its first poll (nothing to run) is what makes the channel take commands.
    expect(await agent.pollOnce()).toMatchObject({ ok: true, ran: 0 });

    const res = await bulk(a, {
      action: 'upgrade-agent',
      ids: [four.clusterId, five.clusterId, foreign.clusterId],
      version: '0.2.0',
    });
    expect(res.status, res.raw).toBe(200);
    expectContractResponse('POST /api/client/clusters/bulk', res);
    // Queued is not done: the agent has not answered yet.
    expect(res.body).toMatchObject({ succeeded: 0, queued: 1, failed: 2 });
    const results = res.body.results as { outcome: string; errorCode: string | null; message: string }[];
    expect(results.map((r) => [r.outcome, r.errorCode])).toEqual([
      ['queued', null],
      ['failed', 'AGENT_UNAVAILABLE'],
      ['failed', 'NOT_FOUND'],
    ]);
    expect(results[0]?.message).toMatch(/^Upgrade to 0\.2\.0 queued for the agent .*Agent upgrades/);
    // No agent takes commands on five: the message says how to switch write mode on, or upgrade by hand.
    const served = `${appUrl}/api/agent/spot-optimizer-agent-${agentChartVersion}.tgz`;
    expect(results[1]?.message).toContain('writeMode.enabled=true');
    expect(results[1]?.message).toContain(
      `Or upgrade it yourself: helm upgrade spot-optimizer-agent ${served} --namespace spot-optimizer --reuse-values --set image.tag=0.2.0`,
    );
    expect(results[2]?.message).not.toContain('other-prod');
    expect((await auditOf(a, 'cluster.agent.upgrade')).length).toBe(2);

    const upgrades = (id: string, user = a) =>
      call('GET /api/client/clusters/{id}/agent-upgrades', { token: user.accessToken, path: { id } });
    const before = await upgrades(four.clusterId);
    expect(before.status, before.raw).toBe(200);
    expectContractResponse('GET /api/client/clusters/{id}/agent-upgrades', before);
    expect(before.body.items).toEqual([
      expect.objectContaining({ command: { type: 'upgrade-agent', version: '0.2.0' }, status: 'pending' }),
    ]);

    // The agent polls, may not patch itself, and answers with the chart this deployment serves.
    expect(await agent.pollOnce()).toMatchObject({ ok: true, ran: 1, reported: 1 });
    const after = await upgrades(four.clusterId);
    const [answer] = after.body.items as { status: string; outcome: string; reason: string }[];
    expect(answer).toMatchObject({ status: 'done', outcome: 'refused' });
    expect(answer?.reason).toContain('get deployment spot-optimizer/spot-optimizer-agent: HTTP 403');
    expect(answer?.reason).toContain(
      `run: helm upgrade spot-optimizer-agent ${served} --namespace spot-optimizer --reuse-values --set image.tag=0.2.0`,
    );
    // Another organization's cluster is not found, and this one's upgrades are nobody else's.
    expect((await upgrades(foreign.clusterId)).status).toBe(404);
    expect((await upgrades(four.clusterId, b)).status).toBe(404);
    expect((await upgrades(five.clusterId)).body.items).toEqual([]);

    // The version a heartbeat reports reaches the registry: an older agent is drift.
    const beat = await call('POST /api/ingest/snapshots', {
      token: agentToken,
      body: { kind: 'heartbeat', agentVersion: '0.0.9', sentAt: fixedNow.toISOString() },
    });
    expect(beat.status, beat.raw).toBe(200);
    const row = (await list(a, { q: four.name })).body.items?.[0] as {
      agent: { version: string };
      compliance: { checks: { rule: string; kind: string }[] };
    };
    expect(row.agent.version).toBe('0.0.9');
    expect(row.compliance.checks).toContainEqual(
      expect.objectContaining({ rule: 'agent-current', kind: 'drift' }),
    );
  });

  it('applies a node template and a hibernation schedule to each cluster with the features’ own saves', async () => {
    const [six, seven] = clusters.slice(5, 7) as [SeededCluster, SeededCluster];
    const ids = [six.clusterId, seven.clusterId];
    const template = await call('POST /api/client/node-templates', {
      token: a.accessToken,
      body: {
        name: 'Bulk',
        families: ['m5'],
        architecture: 'x86_64',
        capacityType: 'spot',
        disk: { type: 'gp3', sizeGiB: 50 },
      },
    });
    expect(template.status, template.raw).toBe(201);
    const applied = await bulk(a, { action: 'apply-template', ids, templateId: String(template.body.id) });
    expect(applied.body).toMatchObject({ succeeded: 2, failed: 0 });
    const policy = await call('GET /api/client/clusters/{id}/policy', {
      token: a.accessToken,
      path: { id: six.clusterId },
    });
    expect(policy.body).toMatchObject({
      policy: { infrastructure: { autoscaling: { nodeTemplateId: template.body.id } } },
    });
    const weeklyGrid = Array.from({ length: 7 }, (_, d) =>
      Array.from({ length: 48 }, (_, h) => d < 5 && h >= 14 && h < 40),
    );
    const slept = await bulk(a, {
      action: 'apply-hibernation',
      ids,
      schedule: { enabled: true, timeZone: 'Europe/Paris', weeklyGrid },
    });
    expect(slept.body, slept.raw).toMatchObject({ succeeded: 2, failed: 0 });
    const schedule = await call('GET /api/client/clusters/{id}/hibernation', {
      token: a.accessToken,
      path: { id: seven.clusterId },
    });
    expect(schedule.body).toMatchObject({
      version: 1,
      schedule: { enabled: true, timeZone: 'Europe/Paris', weeklyGrid },
    });
    expect((await auditOf(a, 'hibernation.update')).map((r) => r.outcome)).toEqual(['success', 'success']);
  });

  it('refuses a template of another organization as a whole (404) and bad bodies (400)', async () => {
    const ids = [clusters[0]?.clusterId];
    const created = await call('POST /api/client/node-templates', {
      token: b.accessToken,
      body: {
        name: 'Theirs',
        families: ['m5'],
        architecture: 'x86_64',
        capacityType: 'spot',
        disk: { type: 'gp3', sizeGiB: 50 },
      },
    });
    expect(created.status, created.raw).toBe(201);
    const theirs = await bulk(a, { action: 'apply-template', ids, templateId: String(created.body.id) });
    expect(theirs.status, theirs.raw).toBe(404);
    for (const body of [
      { action: 'reboot', ids },
      { action: 'upgrade-agent', ids: [] },
      { action: 'upgrade-agent', ids, version: 'latest' },
      { action: 'apply-hibernation', ids, schedule: { enabled: true } },
    ]) {
      const res = await bulk(a, body);
      expect(res.status, res.raw).toBe(400);
      expect(String(res.body.message).length).toBeGreaterThan(10);
    }
  });
});

// After the bulk actions above: cluster 6 has the "Bulk" template in its policy and a hibernation schedule;
// cluster 4 has neither, so it is held to the organization's default (its first template, "Bulk").
describe('POST /api/client/clusters/compare: node template, policy and hibernation', () => {
  it('compares what each cluster is set up with, only from its own organization', async () => {
    const [four, six] = [clusters[3], clusters[5]] as [SeededCluster, SeededCluster];
    const res = await call('POST /api/client/clusters/compare', {
      token: a.accessToken,
      body: { ids: [four.clusterId, six.clusterId] },
    });
    expect(res.status, res.raw).toBe(200);
    const rows = res.body.rows as { key: string; group: string; values: string[]; differs: boolean }[];
    const row = (key: string) => rows.find((r) => r.key === key);
    expect(row('nodeTemplate')).toMatchObject({
      group: 'configuration',
      values: ["Bulk (organization's default)", 'Bulk'],
      differs: true,
    });
    const policy = row('policy');
    expect(policy?.differs).toBe(true);
    expect(policy?.values[0]).toMatch(/infrastructure\.autoscaling\.nodeTemplateId = null$/);
    expect(policy?.values[1]).toMatch(/cluster v1; infrastructure\.autoscaling\.nodeTemplateId = "[^"]+"$/);
    expect(row('hibernation')).toMatchObject({
      values: ['Not set (always awake)', 'On, Europe/Paris: Mon–Fri 07:00–20:00; Sat–Sun asleep'],
      differs: true,
    });
    // Organization B's default template ("Theirs", created above) is never A's.
    expect(res.raw).not.toContain('Theirs');
    const same = await call('POST /api/client/clusters/compare', {
      token: a.accessToken,
      body: { ids: [six.clusterId, (clusters[6] as SeededCluster).clusterId] },
    });
    for (const key of ['nodeTemplate', 'policy', 'hibernation'])
      expect(
        (same.body.rows as { key: string; differs: boolean }[]).find((r) => r.key === key)?.differs,
        key,
      ).toBe(false);
  });
});
