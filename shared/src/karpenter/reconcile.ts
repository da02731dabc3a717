import { canonicalJson } from '../model/canonical-json';
import type { KarpenterObject } from '../templates/karpenter';
import { isManagedBySpotOptimizer, type LiveKarpenterObject, managedByKey } from './managed';

/**
 * Drift and the reconcile plan of Spot Optimizer's Karpenter objects (ADR 0042), pure. The desired objects
 * come from `renderManagedKarpenter`; the live ones from the cluster.
 */

export type KarpenterKind = LiveKarpenterObject['kind'];

/** One field of one object whose live value is not the one Spot Optimizer applied. */
export interface KarpenterDrift {
  readonly kind: KarpenterKind;
  readonly name: string;
  /** Dotted path (`spec.disruption.consolidateAfter`, `metadata.labels.<key>`), or `(object)` when missing. */
  readonly path: string;
  readonly desired: unknown;
  /** `null` when the field (or the object) is absent. */
  readonly live: unknown;
}

/**
 * The leaves of a desired value with their dotted paths. Arrays are one leaf (a requirement list is
 * compared as a whole: Karpenter reads it as a whole).
 */
function leaves(value: unknown, path: readonly string[], out: [readonly string[], unknown][]): void {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, inner] of Object.entries(value)) leaves(inner, [...path, key], out);
    return;
  }
  out.push([path, value]);
}

function at(root: unknown, path: readonly string[]): unknown {
  let current = root;
  for (const key of path) {
    if (current === null || typeof current !== 'object' || Array.isArray(current)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

const kindOf = (o: KarpenterObject): KarpenterKind => (o.kind === 'NodePool' ? 'NodePool' : 'EC2NodeClass');

/**
 * Pure: the fields of the desired objects whose live value differs, object by object. Only what Spot
 * Optimizer sets is compared (as server-side apply owns only its fields): defaults Karpenter adds
 * (`expireAfter`, status) and labels others add are not drift. A missing object is one drift `(object)`.
 * Label and annotation keys contain dots, so their paths keep the key whole after `metadata.labels.`.
 */
export function karpenterDrift(
  desired: readonly KarpenterObject[],
  live: readonly LiveKarpenterObject[],
): KarpenterDrift[] {
  const out: KarpenterDrift[] = [];
  for (const d of desired) {
    const kind = kindOf(d);
    const found = live.find((l) => l.kind === kind && l.name === d.metadata.name);
    if (!found) {
      out.push({ kind, name: d.metadata.name, path: '(object)', desired: 'present', live: null });
      continue;
    }
    for (const field of ['labels', 'annotations'] as const)
      for (const [key, value] of Object.entries(d.metadata[field]))
        if (found[field][key] !== value)
          out.push({
            kind,
            name: d.metadata.name,
            path: `metadata.${field}.${key}`,
            desired: value,
            live: found[field][key] ?? null,
          });
    const specLeaves: [readonly string[], unknown][] = [];
    leaves(d.spec, [], specLeaves);
    for (const [path, value] of specLeaves) {
      const liveValue = at(found.spec, path);
      if (canonicalJson(liveValue ?? null) !== canonicalJson(value))
        out.push({
          kind,
          name: d.metadata.name,
          path: ['spec', ...path].join('.'),
          desired: value,
          live: liveValue ?? null,
        });
    }
  }
  return out;
}

export interface KarpenterObjectRef {
  readonly kind: KarpenterKind;
  readonly name: string;
}

export interface KarpenterReconcilePlan {
  /** Objects to apply (server-side), the EC2NodeClass before the NodePool that refers to it. */
  readonly apply: readonly KarpenterObject[];
  /** Spot Optimizer's own objects to delete, each NodePool before the classes. */
  readonly remove: readonly KarpenterObjectRef[];
  /** What the plan will not touch, and why (an object of the customer's in the way). */
  readonly refused: readonly (KarpenterObjectRef & { readonly reason: string })[];
  readonly drift: readonly KarpenterDrift[];
}

const removeOrder = (a: KarpenterObjectRef, b: KarpenterObjectRef) =>
  (a.kind === b.kind ? 0 : a.kind === 'NodePool' ? -1 : 1) ||
  (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/**
 * Pure: what to do so that the cluster holds exactly Spot Optimizer's objects for the policy.
 *
 * - `desired` null (autoscaling off): remove every live object marked as ours; nothing else.
 * - otherwise: apply each desired object that is missing or drifted, and remove our objects that are no
 *   longer desired (the policy names another template). A live object of the same name that is not ours
 *   is refused: applying would take over the customer's pool.
 *
 * Invariants (property-tested): `remove` only names objects carrying the mark; `apply` only desired ones.
 */
export function planKarpenterReconcile(
  desired: readonly KarpenterObject[] | null,
  live: readonly LiveKarpenterObject[],
): KarpenterReconcilePlan {
  const ours = live.filter(isManagedBySpotOptimizer);
  if (desired === null)
    return {
      apply: [],
      remove: ours.map((o) => ({ kind: o.kind, name: o.name })).sort(removeOrder),
      refused: [],
      drift: [],
    };
  const refused: (KarpenterObjectRef & { reason: string })[] = [];
  const takeable: KarpenterObject[] = [];
  for (const d of desired) {
    const kind = kindOf(d);
    const existing = live.find((l) => l.kind === kind && l.name === d.metadata.name);
    if (existing && !isManagedBySpotOptimizer(existing))
      refused.push({
        kind,
        name: d.metadata.name,
        reason: `${kind} ${d.metadata.name} exists without the ${managedByKey} label: it is not Spot Optimizer's, so it is left as it is. Rename or delete it, or add the label to hand it over.`,
      });
    else takeable.push(d);
  }
  const drift = karpenterDrift(takeable, live);
  const drifted = new Set(drift.map((d) => `${d.kind}/${d.name}`));
  const wanted = new Set(desired.map((d) => `${kindOf(d)}/${d.metadata.name}`));
  return {
    apply: takeable
      .filter((d) => drifted.has(`${kindOf(d)}/${d.metadata.name}`))
      .sort((a, b) => (kindOf(a) === kindOf(b) ? 0 : kindOf(a) === 'EC2NodeClass' ? -1 : 1)),
    remove: ours
      .filter((o) => !wanted.has(`${o.kind}/${o.name}`))
      .map((o) => ({ kind: o.kind, name: o.name }))
      .sort(removeOrder),
    refused,
    drift,
  };
}
