import { resolve } from 'node:path';
import { type Gateway, startGateway } from '@spot/local/gateway';
import { SandboxAgents } from '@spot/local/sandbox/agents';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { cloudAccountEntity, cloudAccountKey } from '../src/data/entities/cloud-account';
import { clusterEntity, clusterKey, clustersOfAccountQuery } from '../src/data/entities/cluster';
import { getItem, queryAll, updateEntity } from '../src/data/repository';
import { agentSyncAnswerMs } from '../src/domain/cluster-sync';
import { type SeededCluster, seedCluster } from './clusters-support';
import {
  type DiscoveryHarness,
  installDiscoveryHarness,
  runDiscovery,
  seedSandboxAccount,
} from './discovery-support';
import { call, signUpAndIn, useLocalServices } from './support/services';

// Sync Now of one cluster (ADR 0076) end to end: DynamoDB Local, the gateway on a free port, the real
// discovery state machine and the sandbox's real agent loop, whose heartbeat is answered with the request.

let harness: DiscoveryHarness;
let gateway: Gateway;
let agents: SandboxAgents;
/** Snapshot pushes accepted, by cluster name. */
const snapshots = new Map<string, number>();
let a: Awaited<ReturnType<typeof signUpAndIn>>;
let b: Awaited<ReturnType<typeof signUpAndIn>>;
let accountId: string;
let theirs: SeededCluster;

const recordingFetch: typeof fetch = async (input, init) => {
  const response = await fetch(input, init);
  const body = JSON.parse(String(init?.body ?? '{}')) as {
    kind?: string;
    snapshot?: { clusterName: string };
  };
  if (body.kind === 'snapshot' && response.status === 202 && body.snapshot) {
    const name = body.snapshot.clusterName;
    snapshots.set(name, (snapshots.get(name) ?? 0) + 1);
  }
  return response;
};

const sync = (token: string, id: string) =>
  call('POST /api/client/clusters/{id}/sync', { token, path: { id } });
const syncState = (token: string, id: string) =>
  call('GET /api/client/clusters/{id}/sync', { token, path: { id } });

beforeAll(async () => {
  await useLocalServices();
  // The small world (account 0: two staging clusters): one cluster synced through its agent and another
  // through discovery, not the default fleet of seven up to 300 nodes.
  harness = installDiscoveryHarness({ size: 'small' });
  gateway = await startGateway({
    port: 0,
    webDist: resolve(import.meta.dirname, '../../local/test/fixtures/web-dist'),
  });
  agents = new SandboxAgents({
    sandbox: harness.sandbox,
    apiUrl: gateway.url,
    fetch: recordingFetch,
    // One snapshot each at start, then only heartbeats: a snapshot later is one Sync Now asked for.
    snapshotIntervalMs: 3_600_000,
    heartbeatIntervalMs: 1_000,
    staggerMs: 0,
    writeMode: false,
  });
  [a, b] = await Promise.all([signUpAndIn('Sync now A'), signUpAndIn('Sync now B')]);
  ({ accountId } = await seedSandboxAccount(harness, a.orgId, 0));
  theirs = await seedCluster(b.orgId, { name: 'staging' });
  const run = await runDiscovery(harness, a.orgId, accountId);
  expect(run.record.status, JSON.stringify(run.record.error)).toBe('SUCCEEDED');
  await agents.reconcile();
  const clusters = await queryAll(clusterEntity, clustersOfAccountQuery(a.orgId, accountId));
  // Two at least: the first is synced through its agent, the last (another one) through discovery.
  expect(clusters.length).toBeGreaterThanOrEqual(2);
  await vi.waitFor(() => expect([...snapshots.values()].reduce((s, n) => s + n, 0)).toBe(clusters.length), {
    timeout: 120_000,
    interval: 200,
  });
}, 240_000);

afterAll(async () => {
  await agents?.stop();
  await gateway?.close();
});

