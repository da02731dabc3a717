import { type RightsizingPlanResponse, rightsizingPlanResponseSchema } from '@spot/shared';
import { defineStore } from 'pinia';
import { ref } from 'vue';
import { api } from '../api/client';

/** One cluster's workload-patch dry run (rightsizing and spot rules, ADR 0043). Nothing changes. */
export const useRightsizingStore = defineStore('rightsizing', () => {
  const clusterId = ref<string | null>(null);
  const plan = ref<RightsizingPlanResponse | null>(null);
  const planning = ref(false);
  const planError = ref<unknown>(null);

  async function preview(id: string): Promise<void> {
    clusterId.value = id;
    planning.value = true;
    planError.value = null;
    try {
      const result = await api.post(
        `/api/client/clusters/${encodeURIComponent(id)}/rightsizing`,
        { dryRun: true },
        rightsizingPlanResponseSchema,
      );
      if (clusterId.value === id) plan.value = result;
    } catch (e) {
      planError.value = e;
    } finally {
      planning.value = false;
    }
  }

  /** Closes the preview (and forgets another cluster's when the page moves on). */
  const close = () => {
    plan.value = null;
    planError.value = null;
  };

  return { clusterId, plan, planning, planError, preview, close };
});
