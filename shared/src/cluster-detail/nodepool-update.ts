import { ValidationError } from '../errors';
import type { NodeGroupUpdateInput } from '../model/cluster-detail';
import type { NodeRequirement } from '../templates/karpenter';

/**
 * A person's edit of a Karpenter NodePool from the Node Groups tab (issue 17, ADR 0079). Pure. A NodePool
 * has no Auto Scaling sizes, so the edit maps onto what Karpenter does read:
 *
 * - spot mode is the `karpenter.sh/capacity-type` requirement: on admits `spot` and `on-demand`
 *   (Karpenter prefers spot and falls back to on-demand when EC2 has none), off admits `on-demand` only;
 * - max is `spec.limits.nodes`. `limits` is a resource list; Karpenter counts `nodes` in the pool's
 *   resources and, since kubernetes-sigs/karpenter#2526, refuses a launch that would exceed it as it does
 *   for cpu and memory. Limits are checked at launch only: lowering one removes no node;
 * - min does not exist: Karpenter launches for pending pods only and keeps nothing warm, so min is 0.
 *
 * The cpu and memory limits a NodePool already has are kept as they are.
 */

export const capacityTypeKey = 'karpenter.sh/capacity-type';
/** The largest node limit taken: above it the number is a typing slip (as for an Auto Scaling group). */
export const nodePoolMaxNodesLimit = 1_000;

export type CapacityTypes = ('spot' | 'on-demand')[];

/** A NodePool as the edit reads it from the cluster (the API server's object). */
export interface LiveNodePool {
  readonly name: string;
  readonly requirements: readonly NodeRequirement[];
  readonly limits: Readonly<Record<string, string>>;
}

/** What the edit changes: set on the live NodePool (a customer's) or rendered into ours. */
export interface NodePoolOverride {
  /** The capacity types admitted; null: leave the requirement as it is. */
  readonly capacityTypes: CapacityTypes | null;
  /** `spec.limits.nodes`; null: no node limit. */
  readonly nodesLimit: number | null;
}

export interface NodePoolPlan {
  readonly override: NodePoolOverride;
  /** The pool's whole requirement list afterwards (Kubernetes replaces a list as a whole). */
  readonly requirements: NodeRequirement[];
  readonly limits: Record<string, string>;
  readonly capacityTypeAfter: 'on-demand' | 'spot' | 'mixed';
  readonly notes: string[];
}

/**
 * The capacity types a requirement list admits. Without a `karpenter.sh/capacity-type` requirement
 * Karpenter launches on-demand only (its default), so that is what none means.
 */
export function capacityTypesOf(requirements: readonly NodeRequirement[]): CapacityTypes {
  const all: CapacityTypes = ['spot', 'on-demand'];
  let allowed = new Set<'spot' | 'on-demand'>(['on-demand']);
  const own = requirements.filter((r) => r.key === capacityTypeKey);
  if (own.length > 0) {
    allowed = new Set(all);
    for (const r of own) {
      if (r.operator === 'In') allowed = new Set(all.filter((t) => allowed.has(t) && r.values.includes(t)));
      else allowed = new Set(all.filter((t) => allowed.has(t) && !r.values.includes(t)));
    }
  }
  return all.filter((t) => allowed.has(t));
}

/** What the Node Groups tab calls a pool admitting these capacity types. */
export function capacityTypeOf(types: CapacityTypes): 'on-demand' | 'spot' | 'mixed' {
  if (types.includes('spot')) return types.includes('on-demand') ? 'mixed' : 'spot';
  return 'on-demand';
}

/** Pure: the requirements and limits with the override in force (the rest as they were). */
export function withNodePoolOverride(
  requirements: readonly NodeRequirement[],
  limits: Readonly<Record<string, string>>,
  override: NodePoolOverride,
): { requirements: NodeRequirement[]; limits: Record<string, string> } {
  let nextRequirements: NodeRequirement[] = requirements.map((r) => ({ ...r, values: [...r.values] }));
  if (override.capacityTypes !== null) {
    const requirement: NodeRequirement = {
      key: capacityTypeKey,
      operator: 'In',
      values: [...override.capacityTypes],
    };
    const at = nextRequirements.findIndex((r) => r.key === capacityTypeKey);
    // One requirement of the key, in the place of the first: any other would still narrow it.
    nextRequirements =
      at < 0
        ? [...nextRequirements, requirement]
        : nextRequirements.flatMap((r, i) =>
            r.key !== capacityTypeKey ? [r] : i === at ? [requirement] : [],
          );
  }
  const { nodes: _nodes, ...rest } = limits;
  const nextLimits: Record<string, string> = { ...rest };
  if (override.nodesLimit !== null) nextLimits.nodes = String(override.nodesLimit);
  return { requirements: nextRequirements, limits: nextLimits };
}

/**
 * Pure: the plan of one edit, or a 400 naming each rule broken. `nodeCount` is how many nodes the pool
 * runs now (a limit below it is taken, with a note that no node is removed).
 */
export function planNodePoolUpdate(
  pool: LiveNodePool,
  input: NodeGroupUpdateInput,
  nodeCount: number,
): NodePoolPlan {
  const problems: string[] = [];
  if (input.minSize !== 0)
    problems.push(
      `Karpenter has no minimum size: ${pool.name} launches nodes only for pending pods and keeps none warm, so min is 0 (run a Deployment of placeholder pods to keep capacity).`,
    );
  if (input.maxSize !== null && input.maxSize > nodePoolMaxNodesLimit)
    problems.push(
      `A node limit of ${input.maxSize} is above ${nodePoolMaxNodesLimit} nodes: check the number, or leave max empty for no node limit.`,
    );
  if (problems.length > 0) throw new ValidationError(problems.join(' '), { problems });
  const before = capacityTypesOf(pool.requirements);
  const wantsSpotChange = input.spotMode !== undefined && input.spotMode !== before.includes('spot');
  const override: NodePoolOverride = {
    capacityTypes: wantsSpotChange ? (input.spotMode ? ['spot', 'on-demand'] : ['on-demand']) : null,
    nodesLimit: input.maxSize,
  };
  const next = withNodePoolOverride(pool.requirements, pool.limits, override);
  const notes: string[] = [];
  if (input.maxSize !== null && input.maxSize < nodeCount)
    notes.push(
      `${pool.name} runs ${nodeCount} nodes, above the new limit of ${input.maxSize}: Karpenter removes none for it, it launches no more until the pool is below the limit.`,
    );
  if (wantsSpotChange)
    notes.push(
      input.spotMode
        ? `${pool.name} admits spot and on-demand: Karpenter launches spot and falls back to on-demand when EC2 has no spot capacity.`
        : `${pool.name} admits on-demand only: Karpenter replaces its spot nodes as drifted, within the pool's disruption budgets.`,
    );
  return {
    override,
    ...next,
    capacityTypeAfter: capacityTypeOf(capacityTypesOf(next.requirements)),
    notes,
  };
}
