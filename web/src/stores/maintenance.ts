import {
  clusterDetailResponseSchema,
  type MaintenanceState,
  maintenanceResponseSchema,
  maintenanceStateSchema,
} from '@spot/shared';
import { defineStore } from 'pinia';
import { ref } from 'vue';
import { api } from '../api/client';

/**
 * Maintenance mode of the cluster shown (issue 14, ADR 0037): read from the cluster's detail, switched with
 * `PUT /api/client/clusters/{id}/maintenance`. While on, no automated action runs on the cluster.
 */
export const useMaintenanceStore = defineStore('maintenance', () => {
  const clusterId = ref<string | null>(null);
  const state = ref<MaintenanceState | null>(null);
  const loading = ref(false);
  const saving = ref(false);
  const error = ref<unknown>(null);

  async function load(id: string): Promise<void> {
    clusterId.value = id;
    state.value = null;
    error.value = null;
    loading.value = true;
    try {
      const detail = await api.get(
        `/api/client/clusters/${encodeURIComponent(id)}`,
        clusterDetailResponseSchema,
      );
      if (clusterId.value !== id) return;
      state.value = maintenanceStateSchema.parse(detail.cluster.maintenance);
    } catch (e) {
      if (clusterId.value === id) error.value = e;
    } finally {
      if (clusterId.value === id) loading.value = false;
    }
  }

  /** Switches it; the answer (who, since when) replaces the state shown. Throws the API's error. */
  async function set(enabled: boolean, reason?: string): Promise<void> {
    const id = clusterId.value;
    if (!id) return;
    saving.value = true;
    try {
      const res = await api.put(
        `/api/client/clusters/${encodeURIComponent(id)}/maintenance`,
        { enabled, ...(reason ? { reason } : {}) },
        maintenanceResponseSchema,
      );
      if (clusterId.value === id) state.value = res.maintenance;
    } finally {
      saving.value = false;
    }
  }

  return { clusterId, state, loading, saving, error, load, set };
});
