import { GetCommand } from '@aws-sdk/lib-dynamodb';
import {
  clusterTimeZone,
  type DashboardResponse,
  dashboardRanges,
  dashboardResources,
  dashboardResponseSchema,
  type ResourceGapResponse,
  resourceGapResponseSchema,
} from '@spot/shared';
import { decodeCard, encodeCard, encodeDigest, seriesResolutions } from '@spot/shared/dashboard/index';
import { beforeAll, describe, expect, it } from 'vitest';
import { db, tableName } from '../src/data/client';
import { cloudAccountEntity, cloudAccountKey } from '../src/data/entities/cloud-account';
import { clusterEntity, clusterKey, clustersOfOrgQuery } from '../src/data/entities/cluster';
import { cardsOfOrgQuery, clusterCardEntity, clusterCardKey } from '../src/data/entities/cluster-card';
import { clusterSeriesEntity, clusterSeriesKey, seriesOfOrgQuery } from '../src/data/entities/cluster-series';
import {
  dashboardDigestEntity,
  dashboardDigestKey,
  dashboardDigestShardOf,
  dashboardDigestsCompleteKey,
  dashboardDigestsOfOrgQuery,
  dashboardDigestVersionKey,
  dashboardDigestVersionsOf,
  dashboardDigestVersionsOfOrgQuery,
  legacyDashboardDigestKeys,
} from '../src/data/entities/dashboard-digest';
import { keyOfItem } from '../src/data/items';
import {
  batchGet,
  deleteAll,
  deleteItem,
  getItem,
  putAll,
  putItem,
  queryAll,
  queryRaw,
  updateItem,
} from '../src/data/repository';
import { getDashboard } from '../src/domain/dashboard';
import { completeDashboardDigests } from '../src/domain/dashboard-digests-backfill';
import { fleetBaseFromDigests, forgetKeptDashboards, keptRelease } from '../src/domain/dashboard-fleet';
import { updateClusterFields } from '../src/domain/discovery/snapshot';
import { type SeededCluster, seedCluster } from './clusters-support';
import {
  type DiscoveryHarness,
  installDiscoveryHarness,
  runDiscovery,
  seedSandboxAccount,
} from './discovery-support';
import { call, signUpAndIn, useLocalServices } from './support/services';

type User = Awaited<ReturnType<typeof signUpAndIn>>;
let harness: DiscoveryHarness;
let a: User;
let b: User;
const accountsOfA: string[] = [];
const regionsOfA: string[] = [];
let clusterOfB: SeededCluster;
let uncollectedOfB: SeededCluster;

beforeAll(async () => {
  await useLocalServices();
  // The small world (account 0: two staging clusters; account 1: its five dev clusters): several clusters,
  // accounts, time zones and tagged zones, which the tests below check are there, without the default
  // world's prod clusters of up to 300 nodes to discover.
  harness = installDiscoveryHarness({ size: 'small' });
  [a, b] = await Promise.all([signUpAndIn('Dashboard A'), signUpAndIn('Dashboard B')]);
  // Org A: both sandbox accounts discovered for real (summaries, 30 days of back-filled rollups, series).
  for (const index of [0, 1]) {
    const { accountId, region } = await seedSandboxAccount(harness, a.orgId, index);
    const run = await runDiscovery(harness, a.orgId, accountId);
    expect(run.record.status, JSON.stringify(run.record.error)).toBe('SUCCEEDED');
    accountsOfA.push(accountId);
    regionsOfA.push(region);
  }
  // Org B: one cluster whose collection failed (never read), one discovered and not collected yet.
  clusterOfB = await seedCluster(b.orgId, { name: 'b-only', nodeCount: 3, monthlyRunRateUsd: 50 });
  await updateClusterFields(b.orgId, clusterOfB.clusterId, {
    collection: {
      status: 'error',
      reason: 'No access entry for the role',
      source: null,
      lastAttemptAt: null,
    },
  });
  uncollectedOfB = await seedCluster(b.orgId, { accountId: clusterOfB.accountId, name: 'b-new' });
}, 240_000);

