import { agentKubernetesRules, kubernetesVerification } from '@spot/shared';
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it, vi } from 'vitest';

const post = vi.fn();
const get = vi.fn();
vi.mock('../api/client', () => ({
  api: { post: (...a: unknown[]) => post(...a), get: (...a: unknown[]) => get(...a) },
}));

const { useAddClusterStore } = await import('./addCluster');

/** A call that answers only when the test says so. */
function deferred<T>() {
  let resolve: (v: T) => void = () => {};
  let reject: (e: unknown) => void = () => {};
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const preflightAnswer = {
  clusterId: 'c1',
  ok: true,
  iam: [],
  missing: [],
  kubernetes: { script: '', verified: [], rules: [] },
  checkedAt: '2027-01-01T00:00:00.000Z',
};
const result = (name: string, outcome: 'added' | 'failed') => ({
  region: 'eu-west-1',
  name,
  outcome,
  clusterId: outcome === 'added' ? `eks-${name}` : null,
  tags: outcome === 'added' ? {} : null,
  message: outcome,
  errorCode: outcome === 'added' ? null : 'CLUSTER_ALREADY_MANAGED',
});

beforeEach(() => {
  setActivePinia(createPinia());
  post.mockReset();
  get.mockReset();
});

describe('add cluster store: in-flight flags', () => {
  it('shows the pre-flight as checking only while its own call runs, not while a scan or the sandbox install does', async () => {
    const scan = deferred<unknown>();
    const check = deferred<unknown>();
    post.mockImplementation((path: string) => (path.endsWith('/preflight') ? check.promise : scan.promise));
    const store = useAddClusterStore();
    const install = deferred<void>();

    const scanning = store.scanAccount('acc-1', ['eu-west-1']);
    const installing = store.sandboxInstall(() => install.promise);
    expect(store.pending.scan).toBe(true);
    expect(store.pending.sandboxInstall).toBe(true);
    expect(store.pending.preflight).toBe(false);

    const checking = store.runPreflight('c1');
    expect(store.pending.preflight).toBe(true);
    scan.resolve({ accountId: 'acc-1', items: [], managedCount: 0, regions: [] });
    install.resolve();
    await Promise.all([scanning, installing]);
    expect(store.pending).toMatchObject({ scan: false, sandboxInstall: false, preflight: true });
    check.resolve(preflightAnswer);
    await checking;
    expect(store.pending.preflight).toBe(false);
    expect(store.preflight?.ok).toBe(true);
  });

  it('stops checking when the pre-flight fails', async () => {
    post.mockRejectedValue(new Error('offline'));
    const store = useAddClusterStore();
    await expect(store.runPreflight('c1')).rejects.toThrow('offline');
    expect(store.pending.preflight).toBe(false);
  });
});

describe('add cluster store: adopting several clusters', () => {
  it('sends the selection in parts of 50 and remembers each cluster added, in order', async () => {
    post.mockImplementation((_path: string, body: { clusters: { name: string }[] }) =>
      Promise.resolve({
        accountId: 'acc-1',
        added: body.clusters.length,
        failed: 0,
        results: body.clusters.map((c, i) => result(c.name, i === 0 ? 'failed' : 'added')),
      }),
    );
    const store = useAddClusterStore();
    const clusters = Array.from({ length: 60 }, (_, i) => ({ region: 'eu-west-1', name: `c${i}` }));
    const results = await store.adoptClusters({ accountId: 'acc-1', clusters });
    expect(post.mock.calls.map((c) => [c[0], (c[1] as { clusters: unknown[] }).clusters.length])).toEqual([
      ['/api/client/clusters/adopt', 50],
      ['/api/client/clusters/adopt', 10],
    ]);
    expect(results).toHaveLength(60);
    // The first of each part failed: 58 remembered, in the order asked.
    expect(store.addedClusters.map((c) => c.name)).toEqual(
      clusters.map((c) => c.name).filter((n) => n !== 'c0' && n !== 'c50'),
    );
    expect(store.pending.add).toBe(false);
  });

  it('keeps the clusters of the parts adopted before one failed', async () => {
    post
      .mockResolvedValueOnce({ accountId: 'a', added: 1, failed: 0, results: [result('first', 'added')] })
      .mockRejectedValueOnce(new Error('gateway timeout'));
    const store = useAddClusterStore();
    const clusters = Array.from({ length: 51 }, (_, i) => ({
      region: 'eu-west-1',
      name: i === 0 ? 'first' : `c${i}`,
    }));
    await expect(store.adoptClusters({ accountId: 'a', clusters })).rejects.toThrow('gateway timeout');
    expect(store.addedClusters).toEqual([{ clusterId: 'eks-first', name: 'first', region: 'eu-west-1' }]);
  });

  it('unticks the clusters a partial adoption added: the selection (and so "Add N") holds only the one that failed', async () => {
    const found = ['alpha', 'beta', 'gamma'].map((name) => ({
      name,
      region: 'eu-west-1',
      kubernetesVersion: '1.31',
      status: 'ACTIVE',
      createdAt: null,
      tags: {},
      labels: { env: null, team: null },
    }));
    post
      .mockResolvedValueOnce({ accountId: 'a', items: found, managedCount: 0, regions: [] })
      .mockResolvedValueOnce({
        accountId: 'a',
        added: 2,
        failed: 1,
        results: [result('alpha', 'added'), result('beta', 'failed'), result('gamma', 'added')],
      });
    const store = useAddClusterStore();
    await store.scanAccount('a', ['eu-west-1']);
    expect(store.selected).toEqual(['eu-west-1/alpha']);
    store.selected = found.map((c) => `${c.region}/${c.name}`);
    await store.adoptClusters({
      accountId: 'a',
      clusters: found.map(({ region, name }) => ({ region, name })),
    });
    expect(store.selected).toEqual(['eu-west-1/beta']);
    expect([...store.addedKeys]).toEqual(['eu-west-1/alpha', 'eu-west-1/gamma']);
    expect(store.addedIdOf({ region: 'eu-west-1', name: 'gamma' })).toBe('eks-gamma');
    expect(store.addedIdOf({ region: 'eu-west-1', name: 'beta' })).toBeNull();
    store.reset();
    expect(store.selected).toEqual([]);
    expect(store.addedKeys.size).toBe(0);
  });

  it('forgets the pre-flight of another cluster when the install token of the next one is issued', async () => {
    const token = (clusterId: string) => ({
      clusterId,
      clusterName: clusterId,
      token: 'spot_ins_x',
      expiresAt: '2027-01-01T01:00:00.000Z',
      install: { helm: '', kubectl: '', terraform: '' },
    });
    post.mockImplementation((path: string) =>
      Promise.resolve(path.endsWith('/preflight') ? preflightAnswer : token(path.split('/')[4] ?? '')),
    );
    const store = useAddClusterStore();
    await store.issueInstallToken('c1');
    await store.runPreflight('c1');
    await store.issueInstallToken('c1');
    expect(store.preflight).not.toBeNull();
    await store.issueInstallToken('c2');
    expect(store.install?.clusterId).toBe('c2');
    expect(store.preflight).toBeNull();
  });
});

describe('add cluster store: Kubernetes permissions (ADR 0070)', () => {
  it('turns the agent’s report into its verification: the missing one named, with where the rule goes', async () => {
    const checks = agentKubernetesRules.map((r) => ({
      verb: r.verb,
      resource: r.resource,
      allowed: r.resource !== 'events',
      reason: null,
    }));
    get.mockResolvedValue({
      cluster: {
        nodeCount: 3,
        agent: {
          lastHeartbeatAt: '2027-01-01T00:00:00.000Z',
          lastSnapshotAt: null,
          permissions: { checkedAt: '2027-01-01T00:00:00.000Z', checks },
        },
      },
      nodes: [],
    });
    const contact = await useAddClusterStore().firstContact('c1');
    expect(contact.connected).toBe(true);
    expect(contact.permissions).toMatchObject({
      source: 'agent',
      required: true,
      missing: ['list events — pressure events and spot interruptions'],
    });
    expect(contact.permissions?.fixHint).toMatch(/ClusterRole spot-optimizer-agent-read/);
  });

  it('keeps every verification of the pre-flight, the access entry’s beside the agent’s', async () => {
    const accessEntry = kubernetesVerification(
      'access-entry',
      '2027-01-01T00:00:00.000Z',
      [],
      'no EKS access entry',
      false,
    );
    const agent = kubernetesVerification('agent', '2027-01-01T00:00:00.000Z', []);
    post.mockResolvedValue({
      ...preflightAnswer,
      kubernetes: { ...preflightAnswer.kubernetes, verified: [accessEntry, agent] },
    });
    const store = useAddClusterStore();
    await store.runPreflight('c1');
    expect(store.preflight?.kubernetes.verified.map((v) => [v.source, v.required])).toEqual([
      ['access-entry', false],
      ['agent', true],
    ]);
    expect(store.preflight?.kubernetes.verified[0]?.fixHint).toMatch(
      /--kubernetes-groups spot-optimizer:readonly/,
    );
  });
});
