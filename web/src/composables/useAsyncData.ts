import { getCurrentScope, onScopeDispose, ref, shallowRef } from 'vue';

/**
 * Loads data for a page: `loading` while a request runs, `error` when it failed (for a Retry button),
 * `reload()` to try again. A newer load aborts the older one, and leaving the page aborts both.
 */
export function useAsyncData<T>(fetcher: (signal: AbortSignal) => Promise<T>, options = { immediate: true }) {
  const data = shallowRef<T | null>(null);
  const error = shallowRef<unknown>(null);
  const loading = ref(false);
  let controller: AbortController | null = null;

  async function reload(): Promise<void> {
    controller?.abort();
    const current = new AbortController();
    controller = current;
    loading.value = true;
    error.value = null;
    try {
      data.value = await fetcher(current.signal);
    } catch (e) {
      if (!current.signal.aborted) error.value = e;
    } finally {
      if (controller === current) loading.value = false;
    }
  }

  if (getCurrentScope()) onScopeDispose(() => controller?.abort());
  if (options.immediate) void reload();

  return { data, error, loading, reload };
}
