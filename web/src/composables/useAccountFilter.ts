import { storeToRefs } from 'pinia';
import { computed } from 'vue';
import { useRoute, useRouter } from 'vue-router';
import { useAccountsStore } from '../stores/accounts';

const allAccounts = '__all__';

/** The top bar's account filter: options from the accounts store, selection mirrored in `?account=`. */
export function useAccountFilter() {
  const store = useAccountsStore();
  const { items, selectedAccountId } = storeToRefs(store);
  const route = useRoute();
  const router = useRouter();

  const options = computed(() => [
    { label: 'All accounts', value: allAccounts },
    ...items.value.map((account) => ({
      label: account.awsAccountIdMasked ? `${account.name} (${account.awsAccountIdMasked})` : account.name,
      value: account.id,
    })),
  ]);

  const value = computed(() => selectedAccountId.value ?? allAccounts);

  function select(next: string): void {
    const accountId = next === allAccounts ? null : next;
    store.selectAccount(accountId);
    const query = { ...route.query };
    if (accountId) query.account = accountId;
    else delete query.account;
    void router.replace({ query });
  }

  return { options, value, select };
}
