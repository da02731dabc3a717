/**
 * In AWS every function runs in a Lambda of its own; the local stack runs them all on one event loop, so a
 * long synchronous computation (a big cluster's packing bound, a discovery's savings) holds up every other
 * request, the SPA's static files included. When the loop was blocked for `thresholdMs` or more, this says
 * so in the log: a browser test that timed out at the same moment then has its cause beside it.
 */
export function watchEventLoop(log: (line: string) => void, thresholdMs = 2_000, tickMs = 250): () => void {
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    const blockedMs = now - last - tickMs;
    last = now;
    if (blockedMs >= thresholdMs) log(`event loop blocked for ${Math.round(blockedMs)} ms`);
  }, tickMs);
  timer.unref();
  return () => clearInterval(timer);
}
