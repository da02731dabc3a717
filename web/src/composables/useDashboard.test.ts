import type { DashboardScan } from '@spot/shared';
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { effectScope, nextTick, ref } from 'vue';
import { dashboardBody, gapBody } from '../lib/dashboard/fixtures.testing';

const get = vi.fn();
vi.mock('../api/client', () => ({ api: { get: (...args: unknown[]) => get(...args) } }));

const { dashboardRefreshMs, dashboardScanRefreshMs, useDashboard } = await import('./useDashboard');

const dashboardCalls = () =>
  get.mock.calls.map((c) => c[0] as string).filter((p) => !p.includes('resource-gap'));

describe('useDashboard', () => {
  let version = 'v1';
  let scan: DashboardScan | null = null;

  beforeEach(() => {
    vi.useFakeTimers();
    setActivePinia(createPinia());
    version = 'v1';
    scan = null;
    get.mockReset();
    get.mockImplementation(async (path: string) =>
      path.includes('resource-gap') ? gapBody() : dashboardBody({ dataVersion: version, scan }),
    );
  });
  afterEach(() => vi.useRealTimers());

  it('loads the scope, polls for new figures and reloads when the account filter changes', async () => {
    const accountId = ref<string | null>(null);
    const scope = effectScope();
    const dashboard = scope.run(() =>
      useDashboard(
        () => ({ accountId: accountId.value, clusterId: null }),
        () => true,
      ),
    );
    await vi.advanceTimersByTimeAsync(0);
    expect(dashboardCalls()).toEqual(['/api/client/dashboard']);
    const first = dashboard?.data.value;

    // Same dataVersion: asked again, nothing replaced.
    await vi.advanceTimersByTimeAsync(dashboardRefreshMs);
    expect(dashboardCalls()).toHaveLength(2);
    expect(dashboard?.data.value).toBe(first);

    // A discovery applied new snapshots: the figures are replaced without a reload.
    version = 'v2';
    await vi.advanceTimersByTimeAsync(dashboardRefreshMs);
    expect(dashboard?.data.value?.dataVersion).toBe('v2');

    accountId.value = 'acc-9';
    await nextTick();
    await vi.advanceTimersByTimeAsync(0);
    expect(dashboardCalls().at(-1)).toBe('/api/client/dashboard?accountId=acc-9');

    // Leaving the page stops the polling.
    scope.stop();
    const count = get.mock.calls.length;
    await vi.advanceTimersByTimeAsync(dashboardRefreshMs * 3);
    expect(get.mock.calls.length).toBe(count);
  });

  it('polls every 1.5 s while a scan runs in scope, then back to every 20 s', async () => {
    scan = { accountsScanning: 1, clustersFound: 5, clustersCollected: 1, clustersFailed: 0 };
    const scope = effectScope();
    const dashboard = scope.run(() =>
      useDashboard(
        () => ({ accountId: null, clusterId: null }),
        () => true,
      ),
    );
    await vi.advanceTimersByTimeAsync(0);
    expect(dashboardCalls()).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(dashboardScanRefreshMs);
    expect(dashboardCalls()).toHaveLength(2);
    // The next cluster is in: a new version, replaced at once.
    scan = { ...scan, clustersCollected: 2 };
    version = 'v2';
    await vi.advanceTimersByTimeAsync(dashboardScanRefreshMs);
    expect(dashboard?.data.value?.scan?.clustersCollected).toBe(2);
    // The scan is over: the figures stay, the pace goes back to normal.
    scan = null;
    version = 'v3';
    await vi.advanceTimersByTimeAsync(dashboardScanRefreshMs);
    expect(dashboard?.data.value?.scan).toBeNull();
    const count = dashboardCalls().length;
    await vi.advanceTimersByTimeAsync(dashboardScanRefreshMs * 4);
    expect(dashboardCalls()).toHaveLength(count);
    await vi.advanceTimersByTimeAsync(dashboardRefreshMs);
    expect(dashboardCalls()).toHaveLength(count + 1);
    scope.stop();
  });

  it('polls fast from the first body when the page knows a scan has started (no cluster in yet)', async () => {
    const scope = effectScope();
    scope.run(() =>
      useDashboard(
        () => ({ accountId: null, clusterId: null }),
        () => true,
        () => true,
      ),
    );
    await vi.advanceTimersByTimeAsync(dashboardScanRefreshMs * 3);
    expect(dashboardCalls()).toHaveLength(4);
    scope.stop();
  });

  it('does nothing while disabled (no active account: the empty state shows)', async () => {
    const scope = effectScope();
    scope.run(() =>
      useDashboard(
        () => ({ accountId: null, clusterId: null }),
        () => false,
      ),
    );
    await vi.advanceTimersByTimeAsync(dashboardRefreshMs * 2);
    expect(get).not.toHaveBeenCalled();
    scope.stop();
  });
});
