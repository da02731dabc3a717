import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it, vi } from 'vitest';

const get = vi.fn();
const put = vi.fn();
vi.mock('../api/client', () => ({
  api: { get: (...a: unknown[]) => get(...a), put: (...a: unknown[]) => put(...a) },
}));

const { useMaintenanceStore } = await import('./maintenance');

const detail = (maintenance: unknown) => ({
  cluster: { id: 'c1', clusterId: 'c1', name: 'prod', maintenance },
  summary: null,
  nodeGroups: [],
  nodes: [],
  workloads: [],
});

beforeEach(() => {
  setActivePinia(createPinia());
  get.mockReset();
  put.mockReset();
});

describe('maintenance store', () => {
  it('reads the state from the cluster detail and switches it with PUT', async () => {
    get.mockResolvedValue(detail({ enabled: false, since: null, by: null, reason: null }));
    const store = useMaintenanceStore();
    await store.load('c1');
    expect(get.mock.calls[0]?.[0]).toBe('/api/client/clusters/c1');
    expect(store.state?.enabled).toBe(false);
    const on = { enabled: true, since: '2027-01-01T00:00:00.000Z', by: 'ops@example.com', reason: null };
    put.mockResolvedValue({ clusterId: 'c1', maintenance: on });
    await store.set(true);
    expect(put.mock.calls[0]?.slice(0, 2)).toEqual([
      '/api/client/clusters/c1/maintenance',
      { enabled: true },
    ]);
    expect(store.state).toEqual(on);
    expect(store.saving).toBe(false);
  });

  it('keeps the answer of the cluster shown when another was asked for meanwhile', async () => {
    let resolveFirst: (v: unknown) => void = () => {};
    get.mockImplementationOnce(() => new Promise((r) => (resolveFirst = r)));
    get.mockResolvedValueOnce(detail({ enabled: true, since: 'x', by: 'a@b.c', reason: null }));
    const store = useMaintenanceStore();
    const first = store.load('c1');
    await store.load('c2');
    resolveFirst(detail({ enabled: false, since: null, by: null, reason: null }));
    await first;
    expect(store.clusterId).toBe('c2');
    expect(store.state?.enabled).toBe(true);
  });

  it('keeps the error to show when the detail cannot be read', async () => {
    get.mockRejectedValue(new Error('offline'));
    const store = useMaintenanceStore();
    await store.load('c1');
    expect(store.state).toBeNull();
    expect(store.error).toBeInstanceOf(Error);
  });
});
