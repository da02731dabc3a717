import {
  type BulkActionBody,
  type BulkActionResponse,
  bulkActionResponseSchema,
  type ClusterListItem,
  type CompareClustersResponse,
  clusterListResponseSchema,
  compareClustersResponseSchema,
  type RegistrySortField,
  type RegistrySummaryResponse,
  registrySummaryResponseSchema,
} from '@spot/shared';
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { api } from '../api/client';

/** The quick-filter pills; `provider` only offers EKS today (GKE and AKS are shown as coming). */
export interface RegistryPills {
  environment: 'prod' | 'dev' | null;
  health: 'healthy' | 'degraded' | null;
  provider: 'eks' | null;
  topSpenders: boolean;
}

const pageSize = 50;

/**
 * The Command Center's registry (ADR 0045): the status bar, and the grid's rows fetched page by page in
 * the server's order (sort, filters and search run on the server), the selection and the bulk actions.
 * A newer query supersedes an older one still loading (its answer is dropped).
 */
export const useClusterRegistryStore = defineStore('clusterRegistry', () => {
  const items = ref<ClusterListItem[]>([]);
  const total = ref(0);
  const nextCursor = ref<string | null>(null);
  const loading = ref(false);
  const error = ref<unknown>(null);
  const summary = ref<RegistrySummaryResponse | null>(null);
  const summaryError = ref<unknown>(null);

  const search = ref('');
  const pills = ref<RegistryPills>({ environment: null, health: null, provider: null, topSpenders: false });
  const sort = ref<RegistrySortField>('monthlyRunRateUsd');
  const dir = ref<'asc' | 'desc'>('desc');
  const accountId = ref<string | null>(null);
  const selected = ref<Set<string>>(new Set());
  const picked = ref<Map<string, ClusterListItem>>(new Map());
  /**
   * Moves each time a first page replaces the rows (a new sort, filter, search or account): the grid goes
   * back to its top then, instead of keeping a scroll position that belonged to the old list.
   */
  const firstPageVersion = ref(0);
  let generation = 0;

  function queryString(cursor: string | null): string {
    const q = new URLSearchParams({ limit: String(pageSize), sort: sort.value, dir: dir.value });
    if (search.value.trim()) q.set('q', search.value.trim());
    if (accountId.value) q.set('accountId', accountId.value);
    if (pills.value.environment) q.set('environment', pills.value.environment);
    if (pills.value.health) q.set('health', pills.value.health);
    if (pills.value.provider) q.set('provider', pills.value.provider);
    if (pills.value.topSpenders) q.set('topSpenders', 'true');
    if (cursor) q.set('cursor', cursor);
    return q.toString();
  }

  /** The first page of the current query (the rows shown so far are replaced). */
  async function load(): Promise<void> {
    const mine = ++generation;
    loading.value = true;
    error.value = null;
    try {
      const page = await api.get(`/api/client/clusters?${queryString(null)}`, clusterListResponseSchema);
      if (mine !== generation) return;
      items.value = page.items;
      total.value = page.total;
      nextCursor.value = page.nextCursor;
      firstPageVersion.value++;
    } catch (e) {
      if (mine === generation) error.value = e;
    } finally {
      if (mine === generation) loading.value = false;
    }
  }

  /** The next page, appended (the grid asks as its scroll nears the end). */
  async function loadMore(): Promise<void> {
    if (!nextCursor.value || loading.value) return;
    const mine = generation;
    loading.value = true;
    try {
      const page = await api.get(
        `/api/client/clusters?${queryString(nextCursor.value)}`,
        clusterListResponseSchema,
      );
      if (mine !== generation) return;
      items.value = [...items.value, ...page.items];
      total.value = page.total;
      nextCursor.value = page.nextCursor;
    } catch (e) {
      if (mine === generation) error.value = e;
    } finally {
      if (mine === generation) loading.value = false;
    }
  }

  async function loadSummary(): Promise<void> {
    summaryError.value = null;
    try {
      const q = accountId.value ? `?accountId=${encodeURIComponent(accountId.value)}` : '';
      summary.value = await api.get(`/api/client/clusters/summary${q}`, registrySummaryResponseSchema);
    } catch (e) {
      summaryError.value = e;
    }
  }

  /** A click on a column: the same column flips the direction, another starts with its natural one. */
  function sortBy(field: RegistrySortField): Promise<void> {
    if (sort.value === field) dir.value = dir.value === 'asc' ? 'desc' : 'asc';
    else {
      sort.value = field;
      dir.value = field === 'name' || field === 'region' || field === 'id' ? 'asc' : 'desc';
    }
    return load();
  }

  function setPills(next: Partial<RegistryPills>): Promise<void> {
    pills.value = { ...pills.value, ...next };
    return load();
  }

  function setSearch(text: string): Promise<void> {
    search.value = text;
    return load();
  }

  function setAccount(id: string | null): Promise<void> {
    accountId.value = id;
    clearSelection();
    return Promise.all([load(), loadSummary()]).then(() => undefined);
  }

  /**
   * Selects or unselects a loaded row. The selection is kept by id with the row as it was when chosen, so
   * it survives more pages, a new sort, a search or a filter that hides the row: the bulk bar counts and
   * acts on every cluster the person chose, not only those of the list on screen now.
   */
  function toggle(id: string, on: boolean): void {
    const next = new Map(picked.value);
    const item = items.value.find((i) => i.id === id) ?? picked.value.get(id);
    if (on && item) next.set(id, item);
    else next.delete(id);
    picked.value = next;
    selected.value = new Set(next.keys());
  }

  function clearSelection(): void {
    picked.value = new Map();
    selected.value = new Set();
  }

  /** The chosen clusters in the order chosen; a row loaded now stands for its older copy. */
  const selectedItems = computed(() => {
    const loaded = new Map(items.value.map((i) => [i.id, i]));
    return [...picked.value.values()].map((i) => loaded.get(i.id) ?? i);
  });

  function compare(ids: string[]): Promise<CompareClustersResponse> {
    return api.post('/api/client/clusters/compare', { ids }, compareClustersResponseSchema);
  }

  /** Runs the bulk action; the rows and status bar are refreshed after (figures may have changed). */
  async function bulk(body: BulkActionBody): Promise<BulkActionResponse> {
    const result = await api.post('/api/client/clusters/bulk', body, bulkActionResponseSchema);
    void loadSummary();
    return result;
  }

  return {
    items,
    total,
    nextCursor,
    loading,
    error,
    summary,
    summaryError,
    search,
    pills,
    sort,
    dir,
    selected,
    selectedItems,
    firstPageVersion,
    load,
    loadMore,
    loadSummary,
    sortBy,
    setPills,
    setSearch,
    setAccount,
    toggle,
    clearSelection,
    compare,
    bulk,
  };
});
