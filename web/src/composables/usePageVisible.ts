import { getCurrentScope, onScopeDispose, readonly, ref } from 'vue';

/** True while the browser tab is visible: polling pauses when the user looks elsewhere. */
export function usePageVisible() {
  const visible = ref(typeof document === 'undefined' || document.visibilityState !== 'hidden');
  if (typeof document !== 'undefined') {
    const update = () => {
      visible.value = document.visibilityState !== 'hidden';
    };
    document.addEventListener('visibilitychange', update);
    if (getCurrentScope()) onScopeDispose(() => document.removeEventListener('visibilitychange', update));
  }
  return readonly(visible);
}
