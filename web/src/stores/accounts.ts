import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { api } from '../api/client';
import { type AccountSummary, accountListSchema } from '../api/schemas';

/** The organization's cloud accounts and the global account filter of the top bar. */
export const useAccountsStore = defineStore('accounts', () => {
  const items = ref<AccountSummary[]>([]);
  const loaded = ref(false);
  const loading = ref(false);
  const error = ref<unknown>(null);
  /** The account the screens are filtered to; null means "All accounts". Mirrored in `?account=`. */
  const selectedAccountId = ref<string | null>(null);

  const activeAccounts = computed(() => items.value.filter((a) => a.status === 'active'));
  const hasActiveAccount = computed(() => activeAccounts.value.length > 0);
  /** The first-run rule of the specification: no account yet, or only the sign-up placeholder(s). */
  const needsOnboarding = computed(
    () => items.value.length === 0 || items.value.every((a) => a.status === 'pending'),
  );
  const selectedAccount = computed(() => items.value.find((a) => a.id === selectedAccountId.value) ?? null);

  let inFlight: Promise<void> | null = null;

  function load(): Promise<void> {
    inFlight ??= (async () => {
      loading.value = true;
      error.value = null;
      try {
        const body = await api.get('/api/client/accounts', accountListSchema);
        items.value = body.items;
        loaded.value = true;
      } catch (e) {
        error.value = e;
        throw e;
      } finally {
        loading.value = false;
        inFlight = null;
      }
    })();
    return inFlight;
  }

  /** Loads once; screens that only need the list call this instead of {@link load}. */
  async function ensureLoaded(): Promise<void> {
    if (!loaded.value) await load();
  }

  function selectAccount(accountId: string | null): void {
    selectedAccountId.value = accountId;
  }

  function $reset(): void {
    items.value = [];
    loaded.value = false;
    loading.value = false;
    error.value = null;
    selectedAccountId.value = null;
  }

  return {
    items,
    loaded,
    loading,
    error,
    selectedAccountId,
    activeAccounts,
    hasActiveAccount,
    needsOnboarding,
    selectedAccount,
    load,
    ensureLoaded,
    selectAccount,
    $reset,
  };
});
