import { resolve } from 'node:path';
import { type Gateway, startGateway } from '@spot/local/gateway';
import { SandboxAgents } from '@spot/local/sandbox/agents';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { clusterEntity, clusterKey, clustersOfAccountQuery } from '../src/data/entities/cluster';
import { getItem, queryAll } from '../src/data/repository';
import { disconnectAccount } from '../src/domain/accounts';
import { type SeededCluster, seedCluster } from './clusters-support';
import {
  type DiscoveryHarness,
  installDiscoveryHarness,
  runDiscovery,
  seedSandboxAccount,
} from './discovery-support';
import { call, signUpAndIn, useLocalServices } from './support/services';

// The local stack's sandbox agents against the real ingestion route: DynamoDB Local, the gateway on a
// free port, the real discovery state machine, and the real agent loop pushing over HTTP.

interface Push {
  token: string;
  kind: string;
  status: number;
  agentVersion?: string;
  clusterName?: string;
}

let harness: DiscoveryHarness;
let gateway: Gateway;
let agents: SandboxAgents;
const pushes: Push[] = [];
let a: Awaited<ReturnType<typeof signUpAndIn>>;
let b: Awaited<ReturnType<typeof signUpAndIn>>;
let accountId: string;
let theirs: SeededCluster;

/** The agents' HTTP client: the real fetch, recording what was pushed with which token and the answer. */
const recordingFetch: typeof fetch = async (input, init) => {
  const response = await fetch(input, init);
  const body = JSON.parse(String(init?.body ?? '{}')) as {
    kind: string;
    agentVersion?: string;
    snapshot?: { clusterName: string };
  };
  pushes.push({
    token: String(new Headers(init?.headers).get('authorization')).replace(/^Bearer /, ''),
    kind: body.kind,
    status: response.status,
    ...(body.agentVersion ? { agentVersion: body.agentVersion } : {}),
    ...(body.snapshot ? { clusterName: body.snapshot.clusterName } : {}),
  });
  return response;
};

beforeAll(async () => {
  await useLocalServices();
  // The small world (account 0: two staging clusters): a token and a snapshot per cluster needs several
  // clusters, not the default fleet of seven up to 300 nodes.
  harness = installDiscoveryHarness({ size: 'small' });
  gateway = await startGateway({
    port: 0,
    webDist: resolve(import.meta.dirname, '../../local/test/fixtures/web-dist'),
  });
  agents = new SandboxAgents({
    sandbox: harness.sandbox,
    apiUrl: gateway.url,
    fetch: recordingFetch,
    // One snapshot each at start; nothing else during the test.
    snapshotIntervalMs: 3_600_000,
    heartbeatIntervalMs: 3_600_000,
    staggerMs: 0,
    // Installed one release behind: the registry shows the drift that Upgrade agent clears.
    agentVersion: '0.0.9',
  });
  [a, b] = await Promise.all([signUpAndIn('Sandbox agents A'), signUpAndIn('Sandbox agents B')]);
  ({ accountId } = await seedSandboxAccount(harness, a.orgId, 0));
  theirs = await seedCluster(b.orgId, { name: 'staging' });
}, 60_000);

afterAll(async () => {
  await agents?.stop();
  await gateway?.close();
});

