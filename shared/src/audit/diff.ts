import type { AuditChange } from '../model/audit';
import { canonicalJson } from '../model/canonical-json';

type Leaf = [path: string, value: unknown];

/** Leaves of a JSON value by dotted path; arrays and scalars are leaves (a list changes as a whole). */
function leavesOf(value: unknown, prefix = ''): Leaf[] {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    if (entries.length === 0) return prefix ? [[prefix, {}]] : [];
    return entries.flatMap(([k, v]) => leavesOf(v, prefix ? `${prefix}.${k}` : k));
  }
  return value === undefined ? [] : [[prefix, value]];
}

/** `maxNodes` → "Max Nodes", `spec.cpuMilli` → "Spec › Cpu Milli": a path in words for the drawer. */
export function fieldLabel(path: string): string {
  return path
    .split('.')
    .map((part) =>
      part
        .replace(/[_-]+/g, ' ')
        .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
        .replace(/\b\w/g, (c) => c.toUpperCase())
        .trim(),
    )
    .join(' › ');
}

/**
 * The before/after of a record field by field: every leaf path whose value differs (absent counts as
 * null), sorted by path, with its label. Equal documents give no change; `auditDiff(a, b)` and
 * `auditDiff(b, a)` name the same paths with before and after swapped.
 */
export function auditDiff(before: unknown, after: unknown): AuditChange[] {
  const a = new Map(leavesOf(before));
  const b = new Map(leavesOf(after));
  return [...new Set([...a.keys(), ...b.keys()])]
    .sort()
    .filter((p) => canonicalJson(a.get(p) ?? null) !== canonicalJson(b.get(p) ?? null))
    .map((p) => ({
      path: p,
      label: fieldLabel(p || 'value'),
      before: a.get(p) ?? null,
      after: b.get(p) ?? null,
    }));
}
