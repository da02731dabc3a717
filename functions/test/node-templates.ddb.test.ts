import { beforeAll, describe, expect, it } from 'vitest';
import { auditRecordEntity, auditRecordsQuery } from '../src/data/entities/audit-record';
import { policyEntity } from '../src/data/entities/cluster-policy';
import { nodeTemplateEntity, nodeTemplatesQuery } from '../src/data/entities/node-template';
import { putItem, queryAll } from '../src/data/repository';
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
      clusterId: 'eks-0123456789abcdef0123',
      version: 1,
      document: { nodeTemplateId: other.id },
      updatedAt: new Date().toISOString(),
      updatedBy: user.userId,
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
