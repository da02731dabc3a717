import { getCurrentScope, onScopeDispose, type WatchSource, watch } from 'vue';

/**
 * Runs `tick` every `intervalMs` while `active` is true (e.g. while an account is scanning), one tick
 * at a time, and stops when the component goes away. A failed tick is left to the caller's own error
 * state; polling goes on so a passing network blip heals itself.
 */
export function usePolling(active: WatchSource<boolean>, tick: () => Promise<unknown>, intervalMs = 3_000) {
  let timer: ReturnType<typeof setTimeout> | null = null;
  let running = false;

  const stop = () => {
    if (timer) clearTimeout(timer);
    timer = null;
    running = false;
  };
  const schedule = () => {
    timer = setTimeout(async () => {
      try {
        await tick();
      } catch {
        // Shown by the caller's state; try again at the next tick.
      }
      if (running) schedule();
    }, intervalMs);
  };

  watch(
    active,
    (on) => {
      if (on && !running) {
        running = true;
        schedule();
      } else if (!on) stop();
    },
    { immediate: true },
  );
  if (getCurrentScope()) onScopeDispose(stop);
  return { stop };
}
