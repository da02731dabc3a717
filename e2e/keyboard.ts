import { expect, type Locator, type Page } from '@playwright/test';

/**
 * Keyboard-only driving for the browser tests: every stop of the focus is checked for a visible focus
 * indicator, and dialogs for a focus trap and an inert background.
 */

interface FocusReport {
  /** What has the focus: tag, id, accessible-ish name. */
  element: string;
  /** The outline or ring that appears with the focus (empty when none does). */
  indicator: string;
  /** The focus came back after the check's blur (the check left the page as it found it). */
  restored: boolean;
}

/**
 * Runs in the page. Compares how the focused element looks with the focus and without it (blurred for
 * a frame, then focused again): a visible focus indicator is an outline or a box-shadow that the focus
 * adds, on the element itself or, for Naive UI's inputs, selects and radio buttons (whose native
 * control is transparent), on the wrapper that draws their focus ring. A colour that is always there
 * (an active tab's shadow) does not count, nor does anything on an invisible element.
 */
async function focusReport(): Promise<FocusReport> {
  const doc = (globalThis as unknown as { document: DomDocument }).document;
  const frame = () =>
    new Promise<void>((resolve) =>
      (globalThis as unknown as { requestAnimationFrame: (f: () => void) => void }).requestAnimationFrame(
        () => setTimeout(resolve, 0),
      ),
    );
  const el = doc.activeElement;
  if (!el || el === doc.body) return { element: 'nothing (body)', indicator: '', restored: false };
  const name = (el.getAttribute('aria-label') ?? el.textContent ?? '')
    .trim()
    .replace(/\s+/g, ' ')
    .slice(0, 50);
  const element = `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''} "${name}"`;
  const wrapper = el.closest('.n-input, .n-base-selection, .n-radio-button, .n-checkbox, .n-switch');
  const ring = wrapper?.querySelector(':scope > [class*="__state-border"]') ?? null;
  const parts = [el, wrapper, ring].filter((p): p is DomElement => p !== null);
  const shown = (e: DomElement) => {
    const box = e.getBoundingClientRect();
    if (box.width < 1 || box.height < 1) return false;
    for (let x: DomElement | null = e; x; x = x.parentElement) {
      const s = getStyle(x);
      if (s.opacity === '0' || s.visibility === 'hidden') return false;
    }
    return true;
  };
  const transparent = (color: string) => color === 'transparent' || /rgba\(.*,\s*0\)$/.test(color);
  const look = () =>
    parts.map((p) => {
      if (!shown(p)) return { outline: '', shadow: '' };
      const s = getStyle(p);
      const outline =
        s.outlineStyle !== 'none' && Number.parseFloat(s.outlineWidth) > 0 && !transparent(s.outlineColor)
          ? `outline ${s.outlineWidth} ${s.outlineStyle} ${s.outlineColor}`
          : '';
      return { outline, shadow: s.boxShadow !== 'none' ? `box-shadow ${s.boxShadow}` : '' };
    });
  const focused = look();
  el.blur();
  await frame();
  const blurred = look();
  el.focus({ preventScroll: true });
  await frame();
  const indicator = focused
    .flatMap((f, i) => [
      f.outline && f.outline !== blurred[i]?.outline ? f.outline : '',
      f.shadow && f.shadow !== blurred[i]?.shadow ? f.shadow : '',
    ])
    .filter(Boolean)
    .join('; ');
  return { element, indicator, restored: doc.activeElement === el };

  function getStyle(e: DomElement) {
    return (globalThis as unknown as { getComputedStyle: (e: DomElement) => DomStyle }).getComputedStyle(e);
  }
}

// The few DOM shapes the in-page function uses (the e2e project has no DOM types).
interface DomStyle {
  opacity: string;
  visibility: string;
  outlineStyle: string;
  outlineWidth: string;
  outlineColor: string;
  boxShadow: string;
}
interface DomElement {
  tagName: string;
  id: string;
  textContent: string | null;
  parentElement: DomElement | null;
  getAttribute(name: string): string | null;
  closest(selector: string): DomElement | null;
  querySelector(selector: string): DomElement | null;
  getBoundingClientRect(): { width: number; height: number };
  blur(): void;
  focus(options?: { preventScroll?: boolean }): void;
}
interface DomDocument {
  activeElement: DomElement | null;
  body: DomElement;
}

/** The focused element shows a focus indicator of its own; returns its description. */
export async function expectVisibleFocus(page: Page, what = 'the focused element'): Promise<string> {
  let report = await page.evaluate(focusReport);
  // A dialog that just opened fades in from opacity 0, and its focused button counts as not shown until
  // the fade has begun (a loaded machine got there first). An element that never shows a ring still fails.
  for (let i = 0; i < 10 && report.indicator === '' && report.element !== 'nothing (body)'; i++) {
    await page.waitForTimeout(100);
    report = await page.evaluate(focusReport);
  }
  expect(report.indicator, `${what}: ${report.element} shows a visible focus indicator`).not.toBe('');
  expect(report.restored, `${what}: ${report.element} keeps the focus`).toBe(true);
  return report.element;
}

/** Presses `key` and checks the new focus is visible. */
export async function press(page: Page, key: string, what?: string): Promise<string> {
  await page.keyboard.press(key);
  return expectVisibleFocus(page, what ?? `after ${key}`);
}

const isFocused = (target: Locator) =>
  target.evaluate((el) => {
    const active = (el.ownerDocument as unknown as { activeElement: unknown }).activeElement;
    return el === active;
  });

/**
 * Presses Tab (or `key`, e.g. Shift+Tab) until `target` has the focus, checking a visible focus at every
 * stop on the way; fails after `max` presses (the control is not reachable from here).
 */
export async function tabTo(page: Page, target: Locator, { key = 'Tab', max = 40 } = {}): Promise<number> {
  const stops: string[] = [];
  for (let i = 1; i <= max; i++) {
    stops.push(await press(page, key, `stop ${i} on the way to ${target}`));
    if (await isFocused(target)) return i;
  }
  throw new Error(
    `${target} was not reached in ${max} presses of ${key}; the focus went: ${stops.join(' → ')}`,
  );
}

/** The focus is on `target` (an element or anything inside it). */
export async function expectFocusWithin(target: Locator, what: string): Promise<void> {
  await expect
    .poll(
      () =>
        target.evaluate((el) => {
          const active = (el.ownerDocument as unknown as { activeElement: unknown }).activeElement;
          return el === active || el.contains(active as never);
        }),
      { message: `the focus is in ${what}` },
    )
    .toBe(true);
}

/**
 * A modal dialog traps the focus: `presses` Tabs forward and as many backwards all stay inside it (each
 * stop visible), and the page behind it is inert (out of the Tab order and of the accessibility tree).
 */
export async function expectFocusTrapped(page: Page, dialog: Locator, presses: number): Promise<void> {
  for (const key of ['Tab', 'Shift+Tab']) {
    for (let i = 0; i < presses; i++) {
      await press(page, key, `${key} ${i + 1} inside the dialog`);
      await expectFocusWithin(dialog, `the dialog after ${key} ${i + 1}`);
    }
  }
  expect(
    await page.locator('#app').evaluate((el) => (el as unknown as { inert: boolean }).inert),
    'the page behind the dialog is inert',
  ).toBe(true);
}
