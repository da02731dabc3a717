import { type ReplaceKubeconfigResponse, replaceKubeconfigResponseSchema } from '@spot/shared';
import { defineStore } from 'pinia';
import { ref } from 'vue';
import { api } from '../api/client';

/**
 * The cluster page's "Replace kubeconfig" (ADR 0065): sends a new kubeconfig for the cluster with
 * `PUT /api/client/clusters/{id}/kubeconfig`. The file is never kept here after the call: the dialog owns
 * the text and clears it; the answer says only which server and kind of credential were stored.
 */
export const useClusterKubeconfigStore = defineStore('clusterKubeconfig', () => {
  const saving = ref(false);
  const error = ref<unknown>(null);
  const last = ref<ReplaceKubeconfigResponse | null>(null);

  /** Stores the file; keeps the API's error (with what to fix) for the dialog and rethrows nothing. */
  async function replace(clusterId: string, kubeconfig: string): Promise<boolean> {
    saving.value = true;
    error.value = null;
    try {
      last.value = await api.put(
        `/api/client/clusters/${encodeURIComponent(clusterId)}/kubeconfig`,
        { kubeconfig },
        replaceKubeconfigResponseSchema,
      );
      return true;
    } catch (e) {
      error.value = e;
      return false;
    } finally {
      saving.value = false;
    }
  }

  function clearError(): void {
    error.value = null;
  }

  return { saving, error, last, replace, clearError };
});
