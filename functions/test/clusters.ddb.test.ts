import { beforeAll, describe, expect, it } from 'vitest';
import { nodeEntity } from '../src/data/entities/node';
import { nodeGroupEntity } from '../src/data/entities/node-group';
import { workloadEntity } from '../src/data/entities/workload';
import { putItem } from '../src/data/repository';
import { type SeededCluster, seedCluster } from './clusters-support';
import { call, signUpAndIn, useLocalServices } from './support/services';

type User = Awaited<ReturnType<typeof signUpAndIn>>;
let a: User;
let b: User;
const accountOne = 'acct-one';
const accountTwo = 'acct-two';
let clustersOfA: SeededCluster[] = [];
let clusterOfB: SeededCluster;

beforeAll(async () => {
  await useLocalServices();
  [a, b] = await Promise.all([signUpAndIn('Org A'), signUpAndIn('Org B')]);
  const plan: { accountId: string; region: string; tags: Record<string, string> }[] = [
    { accountId: accountOne, region: 'us-east-1', tags: { env: 'prod', team: 'web' } },
    { accountId: accountOne, region: 'us-east-1', tags: { env: 'dev' } },
    { accountId: accountOne, region: 'eu-west-1', tags: { env: 'prod' } },
    { accountId: accountTwo, region: 'eu-west-1', tags: { env: 'prod', team: 'data' } },
    { accountId: accountTwo, region: 'us-east-1', tags: {} },
    { accountId: accountTwo, region: 'us-west-2', tags: { env: 'dev', team: 'web' } },
    { accountId: accountTwo, region: 'us-west-2', tags: { env: 'prod' } },
  ];
  clustersOfA = await Promise.all(
    plan.map((p, i) =>
      seedCluster(a.orgId, { ...p, name: `a-${i}`, nodeCount: i + 1, monthlyRunRateUsd: 100 * (i + 1) }),
    ),
  );
  clusterOfB = await seedCluster(b.orgId, {
    accountId: accountOne,
    region: 'us-east-1',
    name: 'b-0',
    tags: { env: 'prod' },
  });
});

const list = (user: User, query: Record<string, string> = {}) =>
  call('GET /api/client/clusters', { token: user.accessToken, query });

async function listAll(user: User, query: Record<string, string>) {
  const pages: string[][] = [];
  let cursor: string | undefined;
  do {
    const res = await list(user, { ...query, ...(cursor ? { cursor } : {}) });
    expect(res.status).toBe(200);
    pages.push((res.body.items ?? []).map((i) => String(i.id)));
    cursor = (res.body.nextCursor as string | null) ?? undefined;
  } while (cursor);
  return pages;
}

describe('GET /api/client/clusters', () => {
  it('lists the organization’s clusters with id, name, account, region, version, nodes and run rate', async () => {
    const res = await list(a);
    expect(res.status).toBe(200);
    expect(res.body.items).toHaveLength(clustersOfA.length);
    const first = res.body.items?.find((i) => i.name === 'a-0');
    expect(first).toMatchObject({
      id: clustersOfA[0]?.clusterId,
      name: 'a-0',
      accountId: accountOne,
      region: 'us-east-1',
      kubernetesVersion: '1.29',
      nodeCount: 1,
      monthlyRunRateUsd: 100,
      tags: { env: 'prod', team: 'web' },
      efficiencyGrade: null,
    });
    expect(res.body.nextCursor).toBeNull();
  });

  it('pages with limit and cursor: every cluster once, in a stable order', async () => {
    const pages = await listAll(a, { limit: '3' });
    expect(pages.map((p) => p.length)).toEqual([3, 3, 1]);
    const ids = pages.flat();
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(clustersOfA.map((c) => c.clusterId).sort());
    expect(ids).toEqual([...ids].sort());
  });

  it('filters by account, region and tag, also across pages', async () => {
    const idsOf = (pred: (c: SeededCluster) => boolean) =>
      clustersOfA
        .filter(pred)
        .map((c) => c.clusterId)
        .sort();
    expect((await listAll(a, { accountId: accountTwo, limit: '2' })).flat().sort()).toEqual(
      idsOf((c) => c.accountId === accountTwo),
    );
    expect((await listAll(a, { region: 'eu-west-1' })).flat().sort()).toEqual(
      idsOf((c) => c.region === 'eu-west-1'),
    );
    expect((await listAll(a, { tag: 'env=prod', limit: '1' })).flat().sort()).toEqual(
      idsOf((c) => c.tags.env === 'prod'),
    );
    expect((await listAll(a, { tag: 'team' })).flat().sort()).toEqual(
      idsOf((c) => c.tags.team !== undefined),
    );
    expect(
      (await listAll(a, { accountId: accountTwo, region: 'us-west-2', tag: 'env=prod' })).flat(),
    ).toEqual(idsOf((c) => c.accountId === accountTwo && c.region === 'us-west-2' && c.tags.env === 'prod'));
    expect((await listAll(a, { q: 'a-6' })).flat()).toEqual(idsOf((c) => c.name === 'a-6'));
    expect((await listAll(a, { accountId: 'no-such-account' })).flat()).toEqual([]);
  });

  it('refuses a cursor it did not hand out and a limit out of range', async () => {
    const bad = await list(a, { cursor: 'not-a-cursor' });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/^cursor:/);
    expect((await list(a, { limit: '0' })).status).toBe(400);
    expect((await list(a, { limit: '101' })).status).toBe(400);
  });

  it('refuses a tag filter without a key with a message (never an empty name sent to DynamoDB)', async () => {
    for (const tag of ['=prod', '=']) {
      const res = await list(a, { tag });
      expect(res.status).toBe(400);
      expect(res.body.message).toMatch(/^tag:/);
    }
  });

  it('shows an organization only its own clusters', async () => {
    const res = await list(b, { limit: '100' });
    expect((res.body.items ?? []).map((i) => i.id)).toEqual([clusterOfB.clusterId]);
    // Same account id on both sides: the account filter is scoped to the caller's organization too.
    const byAccount = await list(b, { accountId: accountOne });
    expect((byAccount.body.items ?? []).map((i) => i.id)).toEqual([clusterOfB.clusterId]);
    // A's cursor names A's cluster; in B's listing it only continues B's own partition.
    const aPage = await list(a, { limit: '1' });
    const fromACursor = await list(b, { cursor: String(aPage.body.nextCursor) });
    expect((fromACursor.body.items ?? []).every((i) => i.id === clusterOfB.clusterId)).toBe(true);
  });

  it('needs a signed-in user', async () => {
    expect((await call('GET /api/client/clusters')).status).toBe(401);
  });
});

