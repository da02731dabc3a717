import { ValidationError } from '../errors';
import type { NodeGroupUpdateInput } from '../model/cluster-detail';

/**
 * Planning a person's edit of one node group's sizes and spot mode (ADR 0052). Pure: the domain applies
 * the plan through the cloud port after the maintenance check. AWS's rules are checked here so a refused
 * edit is a 400 naming the rule before any call is made:
 * - min <= desired <= max (Auto Scaling and EKS both refuse otherwise): desired is moved into [min, max]
 *   and the move is reported as a note, never silently;
 * - an EKS managed node group needs maxSize >= 1 and at most {@link managedNodeGroupMaxNodes} nodes (the
 *   default EKS quota "Nodes per managed node group");
 * - an Auto Scaling group above {@link autoScalingGroupMaxNodes} is refused as a typing slip (AWS has no
 *   per-group cap; the account's vCPU quota would stop the launches later, out of sight);
 * - the capacity type of a managed node group is fixed at creation (CreateNodegroup `capacityType`);
 * - a Karpenter NodePool has no Auto Scaling sizes: its edit is `nodepool-update.ts` (ADR 0079).
 */

export const managedNodeGroupMaxNodes = 450;
export const autoScalingGroupMaxNodes = 1_000;

export type EditableGroupKind = 'asg' | 'managed-node-group' | 'karpenter-nodepool';

export interface EditableGroup {
  kind: EditableGroupKind;
  name: string;
  capacityType: 'on-demand' | 'spot' | 'mixed';
  minSize: number;
  desiredSize: number;
  maxSize: number;
  /** The group has a mixed instances policy (spot mode can be switched on its distribution). */
  mixedInstancesPolicy: boolean;
}

export interface NodeGroupPlan {
  sizes: { minSize: number; desiredSize: number; maxSize: number } | null;
  /** On-demand base and percentage above base for the ASG's mixed instances policy. */
  distribution: { onDemandBaseCapacity: number; onDemandPercentageAboveBase: number } | null;
  capacityTypeAfter: EditableGroup['capacityType'];
  notes: string[];
}

/** Spot mode as the group is now: all spot, or mixed counted as on (some spot). */
export const spotModeOf = (g: Pick<EditableGroup, 'capacityType'>) => g.capacityType !== 'on-demand';

export function planNodeGroupUpdate(group: EditableGroup, input: NodeGroupUpdateInput): NodeGroupPlan {
  if (group.kind === 'karpenter-nodepool')
    throw new ValidationError(
      `${group.name} is a Karpenter NodePool: its edit is planned by planNodePoolUpdate (its limits and capacity-type requirement), not as Auto Scaling sizes.`,
    );
  if (input.maxSize === null)
    throw new ValidationError(
      `${group.name} needs a max size: only a Karpenter NodePool can be left without a node limit.`,
    );
  const maxSize = input.maxSize;
  const problems: string[] = [];
  if (input.minSize > maxSize) problems.push('minSize must not exceed maxSize.');
  if (group.kind === 'managed-node-group') {
    if (maxSize < 1)
      problems.push(
        'EKS refuses maxSize 0 for a managed node group: keep maxSize at 1 or more and set minSize 0 to let it empty.',
      );
    if (maxSize > managedNodeGroupMaxNodes)
      problems.push(
        `A managed node group holds at most ${managedNodeGroupMaxNodes} nodes (EKS quota "Nodes per managed node group"); raise the quota first or split the group.`,
      );
  } else if (maxSize > autoScalingGroupMaxNodes)
    problems.push(
      `maxSize ${maxSize} is above ${autoScalingGroupMaxNodes} nodes: check the number, or raise the group outside Spot Optimizer if it is meant.`,
    );
  const wantsSpotChange = input.spotMode !== undefined && input.spotMode !== spotModeOf(group);
  if (wantsSpotChange && group.kind === 'managed-node-group')
    problems.push(
      `EKS fixes a managed node group's capacity type when it is created: ${group.name} stays ${group.capacityType}. Create a ${input.spotMode ? 'spot' : 'on-demand'} node group beside it and move the workloads.`,
    );
  if (wantsSpotChange && group.kind === 'asg' && !group.mixedInstancesPolicy)
    problems.push(
      `${group.name} has no mixed instances policy, so its purchase option cannot be switched: give it one (several instance types) first.`,
    );
  if (problems.length > 0) throw new ValidationError(problems.join(' '), { problems });

  const notes: string[] = [];
  const desiredSize = Math.min(Math.max(group.desiredSize, input.minSize), maxSize);
  if (desiredSize !== group.desiredSize)
    notes.push(
      `Desired capacity moved from ${group.desiredSize} to ${desiredSize} to stay between min ${input.minSize} and max ${maxSize}.`,
    );
  const sizesChanged =
    input.minSize !== group.minSize || maxSize !== group.maxSize || desiredSize !== group.desiredSize;
  const distribution = wantsSpotChange
    ? { onDemandBaseCapacity: 0, onDemandPercentageAboveBase: input.spotMode ? 0 : 100 }
    : null;
  return {
    sizes: sizesChanged ? { minSize: input.minSize, desiredSize, maxSize: maxSize } : null,
    distribution,
    capacityTypeAfter: wantsSpotChange ? (input.spotMode ? 'spot' : 'on-demand') : group.capacityType,
    notes,
  };
}
