import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RateLimitedError } from '../../src/errors';
import { decideRate, type RateLimit, rateWindow, retryAfterSeconds } from '../../src/model/rate-limit';

/**
 * The limiter as the middleware runs it, with an in-memory map in place of the DynamoDB counters: one
 * counter per key and window start, incremented only when the request is let through (the table's
 * conditional ADD does the same).
 */
function simulate(limit: RateLimit, requests: readonly { key: string; atMs: number }[]) {
  const counters = new Map<string, number>();
  return requests.map(({ key, atMs }) => {
    const counter = `${key}@${rateWindow(atMs, limit.windowSeconds).startSeconds}`;
    const before = counters.get(counter) ?? 0;
    const decision = decideRate(before, limit, atMs);
    if (decision.allowed) counters.set(counter, before + 1);
    return { key, atMs, decision };
  });
}

const limitArb = fc.record({
  requests: fc.integer({ min: 1, max: 20 }),
  windowSeconds: fc.constantFrom(1, 10, 60, 300, 3600),
});
const t0 = Date.UTC(2026, 11, 5, 8, 0, 0);
const requestsArb = fc
  .array(
    fc.record({ key: fc.constantFrom('a', 'b', 'c'), atMs: fc.integer({ min: t0, max: t0 + 2 * 3600_000 }) }),
    { maxLength: 300 },
  )
  .map((rs) => [...rs].sort((x, y) => x.atMs - y.atMs));

describe('fixed-window rate limits', () => {
  it('never lets more than the limit through per key and window, and lets exactly that many when more come', () => {
    fc.assert(
      fc.property(limitArb, requestsArb, (limit, requests) => {
        const perWindow = new Map<string, { allowed: number; seen: number }>();
        for (const r of simulate(limit, requests)) {
          const id = `${r.key}@${rateWindow(r.atMs, limit.windowSeconds).startSeconds}`;
          const w = perWindow.get(id) ?? { allowed: 0, seen: 0 };
          w.seen += 1;
          if (r.decision.allowed) w.allowed += 1;
          perWindow.set(id, w);
        }
        for (const w of perWindow.values()) expect(w.allowed).toBe(Math.min(w.seen, limit.requests));
      }),
    );
  });

  it('keys do not share a budget: one key flooding never refuses another key', () => {
    fc.assert(
      fc.property(limitArb, fc.integer({ min: 0, max: 500 }), (limit, flood) => {
        const requests = [
          ...Array.from({ length: flood }, (_, i) => ({ key: 'attacker', atMs: t0 + i })),
          { key: 'someone-else', atMs: t0 + flood },
        ];
        expect(simulate(limit, requests).at(-1)?.decision.allowed).toBe(true);
      }),
    );
  });

  it('a refused caller waiting Retry-After seconds lands in a fresh window, and not a second earlier', () => {
    fc.assert(
      fc.property(limitArb, fc.integer({ min: t0, max: t0 + 86_400_000 }), (limit, atMs) => {
        const decision = decideRate(limit.requests, limit, atMs);
        expect(decision.allowed).toBe(false);
        if (decision.allowed) return;
        const wait = decision.retryAfterSeconds;
        expect(wait).toBeGreaterThanOrEqual(1);
        expect(wait).toBeLessThanOrEqual(limit.windowSeconds);
        const window = rateWindow(atMs, limit.windowSeconds);
        expect(rateWindow(atMs + wait * 1000, limit.windowSeconds).startSeconds).toBeGreaterThanOrEqual(
          window.endSeconds,
        );
        // One second less would still be in the same window, unless the window ends within that second.
        if (atMs + (wait - 1) * 1000 < window.endSeconds * 1000 && wait > 1) {
          expect(rateWindow(atMs + (wait - 1) * 1000, limit.windowSeconds).startSeconds).toBe(
            window.startSeconds,
          );
        }
      }),
    );
  });

  it('aligns windows to the epoch, so every instance agrees on them', () => {
    expect(rateWindow(Date.UTC(2026, 0, 1, 0, 0, 59, 999), 60)).toEqual({
      startSeconds: Date.UTC(2026, 0, 1, 0, 0, 0) / 1000,
      endSeconds: Date.UTC(2026, 0, 1, 0, 1, 0) / 1000,
    });
    expect(retryAfterSeconds(Date.UTC(2026, 0, 1, 0, 0, 59, 999), 60)).toBe(1);
    expect(retryAfterSeconds(Date.UTC(2026, 0, 1, 0, 0, 0), 60)).toBe(60);
  });

  it('tells the caller how long to wait, in words and as a number', () => {
    const error = new RateLimitedError(42);
    expect(error).toMatchObject({ statusCode: 429, code: 'RATE_LIMITED', retryAfterSeconds: 42 });
    expect(error.message).toBe('Too many requests; try again in 42 seconds.');
    expect(new RateLimitedError(1).message).toBe('Too many requests; try again in 1 second.');
  });
});
