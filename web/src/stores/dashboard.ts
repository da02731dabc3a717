import {
  type DashboardHeatmap,
  type DashboardRange,
  type DashboardResource,
  type DashboardResponse,
  dashboardResponseSchema,
  type ResourceGapResponse,
  resourceGapResponseSchema,
} from '@spot/shared';
import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import { api } from '../api/client';

/** What the dashboard shows: the global account filter's account (or all), and one cluster on its page. */
export interface DashboardScope {
  accountId: string | null;
  clusterId: string | null;
}

const scopeKey = (scope: DashboardScope) => `${scope.accountId ?? ''}|${scope.clusterId ?? ''}`;

function query(params: Record<string, string | null | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value) search.set(key, value);
  const text = search.toString();
  return text ? `?${text}` : '';
}

const aborted = (e: unknown) => e instanceof DOMException && e.name === 'AbortError';

/**
 * The read-only dashboard's data: one `GET /api/client/dashboard` body for the scope on screen, the
 * Resource Gap series for the chart's own choices, and a background refresh that replaces the body only
 * when its `dataVersion` changed (a discovery or agent push applied new snapshots).
 */
export const useDashboardStore = defineStore('dashboard', () => {
  const scope = ref<DashboardScope | null>(null);
  const data = shallowRef<DashboardResponse | null>(null);
  /** True while a load for the scope on screen runs (a background refresh does not set it). */
  const loading = ref(false);
  /** The last load failed: shown with a Retry button. */
  const error = shallowRef<unknown>(null);
  /** A background refresh failed while older figures stay on screen. */
  const refreshError = shallowRef<unknown>(null);
  /** When the figures on screen were last confirmed current (ISO). */
  const checkedAt = ref<string | null>(null);

  const gapRange = ref<DashboardRange>('7d');
  const gapResource = ref<DashboardResource>('cpu');
  /** The Resource Gap chart's cluster; null = every cluster in scope. */
  const gapClusterId = ref<string | null>(null);
  const gap = shallowRef<ResourceGapResponse | null>(null);
  const gapLoading = ref(false);
  const gapError = shallowRef<unknown>(null);

  /**
   * Heatmaps fetched on selection (a fleet's answer carries the top few only, issue 17), by cluster id,
   * for the scope on screen; `heatmapLoading` is the id being fetched, `heatmapError` the last failure.
   */
  const heatmaps = shallowRef<ReadonlyMap<string, DashboardHeatmap>>(new Map());
  const heatmapLoading = ref<string | null>(null);
  const heatmapError = shallowRef<unknown>(null);

  let controller: AbortController | null = null;
  let gapController: AbortController | null = null;

  const loaded = computed(() => data.value !== null);

  function fetchDashboard(target: DashboardScope, signal: AbortSignal): Promise<DashboardResponse> {
    return api.get(
      `/api/client/dashboard${query({ accountId: target.accountId, clusterId: target.clusterId })}`,
      dashboardResponseSchema,
      { signal },
    );
  }

  /** Loads the Resource Gap series for the chart's range, resource and cluster. */
  async function loadGap(options: { silent?: boolean } = {}): Promise<void> {
    const target = scope.value;
    if (!target) return;
    gapController?.abort();
    const current = new AbortController();
    gapController = current;
    if (!options.silent) {
      gapLoading.value = true;
      gapError.value = null;
    }
    try {
      gap.value = await api.get(
        `/api/client/dashboard/resource-gap${query({
          accountId: target.accountId,
          clusterId: gapClusterId.value ?? target.clusterId,
          range: gapRange.value,
          resource: gapResource.value,
        })}`,
        resourceGapResponseSchema,
        { signal: current.signal },
      );
      gapError.value = null;
    } catch (e) {
      if (!aborted(e) && !current.signal.aborted && (!options.silent || !gap.value)) gapError.value = e;
    } finally {
      if (gapController === current) gapLoading.value = false;
    }
  }

  /** Shows `next`: a new scope starts from skeletons, the same scope reloads in place. */
  async function load(next: DashboardScope): Promise<void> {
    if (!scope.value || scopeKey(scope.value) !== scopeKey(next)) {
      scope.value = { ...next };
      data.value = null;
      gap.value = null;
      gapClusterId.value = next.clusterId;
      heatmaps.value = new Map();
    }
    controller?.abort();
    const current = new AbortController();
    controller = current;
    loading.value = true;
    error.value = null;
    const gapDone = loadGap();
    try {
      data.value = await fetchDashboard(next, current.signal);
      refreshError.value = null;
      checkedAt.value = new Date().toISOString();
    } catch (e) {
      if (!aborted(e) && !current.signal.aborted) error.value = e;
    } finally {
      if (controller === current) loading.value = false;
    }
    await gapDone;
  }

  /**
   * The background refresh (polling): fetches the body again and replaces what is on screen only when its
   * `dataVersion` changed, then reloads the Resource Gap series quietly. No skeletons, no flicker.
   */
  async function refresh(): Promise<void> {
    const target = scope.value;
    if (!target || loading.value || !data.value) return;
    const current = new AbortController();
    controller = current;
    try {
      const body = await fetchDashboard(target, current.signal);
      if (controller !== current || !scope.value || scopeKey(scope.value) !== scopeKey(target)) return;
      refreshError.value = null;
      checkedAt.value = new Date().toISOString();
      if (body.dataVersion !== data.value?.dataVersion) {
        data.value = body;
        await loadGap({ silent: true });
      }
    } catch (e) {
      if (!aborted(e) && !current.signal.aborted) refreshError.value = e;
    }
  }

  /** Retries what failed: the whole body, or only the chart's series. */
  function retry(): Promise<void> {
    return scope.value ? load(scope.value) : Promise.resolve();
  }

  function setGapOptions(options: {
    range?: DashboardRange;
    resource?: DashboardResource;
    clusterId?: string | null;
  }): Promise<void> {
    if (options.range) gapRange.value = options.range;
    if (options.resource) gapResource.value = options.resource;
    if (options.clusterId !== undefined) gapClusterId.value = options.clusterId;
    return loadGap();
  }

  /**
   * The heatmap of one cluster of the scope, from its own dashboard (`?clusterId=`, one card read); kept
   * for the scope, so choosing it again costs nothing.
   */
  async function loadHeatmap(clusterId: string): Promise<void> {
    const target = scope.value;
    if (!target || heatmaps.value.has(clusterId)) return;
    heatmapLoading.value = clusterId;
    heatmapError.value = null;
    try {
      const body = await api.get(
        `/api/client/dashboard${query({ accountId: target.accountId, clusterId })}`,
        dashboardResponseSchema,
      );
      const map = body.hibernation.clusters.find((c) => c.clusterId === clusterId);
      // A scope changed meanwhile drops the answer.
      if (map && scope.value && scopeKey(scope.value) === scopeKey(target))
        heatmaps.value = new Map([...heatmaps.value, [clusterId, map]]);
    } catch (e) {
      heatmapError.value = e;
    } finally {
      if (heatmapLoading.value === clusterId) heatmapLoading.value = null;
    }
  }

  function $reset(): void {
    controller?.abort();
    gapController?.abort();
    scope.value = null;
    data.value = null;
    loading.value = false;
    error.value = null;
    refreshError.value = null;
    checkedAt.value = null;
    gapRange.value = '7d';
    gapResource.value = 'cpu';
    gapClusterId.value = null;
    gap.value = null;
    gapLoading.value = false;
    gapError.value = null;
    heatmaps.value = new Map();
    heatmapLoading.value = null;
    heatmapError.value = null;
  }

  return {
    scope,
    data,
    loaded,
    loading,
    error,
    refreshError,
    checkedAt,
    gapRange,
    gapResource,
    gapClusterId,
    gap,
    gapLoading,
    gapError,
    heatmaps,
    heatmapLoading,
    heatmapError,
    loadHeatmap,
    load,
    refresh,
    retry,
    loadGap,
    setGapOptions,
    $reset,
  };
});
