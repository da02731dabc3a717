import type { BulkActionBody, ClusterListItem } from '@spot/shared';
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it, vi } from 'vitest';

const get = vi.fn();
const post = vi.fn();
vi.mock('../api/client', () => ({
  api: { get: (...args: unknown[]) => get(...args), post: (...args: unknown[]) => post(...args) },
}));

const { useClusterRegistryStore } = await import('./clusterRegistry');

/** A row: the store reads ids (and hands the rest on), so only those matter here. */
const item = (n: number) => ({ id: `eks-${n}`, name: `cluster-${n}` }) as unknown as ClusterListItem;
const rows = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => item(from + k));
const page = (from: number, to: number, nextCursor: string | null, total = 120) => ({
  items: rows(from, to),
  total,
  nextCursor,
});

/** A promise resolved or rejected from outside, to hold an answer back while another request runs. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const paths = () => get.mock.calls.map((c) => c[0] as string);
const ids = (items: readonly ClusterListItem[]) => items.map((i) => i.id);

describe('cluster registry store', () => {
  beforeEach(() => {
    setActivePinia(createPinia());
    get.mockReset();
    post.mockReset();
  });

  it('loads the first page by cost (highest first), then appends the next pages with their cursors', async () => {
    get
      .mockResolvedValueOnce(page(0, 50, 'c1'))
      .mockResolvedValueOnce(page(50, 100, 'c2'))
      .mockResolvedValueOnce(page(100, 120, null));
    const store = useClusterRegistryStore();
    await store.load();
    expect(ids(store.items)).toEqual(ids(rows(0, 50)));
    expect(store.total).toBe(120);
    await store.loadMore();
    await store.loadMore();
    expect(ids(store.items)).toEqual(ids(rows(0, 120)));
    expect(store.nextCursor).toBeNull();
    expect(paths()).toEqual([
      '/api/client/clusters?limit=50&sort=monthlyRunRateUsd&dir=desc',
      '/api/client/clusters?limit=50&sort=monthlyRunRateUsd&dir=desc&cursor=c1',
      '/api/client/clusters?limit=50&sort=monthlyRunRateUsd&dir=desc&cursor=c2',
    ]);
    // The end: no cursor, no request.
    await store.loadMore();
    expect(get).toHaveBeenCalledTimes(3);
    expect(store.loading).toBe(false);
  });

  it('asks for a page once when the grid asks again before the answer (no duplicate rows)', async () => {
    get.mockResolvedValueOnce(page(0, 50, 'c1'));
    const store = useClusterRegistryStore();
    await store.load();
    const second = deferred<unknown>();
    get.mockReturnValueOnce(second.promise);
    // Scroll events near the end arrive several at once.
    const a = store.loadMore();
    const b = store.loadMore();
    const c = store.loadMore();
    second.resolve(page(50, 100, 'c2'));
    await Promise.all([a, b, c]);
    expect(paths().filter((p) => p.includes('cursor=c1'))).toHaveLength(1);
    expect(get).toHaveBeenCalledTimes(2);
    expect(ids(store.items)).toEqual(ids(rows(0, 100)));
    expect(new Set(ids(store.items)).size).toBe(100);
  });

  it('waits for the first page before the next: no loadMore while a load runs', async () => {
    const first = deferred<unknown>();
    get.mockReturnValueOnce(first.promise);
    const store = useClusterRegistryStore();
    const loading = store.load();
    await store.loadMore();
    first.resolve(page(0, 50, 'c1'));
    await loading;
    expect(get).toHaveBeenCalledTimes(1);
    expect(ids(store.items)).toEqual(ids(rows(0, 50)));
  });

  it('starts over from the first page, without a cursor, when the sort, a pill or the search changes', async () => {
    get.mockResolvedValueOnce(page(0, 50, 'c1')).mockResolvedValueOnce(page(50, 100, 'c2'));
    const store = useClusterRegistryStore();
    await store.load();
    await store.loadMore();
    const version = store.firstPageVersion;

    get.mockResolvedValueOnce(page(200, 250, 'n1', 300));
    await store.sortBy('name');
    expect(ids(store.items)).toEqual(ids(rows(200, 250)));
    expect(store.total).toBe(300);
    expect(store.nextCursor).toBe('n1');
    expect(store.firstPageVersion).toBe(version + 1);
    expect(paths().at(-1)).toBe('/api/client/clusters?limit=50&sort=name&dir=asc');

    // The same column again flips the direction; another column starts with its natural one.
    get.mockResolvedValueOnce(page(0, 50, 'n2'));
    await store.sortBy('name');
    expect(paths().at(-1)).toBe('/api/client/clusters?limit=50&sort=name&dir=desc');
    get.mockResolvedValueOnce(page(0, 50, 'h1'));
    await store.sortBy('healthScore');
    expect(paths().at(-1)).toBe('/api/client/clusters?limit=50&sort=healthScore&dir=desc');

    get.mockResolvedValueOnce(page(0, 10, null, 10));
    await store.setPills({ environment: 'prod', topSpenders: true });
    expect(paths().at(-1)).toBe(
      '/api/client/clusters?limit=50&sort=healthScore&dir=desc&environment=prod&topSpenders=true',
    );
    get.mockResolvedValueOnce(page(0, 3, null, 3));
    await store.setSearch('  payments ');
    expect(paths().at(-1)).toBe(
      '/api/client/clusters?limit=50&sort=healthScore&dir=desc&q=payments&environment=prod&topSpenders=true',
    );
    expect(ids(store.items)).toEqual(ids(rows(0, 3)));
    expect(store.total).toBe(3);
    expect(store.nextCursor).toBeNull();
    expect(store.firstPageVersion).toBe(version + 5);
  });

  it('drops the answer of an older query that arrives after the newer one', async () => {
    const old = deferred<unknown>();
    get.mockReturnValueOnce(old.promise);
    const store = useClusterRegistryStore();
    const slow = store.setSearch('pay');
    get.mockResolvedValueOnce(page(0, 2, null, 2));
    await store.setSearch('payments');
    expect(store.loading).toBe(false);
    old.resolve(page(0, 50, 'stale', 40));
    await slow;
    expect(ids(store.items)).toEqual(ids(rows(0, 2)));
    expect(store.total).toBe(2);
    expect(store.nextCursor).toBeNull();
    expect(store.loading).toBe(false);
    expect(store.search).toBe('payments');
  });

  it("drops a next page of the old order that arrives after a sort (not appended to the new order's rows)", async () => {
    get.mockResolvedValueOnce(page(0, 50, 'c1'));
    const store = useClusterRegistryStore();
    await store.load();
    const more = deferred<unknown>();
    get.mockReturnValueOnce(more.promise);
    const appending = store.loadMore();
    get.mockResolvedValueOnce(page(300, 350, 'n1', 300));
    await store.sortBy('name');
    more.resolve(page(50, 100, 'c2'));
    await appending;
    expect(ids(store.items)).toEqual(ids(rows(300, 350)));
    expect(store.nextCursor).toBe('n1');
    // The new order's next page follows its own cursor.
    get.mockResolvedValueOnce(page(350, 400, 'n2', 300));
    await store.loadMore();
    expect(paths().at(-1)).toBe('/api/client/clusters?limit=50&sort=name&dir=asc&cursor=n1');
    expect(ids(store.items)).toEqual(ids(rows(300, 400)));
  });

  it('keeps the selection across pages, a new sort and a search that hides the rows', async () => {
    get.mockResolvedValueOnce(page(0, 50, 'c1')).mockResolvedValueOnce(page(50, 100, 'c2'));
    const store = useClusterRegistryStore();
    await store.load();
    store.toggle('eks-3', true);
    await store.loadMore();
    store.toggle('eks-75', true);
    store.toggle('eks-4', true);
    store.toggle('eks-4', false);
    expect([...store.selected]).toEqual(['eks-3', 'eks-75']);
    expect(ids(store.selectedItems)).toEqual(['eks-3', 'eks-75']);

    // A search whose page holds neither: both stay chosen (the bulk bar still acts on two).
    get.mockResolvedValueOnce(page(200, 210, null, 10));
    await store.setSearch('other');
    expect(ids(store.selectedItems)).toEqual(['eks-3', 'eks-75']);
    expect(store.selectedItems.map((i) => i.name)).toEqual(['cluster-3', 'cluster-75']);
    // Unselecting a hidden row (the bulk bar's list) works without it loaded.
    store.toggle('eks-3', false);
    expect(ids(store.selectedItems)).toEqual(['eks-75']);

    // A newer copy of a chosen row, loaded again, stands for the old one.
    get.mockResolvedValueOnce({
      items: [{ ...item(75), name: 'renamed-75' }],
      total: 1,
      nextCursor: null,
    });
    await store.setSearch('75');
    expect(store.selectedItems.map((i) => i.name)).toEqual(['renamed-75']);

    store.clearSelection();
    expect(store.selected.size).toBe(0);
    expect(store.selectedItems).toEqual([]);
  });

  it('clears the selection when the account changes (another set of clusters)', async () => {
    get.mockImplementation(async (path: string) =>
      path.startsWith('/api/client/clusters/summary') ? { clusters: 0 } : page(0, 50, 'c1'),
    );
    const store = useClusterRegistryStore();
    await store.load();
    store.toggle('eks-1', true);
    await store.setAccount('acc-2');
    expect(store.selected.size).toBe(0);
    expect(store.selectedItems).toEqual([]);
    expect(paths()).toContain(
      '/api/client/clusters?limit=50&sort=monthlyRunRateUsd&dir=desc&accountId=acc-2',
    );
    expect(paths()).toContain('/api/client/clusters/summary?accountId=acc-2');
  });

  it('reports a failed first page, keeps the rows on screen, and clears the error on the next load', async () => {
    get.mockResolvedValueOnce(page(0, 50, 'c1'));
    const store = useClusterRegistryStore();
    await store.load();
    const failure = new Error('Service unavailable');
    get.mockRejectedValueOnce(failure);
    await store.sortBy('name');
    expect(store.error).toBe(failure);
    expect(store.loading).toBe(false);
    expect(ids(store.items)).toEqual(ids(rows(0, 50)));
    get.mockResolvedValueOnce(page(0, 50, 'n1'));
    await store.load();
    expect(store.error).toBeNull();
  });

  it('reports a failed next page and asks for the same cursor again on the next scroll', async () => {
    get.mockResolvedValueOnce(page(0, 50, 'c1'));
    const store = useClusterRegistryStore();
    await store.load();
    const failure = new Error('timeout');
    get.mockRejectedValueOnce(failure);
    await store.loadMore();
    expect(store.error).toBe(failure);
    expect(store.loading).toBe(false);
    expect(ids(store.items)).toEqual(ids(rows(0, 50)));
    expect(store.nextCursor).toBe('c1');
    get.mockResolvedValueOnce(page(50, 100, 'c2'));
    await store.loadMore();
    expect(paths().slice(-2)).toEqual([
      '/api/client/clusters?limit=50&sort=monthlyRunRateUsd&dir=desc&cursor=c1',
      '/api/client/clusters?limit=50&sort=monthlyRunRateUsd&dir=desc&cursor=c1',
    ]);
    expect(ids(store.items)).toEqual(ids(rows(0, 100)));
  });

  it('does not report the failure of a superseded query', async () => {
    const old = deferred<unknown>();
    get.mockReturnValueOnce(old.promise);
    const store = useClusterRegistryStore();
    const slow = store.setSearch('pay');
    get.mockResolvedValueOnce(page(0, 2, null, 2));
    await store.setSearch('payments');
    old.reject(new Error('aborted'));
    await slow;
    expect(store.error).toBeNull();
    expect(ids(store.items)).toEqual(ids(rows(0, 2)));
  });

  it("reports the status bar's failure apart from the grid's, and a bulk action's failure to its caller", async () => {
    get.mockRejectedValueOnce(new Error('summary down'));
    const store = useClusterRegistryStore();
    await store.loadSummary();
    expect(store.summaryError).toEqual(new Error('summary down'));
    expect(store.error).toBeNull();

    post.mockRejectedValueOnce(new Error('forbidden'));
    const body: BulkActionBody = { action: 'apply-template', ids: ['eks-1'], templateId: 't-1' };
    await expect(store.bulk(body)).rejects.toThrow('forbidden');
    expect(post).toHaveBeenCalledWith('/api/client/clusters/bulk', body, expect.anything());
  });
});
