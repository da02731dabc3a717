import { randomUUID } from 'node:crypto';
import type { Policy, PolicyPreviewResponse } from '@spot/shared';
import { beforeAll, describe, expect, it } from 'vitest';
import { auditRecordEntity, auditRecordsQuery } from '../src/data/entities/audit-record';
import { cloudAccountEntity } from '../src/data/entities/cloud-account';
import { nodeEntity } from '../src/data/entities/node';
import { workloadEntity } from '../src/data/entities/workload';
import { putItem, queryAll } from '../src/data/repository';
import { type SeededCluster, seedCluster } from './clusters-support';
import { call, signUpAndIn, useLocalServices } from './support/services';

type User = Awaited<ReturnType<typeof signUpAndIn>>;
/** A policy as the tests edit it: sections of fields of any value (the bad-input cases set wrong types). */
type Fields = Record<string, unknown>;
type PolicyDoc = {
  infrastructure: { autoscaling: Fields; binPacking: Fields };
  workload: { rightsizing: Fields; spotRules: Fields };
  governance: Fields;
};

beforeAll(async () => {
  await useLocalServices();
});

async function seedAccount(orgId: string) {
  const accountId = randomUUID();
  const now = new Date().toISOString();
  await putItem(cloudAccountEntity, {
    orgId,
    accountId,
    name: 'Production',
    awsAccountId: '123456789012',
    region: 'us-east-1',
    method: 'role',
    status: 'active',
    statusReason: null,
    roleArn: null,
    externalId: null,
    createdAt: now,
    updatedAt: now,
    lastDiscoveryAt: null,
    lastExecutionArn: null,
  });
  return accountId;
}

/** A cluster of `nodes` m5.xlarge on-demand nodes at `utilization` of their CPU, one workload per namespace. */
async function seedInventory(orgId: string, cluster: SeededCluster, namespaces: string[], nodes = 6) {
  const ids = { orgId, clusterId: cluster.clusterId, accountId: cluster.accountId };
  for (let i = 0; i < nodes; i++) {
    const ns = namespaces[i % namespaces.length] as string;
    await putItem(
      nodeEntity,
      nodeEntity.schema.parse({
        ...ids,
        nodeName: `node-${i}`,
        instanceId: null,
        instanceType: 'm5.xlarge',
        capacityType: 'on-demand',
        zone: 'us-east-1a',
        nodeGroupId: null,
        allocatableCpuMilli: 3920,
        allocatableMemoryMiB: 14_531,
        allocatablePods: 58,
        // 10 %, 30 %, 60 % used in turn: each aggressiveness level frees more nodes.
        requestedCpuMilli: [392, 1176, 2352][i % 3],
        requestedMemoryMiB: 1000,
        podCount: 2,
        movablePods: [
          { namespace: ns, count: 2, cpuMilli: [392, 1176, 2352][i % 3] as number, memoryMiB: 1000 },
        ],
        hourlyPriceUsd: 0.192,
        priceSource: 'catalog',
        launchedAt: '2026-06-20T08:12:44Z',
      }),
    );
  }
  for (const ns of namespaces) {
    await putItem(
      workloadEntity,
      workloadEntity.schema.parse({
        ...ids,
        namespace: ns,
        kind: 'Deployment',
        name: 'app',
        replicas: 4,
        requestCpuMilli: 4000,
        requestMemoryMiB: 8192,
        spotReady: true,
        spotReason: null,
        monthlyCostUsd: 80,
        dailyUsage: Object.fromEntries(
          Array.from({ length: 10 }, (_, d) => [
            new Date(Date.now() - (d + 1) * 86_400_000).toISOString().slice(0, 10),
            { cpuP50Milli: 50, cpuP95Milli: 100, cpuMaxMilli: 150, memoryPeakMiB: 300, oomKills: 0 },
          ]),
        ),
      }),
    );
  }
}

const get = (user: User, key: string, path?: Record<string, string>) =>
  call(key as 'GET /api/client/policy', { token: user.accessToken, ...(path ? { path } : {}) });
const put = (user: User, key: string, body: unknown, path?: Record<string, string>) =>
  call(key as 'PUT /api/client/policy', { token: user.accessToken, body, ...(path ? { path } : {}) });

