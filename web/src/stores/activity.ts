import {
  type ClusterActionView,
  type ConsolidationPlanResponse,
  clusterActionsResponseSchema,
  consolidationPlanResponseSchema,
} from '@spot/shared';
import { defineStore } from 'pinia';
import { ref } from 'vue';
import { api } from '../api/client';

const base = (clusterId: string) => `/api/client/clusters/${encodeURIComponent(clusterId)}`;

/** One cluster's optimizer activity (the actions list) and its consolidation dry run. */
export const useActivityStore = defineStore('activity', () => {
  const clusterId = ref<string | null>(null);
  const actions = ref<ClusterActionView[]>([]);
  const nextCursor = ref<string | null>(null);
  const loading = ref(false);
  const error = ref<unknown>(null);
  const plan = ref<ConsolidationPlanResponse | null>(null);
  const planning = ref(false);
  const planError = ref<unknown>(null);

  async function load(id: string, more = false): Promise<void> {
    if (id !== clusterId.value) {
      clusterId.value = id;
      actions.value = [];
      nextCursor.value = null;
      plan.value = null;
      planError.value = null;
    }
    loading.value = true;
    error.value = null;
    try {
      const query = more && nextCursor.value ? `&cursor=${encodeURIComponent(nextCursor.value)}` : '';
      const page = await api.get(`${base(id)}/actions?limit=50${query}`, clusterActionsResponseSchema);
      if (clusterId.value !== id) return;
      actions.value = more ? [...actions.value, ...page.items] : page.items;
      nextCursor.value = page.nextCursor;
    } catch (e) {
      error.value = e;
    } finally {
      loading.value = false;
    }
  }

  /** The dry run: what consolidation would do now under the cluster's effective policy. Nothing changes. */
  async function preview(id: string): Promise<void> {
    planning.value = true;
    planError.value = null;
    try {
      const result = await api.post(
        `${base(id)}/consolidation`,
        { dryRun: true },
        consolidationPlanResponseSchema,
      );
      if (clusterId.value === id || clusterId.value === null) plan.value = result;
    } catch (e) {
      planError.value = e;
    } finally {
      planning.value = false;
    }
  }

  const closePreview = () => {
    plan.value = null;
    planError.value = null;
  };

  return {
    clusterId,
    actions,
    nextCursor,
    loading,
    error,
    plan,
    planning,
    planError,
    load,
    preview,
    closePreview,
  };
});
