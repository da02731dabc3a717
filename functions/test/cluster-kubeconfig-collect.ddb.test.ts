import { beforeAll, describe, expect, it } from 'vitest';
import { clusterEntity, clusterKey } from '../src/data/entities/cluster';
import { clusterKubeconfigKey } from '../src/data/entities/cluster-kubeconfig';
import { getItem, getRaw } from '../src/data/repository';
import { logTaps } from '../src/lib/logger';
import {
  type DiscoveryHarness,
  installDiscoveryHarness,
  runDiscovery,
  seedSandboxAccount,
} from './discovery-support';
import { call, signUpAndIn, useLocalServices } from './support/services';

/**
 * The agentless collector reads a cluster registered by kubeconfig upload with that file's credential
 * (ADR 0059), against DynamoDB Local and the sandbox: a restricted cluster (no EKS access entry for the
 * platform's role) is collected with its file, a wrong file is refused although the role could read the
 * cluster, another organization's discovery of the same cluster does not get the file, and the
 * credential appears in no answer, log line or workflow record.
 */

type User = Awaited<ReturnType<typeof signUpAndIn>>;
let harness: DiscoveryHarness;
let a: User;
let b: User;
let accountA: string;
let accountB: string;
/** Sandbox account 0 of the small world: two clusters. */
let restricted: { name: string; region: string };
let other: { name: string; region: string };
const logLines: string[] = [];

beforeAll(async () => {
  await useLocalServices();
  harness = installDiscoveryHarness({ size: 'small' });
  [a, b] = await Promise.all([signUpAndIn('Kubeconfig A'), signUpAndIn('Kubeconfig B')]);
  const seededA = await seedSandboxAccount(harness, a.orgId, 0);
  accountA = seededA.accountId;
  accountB = (await seedSandboxAccount(harness, b.orgId, 0)).accountId;
  const clusters = harness.sandbox.world.clusters
    .filter((c) => c.awsAccountId === seededA.awsAccountId && !c.createdOnRequest)
    .map((c) => ({ name: c.name, region: c.region }))
    .sort((x, y) => x.name.localeCompare(y.name));
  expect(clusters.length).toBeGreaterThanOrEqual(2);
  [restricted, other] = clusters as [typeof restricted, typeof other];
  // The platform's role has no access entry on this cluster: only a kubeconfig reaches its API server.
  harness.sandbox.setAccessEntry(restricted.name, false);
  logTaps.push((line) => {
    logLines.push(line);
  });
}, 120_000);

const collectionOf = async (orgId: string, accountId: string, c: { name: string; region: string }) => {
  const list = await call('GET /api/client/clusters', {
    token: (orgId === a.orgId ? a : b).accessToken,
    query: { limit: '50' },
  });
  const item = (list.body.items as { id: string; name: string }[]).find((i) => i.name === c.name);
  if (!item) throw new Error(`${c.name} is not listed for ${orgId}/${accountId}`);
  const stored = await getItem(clusterEntity, clusterKey(orgId, item.id), true);
  return { id: item.id, collection: stored?.collection, nodeCount: stored?.nodeCount ?? 0 };
};

