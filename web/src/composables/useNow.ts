import { getCurrentScope, onScopeDispose, ref } from 'vue';

/** The current time, refreshed every `intervalMs` (a ticking countdown, a clock), until the component goes. */
export function useNow(intervalMs = 1_000) {
  const now = ref(new Date());
  const timer = setInterval(() => {
    now.value = new Date();
  }, intervalMs);
  if (getCurrentScope()) onScopeDispose(() => clearInterval(timer));
  return now;
}
