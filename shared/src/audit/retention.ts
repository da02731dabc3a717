/**
 * Audit retention as DynamoDB TTL sees it: an expiry instant in epoch seconds on each record, or none
 * (kept indefinitely).
 */

const secondsPerDay = 86_400;

/**
 * The TTL value of a record created at `createdAt` (ISO instant) under a retention of `retentionDays`:
 * floor(createdAt in epoch seconds) + retentionDays x 86,400 s; undefined when records are kept
 * indefinitely (null) or the instant does not parse.
 */
export function auditExpiryEpochSeconds(createdAt: string, retentionDays: number | null): number | undefined {
  if (retentionDays === null) return undefined;
  const ms = Date.parse(createdAt);
  if (Number.isNaN(ms)) return undefined;
  return Math.floor(ms / 1000) + retentionDays * secondsPerDay;
}
