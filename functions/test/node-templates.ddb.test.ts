import { beforeAll, describe, expect, it } from 'vitest';
import { accountRegionEntity } from '../src/data/entities/account-region';
import { auditRecordEntity, auditRecordsQuery } from '../src/data/entities/audit-record';
import { policyEntity } from '../src/data/entities/cluster-policy';
import { nodeTemplateEntity, nodeTemplatesQuery } from '../src/data/entities/node-template';
import { putItem, queryAll } from '../src/data/repository';
import { type FakeCloud, installConnectFakes, newAwsAccountId } from './accounts-connect-fakes';
import { call, signUpAndIn, useLocalServices } from './support/services';

type User = Awaited<ReturnType<typeof signUpAndIn>>;

beforeAll(async () => {
  await useLocalServices();
});

const draft = (name: string, overrides: Record<string, unknown> = {}) => ({
  name,
  description: 'General workloads',
  families: ['m5', 'c5', 'r5'],
  architecture: 'x86_64',
  excludedSizes: ['nano', 'micro', 'small'],
  capacityType: 'spot',
  spotAllocationStrategy: 'capacity-optimized',
  disk: { type: 'gp3', sizeGiB: 100 },
  ...overrides,
});

async function create(user: User, name: string, overrides: Record<string, unknown> = {}) {
  const res = await call('POST /api/client/node-templates', {
    token: user.accessToken,
    body: draft(name, overrides),
  });
  expect(res.status, res.raw).toBe(201);
  return res.body as { id: string; version: number; isDefault: boolean; name: string };
}

const list = async (user: User, search?: string) => {
  const res = await call('GET /api/client/node-templates', {
    token: user.accessToken,
    ...(search === undefined ? {} : { query: { search } }),
  });
  expect(res.status, res.raw).toBe(200);
  return res.body.items as { id: string; name: string; isDefault: boolean; version: number }[];
};

describe('node templates: create, list, get', () => {
  it('creates with the contract fields; the first template is the default; search by name', async () => {
    const user = await signUpAndIn('Templates A');
    const first = await create(user, 'Production-General');
    expect(first).toMatchObject({
      name: 'Production-General',
      isDefault: true,
      version: 1,
      families: ['m5', 'c5', 'r5'],
      architecture: 'x86_64',
      capacityType: 'spot',
      disk: { type: 'gp3', sizeGiB: 100 },
      securityGroupIds: [],
    });
    const second = await create(user, 'GPU Workloads', {
      families: ['g5'],
      capacityType: 'on-demand',
      spotAllocationStrategy: undefined,
    });
    expect(second.isDefault).toBe(false);
    expect((await list(user)).map((t) => t.name)).toEqual(['Production-General', 'GPU Workloads']);
    expect((await list(user, 'gpu')).map((t) => t.name)).toEqual(['GPU Workloads']);
    const got = await call('GET /api/client/node-templates/{id}', {
      token: user.accessToken,
      path: { id: second.id },
    });
    expect(got.body).toMatchObject({ id: second.id, name: 'GPU Workloads', families: ['g5'] });
    const audit = await queryAll(auditRecordEntity, auditRecordsQuery(user.orgId));
    expect(audit.filter((r) => r.action === 'node-template.create')).toHaveLength(2);
  });

  it('refuses a duplicate name case-insensitively (409) and a conflicting draft (422 with each conflict)', async () => {
    const user = await signUpAndIn('Templates B');
    await create(user, 'Batch');
    const dup = await call('POST /api/client/node-templates', {
      token: user.accessToken,
      body: draft('  bATCH '),
    });
    expect(dup.status).toBe(409);
    expect(dup.body).toMatchObject({ code: 'TEMPLATE_NAME_TAKEN' });
    expect(String(dup.body.message)).toContain('already exists');
    const conflicting = await call('POST /api/client/node-templates', {
      token: user.accessToken,
      body: draft('Arm GPU', { architecture: 'arm64', families: ['g4dn'] }),
    });
    expect(conflicting.status).toBe(422);
    expect(conflicting.body.details).toMatchObject({
      conflicts: expect.arrayContaining([
        { field: 'architecture', message: 'Instance type g4dn is incompatible with ARM64.' },
      ]),
    });
    const bad = await call('POST /api/client/node-templates', {
      token: user.accessToken,
      body: draft('Bad disk', { disk: { type: 'gp3', sizeGiB: 20_000 } }),
    });
    expect(bad.status).toBe(400);
    expect((await list(user)).map((t) => t.name)).toEqual(['Batch']);
  });
});