const dashboard = async (user: User, query: Record<string, string> = {}) => {
  const res = await call('GET /api/client/dashboard', { token: user.accessToken, query });
  return {
    status: res.status,
    body: res.body,
    parsed: res.status === 200 ? dashboardResponseSchema.parse(res.body) : null,
  };
};
const gap = async (user: User, query: Record<string, string> = {}) => {
  const res = await call('GET /api/client/dashboard/resource-gap', { token: user.accessToken, query });
  return {
    status: res.status,
    body: res.body,
    parsed: res.status === 200 ? resourceGapResponseSchema.parse(res.body) : null,
  };
};

const sumOf = (values: readonly number[]) => values.reduce((s, v) => s + v, 0);
const close = (x: number, y: number, tolerance = 1e-6) =>
  expect(Math.abs(x - y)).toBeLessThanOrEqual(tolerance * Math.max(1, Math.abs(x), Math.abs(y)));

function expectTotalsAddUp(d: DashboardResponse) {
  const s = d.summary;
  expect(s.clusterCount).toBe(d.clusters.length);
  expect(s.nodeCount).toBe(sumOf(d.clusters.map((c) => c.nodeCount)));
  close(s.monthlyRunRateUsd, sumOf(d.clusters.map((c) => c.monthlyRunRateUsd)));
  close(s.potentialSavings.totalMonthlyUsd, sumOf(d.clusters.map((c) => c.potentialSavingsMonthlyUsd)));
  const p = s.potentialSavings;
  close(
    p.binPackingMonthlyUsd + p.spotMonthlyUsd + p.hibernationMonthlyUsd + p.rightsizingMonthlyUsd,
    p.totalMonthlyUsd,
  );
  expect(p.totalMonthlyUsd).toBeLessThanOrEqual(s.monthlyRunRateUsd + 1e-6);
  close(p.projectedMonthlyCostUsd, s.monthlyRunRateUsd - p.totalMonthlyUsd);
  // The sunburst prices every priced node: its inner ring adds up to the run rate.
  close(sumOf(d.spot.fleet.map((f) => f.monthlyCostUsd)), s.monthlyRunRateUsd);
  for (const ring of d.spot.fleet)
    close(sumOf((ring.children ?? []).map((f) => f.monthlyCostUsd)), ring.monthlyCostUsd);
}

