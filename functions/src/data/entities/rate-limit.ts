import { createHash } from 'node:crypto';

/**
 * Rate counters: one item per limited key and fixed window, `{ requests, expiresAt }`, written only with
 * an atomic conditional ADD (`functions/src/http/rate-limit.ts`). Not organization-partitioned on purpose:
 * an IP address or an email exists before (and across) organizations. The key is stored only as a SHA-256,
 * so the table holds no IP address or email, and the item expires (TTL) one window after its own ends.
 */
export const rateCounterEntityName = 'RateCounter';

/** `RATE#<scope>#<sha256 of the key>` / `WINDOW#<window start, epoch seconds>`. */
export const rateCounterKey = (scope: string, key: string, windowStartSeconds: number) => ({
  PK: `RATE#${scope}#${createHash('sha256').update(key).digest('hex')}`,
  SK: `WINDOW#${windowStartSeconds}`,
});
