import { randomUUID } from 'node:crypto';
import { accountListResponseSchema, accountViewSchema, dashboardResponseSchema } from '@spot/shared';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { cloudAccountEntity, cloudAccountKey } from '../src/data/entities/cloud-account';
import { discoveryProgressEntity, discoveryProgressKey } from '../src/data/entities/discovery-progress';
import { getItem, putItem } from '../src/data/repository';
import { planCollection } from '../src/domain/discovery/plan-collection';
import {
  completeProgress,
  type DiscoveryProgress,
  markCluster,
  planProgress,
  startProgress,
} from '../src/domain/discovery/progress';
import { updateClusterFields } from '../src/domain/discovery/snapshot';
import { seedCluster } from './clusters-support';
import { installDiscoveryHarness, seedSandboxAccount } from './discovery-support';
import { call, signUpAndIn, useLocalServices } from './support/services';

beforeAll(async () => {
  await useLocalServices();
  installDiscoveryHarness();
});

const now = new Date('2026-11-30T10:00:00.000Z');
const later = (s: number) => new Date(now.getTime() + s * 1000);

async function progressOf(orgId: string, accountId: string): Promise<DiscoveryProgress | undefined> {
  return getItem(discoveryProgressEntity, discoveryProgressKey(orgId, accountId), true);
}

/** A run of a fresh account, planned with `clusters`. */
async function plannedRun(clusters: string[]) {
  const run = { orgId: `org-${randomUUID()}`, accountId: randomUUID(), runId: now.toISOString() };
  await startProgress(run, now);
  await planProgress(run, clusters, later(1));
  return run;
}