describe('GET /api/client/dashboard', () => {
  let all: DashboardResponse;

  beforeAll(async () => {
    const res = await dashboard(a);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    all = res.parsed as DashboardResponse;
  });

  it('answers the whole organization with non-zero figures that parse with the shared contract', async () => {
    const clusters = await queryAll(clusterEntity, clustersOfOrgQuery(a.orgId));
    expect(all.clusters.map((c) => c.clusterId).sort()).toEqual(clusters.map((c) => c.clusterId).sort());
    expect(all.scope).toEqual({ accountId: null, clusterId: null });
    expect(all.summary.clusterCount).toBeGreaterThan(1);
    expect(all.summary.nodeCount).toBeGreaterThan(0);
    expect(all.summary.monthlyRunRateUsd).toBeGreaterThan(0);
    expect(all.summary.potentialSavings.totalMonthlyUsd).toBeGreaterThan(0);
    expect(all.summary.overlapRule).toMatch(/applied in order/);
    expect(all.efficiency.score).not.toBeNull();
    expect(all.stability.index).not.toBeNull();
    expect(all.stability.components.map((c) => c.key)).toEqual(['pressure', 'spot', 'latency']);
    // 30 days of back-filled rollups: the last 7 days have daily values.
    expect(all.stability.recent.length).toBeGreaterThanOrEqual(6);
    expect(all.hibernation.clusters.length).toBeGreaterThan(0);
    expect(all.spot.fleet.length).toBeGreaterThan(0);
    expect(
      all.spot.fleet.some((f) => (f.children ?? []).some((fam) => (fam.children ?? []).length > 0)),
    ).toBe(true);
    expect(all.binPacking.clustersEstimated).toBeGreaterThan(0);
    expect(
      all.clusters.every((c) => accountsOfA.includes(c.accountId) && c.accountName?.startsWith('Sandbox')),
    ).toBe(true);
    expect(all.lastSyncedAt).not.toBeNull();
  });

  it('puts each cluster and its heatmap in the cluster’s time zone: its tag, else its region’s', () => {
    for (const c of all.clusters) expect(c.timeZone).toBe(clusterTimeZone(c.region, c.tags));
    // The sandbox tags the clusters whose team sits outside the region's zone.
    expect(all.clusters.some((c) => c.tags.timezone !== undefined && c.timeZone === c.tags.timezone)).toBe(
      true,
    );
    expect(new Set(all.clusters.map((c) => c.timeZone)).size).toBeGreaterThan(2);
    const zones = new Map(all.clusters.map((c) => [c.clusterId, c.timeZone]));
    for (const h of all.hibernation.clusters) expect(h.timeZone).toBe(zones.get(h.clusterId));
  });

  it('has summary totals equal to the sums of the per-cluster figures', () => {
    expectTotalsAddUp(all);
    const estimated = all.clusters.length;
    expect(all.binPacking.withinPctOfBest === null || all.binPacking.withinPctOfBest >= 0).toBe(true);
    expect(estimated).toBeGreaterThan(0);
  });

  it('filters by account: only that account’s clusters, totals over them', async () => {
    const [first] = accountsOfA;
    const res = await dashboard(a, { accountId: first as string });
    expect(res.status).toBe(200);
    const d = res.parsed as DashboardResponse;
    const expected = all.clusters.filter((c) => c.accountId === first);
    expect(d.clusters.map((c) => c.clusterId).sort()).toEqual(expected.map((c) => c.clusterId).sort());
    expect(d.clusters.length).toBeLessThan(all.clusters.length);
    expect(d.scope).toEqual({ accountId: first, clusterId: null });
    expectTotalsAddUp(d);
    expect(d.dataVersion).not.toBe(all.dataVersion);
  });

  it('filters by cluster: the header is that cluster’s figures', async () => {
    const row = all.clusters[0];
    const res = await dashboard(a, { clusterId: row?.clusterId as string });
    expect(res.status).toBe(200);
    const d = res.parsed as DashboardResponse;
    expect(d.clusters).toEqual([row]);
    close(d.summary.monthlyRunRateUsd, row?.monthlyRunRateUsd ?? Number.NaN);
    close(d.summary.potentialSavings.totalMonthlyUsd, row?.potentialSavingsMonthlyUsd ?? Number.NaN);
    expect(d.stability.clusters.map((c) => c.clusterId)).toEqual([row?.clusterId]);
    expectTotalsAddUp(d);
  });

  it('keeps the data version while nothing changed', async () => {
    const again = await dashboard(a);
    expect(again.parsed?.dataVersion).toBe(all.dataVersion);
  });

  it('answers a bad query with 400 and a message naming the field', async () => {
    const res = await call('GET /api/client/dashboard', { token: a.accessToken, query: { clusterId: '' } });
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/clusterId/);
    const unauthenticated = await call('GET /api/client/dashboard', {});
    expect(unauthenticated.status).toBe(401);
  });
});

