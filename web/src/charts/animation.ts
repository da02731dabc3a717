/**
 * Chart animations: off under automation (screenshots and browser tests would catch half-drawn charts) and
 * when the user asks for reduced motion (WCAG 2.3.3), like the CSS of `.no-motion` (main.ts).
 */
export const chartAnimation =
  typeof navigator === 'undefined' ||
  (!navigator.webdriver &&
    !(typeof matchMedia === 'function' && matchMedia('(prefers-reduced-motion: reduce)').matches));