describe('sandbox agents', () => {
  it('install nothing before discovery has collected a cluster (its 30-day back-fill comes first)', async () => {
    await agents.reconcile();
    expect(agents.list()).toEqual([]);
  });

  it('after discovery, get a token per cluster and push snapshots through the ingestion route', async () => {
    const run = await runDiscovery(harness, a.orgId, accountId);
    expect(run.record.status, JSON.stringify(run.record.error)).toBe('SUCCEEDED');
    const clusters = await queryAll(clusterEntity, clustersOfAccountQuery(a.orgId, accountId));
    // More than one, so that "one token and one snapshot per cluster" is not one of each by chance.
    expect(clusters.length).toBeGreaterThanOrEqual(2);

    await agents.reconcile();
    expect(
      agents
        .list()
        .map((x) => x.clusterId)
        .sort(),
    ).toEqual(clusters.map((c) => c.clusterId).sort());
    await vi.waitFor(
      () =>
        expect(pushes.filter((p) => p.kind === 'snapshot' && p.status === 202)).toHaveLength(clusters.length),
      { timeout: 120_000, interval: 200 },
    );

    for (const before of clusters) {
      const after = await getItem(clusterEntity, clusterKey(a.orgId, before.clusterId), true);
      expect(after?.agentTokenSha256).toMatch(/^[0-9a-f]{64}$/);
      expect(after?.agent.lastSnapshotAt).not.toBeNull();
      expect(after?.agent.version).toBe('0.0.9');
      expect(after?.collection).toMatchObject({ status: 'ok', source: 'sandbox' });
      // The back-fill discovery made is kept: the agent adds snapshots, it does not replace history.
      expect(after?.history).toMatchObject({ status: 'done' });
    }

    const audit = await call('GET /api/client/audit', { token: a.accessToken });
    const items = audit.body.items ?? [];
    const connected = items.filter(
      (r) =>
        r.action === 'cluster.agent.push' && (r.after as { event?: string })?.event === 'agent.connected',
    );
    expect(connected).toHaveLength(clusters.length);
    expect(connected[0]).toMatchObject({
      actorType: 'system',
      actorName: expect.stringMatching(/^Agent of /),
    });
    const issued = items.filter((r) => r.action === 'cluster.agent-token.issue');
    expect(issued).toHaveLength(clusters.length);
    expect(issued[0]).toMatchObject({ actorType: 'system', actorName: 'Sandbox agent installer' });
  }, 240_000);

  it('leave clusters fed by an agent to it on the next discovery', async () => {
    const before = await queryAll(clusterEntity, clustersOfAccountQuery(a.orgId, accountId));
    const run = await runDiscovery(harness, a.orgId, accountId);
    expect(run.record.status).toBe('SUCCEEDED');
    const after = await queryAll(clusterEntity, clustersOfAccountQuery(a.orgId, accountId));
    // Not collected again: an agentless collection would have stamped a new lastAttemptAt.
    expect(after.map((c) => c.collection)).toEqual(before.map((c) => c.collection));
  }, 120_000);

  it('cannot write to a cluster of another organization with their token', async () => {
    const token = pushes[0]?.token ?? '';
    const push = (body: unknown) =>
      fetch(`${gateway.url}/api/ingest/snapshots`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const claimed = await push({ kind: 'heartbeat', agentVersion: '0.1.0', clusterId: theirs.clusterId });
    expect(claimed.status).toBe(404);
    const snapshot = harness.sandbox.kubernetes.snapshotAt(
      harness.sandbox.world.clusters[0]?.name ?? '',
      new Date(),
    );
    const renamed = await push({
      kind: 'snapshot',
      agentVersion: '0.1.0',
      snapshot: { ...snapshot, clusterName: 'staging' },
    });
    expect(renamed.status).toBe(400);
    const untouched = await getItem(clusterEntity, clusterKey(b.orgId, theirs.clusterId), true);
    expect(untouched?.agent).toMatchObject({ lastHeartbeatAt: null, lastSnapshotAt: null });
    expect(untouched?.agentTokenSha256).toBeNull();
  });

  it('upgrade through the bulk action: the agent patches its Deployment, the new release reports itself', async () => {
    const [cluster, other] = await queryAll(clusterEntity, clustersOfAccountQuery(a.orgId, accountId));
    if (!cluster || !other) throw new Error('two clusters expected');
    const rowOf = async (id: string) => {
      const listed = await call('GET /api/client/clusters', { token: a.accessToken, query: { limit: '50' } });
      return (
        listed.body.items as {
          id: string;
          agent: { version: string | null } | null;
          compliance: { checks: { rule: string }[] };
        }[]
      ).find((r) => r.id === id);
    };
    // The registry shows the older agent as drift.
    expect((await rowOf(cluster.clusterId))?.agent?.version).toBe('0.0.9');
    expect((await rowOf(cluster.clusterId))?.compliance.checks.map((c) => c.rule)).toContain('agent-current');

    // Every agent has polled once at start, so the channel takes commands; no release named: the latest.
    const bulk = await call('POST /api/client/clusters/bulk', {
      token: a.accessToken,
      body: { action: 'upgrade-agent', ids: [cluster.clusterId] },
    });
    expect(bulk.status, bulk.raw).toBe(200);
    expect(bulk.body).toMatchObject({ succeeded: 0, queued: 1, failed: 0 });
    const upgrades = (user = a) =>
      call('GET /api/client/clusters/{id}/agent-upgrades', {
        token: user.accessToken,
        path: { id: cluster.clusterId },
      });
    expect((await upgrades()).body.items).toEqual([
      expect.objectContaining({ command: { type: 'upgrade-agent', version: '0.1.0' }, status: 'pending' }),
    ]);
    // Another organization neither reads nor upgrades this cluster's agent.
    expect((await upgrades(b)).status).toBe(404);
    const foreign = await call('POST /api/client/clusters/bulk', {
      token: b.accessToken,
      body: { action: 'upgrade-agent', ids: [cluster.clusterId] },
    });
    expect(foreign.body).toMatchObject({ queued: 0, failed: 1 });

    // The agent's next poll (run now instead of waiting for its period) patches its Deployment's image.
    const running = agents.list().find((x) => x.clusterId === cluster.clusterId);
    expect(running?.version).toBe('0.0.9');
    const pushedBefore = pushes.length;
    expect(await running?.agent.commands?.pollOnce()).toMatchObject({ ok: true, ran: 1, reported: 1 });
    expect(harness.sandbox.kubernetes.writes.agentDeployment(cluster.name)?.image).toBe(
      'ghcr.io/spot-optimizer/spot-optimizer-agent:0.1.0',
    );
    // The rollout replaces the agent; the new one's first push reports the release.
    await vi.waitFor(
      () => expect(agents.list().find((x) => x.clusterId === cluster.clusterId)?.version).toBe('0.1.0'),
      { timeout: 30_000, interval: 100 },
    );
    await vi.waitFor(
      () =>
        expect(
          pushes
            .slice(pushedBefore)
            .some((p) => p.agentVersion === '0.1.0' && p.status >= 200 && p.status < 300),
        ).toBe(true),
      { timeout: 60_000, interval: 200 },
    );
    const [answer] = (await upgrades()).body.items as { status: string; outcome: string; reason: string }[];
    expect(answer).toMatchObject({ status: 'done', outcome: 'succeeded' });
    expect(answer?.reason).toMatch(/^rolling out 0\.1\.0 .*the new pod's heartbeat will report it/);
    // The registry row follows the push: the version is current, the drift gone.
    await vi.waitFor(
      async () => {
        const row = await rowOf(cluster.clusterId);
        expect(row?.agent?.version).toBe('0.1.0');
        expect(row?.compliance.checks.map((c) => c.rule)).not.toContain('agent-current');
      },
      { timeout: 30_000, interval: 250 },
    );
    expect((await getItem(clusterEntity, clusterKey(a.orgId, cluster.clusterId), true))?.agent.version).toBe(
      '0.1.0',
    );
    // Only that cluster's agent was replaced, with its token (no new token was issued).
    expect(agents.list().find((x) => x.clusterId === other.clusterId)?.version).toBe('0.0.9');
    expect(agents.list().find((x) => x.clusterId === cluster.clusterId)?.tokenSha256).toBe(
      running?.tokenSha256,
    );
  }, 180_000);

  it('stop when the account is disconnected', async () => {
    await disconnectAccount(a.orgId, accountId);
    await agents.reconcile();
    expect(agents.list()).toEqual([]);
  });
});
