import type { AuditChange, AuditOutcome } from '@spot/shared';

/** How the audit trail shows its records: times, actors, targets, outcomes and before/after values. */

const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;
const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/**
 * "Oct 24 2026, 14:32:01.455 UTC": the specification's millisecond timestamp, always in UTC so two
 * people reading the same trail see the same instant; "—" for an unreadable one.
 */
export function formatAuditTimeUtc(iso: string): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return '—';
  return (
    `${months[at.getUTCMonth()]} ${at.getUTCDate()} ${at.getUTCFullYear()}, ` +
    `${pad(at.getUTCHours())}:${pad(at.getUTCMinutes())}:${pad(at.getUTCSeconds())}.${pad(at.getUTCMilliseconds(), 3)} UTC`
  );
}

/** The same instant in the viewer's time zone (or `timeZone`), to the millisecond, with the zone's name. */
export function formatAuditTimeLocal(iso: string, timeZone?: string): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return '—';
  return new Intl.DateTimeFormat('en-US', {
    dateStyle: 'medium',
    timeStyle: 'long',
    ...(timeZone ? { timeZone } : {}),
  })
    .formatToParts(at)
    .map((p) => (p.type === 'second' ? `${p.value}.${pad(at.getUTCMilliseconds(), 3)}` : p.value))
    .join('');
}

/**
 * Avatar initials of a person: "Alice Admin" → "AA", "alice.admin@example.com" → "AA", "bob@x.io" → "B".
 * Two letters at most; "?" when the name has no letter or digit.
 */
export function initialsOf(name: string): string {
  const local = name.includes('@') ? (name.split('@')[0] ?? '') : name;
  const words = local.split(/[\s._+-]+/).filter((w) => /[\p{L}\p{N}]/u.test(w));
  const letters = words.slice(0, 2).map((w) => (w.match(/[\p{L}\p{N}]/u)?.[0] ?? '').toUpperCase());
  return letters.join('') || '?';
}

/** A system component's icon (decorative: its name is always written beside it). */
export function systemIconOf(actorName: string): string {
  const name = actorName.toLowerCase();
  if (name.includes('hibernation')) return '💤';
  if (name.includes('discovery')) return '🔍';
  if (name.includes('agent')) return '🛰️';
  if (name.includes('audit')) return '🛡️';
  return '🤖';
}

/** The outcome badge: the specification's words and colours (green, red, amber). */
export function outcomeBadge(outcome: AuditOutcome): {
  label: string;
  type: 'success' | 'error' | 'warning';
} {
  if (outcome === 'success') return { label: 'Success', type: 'success' };
  if (outcome === 'failed') return { label: 'Failed', type: 'error' };
  return { label: 'Denied', type: 'warning' };
}

const targetKinds: Record<string, string> = {
  'cloud-account': 'Account',
  account: 'Account',
  cluster: 'Cluster',
  'node-group': 'Node group',
  nodegroup: 'Node group',
  node: 'Node',
  'node-template': 'Node template',
  policy: 'Policy',
  organization: 'Organization',
  user: 'User',
  'audit-settings': 'Audit settings',
  'audit-log': 'Audit log',
  'audit-destination': 'SIEM destination',
  'role-setup': 'Role setup',
};

/**
 * A record's target in words: `cluster/abc/hibernation` → kind "Cluster", name "abc", detail
 * "hibernation"; `policy/account/42` → "Policy", "account 42". `names` maps ids to display names
 * (connected accounts, clusters) where the page knows them.
 */
export function targetOf(
  target: string | null,
  names: ReadonlyMap<string, string> = new Map(),
): { kind: string; name: string } | null {
  if (!target) return null;
  const [head = '', ...rest] = target.split('/');
  const kind = targetKinds[head];
  if (!kind) return { kind: 'Resource', name: target };
  if (head === 'policy') {
    const [level = '', id] = rest;
    return { kind, name: id ? `${level} ${names.get(id) ?? id}` : level || 'organization' };
  }
  const [id = '', ...detail] = rest;
  const name = [names.get(id) ?? id, ...detail].filter(Boolean).join(' › ');
  return { kind, name: name || kind.toLowerCase() };
}

/** A before or after value in words: "not set" for null, lists joined, objects as compact JSON. */
export function formatChangeValue(value: unknown): string {
  if (value === null || value === undefined) return 'not set';
  if (typeof value === 'string') return value === '' ? '""' : value;
  if (typeof value === 'boolean') return value ? 'on' : 'off';
  if (typeof value === 'number') return String(value);
  if (Array.isArray(value)) return value.length === 0 ? 'none' : value.map(formatChangeValue).join(', ');
  return JSON.stringify(value);
}

/** One changed field as a sentence: "Max Nodes 10 → 15". */
export const changeSentence = (change: AuditChange): string =>
  `${change.label} ${formatChangeValue(change.before)} → ${formatChangeValue(change.after)}`;

/** "1.4 MB", "512 B": a download's size as it grows. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/** What a destination says about its last delivery, when the API reports it (older APIs do not). */
export interface DeliveryStatus {
  at: string | null;
  ok: boolean | null;
  message: string | null;
}

/**
 * Reads a destination's `lastDelivered` in the forms an API may give it: an ISO instant, or an object
 * with the instant (`at`, `deliveredAt`), whether it worked (`ok`, `delivered`) and a message (`message`,
 * `error`). Null when absent or unreadable: the page then says nothing about deliveries.
 */
export function deliveryStatusOf(value: unknown): DeliveryStatus | null {
  if (typeof value === 'string')
    return Number.isNaN(Date.parse(value)) ? null : { at: value, ok: true, message: null };
  if (!value || typeof value !== 'object') return null;
  const o = value as Record<string, unknown>;
  const text = (v: unknown) => (typeof v === 'string' && v ? v : null);
  const at = text(o.at) ?? text(o.deliveredAt) ?? text(o.lastDeliveredAt) ?? text(o.attemptedAt);
  const ok = typeof o.ok === 'boolean' ? o.ok : typeof o.delivered === 'boolean' ? o.delivered : null;
  const message = text(o.message) ?? text(o.error) ?? text(o.lastError);
  if (!at && ok === null && !message) return null;
  return { at, ok, message };
}
