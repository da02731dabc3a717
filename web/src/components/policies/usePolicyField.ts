import { storeToRefs } from 'pinia';
import { computed, type WritableComputedRef } from 'vue';
import { isSetHere, sourceOf, valueAt, withValueAt } from '../../lib/policy-edit';
import { usePoliciesStore } from '../../stores/policies';

/**
 * One policy field of the level being edited, for `v-model`: it reads the effective value (inherited
 * where the level sets nothing) and writes to the draft of the level; `inherit()` drops the override.
 */
export function usePolicyField<T>(path: string) {
  const store = usePoliciesStore();
  const { editState, effective, inheritedSources, draft, level } = storeToRefs(store);
  const value: WritableComputedRef<T> = computed({
    get: () => valueAt(effective.value, path) as T,
    set: (v: T) => {
      draft.value = withValueAt(draft.value, path, v);
    },
  });
  const setHere = computed(() => isSetHere(editState.value, path));
  const source = computed(() => sourceOf(editState.value, path, inheritedSources.value));
  const canInherit = computed(() => level.value !== 'organization' && setHere.value);
  const inherit = () => {
    draft.value = withValueAt(draft.value, path, undefined);
  };
  return { value, setHere, source, canInherit, inherit };
}