describe('policies: organization default', () => {
  it('answers version 0 and the product defaults before any save; saves, versions and audits', async () => {
    const user = await signUpAndIn('Policies A');
    const first = await get(user, 'GET /api/client/policy');
    expect(first.status, first.raw).toBe(200);
    expect(first.body).toMatchObject({ level: 'organization', version: 0, updatedBy: null });
    expect((first.body.policy as PolicyDoc).governance.excludedNamespaces).toEqual(['kube-system']);

    const policy = structuredClone(first.body.policy as PolicyDoc);
    policy.infrastructure.binPacking.aggressiveness = 'aggressive';
    const saved = await put(user, 'PUT /api/client/policy', { version: 0, policy });
    expect(saved.status, saved.raw).toBe(200);
    expect(saved.body).toMatchObject({ version: 1, updatedBy: user.userId, updatedByEmail: user.email });
    expect((saved.body.policy as Policy).infrastructure.binPacking.aggressiveness).toBe('aggressive');

    policy.workload.rightsizing.safetyBufferPct = 30;
    const second = await put(user, 'PUT /api/client/policy', { version: 1, policy });
    expect(second.body.version).toBe(2);

    const versions = await get(user, 'GET /api/client/policy/versions');
    expect(versions.status).toBe(200);
    expect(versions.body.items?.map((v) => v.version)).toEqual([2, 1]);
    expect(versions.body.items?.[0]?.changes).toEqual([
      { path: 'workload.rightsizing.safetyBufferPct', before: 20, after: 30 },
    ]);
    expect(versions.body.items?.[1]?.changes).toEqual([
      { path: 'infrastructure.binPacking.aggressiveness', before: 'balanced', after: 'aggressive' },
    ]);
    const audit = await queryAll(auditRecordEntity, auditRecordsQuery(user.orgId));
    expect(
      audit.filter((r) => r.action === 'policy.update' && r.target === 'policy/organization'),
    ).toHaveLength(2);
  });

  it('refuses a stale save with 409 and the current policy; a second first save is stale too', async () => {
    const user = await signUpAndIn('Policies B');
    const policy = (await get(user, 'GET /api/client/policy')).body.policy as PolicyDoc;
    const [one, two] = await Promise.all([
      put(user, 'PUT /api/client/policy', { version: 0, policy }),
      put(user, 'PUT /api/client/policy', { version: 0, policy }),
    ]);
    expect([one.status, two.status].sort()).toEqual([200, 409]);
    const stale = await put(user, 'PUT /api/client/policy', { version: 0, policy });
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({ code: 'POLICY_VERSION_STALE', details: { current: { version: 1 } } });
    expect((await get(user, 'GET /api/client/policy/versions')).body.items).toHaveLength(1);
  });

  it('restores an old version as a new one (versioned and audited); 404 for a version that never was', async () => {
    const user = await signUpAndIn('Policies C');
    const policy = (await get(user, 'GET /api/client/policy')).body.policy as PolicyDoc;
    await put(user, 'PUT /api/client/policy', { version: 0, policy });
    const changed = structuredClone(policy);
    changed.workload.spotRules = { ...changed.workload.spotRules, forceSpot: true, preferSpot: false };
    await put(user, 'PUT /api/client/policy', { version: 1, policy: changed });
    const restored = await call('POST /api/client/policy/versions/{version}/restore', {
      token: user.accessToken,
      path: { version: '1' },
    });
    expect(restored.status, restored.raw).toBe(200);
    expect(restored.body.version).toBe(3);
    expect(restored.body.policy).toEqual(policy);
    const newest = (await get(user, 'GET /api/client/policy/versions')).body.items?.[0];
    expect(newest).toMatchObject({ version: 3, restoredFrom: 1 });
    expect((newest?.changes as { path: string }[] | undefined)?.map((c) => c.path)).toEqual([
      'workload.spotRules.forceSpot',
      'workload.spotRules.preferSpot',
    ]);
    const missing = await call('POST /api/client/policy/versions/{version}/restore', {
      token: user.accessToken,
      path: { version: '99' },
    });
    expect(missing.status).toBe(404);
    const audit = await queryAll(auditRecordEntity, auditRecordsQuery(user.orgId));
    expect(audit.some((r) => r.action === 'policy.restore')).toBe(true);
  });

  it('refuses bad input on every field with a 400 naming the field and what to do', async () => {
    const user = await signUpAndIn('Policies D');
    const base = (await get(user, 'GET /api/client/policy')).body.policy as PolicyDoc;
    const cases: [string, (p: typeof base) => void][] = [
      ['infrastructure.autoscaling.enabled', (p) => (p.infrastructure.autoscaling.enabled = 'yes')],
      ['infrastructure.autoscaling.strategy', (p) => (p.infrastructure.autoscaling.strategy = 'cheapest')],
      [
        'infrastructure.binPacking.lowerGroupMinimums',
        (p) => (p.infrastructure.binPacking.lowerGroupMinimums = 'yes'),
      ],
      [
        'infrastructure.autoscaling.nodeTemplateId',
        (p) => (p.infrastructure.autoscaling.nodeTemplateId = ''),
      ],
      [
        'infrastructure.autoscaling.spotFallbackToOnDemand',
        (p) => (p.infrastructure.autoscaling.spotFallbackToOnDemand = 1),
      ],
      [
        'infrastructure.binPacking.aggressiveness',
        (p) => (p.infrastructure.binPacking.aggressiveness = 'max'),
      ],
      ['infrastructure.binPacking.method', (p) => (p.infrastructure.binPacking.method = 'nuke')],
      [
        'infrastructure.binPacking.stabilizationWindowMinutes',
        (p) => (p.infrastructure.binPacking.stabilizationWindowMinutes = 1.5),
      ],
      ['workload.rightsizing.mode', (p) => (p.workload.rightsizing.mode = 'auto')],
      ['workload.rightsizing.safetyBufferPct', (p) => (p.workload.rightsizing.safetyBufferPct = 51)],
      [
        'workload.rightsizing.severityThresholdUsdPerMonth',
        (p) => (p.workload.rightsizing.severityThresholdUsdPerMonth = -1),
      ],
      ['workload.spotRules.forceSpot', (p) => (p.workload.spotRules.forceSpot = 'true')],
      [
        'workload.spotRules.preferSpot',
        (p) => Object.assign(p.workload.spotRules, { forceSpot: true, preferSpot: true }),
      ],
      [
        'workload.spotRules.blockBurstableFamilies',
        (p) => (p.workload.spotRules.blockBurstableFamilies = null),
      ],
      ['workload.spotRules.enforceMultiAzSpread', (p) => (p.workload.spotRules.enforceMultiAzSpread = 'no')],
      ['governance.excludedNamespaces', (p) => (p.governance.excludedNamespaces = ['Not A Namespace'])],
      ['governance.excludedLabelSelectors', (p) => (p.governance.excludedLabelSelectors = [{ key: '//' }])],
    ];
    for (const [field, breakIt] of cases) {
      const policy = structuredClone(base);
      breakIt(policy);
      const res = await put(user, 'PUT /api/client/policy', { version: 0, policy });
      expect(res.status, field).toBe(400);
      const issues = (res.body.details as { issues: { field: string; message: string }[] }).issues;
      const issue = issues.find((i) => i.field.startsWith(`policy.${field}`));
      expect(issue, `${field}: ${res.raw}`).toBeDefined();
      expect(issue?.message.length).toBeGreaterThan(10);
    }
    // Node group takeover (ADR 0067): a boolean, said in words.
    const takeover = structuredClone(base);
    takeover.infrastructure.binPacking.lowerGroupMinimums = 'on';
    const refusedTakeover = await put(user, 'PUT /api/client/policy', { version: 0, policy: takeover });
    expect(refusedTakeover.status).toBe(400);
    expect(refusedTakeover.raw).toContain('Lowering node group minimums is allowed (true) or not (false).');
    const unknown = await put(user, 'PUT /api/client/policy', { version: 0, policy: { ...base, extra: 1 } });
    expect(unknown.status).toBe(400);
    const noVersion = await put(user, 'PUT /api/client/policy', { policy: base });
    expect(noVersion.status).toBe(400);
  });

  it('refuses a node template that is not in the organization (422), accepts one that is', async () => {
    const user = await signUpAndIn('Policies E');
    const other = await signUpAndIn('Policies E2');
    const created = await call('POST /api/client/node-templates', {
      token: other.accessToken,
      body: {
        name: 'Theirs',
        families: ['m5'],
        architecture: 'x86_64',
        capacityType: 'on-demand',
        disk: { type: 'gp3', sizeGiB: 50 },
      },
    });
    expect(created.status, created.raw).toBe(201);
    const policy = (await get(user, 'GET /api/client/policy')).body.policy as PolicyDoc;
    policy.infrastructure.autoscaling.nodeTemplateId = created.body.id;
    const refused = await put(user, 'PUT /api/client/policy', { version: 0, policy });
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({ code: 'POLICY_TEMPLATE_NOT_FOUND' });
    expect(refused.body.message).toContain('does not exist in your organization');

    const own = await call('POST /api/client/node-templates', {
      token: user.accessToken,
      body: {
        name: 'Mine',
        families: ['m5'],
        architecture: 'x86_64',
        capacityType: 'on-demand',
        disk: { type: 'gp3', sizeGiB: 50 },
      },
    });
    expect(own.status, own.raw).toBe(201);
    const ownId = own.body.id as string;
    policy.infrastructure.autoscaling.nodeTemplateId = ownId;
    expect((await put(user, 'PUT /api/client/policy', { version: 0, policy })).status).toBe(200);
    // The template is now in use by the policy: deleting it is refused, naming the policy.
    const del = await call('DELETE /api/client/node-templates/{id}', {
      token: user.accessToken,
      path: { id: ownId },
    });
    expect(del.status).toBe(409);
    expect(del.body.message).toContain("organization's default policy");
  });
});

