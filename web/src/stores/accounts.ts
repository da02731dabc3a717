import {
  type AccountSummary,
  accountListResponseSchema,
  accountViewSchema,
  type ConnectInput,
  type RoleSetup,
  type RoleSetupInput,
  roleSetupResponseSchema,
} from '@spot/shared';
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { api } from '../api/client';

/** The body of `POST /api/client/accounts/connect` (the API contract's two shapes). */
export type ConnectRequest = ConnectInput;

const accountPath = (id: string) => `/api/client/accounts/${encodeURIComponent(id)}`;

/** The organization's cloud accounts, their lifecycle actions, and the global account filter of the top bar. */
export const useAccountsStore = defineStore('accounts', () => {
  const items = ref<AccountSummary[]>([]);
  const loaded = ref(false);
  const loading = ref(false);
  const error = ref<unknown>(null);
  /** The account the screens are filtered to; null means "All accounts". Mirrored in `?account=`. */
  const selectedAccountId = ref<string | null>(null);

  const activeAccounts = computed(() => items.value.filter((a) => a.status === 'active'));
  const hasActiveAccount = computed(() => activeAccounts.value.length > 0);
  const anyScanning = computed(() => items.value.some((a) => a.status === 'scanning'));
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
        const body = await api.get('/api/client/accounts', accountListResponseSchema);
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

  /** Replaces (or adds) one account in the list with what the API just said about it. */
  function remember(account: AccountSummary): AccountSummary {
    const index = items.value.findIndex((a) => a.id === account.id);
    if (index === -1) items.value = [...items.value, account];
    else items.value = items.value.map((a) => (a.id === account.id ? account : a));
    return account;
  }

  async function fetchAccount(id: string): Promise<AccountSummary> {
    return remember(await api.get(accountPath(id), accountViewSchema));
  }

  function roleSetup(input: RoleSetupInput): Promise<RoleSetup> {
    return api.post('/api/client/accounts/role-setup', input, roleSetupResponseSchema);
  }

  /** Connects (or Verifies) an account; the answer is the account, `scanning` while discovery runs. */
  async function connect(request: ConnectRequest): Promise<AccountSummary> {
    const account = await api.post('/api/client/accounts/connect', request, accountViewSchema);
    // The sign-up placeholder may have become this account: take the whole list again.
    await load().catch(() => remember(account));
    return account;
  }

  async function rename(id: string, name: string): Promise<AccountSummary> {
    return remember(await api.patch(accountPath(id), { name }, accountViewSchema));
  }

  async function resync(id: string): Promise<AccountSummary> {
    return remember(await api.post(`${accountPath(id)}/resync`, {}, accountViewSchema));
  }

  async function disconnect(id: string): Promise<void> {
    await api.delete(accountPath(id));
    items.value = items.value.filter((a) => a.id !== id);
    if (selectedAccountId.value === id) selectedAccountId.value = null;
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
    anyScanning,
    needsOnboarding,
    selectedAccount,
    load,
    ensureLoaded,
    fetchAccount,
    roleSetup,
    connect,
    rename,
    resync,
    disconnect,
    selectAccount,
    $reset,
  };
});
