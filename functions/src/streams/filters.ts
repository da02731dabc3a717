/**
 * The DynamoDB stream event filters of the audit stream functions, in Lambda's filter-pattern syntax.
 * The CDK event source mappings install them and the local stack's stream poller applies the same
 * patterns, so a function sees the same records in both places.
 */

/** Audit records just written: what SIEM streaming delivers. */
export const auditInsertFilter = {
  eventName: ['INSERT'],
  dynamodb: { NewImage: { entity: { S: ['AuditRecord'] } } },
} as const;

/**
 * Audit records DynamoDB's TTL deleted (the service's own identity; a delete by anyone else is not an
 * expiry): what advances the retention checkpoint.
 */
export const auditExpiryFilter = {
  eventName: ['REMOVE'],
  userIdentity: { type: ['Service'], principalId: ['dynamodb.amazonaws.com'] },
  dynamodb: { OldImage: { entity: { S: ['AuditRecord'] } } },
} as const;

type Pattern = { readonly [key: string]: readonly string[] | Pattern };

/** Whether a stream record matches a filter pattern (exact-value lists only, the subset used above). */
export function matchesFilter(record: unknown, pattern: Pattern): boolean {
  if (!record || typeof record !== 'object') return false;
  return Object.entries(pattern).every(([key, expected]) => {
    const value = (record as Record<string, unknown>)[key];
    if (Array.isArray(expected)) return expected.includes(value as string);
    return matchesFilter(value, expected as Pattern);
  });
}
