import { ValidationError } from '../errors';
import type { Policy } from '../model/policy';
import {
  type KarpenterManifests,
  type KarpenterObject,
  type KarpenterRenderOptions,
  type NodeRequirement,
  type RenderableTemplate,
  renderKarpenter,
  templateLabelDomain,
} from '../templates/karpenter';
import { carriesSpotOptimizerMark, managedByKey, managedByValue } from './marker';

/**
 * The Karpenter objects Spot Optimizer itself keeps in a cluster while the policy's Intelligent
 * Autoscaling is on (issue 14, ADR 0042): the node template's NodePool and EC2NodeClass with the policy's
 * provisioning and consolidation settings, marked as ours so that switching autoscaling off removes
 * exactly these and never a NodePool the customer wrote.
 */

export { managedByKey, managedByValue } from './marker';
/** Karpenter has no per-pool allocation setting; the strategy is recorded for people and the sandbox. */
export const provisioningStrategyKey = `${templateLabelDomain}/provisioning-strategy`;
/** Whether a spot launch refused for capacity may be retried as on-demand. */
export const spotFallbackKey = `${templateLabelDomain}/spot-fallback-to-on-demand`;

export type ProvisioningStrategy = Policy['infrastructure']['autoscaling']['strategy'];

/** What an object in the cluster looks like to the reconciler: its identity, marks and spec. */
export interface LiveKarpenterObject {
  readonly kind: 'NodePool' | 'EC2NodeClass';
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly spec: Readonly<Record<string, unknown>>;
}

/** Pure: whether an object carries Spot Optimizer's mark (the label; the annotation alone is not enough). */
export function isManagedBySpotOptimizer(object: Pick<LiveKarpenterObject, 'labels'>): boolean {
  return carriesSpotOptimizerMark(object.labels);
}

/** Karpenter's `consolidateAfter` from the stabilization window (minutes): `0s` consolidates at once. */
export function consolidateAfterOf(stabilizationWindowMinutes: number): string {
  return stabilizationWindowMinutes === 0 ? '0s' : `${stabilizationWindowMinutes}m`;
}

/**
 * Pure: the template's NodePool and EC2NodeClass under the policy, marked as ours.
 *
 * - capacity types: the template's; a spot-only template admits on-demand too when the policy's spot
 *   fallback is on (Karpenter launches spot while it can and on-demand when EC2 answers
 *   InsufficientInstanceCapacity for every spot offering: that is how Karpenter falls back);
 * - `disruption.consolidationPolicy`: `WhenEmpty` for delete-empty, `WhenEmptyOrUnderutilized` for
 *   replace-and-move; `consolidateAfter` = the stabilization window; one budget of
 *   `maxNodesInFlight` nodes (at most that many nodes disrupted at once, as the consolidation run does);
 * - the provisioning strategy and the fallback as annotations (Karpenter always launches spot with
 *   price-capacity-optimized; the sandbox's pools read the annotation).
 */
export function renderManagedKarpenter(
  template: RenderableTemplate,
  policy: Policy,
  options: KarpenterRenderOptions,
): KarpenterManifests {
  const { nodePool, ec2NodeClass } = renderKarpenter(template, options);
  const autoscaling = policy.infrastructure.autoscaling;
  const binPacking = policy.infrastructure.binPacking;
  const marked = (o: KarpenterObject, extra: Record<string, string> = {}): KarpenterObject['metadata'] => ({
    name: o.metadata.name,
    labels: { ...o.metadata.labels, [managedByKey]: managedByValue },
    annotations: { ...o.metadata.annotations, [managedByKey]: managedByValue, ...extra },
  });
  const poolTemplate = nodePool.spec.template as {
    metadata: Record<string, unknown>;
    spec: { nodeClassRef: unknown; requirements: NodeRequirement[] };
  };
  const requirements = poolTemplate.spec.requirements.map((r) =>
    r.key === 'karpenter.sh/capacity-type' &&
    autoscaling.spotFallbackToOnDemand &&
    r.values.length === 1 &&
    r.values[0] === 'spot'
      ? { ...r, values: ['spot', 'on-demand'] }
      : r,
  );
  if (binPacking.maxNodesInFlight < 1) throw new ValidationError('At least one node is disrupted at a time.');
  return {
    nodePool: {
      ...nodePool,
      metadata: marked(nodePool, {
        [provisioningStrategyKey]: autoscaling.strategy,
        [spotFallbackKey]: String(autoscaling.spotFallbackToOnDemand),
      }),
      spec: {
        template: { ...poolTemplate, spec: { ...poolTemplate.spec, requirements } },
        disruption: {
          consolidationPolicy:
            binPacking.method === 'delete-empty' ? 'WhenEmpty' : 'WhenEmptyOrUnderutilized',
          consolidateAfter: consolidateAfterOf(binPacking.stabilizationWindowMinutes),
          budgets: [{ nodes: String(binPacking.maxNodesInFlight) }],
        },
      },
    },
    ec2NodeClass: { ...ec2NodeClass, metadata: marked(ec2NodeClass) },
  };
}

/** The rendered objects in the order they are applied (the class a pool refers to comes first). */
export function applyOrder(manifests: KarpenterManifests): KarpenterObject[] {
  return [manifests.ec2NodeClass, manifests.nodePool];
}
