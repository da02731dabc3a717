import { type ApiRouteKey, agentChartRouteKey } from '@spot/shared';
import { beforeAll, describe, expect, it } from 'vitest';
import { cloudAccountEntity, cloudAccountKey } from '../src/data/entities/cloud-account';
import { getItem } from '../src/data/repository';
import { ensurePlatformAdmin } from '../src/domain/admin';
import { enqueueAgentCommands } from '../src/domain/agent-commands';
import { issueSnoozeToken } from '../src/domain/hibernation-snooze';
import { port } from '../src/ports';
import { routeKey, routes } from '../src/routes';
import { installDiscoveryHarness, runDiscovery, seedSandboxAccount } from './discovery-support';
import { expectContractResponse } from './support/contract';
import { call, signUpAndIn, strongPassword, useLocalServices } from './support/services';

type User = Awaited<ReturnType<typeof signUpAndIn>>;
let user: User;
let adminToken: string;
let accountId: string;
let clusterId: string;
let templateId: string;
let auditId: string;
let snoozeToken: string;
/** An agent token of another cluster than `clusterId` (whose token a write test below replaces). */
let agentToken: string;
let agentClusterId: string;
let harness: ReturnType<typeof installDiscoveryHarness>;

beforeAll(async () => {
  await useLocalServices();
  // The small world (account 0: two staging clusters, each with managed, self-managed and Karpenter
  // groups): every read route has a real answer to check, without the default fleet of seven up to 300
  // nodes to discover twice.
  harness = installDiscoveryHarness({ size: 'small' });
  user = await signUpAndIn('Contract Org');
  // A discovered sandbox account: real summaries, nodes, workloads and series behind every read route.
  ({ accountId } = await seedSandboxAccount(harness, user.orgId, 0));
  const run = await runDiscovery(harness, user.orgId, accountId);
  expect(run.record.status, JSON.stringify(run.record.error)).toBe('SUCCEEDED');
  const clusters = await call('GET /api/client/clusters', { token: user.accessToken });
  // Two at least: the agent token below is another cluster's than `clusterId`'s.
  expect(clusters.body.items?.length).toBeGreaterThanOrEqual(2);
  clusterId = String(clusters.body.items?.[0]?.id);
  agentClusterId = String((clusters.body.items?.[1] ?? clusters.body.items?.[0])?.id);
  const issued = await call('POST /api/client/clusters/{id}/agent-token', {
    token: user.accessToken,
    path: { id: agentClusterId },
  });
  agentToken = String(issued.body.token);
  const template = await call('POST /api/client/node-templates', {
    token: user.accessToken,
    body: {
      name: 'Contract template',
      families: ['m6g', 'c6g'],
      architecture: 'arm64',
      capacityType: 'hybrid',
      disk: { type: 'io1', sizeGiB: 100, iops: 3000 },
    },
  });
  expect(template.status, template.raw).toBe(201);
  expectContractResponse('POST /api/client/node-templates', template);
  templateId = String(template.body.id);
  const trail = await call('GET /api/client/audit', { token: user.accessToken, query: { limit: '1' } });
  auditId = String(trail.body.items?.[0]?.auditId);
  // A Snooze link of the cluster, as a hibernation notice would carry it (the public route's credential).
  snoozeToken = await issueSnoozeToken({
    orgId: user.orgId,
    clusterId,
    transitionAt: new Date(Date.now() + 1_800_000),
    expiresAt: new Date(Date.now() + 86_400_000),
    recipient: 'contract@example.com',
  });
  const email = `admin-${Date.now()}@spot.local`;
  const password = strongPassword();
  await ensurePlatformAdmin(port('identity'), email, password, new Date());
  adminToken = (await port('identity').signIn(email, password)).accessToken;
}, 120_000);

