import { onBeforeUnmount, onMounted } from 'vue';

/**
 * Modal dialogs and drawers: marked `aria-modal`, except Naive UI's `useDialog` confirmations, which are
 * a `role="dialog"` in a modal (class `n-modal`) without it.
 */
export const modalSelector = '[aria-modal="true"], [role="dialog"].n-modal';

/** The modal dialogs on screen (Naive UI keeps closed ones in the DOM, hidden). */
const openModals = (): HTMLElement[] =>
  [...document.querySelectorAll<HTMLElement>(modalSelector)].filter((el) => el.getClientRects().length > 0);

/**
 * While a modal dialog or drawer is open, the page behind it is `inert`: out of the Tab order, out of
 * the accessibility tree (a screen reader cannot browse behind the dialog) and not clickable. Naive UI
 * only traps Tab and marks most of its dialogs `aria-modal`, which not every screen reader honours. Its
 * dialogs, drawers and confirmations are teleported to `<body>`, outside the app's root, so making that
 * root inert leaves them (and the toasts) usable. Watching the DOM rather than each component covers
 * every dialog, including ones added later. Naive UI returns the focus to the opener on close.
 */
export function useInertBehindDialogs(root: () => HTMLElement | null): void {
  let observer: MutationObserver | null = null;

  const sync = () => {
    const app = root();
    if (!app) return;
    const modal = openModals().some((el) => !app.contains(el));
    if (modal !== app.inert) app.inert = modal;
  };

  onMounted(() => {
    observer = new MutationObserver(sync);
    // Dialogs open and close by nodes added and removed, or by `display` (v-show) on a kept node.
    observer.observe(document.body, {
      childList: true,
      subtree: true,
      attributes: true,
      attributeFilter: ['style', 'class', 'aria-modal'],
    });
    sync();
  });
  onBeforeUnmount(() => observer?.disconnect());
}
