/**
 * Abuse limits: how many requests one key (an IP address, an email, an organization, a cluster) may make
 * to one route in a fixed window. The decision is pure; the counting (one atomic DynamoDB counter per key
 * and window) is in the functions' data layer, and the limits themselves are declared in the route table.
 *
 * Fixed windows are aligned to the epoch (a 60 s window starts at every whole minute), so every Lambda
 * instance and the local gateway agree on the window without coordinating: the window's start is the
 * counter's sort key.
 */

/** At most `requests` requests per key in each window of `windowSeconds`. */
export interface RateLimit {
  readonly requests: number;
  readonly windowSeconds: number;
}

/** What a limit counts by: the caller's IP, the email signed in to, the caller's organization or cluster. */
export const rateLimitDimensions = ['ip', 'email', 'org', 'cluster'] as const;
export type RateLimitDimension = (typeof rateLimitDimensions)[number];

/** The window `nowMs` falls in: its start and end, epoch seconds (end exclusive). */
export function rateWindow(
  nowMs: number,
  windowSeconds: number,
): { startSeconds: number; endSeconds: number } {
  const nowSeconds = Math.floor(nowMs / 1000);
  const startSeconds = nowSeconds - (((nowSeconds % windowSeconds) + windowSeconds) % windowSeconds);
  return { startSeconds, endSeconds: startSeconds + windowSeconds };
}

/**
 * Whole seconds until the window of `nowMs` ends, at least 1: what `Retry-After` says. A caller that waits
 * that long lands in the next window, whose counter starts at zero.
 */
export function retryAfterSeconds(nowMs: number, windowSeconds: number): number {
  const { endSeconds } = rateWindow(nowMs, windowSeconds);
  return Math.max(1, Math.ceil((endSeconds * 1000 - nowMs) / 1000));
}

export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/**
 * The decision for one request given how many requests of its key the window counted BEFORE it
 * (`countBefore`, the counter's value read or conditionally incremented atomically).
 */
export function decideRate(countBefore: number, limit: RateLimit, nowMs: number): RateDecision {
  if (countBefore < limit.requests) return { allowed: true };
  return { allowed: false, retryAfterSeconds: retryAfterSeconds(nowMs, limit.windowSeconds) };
}

/** The answer of a refused request, shown to the caller as is. */
export const rateLimitedMessage = (retryAfter: number) =>
  `Too many requests; try again in ${retryAfter} second${retryAfter === 1 ? '' : 's'}.`;