/** How each read route is called: who calls it, with which path and query. */
const reads: Record<string, () => Parameters<typeof call>[1]> = {
  'GET /api/health': () => ({}),
  'GET /api/openapi.json': () => ({}),
  'GET /api/me': () => ({ token: user.accessToken }),
  'GET /api/client/accounts': () => ({ token: user.accessToken }),
  'GET /api/client/accounts/{id}': () => ({ token: user.accessToken, path: { id: accountId } }),
  'GET /api/client/clusters': () => ({ token: user.accessToken, query: { limit: '10' } }),
  'GET /api/client/clusters/summary': () => ({ token: user.accessToken }),
  'GET /api/client/clusters/{id}': () => ({ token: user.accessToken, path: { id: clusterId } }),
  'GET /api/client/audit': () => ({ token: user.accessToken }),
  'GET /api/client/audit/verify': () => ({ token: user.accessToken }),
  'GET /api/client/audit/settings': () => ({ token: user.accessToken }),
  'GET /api/client/audit/{id}': () => ({ token: user.accessToken, path: { id: auditId } }),
  'GET /api/client/dashboard': () => ({ token: user.accessToken }),
  'GET /api/client/dashboard/resource-gap': () => ({
    token: user.accessToken,
    query: { range: '30d', resource: 'memory' },
  }),
  'GET /api/admin/organizations': () => ({ token: adminToken }),
  'GET /api/client/accounts/{id}/security-groups': () => ({
    token: user.accessToken,
    path: { id: accountId },
    query: { region: 'us-east-1' },
  }),
  'GET /api/client/node-templates': () => ({ token: user.accessToken, query: { search: 'contract' } }),
  'GET /api/client/node-templates/{id}': () => ({ token: user.accessToken, path: { id: templateId } }),
  'GET /api/client/node-templates/{id}/karpenter': () => ({
    token: user.accessToken,
    path: { id: templateId },
    query: { clusterName: 'prod' },
  }),
  'GET /api/client/policy': () => ({ token: user.accessToken }),
  'GET /api/client/policy/versions': () => ({ token: user.accessToken }),
  'GET /api/client/accounts/{id}/policy': () => ({ token: user.accessToken, path: { id: accountId } }),
  'GET /api/client/accounts/{id}/policy/versions': () => ({
    token: user.accessToken,
    path: { id: accountId },
  }),
  'GET /api/client/clusters/{id}/policy': () => ({ token: user.accessToken, path: { id: clusterId } }),
  'GET /api/client/clusters/{id}/policy/versions': () => ({
    token: user.accessToken,
    path: { id: clusterId },
  }),
  'GET /api/client/clusters/{id}/policy/effective': () => ({
    token: user.accessToken,
    path: { id: clusterId },
  }),
  'GET /api/client/clusters/{id}/actions': () => ({ token: user.accessToken, path: { id: clusterId } }),
  'GET /api/client/clusters/{id}/karpenter': () => ({ token: user.accessToken, path: { id: clusterId } }),
  'GET /api/client/clusters/{id}/drift': () => ({ token: user.accessToken, path: { id: clusterId } }),
  'GET /api/client/clusters/{id}/agent-upgrades': () => ({
    token: user.accessToken,
    path: { id: clusterId },
  }),
  'GET /api/client/clusters/{id}/compliance': () => ({ token: user.accessToken, path: { id: clusterId } }),
  'GET /api/client/clusters/{id}/budget': () => ({ token: user.accessToken, path: { id: clusterId } }),
  'GET /api/client/clusters/{id}/sync': () => ({ token: user.accessToken, path: { id: clusterId } }),
  'GET /api/client/hibernation': () => ({ token: user.accessToken }),
  'GET /api/client/clusters/{id}/hibernation': () => ({ token: user.accessToken, path: { id: clusterId } }),
  'GET /api/public/hibernation/snooze': () => ({ query: { token: snoozeToken } }),
  'GET /api/agent/commands': () => ({ token: agentToken }),
  'GET /api/agent/manifest.yaml': () => ({}),
  [agentChartRouteKey]: () => ({}),
};