describe('GET /api/client/dashboard/resource-gap', () => {
  it.each(
    dashboardRanges.flatMap((range) => dashboardResources.map((resource) => [range, resource] as const)),
  )(
    '%s of %s: points at the range’s step, the last one the capacity of the latest snapshots',
    async (range, resource) => {
      const res = await gap(a, { range, resource });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      const g = res.parsed as ResourceGapResponse;
      expect(g).toMatchObject({ range, resource, unit: resource === 'cpu' ? 'vCPU' : 'GiB' });
      expect(g.stepMinutes).toBe(seriesResolutions[range].stepMinutes);
      expect(g.points.length).toBeGreaterThan(seriesResolutions[range].points / 2);
      expect(g.points.length).toBeLessThanOrEqual(seriesResolutions[range].points);
      const times = g.points.map((p) => Date.parse(p.t));
      for (let i = 1; i < times.length; i += 1)
        expect((times[i] ?? 0) - (times[i - 1] ?? 0)).toBe(g.stepMinutes * 60_000);
      expect(g.points.every((p) => p.capacity > 0 && p.used !== null)).toBe(true);
      if (range === '24h') {
        // The hourly range ends with the current hour: the latest snapshots' capacity, summed.
        const now = (await dashboard(a)).parsed as DashboardResponse;
        const capacity =
          resource === 'cpu'
            ? now.binPacking.now.capacityCpuMilli / 1000
            : now.binPacking.now.capacityMemoryMiB / 1024;
        close(g.points.at(-1)?.capacity ?? Number.NaN, capacity, 1e-3);
      }
    },
  );

  it('defaults to 7 d of CPU, and sums only the clusters in scope', async () => {
    const whole = (await gap(a)).parsed as ResourceGapResponse;
    expect(whole).toMatchObject({ range: '7d', resource: 'cpu' });
    const parts = await Promise.all(
      accountsOfA.map(async (accountId) => (await gap(a, { accountId })).parsed),
    );
    const last = (g: ResourceGapResponse | null | undefined) => g?.points.at(-1)?.capacity ?? 0;
    close(last(whole), sumOf(parts.map(last)), 1e-3);
    const series = await queryAll(clusterSeriesEntity, seriesOfOrgQuery(a.orgId));
    const cards = await queryAll(clusterCardEntity, cardsOfOrgQuery(a.orgId));
    const d = (await dashboard(a)).parsed as DashboardResponse;
    expect(series.length).toBe(d.clusters.length);
    expect(cards.map((c) => c.clusterId).sort()).toEqual(series.map((s) => s.clusterId).sort());
    // The card lives in its own item: the series item carries only the card's bin-packing figures…
    const raw = await db().send(
      new GetCommand({ TableName: tableName(), Key: clusterSeriesKey(a.orgId, series[0]?.clusterId ?? '') }),
    );
    expect(raw.Item).toHaveProperty('packing');
    expect(raw.Item).not.toHaveProperty('card');
    expect(series.filter((s) => s.packing !== null).length).toBe(d.binPacking.clustersEstimated);
    // … so the route reads no card and shows the same figures as the dashboard.
    close(whole.binPacking.monthlySavingUsd, d.binPacking.monthlySavingUsd);
    close(whole.binPacking.withinPctOfBest ?? Number.NaN, d.binPacking.withinPctOfBest ?? Number.NaN);
    const one = d.clusters[0]?.clusterId as string;
    const single = (await gap(a, { clusterId: one })).parsed as ResourceGapResponse;
    const singleDashboard = (await dashboard(a, { clusterId: one })).parsed as DashboardResponse;
    close(single.binPacking.monthlySavingUsd, singleDashboard.binPacking.monthlySavingUsd);
  });

  it('answers an unknown range or resource with 400 naming the field', async () => {
    const res = await call('GET /api/client/dashboard/resource-gap', {
      token: a.accessToken,
      query: { range: '1y', resource: 'gpu' },
    });
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/range|resource/);
  });
});

describe('tenant isolation', () => {
  it('answers 404 for another organization’s cluster or account, on both routes', async () => {
    const res = await dashboard(a);
    const clusterOfA = res.parsed?.clusters[0]?.clusterId as string;
    const queries: Record<string, string>[] = [
      { clusterId: clusterOfA },
      { accountId: accountsOfA[0] as string },
    ];
    for (const query of queries) {
      const d = await dashboard(b, query);
      expect(d.status).toBe(404);
      expect(d.body.message).toMatch(/not found in your organization/);
      // The error echoes the id asked for and nothing of the cluster itself.
      expect(Object.keys(d.body).sort()).toEqual(['code', 'message', 'requestId']);
      const g = await gap(b, query);
      expect(g.status).toBe(404);
    }
    // And the other way round.
    expect((await dashboard(a, { clusterId: clusterOfB.clusterId })).status).toBe(404);
    expect((await dashboard(a, { accountId: clusterOfB.accountId })).status).toBe(404);
    // A cluster of the caller's organization under another account id is not found either.
    expect((await dashboard(a, { clusterId: clusterOfA, accountId: clusterOfB.accountId })).status).toBe(404);
  });

  it('shows an organization only its own clusters', async () => {
    const d = (await dashboard(b)).parsed as DashboardResponse;
    expect(d.clusters.map((c) => c.clusterId)).toEqual([clusterOfB.clusterId]);
    // Never read: listed, with no figures and a note saying why.
    expect(d.summary.potentialSavings.totalMonthlyUsd).toBe(0);
    expect(d.notes.join(' ')).toMatch(/not read yet/);
    expect(d.notes.join(' ')).toMatch(/No access entry for the role/);
    expect(d.clusters[0]?.collection).toEqual({
      status: 'error',
      reason: 'No access entry for the role',
      source: null,
    });
    // A cluster not collected yet has no dashboard item: absent from the fleet, shown when asked by id.
    const one = (await dashboard(b, { clusterId: uncollectedOfB.clusterId })).parsed as DashboardResponse;
    expect(one.clusters.map((c) => [c.clusterId, c.collection.status, c.lastSyncedAt])).toEqual([
      [uncollectedOfB.clusterId, 'pending', null],
    ]);
    const g = (await gap(b, { range: '30d' })).parsed as ResourceGapResponse;
    expect(g.points).toEqual([]);
    // The failed collection wrote a card and no series item (a series needs the cluster's rollups).
    expect(await getItem(clusterCardEntity, clusterCardKey(b.orgId, clusterOfB.clusterId))).toBeDefined();
    expect(
      await getItem(clusterSeriesEntity, clusterSeriesKey(b.orgId, clusterOfB.clusterId)),
    ).toBeUndefined();
    expect(
      await getItem(clusterCardEntity, clusterCardKey(b.orgId, uncollectedOfB.clusterId)),
    ).toBeUndefined();
  });
});

