import { storeToRefs } from 'pinia';
import { onMounted } from 'vue';
import { useAccountsStore } from '../stores/accounts';

/**
 * The organization's accounts for a page: loaded on mount (once per session unless `fresh`), with the
 * store's loading and error state for skeletons and the Retry button.
 */
export function useAccounts(options: { fresh?: boolean } = {}) {
  const store = useAccountsStore();
  const { items, loaded, loading, error, activeAccounts, hasActiveAccount, selectedAccount } =
    storeToRefs(store);

  // Failures stay in the store's `error` and are shown with a Retry button; nothing to do here.
  const reload = () => store.load().catch(() => undefined);

  onMounted(() => {
    if (options.fresh) void reload();
    else void store.ensureLoaded().catch(() => undefined);
  });

  return { items, loaded, loading, error, activeAccounts, hasActiveAccount, selectedAccount, reload };
}
