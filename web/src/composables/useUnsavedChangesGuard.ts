import { useDialog } from 'naive-ui';
import { onBeforeUnmount, onMounted, type Ref } from 'vue';
import { onBeforeRouteLeave } from 'vue-router';

/**
 * Guards a page's unsaved edits: leaving by the router asks first ("Discard unsaved changes?"), closing or
 * reloading the tab gets the browser's own warning. `confirmDiscard()` is returned for the page's in-page
 * switches (another cluster, another policy level). One question at a time: a menu click can start two
 * navigations (the menu's and its link's), and both wait for the same answer.
 */
export function useUnsavedChangesGuard(dirty: Readonly<Ref<boolean>>, describe: () => string) {
  const dialog = useDialog();
  let asking: Promise<boolean> | null = null;

  /** Resolves true to go on (nothing unsaved, or the user chose Discard). */
  function confirmDiscard(): Promise<boolean> {
    if (!dirty.value) return Promise.resolve(true);
    asking ??= new Promise<boolean>((resolve) => {
      dialog.warning({
        title: 'Discard unsaved changes?',
        content: describe(),
        positiveText: 'Discard',
        negativeText: 'Keep editing',
        onPositiveClick: () => resolve(true),
        onNegativeClick: () => resolve(false),
        onClose: () => resolve(false),
        onMaskClick: () => resolve(false),
      });
    }).finally(() => {
      asking = null;
    });
    return asking;
  }

  const beforeUnload = (event: BeforeUnloadEvent) => {
    if (dirty.value) event.preventDefault();
  };
  onMounted(() => window.addEventListener('beforeunload', beforeUnload));
  onBeforeUnmount(() => window.removeEventListener('beforeunload', beforeUnload));
  onBeforeRouteLeave(() => confirmDiscard());

  return { confirmDiscard };
}