describe('node templates: update, clone, default, delete', () => {
  it('updates at the version read; a stale version gets 409 with the current template', async () => {
    const user = await signUpAndIn('Templates C');
    const t = await create(user, 'Web');
    const put = (version: number, name: string) =>
      call('PUT /api/client/node-templates/{id}', {
        token: user.accessToken,
        path: { id: t.id },
        body: { ...draft(name, { disk: { type: 'gp3', sizeGiB: 200 } }), isDefault: true, version },
      });
    const ok = await put(1, 'Web v2');
    expect(ok.status, ok.raw).toBe(200);
    expect(ok.body).toMatchObject({ name: 'Web v2', version: 2, disk: { sizeGiB: 200 } });
    const stale = await put(1, 'Web v3');
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({
      code: 'TEMPLATE_VERSION_STALE',
      details: { current: { name: 'Web v2', version: 2 } },
    });
    // The old name is free again, the new one taken.
    await create(user, 'Web');
    const taken = await call('POST /api/client/node-templates', {
      token: user.accessToken,
      body: draft('WEB V2'),
    });
    expect(taken.status).toBe(409);
  });

  it('clones under a new name, not as default; 20 parallel set-default calls leave exactly one', async () => {
    const user = await signUpAndIn('Templates D');
    const base = await create(user, 'Base');
    const clones = [];
    for (let i = 0; i < 4; i++) {
      const res = await call('POST /api/client/node-templates/{id}/clone', {
        token: user.accessToken,
        path: { id: base.id },
        body: { name: `Copy ${i}` },
      });
      expect(res.status, res.raw).toBe(201);
      expect(res.body).toMatchObject({ name: `Copy ${i}`, isDefault: false, families: ['m5', 'c5', 'r5'] });
      clones.push(String(res.body.id));
    }
    const ids = [base.id, ...clones];
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        call('POST /api/client/node-templates/{id}/default', {
          token: user.accessToken,
          path: { id: ids[i % ids.length] as string },
        }),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(200));
    const stored = await queryAll(nodeTemplateEntity, nodeTemplatesQuery(user.orgId));
    expect(stored.filter((t) => t.isDefault)).toHaveLength(1);
    expect((await list(user)).filter((t) => t.isDefault)).toHaveLength(1);
  });

  it('deletes; refuses while a policy uses it or while it is the default with others around', async () => {
    const user = await signUpAndIn('Templates E');
    const def = await create(user, 'Default');
    const other = await create(user, 'Other');
    const del = (id: string) =>
      call('DELETE /api/client/node-templates/{id}', { token: user.accessToken, path: { id } });
    expect((await del(def.id)).body).toMatchObject({ code: 'TEMPLATE_DEFAULT_REQUIRED' });
    await putItem(policyEntity, {
      orgId: user.orgId,
      scope: { level: 'cluster', id: 'eks-0123456789abcdef0123' },
      version: 1,
      document: { infrastructure: { autoscaling: { nodeTemplateId: other.id } } },
      updatedAt: new Date().toISOString(),
      updatedBy: user.userId,
      updatedByEmail: 'someone@example.com',
    });
    const inUse = await del(other.id);
    expect(inUse.status).toBe(409);
    expect(inUse.body).toMatchObject({ code: 'TEMPLATE_IN_USE' });
    expect(String(inUse.body.message)).toContain('eks-0123456789abcdef0123');
    const third = await create(user, 'Third');
    expect((await del(third.id)).status).toBe(204);
    expect((await del(third.id)).status).toBe(404);
    // Its name is free again.
    await create(user, 'third');
  });
});

describe('node templates: rendering', () => {
  it('returns the NodePool and EC2NodeClass (JSON and YAML) and the ASG policy of the template', async () => {
    const user = await signUpAndIn('Templates R');
    const t = await create(user, 'Production General', {
      securityGroupIds: ['sg-0123456789abcdef0'],
    });
    const res = await call('GET /api/client/node-templates/{id}/karpenter', {
      token: user.accessToken,
      path: { id: t.id },
      query: { clusterName: 'prod-eks', region: 'us-east-1' },
    });
    expect(res.status, res.raw).toBe(200);
    const body = res.body as {
      nodePool: {
        apiVersion: string;
        kind: string;
        spec: { template: { spec: { requirements: unknown[] } } };
      };
      ec2NodeClass: { kind: string; spec: { securityGroupSelectorTerms: unknown[] } };
      yaml: string;
      mixedInstancesPolicy: { InstancesDistribution: Record<string, unknown> } | null;
      clusterName: string;
    };
    expect(body.nodePool).toMatchObject({ apiVersion: 'karpenter.sh/v1', kind: 'NodePool' });
    expect(body.nodePool.spec.template.spec.requirements).toEqual(
      expect.arrayContaining([
        { key: 'karpenter.k8s.aws/instance-family', operator: 'In', values: ['m5', 'c5', 'r5'] },
        { key: 'kubernetes.io/arch', operator: 'In', values: ['amd64'] },
        { key: 'karpenter.sh/capacity-type', operator: 'In', values: ['spot'] },
      ]),
    );
    expect(body.ec2NodeClass.spec.securityGroupSelectorTerms).toEqual([{ id: 'sg-0123456789abcdef0' }]);
    expect(body.yaml).toContain('kind: NodePool');
    expect(body.yaml).toContain('kind: EC2NodeClass');
    expect(body.mixedInstancesPolicy?.InstancesDistribution).toMatchObject({
      OnDemandPercentageAboveBaseCapacity: 0,
    });
    // Outside the catalog's priced regions the manifests still render; the policy says why it cannot.
    const elsewhere = await call('GET /api/client/node-templates/{id}/karpenter', {
      token: user.accessToken,
      path: { id: t.id },
      query: { region: 'eu-west-1' },
    });
    expect(elsewhere.status).toBe(200);
    expect(elsewhere.body).toMatchObject({ mixedInstancesPolicy: null, clusterName: 'my-cluster' });
    expect(String(elsewhere.body.mixedInstancesPolicyNote)).toContain('eu-west-1');
  });
});