describe('discovery progress: each cluster counted once', () => {
  it('starts unknown, plans every cluster pending, and counts each collected or failed cluster', async () => {
    const run = { orgId: `org-${randomUUID()}`, accountId: randomUUID(), runId: now.toISOString() };
    await startProgress(run, now);
    expect(await progressOf(run.orgId, run.accountId)).toMatchObject({
      runId: run.runId,
      completedAt: null,
      clustersFound: null,
      clustersCollected: 0,
      clustersFailed: 0,
      clusters: {},
    });
    await planProgress(run, ['c1', 'c2', 'c3'], later(1));
    expect(await markCluster({ ...run, clusterId: 'c2' }, 'collected', later(2))).toBe(true);
    expect(await markCluster({ ...run, clusterId: 'c3' }, 'failed', later(3))).toBe(true);
    expect(await progressOf(run.orgId, run.accountId)).toMatchObject({
      clustersFound: 3,
      clustersCollected: 1,
      clustersFailed: 1,
      clusters: { c1: 'pending', c2: 'collected', c3: 'failed' },
      updatedAt: later(3).toISOString(),
    });
  });

  it('never counts a retried step twice, even when the retries race', async () => {
    const run = await plannedRun(['c1', 'c2']);
    const marks = await Promise.all(
      Array.from({ length: 6 }, () => markCluster({ ...run, clusterId: 'c1' }, 'collected', later(2))),
    );
    expect(marks.filter(Boolean)).toHaveLength(1);
    // A retry that reports the other outcome (a step that failed after its write) changes nothing either.
    expect(await markCluster({ ...run, clusterId: 'c1' }, 'failed', later(3))).toBe(false);
    expect(await progressOf(run.orgId, run.accountId)).toMatchObject({
      clustersCollected: 1,
      clustersFailed: 0,
      clusters: { c1: 'collected', c2: 'pending' },
    });
  });

  it('ignores a step of an older run once a new run has started, and a cluster the plan does not hold', async () => {
    const old = await plannedRun(['c1', 'c2']);
    const current = { ...old, runId: later(60).toISOString() };
    await startProgress(current, later(60));
    expect(await markCluster({ ...old, clusterId: 'c1' }, 'collected', later(61))).toBe(false);
    expect(await planProgress(old, ['c1', 'c2', 'c9'], later(61))).toBe(false);
    await planProgress(current, ['c1'], later(62));
    expect(await markCluster({ ...current, clusterId: 'c7' }, 'collected', later(63))).toBe(false);
    expect(await progressOf(old.orgId, old.accountId)).toMatchObject({
      runId: current.runId,
      clustersFound: 1,
      clustersCollected: 0,
      clusters: { c1: 'pending' },
    });
  });

  it('completes the run: what no step marked takes its result, a cluster with no result failed', async () => {
    const run = await plannedRun(['c1', 'c2', 'c3', 'c4']);
    await markCluster({ ...run, clusterId: 'c1' }, 'collected', later(2));
    await completeProgress(
      run,
      [
        { clusterId: 'c1', ok: true },
        { clusterId: 'c2', ok: false },
        { clusterId: 'c3', ok: true },
      ],
      later(9),
    );
    expect(await progressOf(run.orgId, run.accountId)).toMatchObject({
      completedAt: later(9).toISOString(),
      clustersFound: 4,
      clustersCollected: 2,
      clustersFailed: 2,
      clusters: { c1: 'collected', c2: 'failed', c3: 'collected', c4: 'failed' },
    });
  });

  it('keeps collected + failed <= found and each count equal to its clusters, whatever the steps do', async () => {
    const step = fc.oneof(
      fc.record({
        kind: fc.constant('mark' as const),
        cluster: fc.nat(5),
        status: fc.constantFrom('collected' as const, 'failed' as const),
        copies: fc.integer({ min: 1, max: 3 }),
        stale: fc.boolean(),
      }),
      fc.record({ kind: fc.constant('restart' as const), clusters: fc.integer({ min: 0, max: 5 }) }),
      fc.record({ kind: fc.constant('complete' as const), okEvery: fc.integer({ min: 1, max: 3 }) }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 5 }),
        fc.array(step, { maxLength: 12 }),
        async (n, steps) => {
          const ids = (k: number) => Array.from({ length: k }, (_, i) => `c${i}`);
          let run = await plannedRun(ids(n));
          const old = run;
          let runs = 1;
          for (const s of steps) {
            if (s.kind === 'restart') {
              run = { ...run, runId: later(runs++).toISOString() };
              await startProgress(run, now);
              await planProgress(run, ids(s.clusters), now);
            } else if (s.kind === 'complete') {
              await completeProgress(
                run,
                ids(6).map((clusterId, i) => ({ clusterId, ok: i % s.okEvery === 0 })),
                now,
              );
            } else {
              const target = s.stale ? old : run;
              await Promise.all(
                Array.from({ length: s.copies }, () =>
                  markCluster({ ...target, clusterId: `c${s.cluster}` }, s.status, now),
                ),
              );
            }
          }
          const p = await progressOf(run.orgId, run.accountId);
          if (!p) throw new Error('no progress');
          const statuses = Object.values(p.clusters);
          expect(p.runId).toBe(run.runId);
          expect(p.clustersFound).toBe(statuses.length);
          expect(p.clustersCollected).toBe(statuses.filter((x) => x === 'collected').length);
          expect(p.clustersFailed).toBe(statuses.filter((x) => x === 'failed').length);
          expect(p.clustersCollected + p.clustersFailed).toBeLessThanOrEqual(p.clustersFound ?? 0);
          if (p.completedAt !== null) expect(statuses).not.toContain('pending');
        },
      ),
      { numRuns: 25 },
    );
  }, 120_000);

  it('plans the clusters of the regions read, the smallest first and the rest largest first', async () => {
    const run = { orgId: `org-${randomUUID()}`, accountId: randomUUID(), runId: now.toISOString() };
    await startProgress(run, now);
    const region = (name: string, clusters: [string, number][]) => ({
      region: name,
      ok: true as const,
      instanceCount: 1,
      runningInstanceCount: 1,
      autoScalingGroupCount: 0,
      monthlyRunRateUsd: 0,
      clusters: clusters.map(([id, nodeCount]) => ({ clusterId: id, name: id, nodeCount })),
      pricesError: null,
    });
    const plan = await planCollection(
      {
        ...run,
        regionResults: [
          region('us-east-1', [
            ['a', 30],
            ['b', 5],
          ]),
          { region: 'eu-west-1', ok: false, error: { Error: 'CloudAccessError', Cause: 'denied' } },
          region('us-west-2', [['c', 90]]),
        ],
      },
      later(1),
    );
    expect(plan).toEqual({
      first: [{ clusterId: 'b', region: 'us-east-1' }],
      rest: [
        { clusterId: 'c', region: 'us-west-2' },
        { clusterId: 'a', region: 'us-east-1' },
      ],
      regionsRead: 2,
      regionsFailed: ['eu-west-1'],
    });
    expect(await progressOf(run.orgId, run.accountId)).toMatchObject({
      clustersFound: 3,
      clusters: { a: 'pending', b: 'pending', c: 'pending' },
    });
  });
});