describe('the fleet read from digests (ADR 0062, ADR 0064)', () => {
  const now = new Date();
  const digestsOf = async (orgId: string) =>
    (await queryAll(dashboardDigestEntity, dashboardDigestsOfOrgQuery(orgId))).map((d): [string, string] => [
      d.clusterId,
      d.digest,
    ]);
  const versionsOf = async (orgId: string) =>
    dashboardDigestVersionsOf(await queryRaw(dashboardDigestVersionsOfOrgQuery(orgId)));

  it('has a digest item for every card, written with it, and a counter moved with each', async () => {
    const cards = await queryAll(clusterCardEntity, cardsOfOrgQuery(a.orgId));
    expect(cards.length).toBeGreaterThan(1);
    expect(await digestsOf(a.orgId)).toEqual(
      expect.arrayContaining(
        cards.map((c) => [
          c.clusterId,
          encodeDigest(decodeCard(c.card) as NonNullable<ReturnType<typeof decodeCard>>),
        ]),
      ),
    );
    expect((await digestsOf(a.orgId)).length).toBe(cards.length);
    const { complete, versions } = await versionsOf(a.orgId);
    expect(complete).toBe(true);
    for (const c of cards) expect(versions[dashboardDigestShardOf(c.clusterId)]).toBeGreaterThan(0);
  });

  it('answers the fleet and each account exactly as the cards do', async () => {
    for (const query of [{}, ...accountsOfA.map((accountId) => ({ accountId }))]) {
      const fromCards = await getDashboard(a.orgId, query, now, { read: 'cards' });
      expect(fromCards.summary.clusterCount).toBeGreaterThan(0);
      forgetKeptDashboards();
      // The first read (nothing kept), then the kept one.
      expect(await getDashboard(a.orgId, query, now)).toStrictEqual(fromCards);
      expect(await getDashboard(a.orgId, query, now)).toStrictEqual(fromCards);
    }
  });

  it('shows a card written since the last read at once, whatever this process kept', async () => {
    const cards = await queryAll(clusterCardEntity, cardsOfOrgQuery(a.orgId));
    const target = cards[0] as (typeof cards)[number];
    const cluster = await getItem(clusterEntity, clusterKey(a.orgId, target.clusterId));
    if (!cluster) throw new Error('org A has that cluster');
    const before = await getDashboard(a.orgId, {}, now);
    expect(before.summary.nodeCount).toBeGreaterThan(0);
    // A snapshot's card write (the real transaction: card, registry row, digest, counter).
    await updateClusterFields(a.orgId, target.clusterId, {
      nodeCount: cluster.nodeCount + 1000,
      name: 'zz-renamed',
    });
    const after = await getDashboard(a.orgId, {}, now);
    expect(after.summary.nodeCount).toBe(before.summary.nodeCount + 1000);
    expect(after).toStrictEqual(await getDashboard(a.orgId, {}, now, { read: 'cards' }));
    expect(after.clusters.map((c) => c.name)).toContain('zz-renamed');
    // And the account's view, kept before the write too.
    const account = { accountId: cluster.accountId };
    expect(await getDashboard(a.orgId, account, now)).toStrictEqual(
      await getDashboard(a.orgId, account, now, { read: 'cards' }),
    );
    // Put back, and read back as the cards say, by requests at once (one rebuild for all of them).
    await updateClusterFields(a.orgId, target.clusterId, {
      nodeCount: cluster.nodeCount,
      name: cluster.name,
    });
    const atOnce = await Promise.all(Array.from({ length: 5 }, () => getDashboard(a.orgId, {}, now)));
    const fromCards = await getDashboard(a.orgId, {}, now, { read: 'cards' });
    expect(fromCards.summary.nodeCount).toBe(before.summary.nodeCount);
    for (const answer of atOnce) expect(answer).toStrictEqual(fromCards);
  });

  it('keeps a shard while its counter stands, and reads it again once it moves', async () => {
    const cards = await queryAll(clusterCardEntity, cardsOfOrgQuery(a.orgId));
    const target = cards[0] as (typeof cards)[number];
    const decoded = decodeCard(target.card);
    if (!decoded) throw new Error('undecodable card');
    const fromCards = await getDashboard(a.orgId, {}, now, { read: 'cards' });
    expect(await getDashboard(a.orgId, {}, now)).toStrictEqual(fromCards);
    // A card and its digest changed without their counter (no product path does this): the kept read
    // stands (the cluster may be one shown in full: its card is kept as well)...
    const changed = { ...decoded, nodeCount: decoded.nodeCount + 7 };
    const digestKey = dashboardDigestKey(a.orgId, target.clusterId);
    const cardKey = clusterCardKey(a.orgId, target.clusterId);
    await updateItem(digestKey, { set: { digest: encodeDigest(changed) } });
    await updateItem(cardKey, { set: { card: encodeCard(changed) } });
    expect(await getDashboard(a.orgId, {}, now)).toStrictEqual(fromCards);
    // ... and the counter's move is what makes it read again.
    await updateItem(dashboardDigestVersionKey(a.orgId, target.clusterId), { add: { v: 1 } });
    const moved = await getDashboard(a.orgId, {}, now);
    expect(moved.summary.nodeCount).toBe(fromCards.summary.nodeCount + 7);
    expect(moved).toStrictEqual(await getDashboard(a.orgId, {}, now, { read: 'cards' }));
    await updateItem(digestKey, { set: { digest: encodeDigest(decoded) } });
    await updateItem(cardKey, { set: { card: target.card } });
    await updateItem(dashboardDigestVersionKey(a.orgId, target.clusterId), { add: { v: 1 } });
    expect(await getDashboard(a.orgId, {}, now)).toStrictEqual(fromCards);
  });

  it('keeps what one release read and built from every other release (ADR 0072)', async () => {
    const cards = await queryAll(clusterCardEntity, cardsOfOrgQuery(a.orgId));
    const target = cards[0] as (typeof cards)[number];
    const decoded = decodeCard(target.card);
    if (!decoded) throw new Error('undecodable card');
    const names = async () => new Map<string, string>();
    const nodeCountOf = async (release?: string) => {
      const base = await fleetBaseFromDigests(a.orgId, undefined, names, release);
      if (!base || base === 'notFound') throw new Error('org A has complete digests');
      return base.parts.summary.nodeCount;
    };
    const before = await nodeCountOf('old-release');
    // A card and its digest changed without their counter: what a release keeps stands for that release...
    const changed = { ...decoded, nodeCount: decoded.nodeCount + 11 };
    const digestKey = dashboardDigestKey(a.orgId, target.clusterId);
    const cardKey = clusterCardKey(a.orgId, target.clusterId);
    await updateItem(digestKey, { set: { digest: encodeDigest(changed) } });
    await updateItem(cardKey, { set: { card: encodeCard(changed) } });
    expect(await nodeCountOf('old-release')).toBe(before);
    // ... and another release reads and builds its own, whatever the counters say.
    expect(await nodeCountOf('new-release')).toBe(before + 11);
    // The route runs under this code's release: the old release's kept answer is not its answer either.
    await nodeCountOf('old-release');
    expect(keptRelease).not.toBe('old-release');
    expect((await getDashboard(a.orgId, {}, now)).summary.nodeCount).toBe(before + 11);
    // Put back, with the counter moved, for the tests after this one.
    await updateItem(digestKey, { set: { digest: encodeDigest(decoded) } });
    await updateItem(cardKey, { set: { card: target.card } });
    await updateItem(dashboardDigestVersionKey(a.orgId, target.clusterId), { add: { v: 1 } });
    expect((await getDashboard(a.orgId, {}, now)).summary.nodeCount).toBe(before);
  });

  it('shows an account renamed since the last read, and the scans of the moment', async () => {
    const accountId = accountsOfA[0] as string;
    const account = await getItem(cloudAccountEntity, cloudAccountKey(a.orgId, accountId));
    if (!account) throw new Error('org A has that account');
    await getDashboard(a.orgId, {}, now);
    await updateItem(cloudAccountKey(a.orgId, accountId), { set: { name: 'Renamed account' } });
    const renamed = await getDashboard(a.orgId, {}, now);
    expect(renamed.clusters.filter((c) => c.accountId === accountId).map((c) => c.accountName)).toContain(
      'Renamed account',
    );
    expect(renamed).toStrictEqual(await getDashboard(a.orgId, {}, now, { read: 'cards' }));
    await updateItem(cloudAccountKey(a.orgId, accountId), { set: { name: account.name } });
    // The time is the request's, not the kept answer's.
    const later = new Date(now.getTime() + 60_000);
    expect((await getDashboard(a.orgId, {}, later)).generatedAt).toBe(later.toISOString());
  });

  it('keeps each organization’s reads apart', async () => {
    const ofA = await getDashboard(a.orgId, {}, now);
    const ofB = await getDashboard(b.orgId, {}, now);
    const idsOfA = new Set(ofA.clusters.map((c) => c.clusterId));
    expect(ofB.clusters.map((c) => c.clusterId)).toEqual([clusterOfB.clusterId]);
    expect(ofB.clusters.some((c) => idsOfA.has(c.clusterId))).toBe(false);
    expect(await getDashboard(a.orgId, {}, now)).toStrictEqual(ofA);
    // Through the route too, in both orders.
    expect((await dashboard(b)).parsed?.clusters.map((c) => c.clusterId)).toEqual([clusterOfB.clusterId]);
    expect((await dashboard(a)).parsed?.summary.clusterCount).toBe(ofA.summary.clusterCount);
    expect((await dashboard(b, { accountId: accountsOfA[0] as string })).status).toBe(404);
  });

  it('answers an organization without digests from its cards, as before', async () => {
    const before = await getDashboard(b.orgId, {}, now);
    expect(before.summary.clusterCount).toBe(1);
    const items = [
      ...(await queryRaw(dashboardDigestsOfOrgQuery(b.orgId))),
      ...(await queryRaw(dashboardDigestVersionsOfOrgQuery(b.orgId))),
    ];
    expect(items.length).toBeGreaterThan(0);
    await deleteAll(items.map(keyOfItem));
    expect(await digestsOf(b.orgId)).toEqual([]);
    expect(await getDashboard(b.orgId, {}, now)).toStrictEqual(before);
    expect((await dashboard(b, { accountId: clusterOfB.accountId })).parsed?.summary.clusterCount).toBe(1);
    expect((await dashboard(b, { accountId: 'acct-of-nobody' })).status).toBe(404);
  });

  it('completes the digests of cards written before them once, then reads them', async () => {
    // Org B after the test above: a card, no digest, no marker, and ADR 0062's shard items left over.
    const legacy = legacyDashboardDigestKeys(b.orgId);
    await putAll(legacy.map((key) => ({ ...key, 'd:old': 'x' })));
    const fromCards = await getDashboard(b.orgId, {}, now, { read: 'cards' });
    expect(await completeDashboardDigests(b.orgId)).toBe(1);
    expect((await digestsOf(b.orgId)).map(([id]) => id)).toEqual([clusterOfB.clusterId]);
    expect(await batchGet(legacy)).toEqual([]);
    expect(await getDashboard(b.orgId, {}, now)).toStrictEqual(fromCards);
    // With the marker there, it reads 17 items of a few bytes and writes nothing.
    expect(await completeDashboardDigests(b.orgId)).toBe(0);
  });

  it('never answers from a partial set of digests, and completing it keeps the newer ones', async () => {
    const cards = await queryAll(clusterCardEntity, cardsOfOrgQuery(a.orgId));
    const [first, second] = cards;
    if (!first || !second) throw new Error('org A needs two cards');
    const fromCards = await getDashboard(a.orgId, {}, now, { read: 'cards' });
    // A digest missing (its card written before digests) and no marker: every cluster is still counted.
    await deleteItem(dashboardDigestKey(a.orgId, first.clusterId));
    await deleteItem(dashboardDigestsCompleteKey(a.orgId));
    expect(await getDashboard(a.orgId, {}, now)).toStrictEqual(fromCards);
    // A digest written since (by a card transaction) is not replaced by the back-fill's older read.
    const decoded = decodeCard(second.card);
    if (!decoded) throw new Error('undecodable card');
    const newer = encodeDigest({ ...decoded, name: `${decoded.name}-renamed` });
    await updateItem(dashboardDigestKey(a.orgId, second.clusterId), { set: { digest: newer } });
    expect(await completeDashboardDigests(a.orgId)).toBe(cards.length);
    const value = async (id: string) => new Map(await digestsOf(a.orgId)).get(id);
    expect(await value(second.clusterId)).toBe(newer);
    expect(await value(first.clusterId)).toBe(encodeDigest(decodeCard(first.card) ?? decoded));
    // Put back as the card says, with its counter moved, for the tests after this one.
    await updateItem(dashboardDigestKey(a.orgId, second.clusterId), {
      set: { digest: encodeDigest(decoded) },
    });
    await updateItem(dashboardDigestVersionKey(a.orgId, second.clusterId), { add: { v: 1 } });
    expect(await getDashboard(a.orgId, {}, now)).toStrictEqual(fromCards);
  });
});

