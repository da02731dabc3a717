/**
 * Kubernetes label matching as the scheduler does it, pure: node selector requirements (node affinity,
 * operators In, NotIn, Exists, DoesNotExist, Gt, Lt) against node labels, and label selectors
 * (matchLabels, matchExpressions with In, NotIn, Exists, DoesNotExist) against pod labels.
 */

export const nodeSelectorOperators = ['In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt', 'Lt'] as const;
export type NodeSelectorOperator = (typeof nodeSelectorOperators)[number];
export const labelSelectorOperators = ['In', 'NotIn', 'Exists', 'DoesNotExist'] as const;
export type LabelSelectorOperator = (typeof labelSelectorOperators)[number];

export interface NodeSelectorRequirement {
  readonly key: string;
  readonly operator: NodeSelectorOperator;
  readonly values?: readonly string[] | undefined;
}

/** The requirements of one term are ANDed; the terms of a required node affinity are ORed. */
export interface NodeSelectorTerm {
  readonly matchExpressions: readonly NodeSelectorRequirement[];
}

export interface LabelSelectorRequirement {
  readonly key: string;
  readonly operator: LabelSelectorOperator;
  readonly values?: readonly string[] | undefined;
}

export interface LabelSelector {
  readonly matchLabels?: Readonly<Record<string, string>> | undefined;
  readonly matchExpressions?: readonly LabelSelectorRequirement[] | undefined;
}

type Labels = Readonly<Record<string, string>>;

/** A decimal integer as Kubernetes parses Gt/Lt operands (no fractions, no units); undefined otherwise. */
function integerLabel(value: string | undefined): number | undefined {
  if (value === undefined || !/^[-+]?\d+$/.test(value)) return undefined;
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : undefined;
}

/**
 * One node selector requirement. `In`: the label exists with one of the values; `NotIn`: the label is
 * absent or has none of them; `Exists` / `DoesNotExist`: presence only; `Gt` / `Lt`: the label and the
 * single value are both integers and compare strictly (a label that is absent or not an integer fails).
 */
export function matchesRequirement(labels: Labels, requirement: NodeSelectorRequirement): boolean {
  const value = Object.hasOwn(labels, requirement.key) ? labels[requirement.key] : undefined;
  const values = requirement.values ?? [];
  switch (requirement.operator) {
    case 'In':
      return value !== undefined && values.includes(value);
    case 'NotIn':
      return value === undefined || !values.includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    case 'Gt':
    case 'Lt': {
      const actual = integerLabel(value);
      const bound = values.length === 1 ? integerLabel(values[0]) : undefined;
      if (actual === undefined || bound === undefined) return false;
      return requirement.operator === 'Gt' ? actual > bound : actual < bound;
    }
  }
}

/** A node selector term: every requirement holds. An empty term matches no node (as in Kubernetes). */
export function matchesNodeSelectorTerm(labels: Labels, term: NodeSelectorTerm): boolean {
  if (term.matchExpressions.length === 0) return false;
  return term.matchExpressions.every((r) => matchesRequirement(labels, r));
}

/** Required node affinity: some term matches. No terms means no constraint. */
export function matchesNodeAffinity(labels: Labels, terms: readonly NodeSelectorTerm[] | undefined): boolean {
  if (!terms || terms.length === 0) return true;
  return terms.some((term) => matchesNodeSelectorTerm(labels, term));
}

/**
 * A label selector on pod labels: every matchLabels pair and every expression holds. An empty selector
 * matches every pod (as in Kubernetes).
 */
export function matchesLabelSelector(labels: Labels, selector: LabelSelector): boolean {
  for (const [key, value] of Object.entries(selector.matchLabels ?? {}))
    if (!Object.hasOwn(labels, key) || labels[key] !== value) return false;
  return (selector.matchExpressions ?? []).every((r) => matchesRequirement(labels, r));
}
