import { storeToRefs } from 'pinia';
import { computed, watch } from 'vue';
import { type DashboardScope, useDashboardStore } from '../stores/dashboard';
import { usePageVisible } from './usePageVisible';
import { usePolling } from './usePolling';

/** How often the dashboard asks whether its figures changed (a discovery or an agent push). */
export const dashboardRefreshMs = 20_000;

/**
 * The dashboard's data for a page: loads the scope whenever it changes (while `enabled`), then checks every
 * {@link dashboardRefreshMs} for new figures while the tab is visible, and at once when it becomes visible.
 */
export function useDashboard(scope: () => DashboardScope, enabled: () => boolean) {
  const store = useDashboardStore();
  const refs = storeToRefs(store);
  const visible = usePageVisible();

  const key = computed(() => {
    const s = scope();
    return enabled() ? `${s.accountId ?? ''}|${s.clusterId ?? ''}` : null;
  });
  watch(
    key,
    (k) => {
      if (k !== null) void store.load(scope());
    },
    { immediate: true },
  );
  watch(visible, (on) => {
    if (on && key.value !== null) void store.refresh();
  });
  usePolling(
    () => key.value !== null && visible.value && refs.loaded.value,
    () => store.refresh(),
    dashboardRefreshMs,
  );

  return { ...refs, retry: store.retry, setGapOptions: store.setGapOptions, loadGap: store.loadGap };
}
