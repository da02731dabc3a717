import { nextTick, onScopeDispose } from 'vue';
import type { Router } from 'vue-router';
import { modalSelector } from './useInertBehindDialogs';

/**
 * After the page changes, focus goes to the new page's `<main id="main">` (tabindex -1), as a full page
 * load would put it at the top: otherwise the focus stays on a control of the page that went away (a
 * clicked row, the wizard's last button), that is on `<body>`, and the next Tab starts from the top of the
 * document while a screen reader says nothing about the new page. Query-only changes (filters) keep the
 * focus where it is, and so does a dialog or a control of the new page that took the focus for itself
 * (the first-run wizard).
 */
export function useRouteFocus(router: Router): void {
  const stop = router.afterEach((to, from, failure) => {
    if (failure || from.matched.length === 0 || to.path === from.path) return;
    // After the new page has rendered and any dialog it opens has taken the focus.
    void nextTick()
      .then(() => new Promise((resolve) => setTimeout(resolve, 0)))
      .then(() => {
        const main = document.getElementById('main');
        const focused = document.activeElement;
        if (!main || focused?.closest(modalSelector) || (focused && main.contains(focused))) return;
        main.focus({ preventScroll: true });
      });
  });
  onScopeDispose(stop);
}