describe('policies: account and cluster overrides, effective policy', () => {
  it('merges organization ⊕ account ⊕ cluster and names the level that set each field', async () => {
    const user = await signUpAndIn('Policies F');
    const accountId = await seedAccount(user.orgId);
    const cluster = await seedCluster(user.orgId, { accountId });
    const org = (await get(user, 'GET /api/client/policy')).body.policy as PolicyDoc;
    org.workload.rightsizing.mode = 'automatic';
    expect((await put(user, 'PUT /api/client/policy', { version: 0, policy: org })).status).toBe(200);

    const emptyAccount = await get(user, 'GET /api/client/accounts/{id}/policy', { id: accountId });
    expect(emptyAccount.body).toMatchObject({ level: 'account', scopeId: accountId, version: 0, policy: {} });
    const acc = await put(
      user,
      'PUT /api/client/accounts/{id}/policy',
      {
        version: 0,
        policy: {
          infrastructure: { binPacking: { aggressiveness: 'conservative', method: 'delete-empty' } },
        },
      },
      { id: accountId },
    );
    expect(acc.status, acc.raw).toBe(200);
    const own = await put(
      user,
      'PUT /api/client/clusters/{id}/policy',
      {
        version: 0,
        policy: {
          infrastructure: { binPacking: { aggressiveness: 'aggressive' } },
          governance: { excludedNamespaces: [] },
        },
      },
      { id: cluster.clusterId },
    );
    expect(own.status, own.raw).toBe(200);

    const effective = await get(user, 'GET /api/client/clusters/{id}/policy/effective', {
      id: cluster.clusterId,
    });
    expect(effective.status, effective.raw).toBe(200);
    expect((effective.body.policy as Policy).infrastructure.binPacking).toEqual({
      aggressiveness: 'aggressive',
      method: 'delete-empty',
      stabilizationWindowMinutes: 10,
      maxNodesInFlight: 1,
      automationEnabled: false,
      // No level set it and the organization's save did not store a default for it (ADR 0088): it
      // follows the aggressiveness, the consolidation plan reads it on at Aggressive.
    });
    expect((effective.body.policy as Policy).workload.rightsizing.mode).toBe('automatic');
    expect((effective.body.policy as Policy).governance.excludedNamespaces).toEqual([]);
    expect(effective.body.sources).toMatchObject({
      'infrastructure.binPacking.aggressiveness': 'cluster',
      'infrastructure.binPacking.method': 'account',
      'workload.rightsizing.mode': 'organization',
      'governance.excludedNamespaces': 'cluster',
      'infrastructure.binPacking.lowerGroupMinimums': 'default',
    });
    const savedOrg = (await get(user, 'GET /api/client/policy')).body.policy as Policy;
    expect(savedOrg.infrastructure.binPacking).not.toHaveProperty('lowerGroupMinimums');
    expect(effective.body.versions).toEqual({ organization: 1, account: 1, cluster: 1 });

    // Versions and restore at the cluster level.
    await put(
      user,
      'PUT /api/client/clusters/{id}/policy',
      { version: 1, policy: {} },
      { id: cluster.clusterId },
    );
    const versions = await get(user, 'GET /api/client/clusters/{id}/policy/versions', {
      id: cluster.clusterId,
    });
    expect(versions.body.items?.map((v) => v.version)).toEqual([2, 1]);
    const restored = await call('POST /api/client/clusters/{id}/policy/versions/{version}/restore', {
      token: user.accessToken,
      path: { id: cluster.clusterId, version: '1' },
    });
    expect(restored.status, restored.raw).toBe(200);
    expect(restored.body).toMatchObject({ version: 3, policy: own.body.policy });
    const accountVersions = await get(user, 'GET /api/client/accounts/{id}/policy/versions', {
      id: accountId,
    });
    expect(accountVersions.body.items).toHaveLength(1);
    const accountRestore = await call('POST /api/client/accounts/{id}/policy/versions/{version}/restore', {
      token: user.accessToken,
      path: { id: accountId, version: '1' },
    });
    expect(accountRestore.body.version).toBe(2);
  });

  it('keeps organizations apart: another organization’s account and cluster are 404 on every route', async () => {
    const a = await signUpAndIn('Policies G');
    const b = await signUpAndIn('Policies G2');
    const accountId = await seedAccount(a.orgId);
    const cluster = await seedCluster(a.orgId, { accountId });
    await put(
      a,
      'PUT /api/client/clusters/{id}/policy',
      { version: 0, policy: {} },
      { id: cluster.clusterId },
    );
    const probes = [
      get(b, 'GET /api/client/accounts/{id}/policy', { id: accountId }),
      put(b, 'PUT /api/client/accounts/{id}/policy', { version: 0, policy: {} }, { id: accountId }),
      get(b, 'GET /api/client/accounts/{id}/policy/versions', { id: accountId }),
      get(b, 'GET /api/client/clusters/{id}/policy', { id: cluster.clusterId }),
      put(b, 'PUT /api/client/clusters/{id}/policy', { version: 1, policy: {} }, { id: cluster.clusterId }),
      get(b, 'GET /api/client/clusters/{id}/policy/versions', { id: cluster.clusterId }),
      get(b, 'GET /api/client/clusters/{id}/policy/effective', { id: cluster.clusterId }),
      call('POST /api/client/clusters/{id}/policy/versions/{version}/restore', {
        token: b.accessToken,
        path: { id: cluster.clusterId, version: '1' },
      }),
      call('POST /api/client/clusters/{id}/policy/preview', {
        token: b.accessToken,
        path: { id: cluster.clusterId },
        body: { policy: {} },
      }),
    ];
    for (const res of await Promise.all(probes)) expect(res.status, res.raw).toBe(404);
    // B's organization default is its own: A's saves are not there.
    await put(a, 'PUT /api/client/policy', {
      version: 0,
      policy: (await get(a, 'GET /api/client/policy')).body.policy as PolicyDoc,
    });
    expect((await get(b, 'GET /api/client/policy')).body.version).toBe(0);
    expect((await get(b, 'GET /api/client/policy/versions')).body.items).toEqual([]);
  });
});