describe('what the API shows of a scan', () => {
  it('the account and the dashboard show the progress while the account scans, then nothing', async () => {
    const user = await signUpAndIn();
    const harness = installDiscoveryHarness();
    const { accountId } = await seedSandboxAccount(harness, user.orgId, 0);
    const other = await signUpAndIn();
    const { accountId: otherAccount } = await seedSandboxAccount(harness, other.orgId, 1);
    const view = async () =>
      accountViewSchema.parse(
        (await call('GET /api/client/accounts/{id}', { token: user.accessToken, path: { id: accountId } }))
          .body,
      ).discovery;
    const dashboard = async (query: Record<string, string> = {}) =>
      dashboardResponseSchema.parse(
        (await call('GET /api/client/dashboard', { token: user.accessToken, query })).body,
      );

    // Connected, its run not started yet: the clusters are being looked for.
    expect(await view()).toEqual({ clustersFound: null, clustersCollected: 0, clustersFailed: 0 });
    const run = { orgId: user.orgId, accountId, runId: now.toISOString() };
    await startProgress(run, now);
    await planProgress(run, ['c1', 'c2', 'c3'], now);
    await markCluster({ ...run, clusterId: 'c1' }, 'collected', now);
    const scanning = { clustersFound: 3, clustersCollected: 1, clustersFailed: 0 };
    expect(await view()).toEqual(scanning);
    const list = accountListResponseSchema.parse(
      (await call('GET /api/client/accounts', { token: user.accessToken })).body,
    );
    // The sign-up placeholder (pending) has no scan; the scanning account shows its progress.
    expect(list.items.map((a) => [a.status, a.discovery])).toEqual([
      ['pending', null],
      ['scanning', scanning],
    ]);
    // The collected cluster is on the dashboard; the totals say a scan is still running.
    const first = await seedCluster(user.orgId, {
      accountId,
      name: 'first-in',
      nodeCount: 4,
      monthlyRunRateUsd: 300,
    });
    // Its collection writes its card (here through the status write, as a failed collection would).
    await updateClusterFields(user.orgId, first.clusterId, {
      collection: { status: 'ok', reason: null, source: 'sandbox', lastAttemptAt: now.toISOString() },
    });
    const partial = await dashboard();
    expect(partial.scan).toEqual({ ...scanning, accountsScanning: 1 });
    expect(partial.clusters.map((c) => c.name)).toEqual(['first-in']);
    expect((await dashboard({ accountId })).scan).toEqual({ ...scanning, accountsScanning: 1 });
    // Another organization's scan is not this organization's business (and the reverse).
    await startProgress({ orgId: other.orgId, accountId: otherAccount, runId: now.toISOString() }, now);
    const theirs = dashboardResponseSchema.parse(
      (await call('GET /api/client/dashboard', { token: other.accessToken })).body,
    );
    expect(theirs.scan).toEqual({
      clustersFound: null,
      clustersCollected: 0,
      clustersFailed: 0,
      accountsScanning: 1,
    });
    expect((await dashboard()).scan?.clustersCollected).toBe(1);

    // Done: the account is active and its (complete) run is no longer shown.
    await completeProgress(run, [{ clusterId: 'c2', ok: true }], later(5));
    const account = await getItem(cloudAccountEntity, cloudAccountKey(user.orgId, accountId), true);
    if (!account) throw new Error('no account');
    await putItem(cloudAccountEntity, { ...account, status: 'active' });
    expect(await view()).toBeNull();
    const done = await dashboard();
    expect(done.scan).toBeNull();
    expect(done.dataVersion).not.toBe(partial.dataVersion);
  });

  it('a disconnected account takes its progress with it', async () => {
    const user = await signUpAndIn();
    const harness = installDiscoveryHarness();
    const { accountId } = await seedSandboxAccount(harness, user.orgId, 0);
    const run = { orgId: user.orgId, accountId, runId: now.toISOString() };
    await startProgress(run, now);
    const res = await call('DELETE /api/client/accounts/{id}', {
      token: user.accessToken,
      path: { id: accountId },
    });
    expect(res.status).toBeLessThan(300);
    expect(await progressOf(user.orgId, accountId)).toBeUndefined();
    // A late step of the run still going recreates nothing.
    expect(await planProgress(run, ['c1'], later(1))).toBe(false);
    expect(await markCluster({ ...run, clusterId: 'c1' }, 'collected', later(2))).toBe(false);
    await completeProgress(run, [], later(3));
    expect(await progressOf(user.orgId, accountId)).toBeUndefined();
  });
});
