import { z } from 'zod';
import { defineEntity } from '../entity';
import { clusterPk, tagsSchema } from './partitions';

export const nodeGroupEntity = defineEntity(
  'NodeGroup',
  z.object({
    orgId: z.string(),
    clusterId: z.string(),
    accountId: z.string(),
    nodeGroupId: z.string(),
    name: z.string(),
    kind: z.enum(['managed-node-group', 'asg', 'karpenter-nodepool']),
    capacityType: z.enum(['on-demand', 'spot', 'mixed']),
    instanceTypes: z.array(z.string()),
    minSize: z.number().int().nonnegative(),
    desiredSize: z.number().int().nonnegative(),
    maxSize: z.number().int().nonnegative(),
    autoScalingGroupNames: z.array(z.string()).default([]),
    labels: tagsSchema.default({}),
    /** AWS tags: of the EKS node group, the ASG, or those every node of a NodePool carries. */
    tags: tagsSchema.default({}),
    taints: z
      .array(z.object({ key: z.string(), value: z.string().optional(), effect: z.string() }))
      .default([]),
    status: z.string().nullable().default(null),
    /** From the last snapshot: nodes running in the group now and what they cost. */
    nodeCount: z.number().int().nonnegative().default(0),
    hourlyCostUsd: z.number().nonnegative().default(0),
    /** Spot readiness (by count) of the pods on the group's nodes; `null` when none is eligible. */
    spotReadinessScore: z.number().min(0).max(1).nullable().default(null),
  }),
  (g) => nodeGroupKey(g.orgId, g.clusterId, g.nodeGroupId),
);
export const nodeGroupKey = (orgId: string, clusterId: string, nodeGroupId: string) => ({
  PK: clusterPk(orgId, clusterId),
  SK: `NODEGROUP#${nodeGroupId}`,
});
