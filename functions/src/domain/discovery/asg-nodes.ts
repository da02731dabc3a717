import type { SnapshotModel } from '@spot/shared/savings/snapshot-model';
import type { z } from 'zod';
import type { nodeGroupEntity } from '../../data/entities/node-group';

type NodeGroupItem = z.infer<typeof nodeGroupEntity.schema>;

/**
 * Nodes of self-managed Auto Scaling groups, attached to the ASG that discovery found through the cloud
 * port. Kubernetes only tells a self-managed node's group by a tool's label (eksctl's nodegroup name) or
 * not at all, so the snapshot alone names the group `asg-<label>` with no size: the planner would then
 * see minSize 0 and no ASG name, plan the group below its real minimum, and AWS would refuse each
 * termination. The instance id is the one link both sides know exactly: a node whose EC2 instance is a
 * member of a discovered ASG belongs to that group (its real min/desired/max and name). Managed node
 * groups and Karpenter pools are named by their own labels and are left as they are.
 */
export function attachNodesToAsgs(
  model: SnapshotModel,
  groups: readonly NodeGroupItem[],
  asgOfInstance: ReadonlyMap<string, string>,
): SnapshotModel {
  const groupOfAsg = new Map<string, NodeGroupItem>();
  for (const g of groups)
    if (g.kind === 'asg') for (const name of g.autoScalingGroupNames) groupOfAsg.set(name, g);
  if (groupOfAsg.size === 0) return model;
  let changed = false;
  const nodes = model.nodes.map((n) => {
    if (n.nodeGroup && n.nodeGroup.kind !== 'asg') return n;
    const asg = n.instanceId ? asgOfInstance.get(n.instanceId) : undefined;
    const group = asg ? groupOfAsg.get(asg) : undefined;
    if (!group || n.nodeGroup?.id === group.nodeGroupId) return n;
    changed = true;
    return { ...n, nodeGroup: { id: group.nodeGroupId, name: group.name, kind: 'asg' as const } };
  });
  return changed ? { ...model, nodes } : model;
}