describe('Sync Now of a cluster', () => {
  it('asks the agent of an agent-fed cluster (read-only mode) for a snapshot, which arrives with a later lastSyncedAt', async () => {
    const [cluster] = await queryAll(clusterEntity, clustersOfAccountQuery(a.orgId, accountId));
    if (!cluster) throw new Error('discovery found no cluster');
    const before = await getItem(clusterEntity, clusterKey(a.orgId, cluster.clusterId), true);
    const pushedBefore = snapshots.get(cluster.name) ?? 0;
    expect(agents.list().find((x) => x.clusterId === cluster.clusterId)?.agent.commands).toBeNull();

    const first = await sync(a.accessToken, cluster.clusterId);
    expect(first.status, first.raw).toBe(202);
    expect(first.body).toMatchObject({
      clusterId: cluster.clusterId,
      via: 'agent',
      pending: true,
      answered: false,
      alreadyRequested: false,
      requestedBy: a.email,
      answerWithinSeconds: agentSyncAnswerMs / 1000,
      account: null,
    });
    // A double click asks nothing more: the same pending request is answered.
    const second = await sync(a.accessToken, cluster.clusterId);
    expect(second.status).toBe(202);
    expect(second.body).toMatchObject({
      pending: true,
      alreadyRequested: true,
      requestedAt: first.body.requestedAt,
    });

    await vi.waitFor(
      async () => expect((await syncState(a.accessToken, cluster.clusterId)).body.pending).toBe(false),
      { timeout: 30_000, interval: 200 },
    );
    const after = await getItem(clusterEntity, clusterKey(a.orgId, cluster.clusterId), true);
    const requestedAt = String(first.body.requestedAt);
    expect(String(after?.lastSyncedAt) > requestedAt).toBe(true);
    expect(String(after?.lastSyncedAt) > String(before?.lastSyncedAt)).toBe(true);
    expect(after?.agent.lastSnapshotAt && after.agent.lastSnapshotAt > requestedAt).toBe(true);
    // One snapshot for the two clicks; the heartbeats after it ask for none.
    await new Promise((r) => setTimeout(r, 1_000));
    expect(snapshots.get(cluster.name)).toBe(pushedBefore + 1);
    expect((await syncState(a.accessToken, cluster.clusterId)).body).toMatchObject({
      via: 'agent',
      pending: false,
      answered: true,
      requestedAt,
      lastSyncedAt: after?.lastSyncedAt,
    });

    // Who asked is audited, twice (the second click found the request pending).
    const audit = await call('GET /api/client/audit', { token: a.accessToken });
    const asked = (audit.body.items ?? []).filter((r) => r.action === 'cluster.sync');
    expect(asked).toHaveLength(2);
    expect(asked.map((r) => (r.after as { requested: boolean }).requested).sort()).toEqual([false, true]);
    expect(asked[0]).toMatchObject({
      actorType: 'user',
      target: `cluster/${cluster.clusterId}`,
      accountId,
    });
  }, 60_000);

  it("is 404 for another organization's cluster, and asks nothing of it", async () => {
    const [mine] = await queryAll(clusterEntity, clustersOfAccountQuery(a.orgId, accountId));
    if (!mine) throw new Error('no cluster');
    const stranger = await sync(b.accessToken, mine.clusterId);
    expect(stranger.status).toBe(404);
    expect(stranger.raw).not.toContain(mine.name);
    expect((await syncState(b.accessToken, mine.clusterId)).status).toBe(404);
    const reverse = await sync(a.accessToken, theirs.clusterId);
    expect(reverse.status).toBe(404);
    const untouched = await getItem(clusterEntity, clusterKey(b.orgId, theirs.clusterId), true);
    expect(untouched?.syncRequestedAt).toBeNull();
  });

  it('reads a cluster without a fresh agent snapshot by a discovery of its account, one at a time', async () => {
    const clusters = await queryAll(clusterEntity, clustersOfAccountQuery(a.orgId, accountId));
    const cluster = clusters[clusters.length - 1];
    if (!cluster) throw new Error('no cluster');
    // Its agent stopped pushing snapshots 20 minutes ago: discovery reads it agentlessly again.
    const stale = new Date(Date.now() - 20 * 60_000).toISOString();
    await updateEntity(clusterEntity, clusterKey(a.orgId, cluster.clusterId), {
      set: { agent: { ...cluster.agent, lastSnapshotAt: stale }, lastSyncedAt: stale },
    });
    const first = await sync(a.accessToken, cluster.clusterId);
    expect(first.status, first.raw).toBe(202);
    expect(first.body).toMatchObject({ via: 'discovery', pending: false, alreadyRequested: false });
    expect((first.body.account as { status: string }).status).toBe('scanning');
    const second = await sync(a.accessToken, cluster.clusterId);
    expect(second.body).toMatchObject({ via: 'discovery', alreadyRequested: true });

    const account = await getItem(cloudAccountEntity, cloudAccountKey(a.orgId, accountId), true);
    expect(account?.lastExecutionArn).toBeTruthy();
    const record = await harness.workflows.waitForExecution(String(account?.lastExecutionArn));
    expect(record.status).toBe('SUCCEEDED');
    const after = await getItem(clusterEntity, clusterKey(a.orgId, cluster.clusterId), true);
    expect(String(after?.lastSyncedAt) > String(first.body.requestedAt)).toBe(true);
  }, 120_000);
});
