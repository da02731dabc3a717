import type { AuditFilter } from '../model/audit';

/** The fields of a stored record a filter looks at. */
export interface FilterableRecord {
  createdAt: string;
  actorType: string;
  actorId: string | null;
  actorName: string;
  action: string;
  target: string | null;
  outcome: string;
}

/**
 * Whether a record passes the audit trail's filters: created in [from, to), actor name or id containing
 * `actor`, the actor type, the action (exact, or by prefix when `event` ends in `.`), target containing
 * `target`, the outcome. The functions turn the same filter into a DynamoDB key range and filter
 * expression; this is the definition both must agree with.
 */
export function matchesAuditFilter(record: FilterableRecord, filter: AuditFilter): boolean {
  const at = Date.parse(record.createdAt);
  if (filter.from && at < Date.parse(filter.from)) return false;
  if (filter.to && at >= Date.parse(filter.to)) return false;
  if (filter.actorType && record.actorType !== filter.actorType) return false;
  if (filter.outcome && record.outcome !== filter.outcome) return false;
  if (filter.event) {
    const ok = filter.event.endsWith('.')
      ? record.action.startsWith(filter.event)
      : record.action === filter.event;
    if (!ok) return false;
  }
  if (
    filter.actor &&
    !record.actorName.includes(filter.actor) &&
    !(record.actorId ?? '').includes(filter.actor)
  )
    return false;
  if (filter.target && !(record.target ?? '').includes(filter.target)) return false;
  return true;
}

/** Only the filter fields of a query, in a fixed order: what a cursor is bound to. */
export function auditFilterOf(query: AuditFilter): AuditFilter {
  const keys = ['from', 'to', 'actor', 'actorType', 'event', 'target', 'outcome'] as const;
  const out: Record<string, string> = {};
  for (const k of keys) if (query[k] !== undefined) out[k] = query[k] as string;
  return out as AuditFilter;
}