describe('node templates: tenant isolation', () => {
  it("answers 404 to every route naming another organization's template and changes nothing", async () => {
    const [a, b] = await Promise.all([signUpAndIn('Iso A'), signUpAndIn('Iso B')]);
    const t = await create(a, 'Private');
    const path = { id: t.id };
    const attempts = await Promise.all([
      call('GET /api/client/node-templates/{id}', { token: b.accessToken, path }),
      call('PUT /api/client/node-templates/{id}', {
        token: b.accessToken,
        path,
        body: { ...draft('Stolen'), version: 1 },
      }),
      call('DELETE /api/client/node-templates/{id}', { token: b.accessToken, path }),
      call('POST /api/client/node-templates/{id}/clone', {
        token: b.accessToken,
        path,
        body: { name: 'Stolen copy' },
      }),
      call('POST /api/client/node-templates/{id}/default', { token: b.accessToken, path }),
    ]);
    expect(attempts.map((r) => r.status)).toEqual([404, 404, 404, 404, 404]);
    for (const r of attempts) expect(r.raw).not.toContain(t.id);
    expect(await list(b)).toEqual([]);
    expect(await list(b, 'Private')).toEqual([]);
    // B may use the same name: uniqueness is per organization.
    await create(b, 'Private');
    const mine = await list(a);
    expect(mine).toMatchObject([{ id: t.id, name: 'Private', version: 1 }]);
  });
});

