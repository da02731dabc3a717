import { adminOrganizationListSchema } from '@spot/shared';
import { computed } from 'vue';
import { api } from '../api/client';
import { useAsyncData } from './useAsyncData';

/** Every organization with its accounts, for the read-only admin console. */
export function useAdminOrganizations() {
  const { data, error, loading, reload } = useAsyncData((signal) =>
    api.get('/api/admin/organizations', adminOrganizationListSchema, { signal }).then((body) => body.items),
  );
  const organizations = computed(() => data.value ?? []);
  const totals = computed(() => {
    const accounts = organizations.value.flatMap((o) => o.accounts);
    return {
      organizations: organizations.value.length,
      accounts: accounts.length,
      active: accounts.filter((a) => a.status === 'active').length,
      failing: accounts.filter((a) => a.status === 'error').length,
    };
  });
  return { organizations, totals, loaded: computed(() => data.value !== null), loading, error, reload };
}