describe('policies: preview', () => {
  it('changes with the aggressiveness, never counts exempt workloads and writes nothing', async () => {
    const user = await signUpAndIn('Policies H');
    const accountId = await seedAccount(user.orgId);
    const cluster = await seedCluster(user.orgId, { accountId });
    await seedInventory(user.orgId, cluster, ['shop', 'batch']);
    const preview = (policy: unknown) =>
      call('POST /api/client/clusters/{id}/policy/preview', {
        token: user.accessToken,
        path: { id: cluster.clusterId },
        body: { policy },
      });
    const level = async (aggressiveness: string) => {
      const res = await preview({ infrastructure: { binPacking: { aggressiveness } } });
      expect(res.status, res.raw).toBe(200);
      return (res.body as PolicyPreviewResponse).cards.binPacking.monthlySavingUsd as number;
    };
    const [conservative, balanced, aggressive] = [
      await level('conservative'),
      await level('balanced'),
      await level('aggressive'),
    ];
    expect(conservative).toBeGreaterThan(0);
    expect(balanced).toBeGreaterThanOrEqual(conservative);
    expect(aggressive).toBeGreaterThan(conservative);

    const open = (await preview({ governance: { excludedNamespaces: [] } })).body as PolicyPreviewResponse;
    const allExempt = (await preview({ governance: { excludedNamespaces: ['shop', 'batch'] } }))
      .body as PolicyPreviewResponse;
    expect(open.cards.rightsizing.monthlySavingUsd).toBeGreaterThan(0);
    expect(allExempt.cards.rightsizing.monthlySavingUsd).toBe(0);
    expect(allExempt.cards.binPacking.monthlySavingUsd).toBe(0);
    expect(allExempt.unmanagedMonthlyCostUsd).toBe(160);
    expect(open.totalMonthlySavingUsd).toBeLessThanOrEqual(open.monthlyRunRateUsd);
    expect(open.cards.autoscaling.monthlySavingUsd).toBeNull();
    expect(open.cards.autoscaling.note).toBeTruthy();

    // Nothing was saved.
    expect(
      (await get(user, 'GET /api/client/clusters/{id}/policy', { id: cluster.clusterId })).body.version,
    ).toBe(0);
    const badTemplate = await preview({ infrastructure: { autoscaling: { nodeTemplateId: 'nope' } } });
    expect(badTemplate.status).toBe(422);
  });
});