describe('security groups and the estimate of a connected account', () => {
  let cloud: FakeCloud;
  let org: User & { accountId: string };
  beforeAll(async () => {
    cloud = installConnectFakes().cloud;
    const user = await signUpAndIn('Templates SG');
    const keys = cloud.addAccessKey(newAwsAccountId());
    const res = await call('POST /api/client/accounts/connect', {
      token: user.accessToken,
      // The vendored catalog prices us-east-1 on demand; the estimate never borrows another region's prices.
      body: { method: 'access-key', region: 'us-east-1', ...keys },
    });
    expect(res.status, res.raw).toBe(200);
    org = { ...user, accountId: String(res.body.id) };
  });

  it("reads the account's groups live in the region asked for, sorted by VPC and name", async () => {
    cloud.securityGroups.set('eu-west-1', [
      { groupId: 'sg-0b00000000000002', groupName: 'nodes', vpcId: 'vpc-2', description: 'EKS nodes' },
      { groupId: 'sg-0a00000000000001', groupName: 'web', vpcId: 'vpc-1', description: 'Web tier' },
      { groupId: 'sg-0a00000000000000', groupName: 'default', vpcId: 'vpc-1', description: 'default' },
    ]);
    const res = await call('GET /api/client/accounts/{id}/security-groups', {
      token: org.accessToken,
      path: { id: org.accountId },
      query: { region: 'eu-west-1' },
    });
    expect(res.status, res.raw).toBe(200);
    expect((res.body.items as { groupName: string }[]).map((g) => g.groupName)).toEqual([
      'default',
      'web',
      'nodes',
    ]);
    expect(cloud.securityGroupCalls.at(-1)?.region).toBe('eu-west-1');
    const other = await call('GET /api/client/accounts/{id}/security-groups', {
      token: org.accessToken,
      path: { id: org.accountId },
      query: { region: 'us-east-2' },
    });
    expect(other.body.items).toEqual([]);
  });

  it('answers 422 naming the permission when the role may not list groups, 400 for a bad region', async () => {
    cloud.denied.add('ec2:DescribeSecurityGroups');
    try {
      const res = await call('GET /api/client/accounts/{id}/security-groups', {
        token: org.accessToken,
        path: { id: org.accountId },
        query: { region: 'eu-west-1' },
      });
      expect(res.status).toBe(422);
      expect(String(res.body.message)).toContain('ec2:DescribeSecurityGroups');
    } finally {
      cloud.denied.delete('ec2:DescribeSecurityGroups');
    }
    const bad = await call('GET /api/client/accounts/{id}/security-groups', {
      token: org.accessToken,
      path: { id: org.accountId },
      query: { region: 'mars-1' },
    });
    expect(bad.status).toBe(400);
  });

  it("another organization's account is a 404 on both routes, and its groups are never read", async () => {
    const stranger = await signUpAndIn('Templates SG stranger');
    const calls = cloud.securityGroupCalls.length;
    const groups = await call('GET /api/client/accounts/{id}/security-groups', {
      token: stranger.accessToken,
      path: { id: org.accountId },
      query: { region: 'eu-west-1' },
    });
    expect(groups.status).toBe(404);
    const validate = await call('POST /api/client/node-templates/validate', {
      token: stranger.accessToken,
      query: { accountId: org.accountId },
      body: draft('x'),
    });
    expect(validate.status).toBe(404);
    expect(cloud.securityGroupCalls.length).toBe(calls);
  });

  it('validates a draft live: conflicts, a taken name, allowed types and the estimate in the account region', async () => {
    await create(org, 'Taken');
    const res = await call('POST /api/client/node-templates/validate', {
      token: org.accessToken,
      body: draft('taken', { families: ['c5', 'g5g'], capacityType: 'hybrid' }),
    });
    expect(res.status, res.raw).toBe(200);
    const body = res.body as {
      conflicts: { field: string; message: string }[];
      allowedInstanceTypes: string[];
      allowedCountByRegion: Record<string, number>;
      estimate: { region: string; typeCount: number; onDemand: unknown; spot: unknown } | null;
    };
    expect(body.conflicts[0]).toEqual({
      field: 'name',
      message: 'A template named "taken" already exists. Choose another name.',
    });
    expect(body.conflicts.map((c) => c.message)).toContain('Instance type g5g is incompatible with x86_64.');
    expect(body.allowedInstanceTypes.every((t) => t.startsWith('c5'))).toBe(true);
    expect(body.estimate).toMatchObject({ region: 'us-east-1', priceSource: { kind: 'catalog' } });
    expect(body.estimate?.typeCount).toBe(body.allowedCountByRegion['us-east-1']);
    expect(body.estimate?.typeCount).toBeGreaterThan(0);
    expect(body.estimate?.onDemand).not.toBeNull();
    expect(body.estimate?.spot).not.toBeNull();
    // Its own name is not a conflict when editing.
    const self = await call('GET /api/client/node-templates', { token: org.accessToken });
    const taken = (self.body.items as { id: string; name: string }[]).find((t) => t.name === 'Taken');
    const editing = await call('POST /api/client/node-templates/validate', {
      token: org.accessToken,
      body: draft('Taken', { templateId: taken?.id }),
    });
    expect((editing.body.conflicts as unknown[]).length).toBe(0);
    // Prices discovery read live in a region price the estimate there, the catalog's gaps included.
    const discoveredAt = '2026-12-01T06:00:00.000Z';
    await putItem(accountRegionEntity, {
      orgId: org.orgId,
      accountId: org.accountId,
      region: 'eu-west-1',
      ok: true,
      error: null,
      instanceCount: 3,
      runningInstanceCount: 3,
      autoScalingGroupCount: 1,
      clusterCount: 1,
      monthlyRunRateUsd: 200,
      onDemandPrices: { 'm5.large': 0.107, 'm5.xlarge': 0.214 },
      spotPrices: { 'm5.large|eu-west-1a': 0.04, 'm5.large|eu-west-1b': 0.035 },
      spotHistory: {},
      pricesError: null,
      discoveredAt,
      runId: discoveredAt,
    });
    const live = await call('POST /api/client/node-templates/validate', {
      token: org.accessToken,
      query: { accountId: org.accountId, region: 'eu-west-1' },
      body: draft('Live', { families: ['m5'], excludedSizes: [], capacityType: 'hybrid' }),
    });
    expect(live.body.estimate).toMatchObject({
      region: 'eu-west-1',
      typeCount: 2,
      onDemand: { typeCount: 2, minHourlyUsd: 0.107, maxHourlyUsd: 0.214 },
      spot: { minHourlyUsd: 0.035 },
      priceSource: { kind: 'live', asOf: discoveredAt },
    });
    // A region without prices in the catalog: no estimate figures rather than another region's.
    const elsewhere = await call('POST /api/client/node-templates/validate', {
      token: org.accessToken,
      query: { region: 'eu-west-1' },
      body: draft('Elsewhere'),
    });
    expect(elsewhere.body.conflicts).toEqual([]);
    expect(elsewhere.body.estimate).toMatchObject({ region: 'eu-west-1', typeCount: 0, onDemand: null });
  });
});
