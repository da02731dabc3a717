import { storeToRefs } from 'pinia';
import { computed, watch } from 'vue';
import { type DashboardScope, useDashboardStore } from '../stores/dashboard';
import { usePageVisible } from './usePageVisible';
import { usePolling } from './usePolling';

/** How often the dashboard asks whether its figures changed (a discovery or an agent push). */
export const dashboardRefreshMs = 20_000;
/**
 * How often while a scan runs in scope: its clusters appear one by one, and the first one's figures are
 * what a person who just connected an account is waiting for.
 */
export const dashboardScanRefreshMs = 1_500;

/**
 * The dashboard's data for a page: loads the scope whenever it changes (while `enabled`), then checks every
 * {@link dashboardRefreshMs} for new figures while the tab is visible (every {@link dashboardScanRefreshMs}
 * while a scan runs: the body says so, or `scanning` does before the first body), and at once when the
 * tab becomes visible.
 */
export function useDashboard(
  scope: () => DashboardScope,
  enabled: () => boolean,
  scanning: () => boolean = () => false,
) {
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
  const polling = () => key.value !== null && visible.value && refs.loaded.value;
  const scanRuns = computed(() => refs.data.value?.scan != null || scanning());
  usePolling(
    () => polling() && !scanRuns.value,
    () => store.refresh(),
    dashboardRefreshMs,
  );
  usePolling(
    () => polling() && scanRuns.value,
    () => store.refresh(),
    dashboardScanRefreshMs,
  );

  return { ...refs, retry: store.retry, setGapOptions: store.setGapOptions, loadGap: store.loadGap };
}