describe('discovery of a cluster registered by kubeconfig', () => {
  it('collects a restricted cluster with its file, refuses a wrong one, and never shows the credential', async () => {
    const file = harness.sandbox.kubeconfigFor(restricted.name);
    if (!file) throw new Error('the sandbox hands out a kubeconfig for every created cluster');
    const token = harness.sandbox.serviceAccountToken(restricted.name);
    expect(file).toContain(token);
    const registered = await call('POST /api/client/clusters', {
      token: a.accessToken,
      body: {
        method: 'kubeconfig',
        accountId: accountA,
        region: restricted.region,
        name: restricted.name,
        kubeconfig: file,
      },
    });
    expect(registered.status, registered.raw).toBe(201);
    // The other cluster with a file whose token is not the cluster's: the role could read it, but the
    // collector must use the file, which the API server refuses.
    const wrongToken = 'not-the-service-account-token-7c1e0b';
    const wrong = harness.sandbox
      .kubeconfigFor(other.name)
      ?.replace(harness.sandbox.serviceAccountToken(other.name), wrongToken);
    const registeredWrong = await call('POST /api/client/clusters', {
      token: a.accessToken,
      body: {
        method: 'kubeconfig',
        accountId: accountA,
        region: other.region,
        name: other.name,
        kubeconfig: wrong,
      },
    });
    expect(registeredWrong.status, registeredWrong.raw).toBe(201);

    const runA = await runDiscovery(harness, a.orgId, accountA);
    expect(runA.record.status, JSON.stringify(runA.record.error)).toBe('SUCCEEDED');
    const read = await collectionOf(a.orgId, accountA, restricted);
    expect(read.collection).toMatchObject({ status: 'ok', reason: null });
    expect(read.nodeCount).toBeGreaterThan(0);
    const refused = await collectionOf(a.orgId, accountA, other);
    expect(refused.collection?.status).toBe('error');
    expect(refused.collection?.reason).toMatch(/refused the kubeconfig's credential/);
    expect(refused.collection?.reason).toMatch(/Replace kubeconfig on the cluster.s page/);

    // Organization B connected the same AWS account without a kubeconfig: its discovery reaches the
    // restricted cluster with the role only, and is told which access entry is missing; A's file is A's.
    const runB = await runDiscovery(harness, b.orgId, accountB);
    expect(runB.record.status, JSON.stringify(runB.record.error)).toBe('SUCCEEDED');
    const theirs = await collectionOf(b.orgId, accountB, restricted);
    expect(theirs.collection?.status).toBe('error');
    expect(theirs.collection?.reason).toMatch(/no EKS access entry.*spot-optimizer:readonly/);
    expect((await collectionOf(b.orgId, accountB, other)).collection?.status).toBe('ok');
    const foreign = await call('GET /api/client/clusters/{id}', {
      token: b.accessToken,
      path: { id: read.id },
    });
    expect(foreign.status).toBe(404);

    // Neither credential in an answer, a log line or the workflows' records.
    const answers = [
      registered.raw,
      registeredWrong.raw,
      (await call('GET /api/client/clusters/{id}', { token: a.accessToken, path: { id: read.id } })).raw,
      (await call('GET /api/client/clusters', { token: a.accessToken, query: { limit: '50' } })).raw,
    ];
    const records = JSON.stringify([runA.record, runB.record]);
    for (const secret of [token, wrongToken]) {
      for (const text of answers) expect(text).not.toContain(secret);
      expect(records).not.toContain(secret);
      expect(logLines.filter((l) => l.includes(secret))).toEqual([]);
    }
    expect(logLines.length, 'the collection was logged at all').toBeGreaterThan(0);
  }, 180_000);

  it('replaces a stored kubeconfig: validated, sealed, audited, used by the next collection; never shown', async () => {
    // After the first test `other` holds a file with a wrong token: its collection is refused.
    const id = (await collectionOf(a.orgId, accountA, other)).id;
    const good = harness.sandbox.kubeconfigFor(other.name);
    if (!good) throw new Error('the sandbox hands out a kubeconfig for every created cluster');
    const token = harness.sandbox.serviceAccountToken(other.name);
    const put = (user: User, kubeconfig: string) =>
      call('PUT /api/client/clusters/{id}/kubeconfig', {
        token: user.accessToken,
        path: { id },
        body: { kubeconfig },
      });

    // Bad input: each refused with what to do, nothing stored.
    const exec = good.replace(
      `    token: ${token}`,
      '    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      command: sh\n      args: ["-c", "id"]',
    );
    const refusedExec = await put(a, exec);
    expect(refusedExec.status, refusedExec.raw).toBe(400);
    expect(refusedExec.raw).toMatch(/only `aws eks get-token` is accepted/);
    // Another cluster's file: its region, or (same region) its API server, is not this cluster's.
    const othersFile = harness.sandbox.kubeconfigFor(restricted.name) as string;
    const refusedRegion = await put(a, othersFile);
    expect(refusedRegion.status, refusedRegion.raw).toBe(400);
    expect(refusedRegion.raw).toMatch(/but .* runs in .*Upload .* own kubeconfig/);
    const refusedServer = await put(
      a,
      good.replace(/server: https:\/\/[0-9A-F]+\./, 'server: https://0BAD0.'),
    );
    expect(refusedServer.status, refusedServer.raw).toBe(400);
    expect(refusedServer.raw).toMatch(/is not the API server of .*Upload .* own kubeconfig/);
    const refusedEmpty = await put(a, '');
    expect(refusedEmpty.status).toBe(400);
    expect(refusedEmpty.raw).toMatch(/Paste or upload the kubeconfig file/);
    // Another organization's cluster: 404, as if it did not exist, and A's file stays.
    const sealedBefore = await getRaw(clusterKubeconfigKey(a.orgId, id));
    const foreign = await put(b, good);
    expect(foreign.status, foreign.raw).toBe(404);
    expect(await getRaw(clusterKubeconfigKey(a.orgId, id))).toEqual(sealedBefore);

    const replaced = await put(a, good);
    expect(replaced.status, replaced.raw).toBe(200);
    expect(replaced.body).toMatchObject({ clusterId: id, auth: 'token', replaced: true });
    const sealed = await getRaw(clusterKubeconfigKey(a.orgId, id));
    expect(sealed?.ivB64).not.toBe(sealedBefore?.ivB64);
    expect(sealed?.createdAt).toBe(sealedBefore?.createdAt);
    expect(sealed?.replacedBy).toBe(a.userId);

    const run = await runDiscovery(harness, a.orgId, accountA);
    expect(run.record.status, JSON.stringify(run.record.error)).toBe('SUCCEEDED');
    const read = await collectionOf(a.orgId, accountA, other);
    expect(read.collection).toMatchObject({ status: 'ok', reason: null });
    expect(read.nodeCount).toBeGreaterThan(0);

    const trail = await call('GET /api/client/audit', { token: a.accessToken, query: { limit: '100' } });
    const records = (trail.body.items ?? []) as {
      action: string;
      target: string;
      outcome: string;
      before?: unknown;
      after?: unknown;
    }[];
    const replacements = records.filter((r) => r.action === 'cluster.kubeconfig.replace');
    expect(replacements.map((r) => r.outcome).sort()).toEqual([
      'failed',
      'failed',
      'failed',
      'failed',
      'success',
    ]);
    expect(replacements.find((r) => r.outcome === 'success')).toMatchObject({
      target: `cluster/${id}`,
      before: { auth: 'token' },
      after: { auth: 'token' },
    });
    // The token (and the whole file) in no answer, stored item, audit record, workflow record or log line.
    const texts = [
      refusedExec.raw,
      refusedRegion.raw,
      refusedServer.raw,
      foreign.raw,
      replaced.raw,
      trail.raw,
      JSON.stringify(sealed),
      JSON.stringify(run.record),
    ];
    for (const text of texts) expect(text).not.toContain(token);
    expect(logLines.filter((l) => l.includes(token))).toEqual([]);
  }, 180_000);

  it("collects a restricted cluster with a client-certificate kubeconfig, and refuses another cluster's certificate", async () => {
    const id = (await collectionOf(a.orgId, accountA, restricted)).id;
    const file = harness.sandbox.kubeconfigFor(restricted.name, 'client-certificate');
    if (!file) throw new Error('the sandbox hands out a kubeconfig for every created cluster');
    const mine = harness.sandbox.clientCertificate(restricted.name);
    const keyData = Buffer.from(mine.keyPem).toString('base64');
    const put = (kubeconfig: string) =>
      call('PUT /api/client/clusters/{id}/kubeconfig', {
        token: a.accessToken,
        path: { id },
        body: { kubeconfig },
      });
    const stored = await put(file);
    expect(stored.status, stored.raw).toBe(200);
    expect(stored.body).toMatchObject({ auth: 'client-certificate', replaced: true });
    const run = await runDiscovery(harness, a.orgId, accountA);
    expect(run.record.status, JSON.stringify(run.record.error)).toBe('SUCCEEDED');
    const read = await collectionOf(a.orgId, accountA, restricted);
    expect(read.collection).toMatchObject({ status: 'ok', reason: null });
    expect(read.nodeCount).toBeGreaterThan(0);

    // The other cluster's certificate and key in this cluster's file: its API server refuses them.
    const theirs = harness.sandbox.clientCertificate(other.name);
    const b64 = (pem: string) => Buffer.from(pem).toString('base64');
    const wrong = file
      .replace(b64(mine.certificatePem), b64(theirs.certificatePem))
      .replace(keyData, b64(theirs.keyPem));
    expect(wrong).not.toBe(file);
    expect((await put(wrong)).status).toBe(200);
    const again = await runDiscovery(harness, a.orgId, accountA);
    expect(again.record.status, JSON.stringify(again.record.error)).toBe('SUCCEEDED');
    const refused = await collectionOf(a.orgId, accountA, restricted);
    expect(refused.collection?.status).toBe('error');
    expect(refused.collection?.reason).toMatch(/refused the kubeconfig's credential/);

    // The private keys in no answer, workflow record or log line.
    const texts = [stored.raw, JSON.stringify([run.record, again.record])];
    for (const secret of [keyData, b64(theirs.keyPem), mine.keyPem.split('\n')[1] as string]) {
      for (const text of texts) expect(text).not.toContain(secret);
      expect(logLines.filter((l) => l.includes(secret))).toEqual([]);
    }
  }, 180_000);

  it("names the lists the cluster's RBAC refuses the kubeconfig's user on the cluster, and fails on nodes with the fix (ADR 0070)", async () => {
    // `other` holds its good token kubeconfig since the replace test; its collection is ok.
    const clusterId = (await collectionOf(a.orgId, accountA, other)).id;
    harness.sandbox.rbac.set(other.name, ['kubeconfig'], 'list', 'events', false);
    harness.sandbox.rbac.set(
      other.name,
      ['kubeconfig'],
      'list',
      'horizontalpodautoscalers.autoscaling',
      false,
    );
    // Taken from the agent only, it does not concern the collector's read.
    harness.sandbox.rbac.set(other.name, ['agent'], 'list', 'poddisruptionbudgets.policy', false);
    try {
      const run = await runDiscovery(harness, a.orgId, accountA);
      expect(run.record.status, JSON.stringify(run.record.error)).toBe('SUCCEEDED');
      const partial = await collectionOf(a.orgId, accountA, other);
      expect(partial.collection?.status).toBe('ok');
      expect(partial.nodeCount).toBeGreaterThan(0);
      const reason = partial.collection?.reason ?? '';
      expect(reason).toMatch(
        /^Read without 2 permissions: the cluster refused list events — pressure events and spot interruptions; list horizontalpodautoscalers\.autoscaling — HPA-aware rightsizing \(HTTP 403\)/,
      );
      expect(reason).not.toMatch(/poddisruptionbudgets/);
      expect(reason).toMatch(/agentless-rbac\.yaml/);
      // The cluster's answers say it too: the registry row and the dashboard card.
      const detail = await call('GET /api/client/clusters/{id}', {
        token: a.accessToken,
        path: { id: clusterId },
      });
      expect(detail.status, detail.raw).toBe(200);
      expect(detail.raw).toContain('list events — pressure events and spot interruptions');

      // Nodes refused: no snapshot; a collection error with the fix, the run itself still succeeds.
      harness.sandbox.rbac.set(other.name, ['kubeconfig'], 'list', 'nodes', false);
      const again = await runDiscovery(harness, a.orgId, accountA);
      expect(again.record.status, JSON.stringify(again.record.error)).toBe('SUCCEEDED');
      const refused = await collectionOf(a.orgId, accountA, other);
      expect(refused.collection?.status).toBe('error');
      expect(refused.collection?.reason).toMatch(
        /^The cluster refused to list nodes \(HTTP 403\)\. The credential of the kubeconfig uploaded/,
      );
      expect(refused.nodeCount).toBe(partial.nodeCount);
    } finally {
      for (const resource of ['events', 'horizontalpodautoscalers.autoscaling', 'nodes'])
        harness.sandbox.rbac.set(other.name, ['kubeconfig'], 'list', resource, true);
      harness.sandbox.rbac.set(other.name, ['agent'], 'list', 'poddisruptionbudgets.policy', true);
    }
    // Given back: the next collection is complete again, and says nothing.
    const restored = await runDiscovery(harness, a.orgId, accountA);
    expect(restored.record.status, JSON.stringify(restored.record.error)).toBe('SUCCEEDED');
    expect((await collectionOf(a.orgId, accountA, other)).collection).toMatchObject({
      status: 'ok',
      reason: null,
    });
    expect(logLines.filter((l) => l.includes(harness.sandbox.serviceAccountToken(other.name)))).toEqual([]);
  }, 180_000);
});
