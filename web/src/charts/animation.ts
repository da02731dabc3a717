/** Animations off under automation, or screenshots and browser tests catch half-drawn charts. */
export const chartAnimation = typeof navigator === 'undefined' || !navigator.webdriver;
