import type { KarpenterStateResponse } from '@spot/shared';
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it, vi } from 'vitest';

const get = vi.fn();
const post = vi.fn();
vi.mock('../api/client', () => ({
  api: { get: (...a: unknown[]) => get(...a), post: (...a: unknown[]) => post(...a) },
}));

const { useKarpenterStore } = await import('./karpenter');

const object = (kind: 'NodePool' | 'EC2NodeClass', name: string, managedBySpotOptimizer = true) => ({
  kind,
  name,
  managedBySpotOptimizer,
  labels: {},
  annotations: {},
  spec: {},
});
const state = (over: Partial<KarpenterStateResponse> = {}): KarpenterStateResponse => ({
  clusterId: 'c1',
  enabled: true,
  templateId: 't1',
  note: null,
  desired: [object('EC2NodeClass', 'general'), object('NodePool', 'general')],
  live: [object('EC2NodeClass', 'general'), object('NodePool', 'team-a', false)],
  liveError: null,
  drift: [
    { kind: 'NodePool', name: 'general', path: '(object)', desired: {}, live: null },
    { kind: 'EC2NodeClass', name: 'general', path: 'spec.amiFamily', desired: 'AL2023', live: 'AL2' },
  ],
  plan: { apply: [{ kind: 'NodePool', name: 'general' }], remove: [], refused: [] },
  lastReconcile: null,
  nodePoolEdits: [],
  ...over,
});

beforeEach(() => {
  setActivePinia(createPinia());
  get.mockReset();
  post.mockReset();
});

describe('karpenter store', () => {
  it('shows applied vs live per object, with drifted fields and whose object it is', async () => {
    get.mockResolvedValue(state());
    const store = useKarpenterStore();
    await store.load('c1');
    expect(get.mock.calls[0]?.[0]).toBe('/api/client/clusters/c1/karpenter');
    expect(store.rows.map((r) => [r.kind, r.name, r.applied, r.live, r.ours, r.driftCount])).toEqual([
      ['EC2NodeClass', 'general', true, true, true, 1],
      ['NodePool', 'general', true, false, true, 0],
      ['NodePool', 'team-a', false, true, false, 0],
    ]);
    expect(store.outcome).toBe('never');
    expect(store.pending).toBe(1);
  });

  it('reconciles with POST and shows the outcome; a failed or refused command makes it failed', async () => {
    get.mockResolvedValue(state());
    const store = useKarpenterStore();
    await store.load('c1');
    const command = {
      id: 'k1',
      action: 'apply' as const,
      kind: 'NodePool' as const,
      name: 'general',
      status: 'pending' as const,
      outcome: null,
      reason: null,
    };
    post.mockResolvedValue(
      state({ lastReconcile: { at: '2027-01-01T00:00:00.000Z', by: 'a@b.c', commands: [command] } }),
    );
    await store.reconcile();
    expect(post.mock.calls[0]?.slice(0, 2)).toEqual(['/api/client/clusters/c1/karpenter/reconcile', {}]);
    expect(store.outcome).toBe('in-progress');
    expect(store.reconciling).toBe(false);

    get.mockResolvedValue(
      state({
        lastReconcile: {
          at: '2027-01-01T00:00:00.000Z',
          by: 'a@b.c',
          commands: [{ ...command, status: 'done', outcome: 'refused', reason: 'RBAC: forbidden' }],
        },
      }),
    );
    await store.load('c1');
    expect(store.outcome).toBe('failed');
    expect(store.failures.map((f) => f.reason)).toEqual(['RBAC: forbidden']);
  });

  it('keeps the reconcile error to show, and the live objects unknown when unreadable', async () => {
    get.mockResolvedValue(state({ live: null, liveError: 'HTTP 403', drift: [] }));
    const store = useKarpenterStore();
    await store.load('c1');
    expect(store.rows.every((r) => r.live === null)).toBe(true);
    post.mockRejectedValue(new Error('The cluster is in maintenance mode'));
    await expect(store.reconcile()).rejects.toThrow('maintenance');
    expect((store.reconcileError as Error).message).toContain('maintenance');
    expect(store.reconciling).toBe(false);
  });

  it('keeps the answer of the cluster shown when another was asked for meanwhile', async () => {
    let resolveFirst: (v: unknown) => void = () => {};
    get.mockImplementationOnce(() => new Promise((r) => (resolveFirst = r)));
    get.mockResolvedValueOnce(state({ clusterId: 'c2' }));
    const store = useKarpenterStore();
    const first = store.load('c1');
    await store.load('c2');
    resolveFirst(state());
    await first;
    expect(store.state?.clusterId).toBe('c2');
  });
});
