import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { dashboardBody, gapBody, heatmap } from '../lib/dashboard/fixtures.testing';

const get = vi.fn();
vi.mock('../api/client', () => ({ api: { get: (...args: unknown[]) => get(...args) } }));

const { useDashboardStore } = await import('./dashboard');

/** Answers by route: the dashboard body or the resource-gap series, recording each path. */
function answer(dashboard: () => unknown, gap: () => unknown = () => gapBody()) {
  get.mockImplementation(async (path: string) => {
    if (path.startsWith('/api/client/dashboard/resource-gap')) return gap();
    if (path.startsWith('/api/client/dashboard')) return dashboard();
    throw new Error(`unexpected ${path}`);
  });
}
const paths = () => get.mock.calls.map((c) => c[0] as string);

describe('dashboard store', () => {
  beforeEach(() => {
    setActivePinia(createPinia());
    get.mockReset();
  });

  it('loads the body and the series for the scope, passing the account filter', async () => {
    answer(() => dashboardBody());
    const store = useDashboardStore();
    await store.load({ accountId: 'acc-1', clusterId: null });
    expect(store.data?.dataVersion).toBe('v1');
    expect(store.gap?.points).toHaveLength(24);
    expect(paths()).toEqual([
      '/api/client/dashboard/resource-gap?accountId=acc-1&range=7d&resource=cpu',
      '/api/client/dashboard?accountId=acc-1',
    ]);
    expect(store.loading).toBe(false);
  });

  it('keeps the figures on screen when dataVersion did not change, and replaces them when it did', async () => {
    let version = 'v1';
    answer(() => dashboardBody({ dataVersion: version }));
    const store = useDashboardStore();
    await store.load({ accountId: null, clusterId: null });
    const first = store.data;

    await store.refresh();
    expect(store.data).toBe(first);
    expect(paths().filter((p) => p.includes('resource-gap'))).toHaveLength(1);

    version = 'v2';
    await store.refresh();
    expect(store.data?.dataVersion).toBe('v2');
    expect(paths().filter((p) => p.includes('resource-gap'))).toHaveLength(2);
  });

  it('keeps old figures and reports a failed background refresh', async () => {
    let fail = false;
    answer(() => {
      if (fail) throw new Error('offline');
      return dashboardBody();
    });
    const store = useDashboardStore();
    await store.load({ accountId: null, clusterId: null });
    fail = true;
    await store.refresh();
    expect(store.data?.dataVersion).toBe('v1');
    expect((store.refreshError as Error).message).toBe('offline');
    expect(store.error).toBeNull();
  });

  it('shows a failed first load as an error, and a retry clears it', async () => {
    let fail = true;
    answer(() => {
      if (fail) throw new Error('boom');
      return dashboardBody();
    });
    const store = useDashboardStore();
    await store.load({ accountId: null, clusterId: 'c-1' });
    expect((store.error as Error).message).toBe('boom');
    expect(store.data).toBeNull();
    fail = false;
    await store.retry();
    expect(store.error).toBeNull();
    expect(store.data).not.toBeNull();
    expect(paths().at(-1)).toBe('/api/client/dashboard?clusterId=c-1');
  });

  it('starts a new scope from nothing and scopes the series to the page cluster', async () => {
    answer(() => dashboardBody());
    const store = useDashboardStore();
    await store.load({ accountId: null, clusterId: null });
    get.mockClear();
    const pending = store.load({ accountId: null, clusterId: 'c-2' });
    expect(store.data).toBeNull();
    await pending;
    expect(paths()[0]).toBe('/api/client/dashboard/resource-gap?clusterId=c-2&range=7d&resource=cpu');
  });

  it('reloads the series for the chart options', async () => {
    answer(() => dashboardBody());
    const store = useDashboardStore();
    await store.load({ accountId: null, clusterId: null });
    await store.setGapOptions({ range: '30d', resource: 'memory', clusterId: 'c-2' });
    expect(paths().at(-1)).toBe('/api/client/dashboard/resource-gap?clusterId=c-2&range=30d&resource=memory');
    expect(store.gapRange).toBe('30d');
  });

  it('fetches the heatmap of a cluster beyond the top ones on selection, once per scope, and drops an answer for an old scope', async () => {
    // The all-clusters answer carries heatmaps for its top clusters only (issue 17 item 6): c-2's comes
    // from its own dashboard (`?clusterId=`) when the user picks it.
    let held: ((body: unknown) => void) | null = null;
    get.mockImplementation(async (path: string) => {
      if (path.startsWith('/api/client/dashboard/resource-gap')) return gapBody();
      if (path.includes('clusterId=c-3'))
        return new Promise((resolve) => {
          held = resolve;
        });
      if (path.includes('clusterId=c-2'))
        return dashboardBody({
          hibernation: { monthlySavingUsd: 100, clusters: [heatmap({ clusterId: 'c-2' })], others: [] },
        });
      return dashboardBody();
    });
    const store = useDashboardStore();
    await store.load({ accountId: 'acc-1', clusterId: null });
    expect([...store.heatmaps.keys()]).toEqual([]);

    await store.loadHeatmap('c-2');
    expect(store.heatmaps.get('c-2')?.clusterId).toBe('c-2');
    expect(paths()).toContain('/api/client/dashboard?accountId=acc-1&clusterId=c-2');
    expect(store.heatmapLoading).toBeNull();
    // Chosen again: kept, no second request.
    await store.loadHeatmap('c-2');
    expect(paths().filter((p) => p.includes('clusterId=c-2'))).toHaveLength(1);

    // An answer that arrives after the scope changed is dropped, and the new scope starts empty.
    const pending = store.loadHeatmap('c-3');
    expect(store.heatmapLoading).toBe('c-3');
    await store.load({ accountId: 'acc-2', clusterId: null });
    expect(store.heatmaps.size).toBe(0);
    (held as unknown as (body: unknown) => void)(
      dashboardBody({
        hibernation: { monthlySavingUsd: 1, clusters: [heatmap({ clusterId: 'c-3' })], others: [] },
      }),
    );
    await pending;
    expect(store.heatmaps.has('c-3')).toBe(false);
  });

  it('reports a failed heatmap fetch without touching the figures on screen', async () => {
    get.mockImplementation(async (path: string) => {
      if (path.startsWith('/api/client/dashboard/resource-gap')) return gapBody();
      if (path.includes('clusterId=c-2')) throw new Error('offline');
      return dashboardBody();
    });
    const store = useDashboardStore();
    await store.load({ accountId: null, clusterId: null });
    await store.loadHeatmap('c-2');
    expect((store.heatmapError as Error).message).toBe('offline');
    expect(store.heatmaps.has('c-2')).toBe(false);
    expect(store.data?.dataVersion).toBe('v1');
    expect(store.error).toBeNull();
  });
});