describe('GET /api/client/clusters/{id}', () => {
  it('returns the cluster, its summary, node groups, nodes and workloads', async () => {
    const c = clustersOfA[0] as SeededCluster;
    const ids = { orgId: a.orgId, clusterId: c.clusterId, accountId: c.accountId };
    await putItem(
      nodeGroupEntity,
      nodeGroupEntity.schema.parse({
        ...ids,
        nodeGroupId: 'mng-general',
        name: 'general',
        kind: 'managed-node-group',
        capacityType: 'on-demand',
        instanceTypes: ['m5.xlarge'],
        minSize: 1,
        desiredSize: 2,
        maxSize: 5,
      }),
    );
    await putItem(
      nodeEntity,
      nodeEntity.schema.parse({
        ...ids,
        nodeName: 'ip-10-0-1-10.ec2.internal',
        instanceId: 'i-0a1b2c3d4e5f60001',
        instanceType: 'm5.xlarge',
        capacityType: 'on-demand',
        zone: 'us-east-1a',
        nodeGroupId: 'mng-general',
        allocatableCpuMilli: 3920,
        allocatableMemoryMiB: 14531,
        hourlyPriceUsd: 0.192,
        priceSource: 'catalog',
        launchedAt: '2026-06-20T08:12:44Z',
      }),
    );
    await putItem(
      workloadEntity,
      workloadEntity.schema.parse({
        ...ids,
        namespace: 'shop',
        kind: 'Deployment',
        name: 'web',
        replicas: 2,
        requestCpuMilli: 600,
        requestMemoryMiB: 640,
        spotReady: true,
        spotReason: null,
        monthlyCostUsd: 21.5,
        dailyUsage: {
          '2026-06-30': {
            cpuP50Milli: 90,
            cpuP95Milli: 120,
            cpuMaxMilli: 180,
            memoryPeakMiB: 300,
            oomKills: 0,
          },
        },
      }),
    );
    const res = await call('GET /api/client/clusters/{id}', {
      token: a.accessToken,
      path: { id: c.clusterId },
    });
    expect(res.status).toBe(200);
    expect(res.body.cluster).toMatchObject({
      id: c.clusterId,
      name: 'a-0',
      accountId: accountOne,
      agentConnected: false,
    });
    expect(res.body).toHaveProperty('summary', null);
    expect(res.body.nodeGroups).toEqual([
      expect.objectContaining({ nodeGroupId: 'mng-general', desiredSize: 2 }),
    ]);
    expect(res.body.nodes).toEqual([
      expect.objectContaining({ nodeName: 'ip-10-0-1-10.ec2.internal', hourlyPriceUsd: 0.192 }),
    ]);
    expect(res.body.workloads).toEqual([
      expect.objectContaining({ kind: 'Deployment', name: 'web', spotReady: true }),
    ]);
    expect(res.raw).not.toContain(a.orgId);
    expect(res.raw).not.toContain('dailyUsage');
  });

  it('answers 404 for another organization’s cluster, as for one that does not exist', async () => {
    const theirs = await call('GET /api/client/clusters/{id}', {
      token: b.accessToken,
      path: { id: String(clustersOfA[0]?.clusterId) },
    });
    expect(theirs.status).toBe(404);
    const none = await call('GET /api/client/clusters/{id}', {
      token: b.accessToken,
      path: { id: 'eks-0000000000' },
    });
    expect(none.status).toBe(404);
    expect(theirs.body.message).toBe(none.body.message);
    const token = await call('POST /api/client/clusters/{id}/agent-token', {
      token: b.accessToken,
      path: { id: String(clustersOfA[0]?.clusterId) },
    });
    expect(token.status).toBe(404);
  });
});
