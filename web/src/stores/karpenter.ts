import { type KarpenterStateResponse, karpenterStateResponseSchema } from '@spot/shared';
import { karpenterObjectRows, lastReconcileOutcome } from '@spot/shared/karpenter/view';
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { api } from '../api/client';

/**
 * The cluster page's Karpenter card (issue 14, ADR 0042/0046): `GET .../karpenter` (applied vs live,
 * drift, the last reconcile) and "Reconcile now" (`POST .../karpenter/reconcile`). Rows and the outcome
 * come from shared functions.
 */
export const useKarpenterStore = defineStore('karpenter', () => {
  const clusterId = ref<string | null>(null);
  const state = ref<KarpenterStateResponse | null>(null);
  const loading = ref(false);
  const reconciling = ref(false);
  const error = ref<unknown>(null);
  const reconcileError = ref<unknown>(null);

  const rows = computed(() => (state.value ? karpenterObjectRows(state.value) : []));
  const outcome = computed(() => (state.value ? lastReconcileOutcome(state.value) : null));
  const failures = computed(() =>
    (state.value?.lastReconcile?.commands ?? []).filter(
      (c) => c.outcome === 'failed' || c.outcome === 'refused',
    ),
  );
  /** Whether a reconcile would do anything: something to apply or remove. */
  const pending = computed(() =>
    state.value ? state.value.plan.apply.length + state.value.plan.remove.length : 0,
  );

  const path = (id: string) => `/api/client/clusters/${encodeURIComponent(id)}/karpenter`;

  async function load(id: string): Promise<void> {
    clusterId.value = id;
    if (state.value?.clusterId !== id) state.value = null;
    error.value = null;
    reconcileError.value = null;
    loading.value = true;
    try {
      const res = await api.get(path(id), karpenterStateResponseSchema);
      if (clusterId.value === id) state.value = res;
    } catch (e) {
      if (clusterId.value === id) error.value = e;
    } finally {
      if (clusterId.value === id) loading.value = false;
    }
  }

  /** Reconcile now; the answer replaces the state shown. The API's error is kept to show, and rethrown. */
  async function reconcile(): Promise<void> {
    const id = clusterId.value;
    if (!id || reconciling.value) return;
    reconciling.value = true;
    reconcileError.value = null;
    try {
      const res = await api.post(`${path(id)}/reconcile`, {}, karpenterStateResponseSchema);
      if (clusterId.value === id) state.value = res;
    } catch (e) {
      if (clusterId.value === id) reconcileError.value = e;
      throw e;
    } finally {
      reconciling.value = false;
    }
  }

  return {
    clusterId,
    state,
    loading,
    reconciling,
    error,
    reconcileError,
    rows,
    outcome,
    failures,
    pending,
    load,
    reconcile,
  };
});
