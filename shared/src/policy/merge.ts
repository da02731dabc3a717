import { canonicalJson } from '../model/canonical-json';
import {
  type Policy,
  type PolicyChange,
  type PolicyLevel,
  type PolicyOverrides,
  type PolicySource,
  policyLevels,
  policySchema,
} from '../model/policy';

/**
 * The scope algebra of optimization policies, pure: merge (organization default ⊕ account ⊕ cluster),
 * provenance (which level set each field) and the diff a version records. A document is a tree of plain
 * objects; its leaves are the primitives and the lists (a list is one value: an override replaces it whole,
 * so "exclude only `batch`" at a cluster does not silently keep the organization's list).
 */

type Tree = Readonly<Record<string, unknown>>;

const isBranch = (v: unknown): v is Tree => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Deep merge of `over` onto `base`: every leaf `over` defines (not `undefined`) replaces the one of `base`;
 * branches merge field by field. Neither argument is changed.
 */
export function mergeTrees<T extends Tree>(base: T, over: Tree | undefined): T {
  if (over === undefined) return base;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    if (value === undefined) continue;
    const current = out[key];
    out[key] = isBranch(value) && isBranch(current) ? mergeTrees(current, value) : value;
  }
  return out as T;
}

/** Two overrides as one (`b` wins where both set a field): `merge(merge(p, a), b) = merge(p, combine(a, b))`. */
export const combineOverrides = (a: PolicyOverrides, b: PolicyOverrides): PolicyOverrides =>
  mergeTrees(a as Tree, b as Tree) as PolicyOverrides;

/**
 * The effective policy: `base` (the organization default, complete) with each override applied in order
 * (account, then cluster). When different levels leave both spot rules on, force spot wins (the stricter
 * rule; one level alone cannot save both, the schema refuses it).
 */
export function mergePolicy(base: Policy, ...overrides: readonly (PolicyOverrides | undefined)[]): Policy {
  let merged = base as Tree;
  for (const o of overrides) merged = mergeTrees(merged, o as Tree | undefined);
  const policy = merged as Policy;
  const spot = policy.workload.spotRules;
  if (spot.forceSpot && spot.preferSpot) {
    return { ...policy, workload: { ...policy.workload, spotRules: { ...spot, preferSpot: false } } };
  }
  return policy;
}

/** Every leaf of a document as `[dotted path, value]`, in the document's order. */
export function leavesOf(doc: Tree, prefix = ''): [string, unknown][] {
  const out: [string, unknown][] = [];
  for (const [key, value] of Object.entries(doc)) {
    if (value === undefined) continue;
    const path = prefix ? `${prefix}.${key}` : key;
    if (isBranch(value)) out.push(...leavesOf(value, path));
    else out.push([path, value]);
  }
  return out;
}

/**
 * The leaf paths of a complete policy (every field the effective policy can have), in document order: the
 * default policy with the fields that have no default value (ADR 0088) set, so they are listed too.
 */
export const policyLeafPaths: readonly string[] = leavesOf(
  policySchema.parse({ infrastructure: { binPacking: { lowerGroupMinimums: false } } }),
).map(([p]) => p);

/**
 * Whether consolidation may lower node group minimums (node group takeover, ADR 0067) under an effective
 * policy: the value a level set explicitly (the deepest one, as for every field, so an explicit `false` at
 * any level wins over the aggressiveness), else on exactly when the effective aggressiveness is
 * `aggressive` (ADR 0088). The planner (the dry run), the run's step and the policy editor read it here.
 */
export const lowerGroupMinimumsOf = (policy: {
  infrastructure: {
    binPacking: Pick<Policy['infrastructure']['binPacking'], 'aggressiveness' | 'lowerGroupMinimums'>;
  };
}): boolean =>
  policy.infrastructure.binPacking.lowerGroupMinimums ??
  policy.infrastructure.binPacking.aggressiveness === 'aggressive';

/** The documents of each level, `undefined` where the level has saved nothing. */
export type PolicyLayers = Partial<Record<PolicyLevel, Tree>>;

/**
 * Which level set each leaf of the effective policy: the deepest level (cluster, then account, then
 * organization) whose document defines the leaf; `default` when none does.
 */
export function policySources(layers: PolicyLayers): Record<string, PolicySource> {
  const defined = Object.fromEntries(
    policyLevels.map((level) => [level, new Set(leavesOf(layers[level] ?? {}).map(([p]) => p))]),
  ) as Record<PolicyLevel, Set<string>>;
  const deepestFirst = [...policyLevels].reverse();
  return Object.fromEntries(
    policyLeafPaths.map((path) => [path, deepestFirst.find((l) => defined[l].has(path)) ?? 'default']),
  );
}

/**
 * The leaf changes from `before` to `after` (a leaf absent on one side is `null` there), sorted by path;
 * values compare as canonical JSON, so key order never counts as a change.
 */
export function diffPolicies(before: Tree, after: Tree): PolicyChange[] {
  const a = new Map(leavesOf(before));
  const b = new Map(leavesOf(after));
  const paths = [...new Set([...a.keys(), ...b.keys()])].sort();
  return paths
    .filter((p) => canonicalJson(a.get(p) ?? null) !== canonicalJson(b.get(p) ?? null))
    .map((p) => ({ path: p, before: a.get(p) ?? null, after: b.get(p) ?? null }));
}
