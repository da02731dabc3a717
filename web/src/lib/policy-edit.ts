import type { Policy, PolicyLevel, PolicyOverrides, PolicySource } from '@spot/shared';
import { diffPolicies, mergePolicy } from '@spot/shared/policy/merge';

/**
 * How the policy page edits one level: the organization edits a complete policy; an account or a cluster
 * edits overrides, each field either set at that level or inherited from the levels above. Pure, so the
 * unit tests pin it without a browser.
 */

type Tree = Record<string, unknown>;
const isBranch = (v: unknown): v is Tree => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The value at a dotted path (`infrastructure.binPacking.aggressiveness`), or `undefined`. */
export function valueAt(doc: unknown, path: string): unknown {
  let node: unknown = doc;
  for (const key of path.split('.')) {
    if (!isBranch(node)) return undefined;
    node = node[key];
  }
  return node;
}

/** A copy of `doc` with `value` at `path` (`undefined` removes the leaf and any branch left empty). */
export function withValueAt<T extends object>(doc: T, path: string, value: unknown): T {
  const [key, ...rest] = path.split('.');
  if (key === undefined) return doc;
  const out: Tree = { ...(doc as Tree) };
  if (rest.length === 0) {
    if (value === undefined) delete out[key];
    else out[key] = value;
    return out as T;
  }
  const child = withValueAt(isBranch(out[key]) ? (out[key] as Tree) : {}, rest.join('.'), value);
  if (Object.keys(child).length === 0) delete out[key];
  else out[key] = child;
  return out as T;
}

/** What one level's page shows: the draft it edits and what it inherits from the levels above. */
export interface PolicyEditState {
  level: PolicyLevel;
  /** The organization: the complete policy. An account or cluster: its overrides. */
  draft: Policy | PolicyOverrides;
  /** What the levels above give (the product default for the organization itself). */
  inherited: Policy;
}

/** The effective policy the draft makes for its level. */
export const effectiveOf = (s: PolicyEditState): Policy =>
  s.level === 'organization'
    ? mergePolicy(s.draft as Policy)
    : mergePolicy(s.inherited, s.draft as PolicyOverrides);

/** Whether the field at `path` is set at the edited level (always, for the organization). */
export const isSetHere = (s: PolicyEditState, path: string): boolean =>
  s.level === 'organization' || valueAt(s.draft, path) !== undefined;

/** Where a field's shown value comes from, for an "inherited from …" note. */
export function sourceOf(
  s: PolicyEditState,
  path: string,
  inheritedSources: Readonly<Record<string, PolicySource>>,
): PolicySource {
  if (isSetHere(s, path)) return s.level;
  return inheritedSources[path] ?? 'default';
}

/** The leaf changes between the saved document and the draft (empty: nothing to save). */
export const unsavedChanges = (saved: object, draft: object) =>
  diffPolicies(saved as Readonly<Record<string, unknown>>, draft as Readonly<Record<string, unknown>>);

/** "2 hours ago", "just now", "3 days ago": for "Last updated by … ". */
export function timeAgo(iso: string, now: Date): string {
  const seconds = Math.max(0, Math.round((now.getTime() - Date.parse(iso)) / 1000));
  const units: [number, string][] = [
    [86_400 * 365, 'year'],
    [86_400 * 30, 'month'],
    [86_400, 'day'],
    [3_600, 'hour'],
    [60, 'minute'],
  ];
  for (const [size, name] of units) {
    const n = Math.floor(seconds / size);
    if (n >= 1) return `${n} ${name}${n === 1 ? '' : 's'} ago`;
  }
  return 'just now';
}

/** `$1,234/mo` with a sign for savings badges; `null` stays a dash. */
export function monthlyUsd(value: number | null, sign = false): string {
  if (value === null) return '—';
  const text = `$${Math.round(value).toLocaleString('en-US')}/mo`;
  return sign && value > 0 ? `+${text}` : text;
}
