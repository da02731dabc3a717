import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { effectScope, nextTick, ref } from 'vue';
import { dashboardBody, gapBody } from '../lib/dashboard/fixtures.testing';

const get = vi.fn();
vi.mock('../api/client', () => ({ api: { get: (...args: unknown[]) => get(...args) } }));

const { dashboardRefreshMs, useDashboard } = await import('./useDashboard');

const dashboardCalls = () =>
  get.mock.calls.map((c) => c[0] as string).filter((p) => !p.includes('resource-gap'));

describe('useDashboard', () => {
  let version = 'v1';

  beforeEach(() => {
    vi.useFakeTimers();
    setActivePinia(createPinia());
    version = 'v1';
    get.mockReset();
    get.mockImplementation(async (path: string) =>
      path.includes('resource-gap') ? gapBody() : dashboardBody({ dataVersion: version }),
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