describe('a cluster gone from EKS', () => {
  it('is removed by the next discovery with its card and its series', async () => {
    // A cluster of org A's first account that EKS no longer lists, with a card and a series item.
    const accountId = accountsOfA[0] as string;
    const gone = await seedCluster(a.orgId, { accountId, region: regionsOfA[0] as string, name: 'gone' });
    await updateClusterFields(a.orgId, gone.clusterId, {
      collection: { status: 'error', reason: 'Cluster not found', source: null, lastAttemptAt: null },
    });
    await putItem(clusterSeriesEntity, {
      orgId: a.orgId,
      clusterId: gone.clusterId,
      accountId,
      computedAt: new Date().toISOString(),
      latest: null,
      packing: null,
      gap24hCpu: '',
      gap24hMemory: '',
      gap7dCpu: '',
      gap7dMemory: '',
      gap30dCpu: '',
      gap30dMemory: '',
    });
    const card = clusterCardKey(a.orgId, gone.clusterId);
    const series = clusterSeriesKey(a.orgId, gone.clusterId);
    expect(await getItem(clusterCardEntity, card)).toBeDefined();
    expect((await dashboard(a)).parsed?.clusters.map((c) => c.clusterId)).toContain(gone.clusterId);

    const run = await runDiscovery(harness, a.orgId, accountId);
    expect(run.record.status, JSON.stringify(run.record.error)).toBe('SUCCEEDED');
    expect(await getItem(clusterEntity, clusterKey(a.orgId, gone.clusterId))).toBeUndefined();
    expect(await getItem(clusterCardEntity, card)).toBeUndefined();
    expect(await getItem(clusterSeriesEntity, series)).toBeUndefined();
    const d = (await dashboard(a)).parsed as DashboardResponse;
    expect(d.clusters.map((c) => c.clusterId)).not.toContain(gone.clusterId);
    expect(d.clusters.length).toBeGreaterThan(0);
    expect((await dashboard(a, { clusterId: gone.clusterId })).status).toBe(404);
  }, 240_000);
});