describe('responses match the contracts', () => {
  it('calls every read route of the route table', () => {
    const gets = routes.filter((r) => r.method === 'GET').map(routeKey);
    expect(Object.keys(reads).sort()).toEqual(gets.sort());
  });

  it.each(Object.keys(reads))('%s answers what its contract says', async (key) => {
    const res = await call(key, reads[key]?.());
    expect(res.status, res.raw).toBe(200);
    expectContractResponse(key as ApiRouteKey, res);
  });

  it('answers the writes of the connect flow and the agent token as their contracts say', async () => {
    Object.assign(process.env, {
      ONBOARDING_TEMPLATE_URL: 'https://spot-templates.s3.amazonaws.com/onboarding.template.json',
      PLATFORM_PRINCIPAL_ARN: 'arn:aws:iam::111122223333:role/SpotOptimizerPlatform',
    });
    const setup = await call('POST /api/client/accounts/role-setup', {
      token: user.accessToken,
      body: { awsAccountId: '123456789012', region: 'eu-west-1' },
    });
    expect(setup.status, setup.raw).toBe(201);
    expectContractResponse('POST /api/client/accounts/role-setup', setup);
    const renamed = await call('PATCH /api/client/accounts/{id}', {
      token: user.accessToken,
      path: { id: accountId },
      body: { name: 'Renamed' },
    });
    expect(renamed.status, renamed.raw).toBe(200);
    expectContractResponse('PATCH /api/client/accounts/{id}', renamed);
    const token = await call('POST /api/client/clusters/{id}/agent-token', {
      token: user.accessToken,
      path: { id: clusterId },
    });
    expect(token.status, token.raw).toBe(201);
    expectContractResponse('POST /api/client/clusters/{id}/agent-token', token);
    const synced = await call('POST /api/client/clusters/{id}/sync', {
      token: user.accessToken,
      path: { id: clusterId },
    });
    expect(synced.status, synced.raw).toBe(202);
    expectContractResponse('POST /api/client/clusters/{id}/sync', synced);
    // No agent feeds it: the account's discovery was started; it ends before the next tests (its periodic
    // actions would otherwise enqueue commands the command channel's check below does not expect).
    const account = await getItem(cloudAccountEntity, cloudAccountKey(user.orgId, accountId), true);
    expect(account?.lastExecutionArn).toBeTruthy();
    await harness.workflows.waitForExecution(String(account?.lastExecutionArn));
  });

  it('answers the registry’s compare and bulk routes as their contracts say', async () => {
    const clusters = await call('GET /api/client/clusters', { token: user.accessToken });
    const ids = (clusters.body.items ?? []).slice(0, 2).map((i) => String(i.id));
    const compared = await call('POST /api/client/clusters/compare', {
      token: user.accessToken,
      body: { ids },
    });
    expect(compared.status, compared.raw).toBe(200);
    expectContractResponse('POST /api/client/clusters/compare', compared);
    const bulk = await call('POST /api/client/clusters/bulk', {
      token: user.accessToken,
      body: { action: 'apply-policy', ids, policy: { workload: { spotRules: { preferSpot: true } } } },
    });
    expect(bulk.status, bulk.raw).toBe(200);
    expectContractResponse('POST /api/client/clusters/bulk', bulk);
  });

  it('answers the audit export (JSON and CSV files with their headers) and its verification as their contracts say', async () => {
    const range = {
      from: new Date(Date.now() - 30 * 86_400_000).toISOString(),
      to: new Date(Date.now() + 60_000).toISOString(),
    };
    for (const format of ['json', 'csv'] as const) {
      const file = await call('POST /api/client/audit/exports', {
        token: user.accessToken,
        body: { format, ...range },
      });
      expect(file.status, file.raw.slice(0, 200)).toBe(200);
      expectContractResponse('POST /api/client/audit/exports', file);
      const verified = await call('POST /api/client/audit/exports/verify', {
        token: user.accessToken,
        body: { content: file.raw, signature: file.headers['x-audit-signature'] },
      });
      expect(verified.body.valid, verified.raw).toBe(true);
      expectContractResponse('POST /api/client/audit/exports/verify', verified);
    }
  });

  it('answers maintenance mode and the command channel as their contracts say', async () => {
    for (const enabled of [true, false]) {
      const switched = await call('PUT /api/client/clusters/{id}/maintenance', {
        token: user.accessToken,
        path: { id: agentClusterId },
        body: { enabled, reason: 'contract check' },
      });
      expect(switched.status, switched.raw).toBe(200);
      expectContractResponse('PUT /api/client/clusters/{id}/maintenance', switched);
    }
    await call('GET /api/agent/commands', { token: agentToken });
    await enqueueAgentCommands(
      user.orgId,
      agentClusterId,
      [{ id: 'contract-evict-1', command: { type: 'evict', namespace: 'shop', pod: 'web-1' } }],
      new Date(),
    );
    const poll = await call('GET /api/agent/commands', { token: agentToken });
    expectContractResponse('GET /api/agent/commands', poll);
    expect(poll.body.commands).toHaveLength(1);
    const result = await call('POST /api/agent/commands/{id}/result', {
      token: agentToken,
      path: { id: 'contract-evict-1' },
      body: { outcome: 'wait', reason: 'Cannot evict pod as it would violate the pod disruption budget.' },
    });
    expect(result.status, result.raw).toBe(200);
    expectContractResponse('POST /api/agent/commands/{id}/result', result);
    const conflict = await call('POST /api/agent/commands/{id}/result', {
      token: agentToken,
      path: { id: 'contract-evict-1' },
      body: { outcome: 'succeeded' },
    });
    expect(conflict.status).toBe(409);
    expectContractResponse('POST /api/agent/commands/{id}/result', conflict);
  });

  it('answers a node group edit and a budget as their contracts say', async () => {
    const detail = await call('GET /api/client/clusters/{id}', {
      token: user.accessToken,
      path: { id: clusterId },
    });
    const groups = detail.body.nodeGroups as { nodeGroupId: string; kind: string; maxSize: number }[];
    const group = groups.find((g) => g.kind !== 'karpenter-nodepool') ?? groups[0];
    const edited = await call('PUT /api/client/clusters/{id}/node-groups/{groupId}', {
      token: user.accessToken,
      path: { id: clusterId, groupId: String(group?.nodeGroupId) },
      body: { minSize: 0, maxSize: Math.max(1, group?.maxSize ?? 1) },
    });
    expect([200, 409], edited.raw).toContain(edited.status);
    expectContractResponse('PUT /api/client/clusters/{id}/node-groups/{groupId}', edited);
    const budget = await call('PUT /api/client/clusters/{id}/budget', {
      token: user.accessToken,
      path: { id: clusterId },
      body: { monthlyBudgetUsd: 12_000 },
    });
    expect(budget.status, budget.raw).toBe(200);
    expectContractResponse('PUT /api/client/clusters/{id}/budget', budget);
  });

  it('answers errors with the error shape and a status the contract declares', async () => {
    const missing = await call('GET /api/client/accounts/{id}', {
      token: user.accessToken,
      path: { id: 'no-such-account' },
    });
    expect(missing.status).toBe(404);
    expectContractResponse('GET /api/client/accounts/{id}', missing);
    const unsigned = await call('GET /api/client/dashboard', {});
    expect(unsigned.status).toBe(401);
    expectContractResponse('GET /api/client/dashboard', unsigned);
  });
});
