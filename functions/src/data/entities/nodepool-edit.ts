import { z } from 'zod';
import { defineEntity } from '../entity';
import { clusterPk } from './partitions';

/**
 * The last edit of one Karpenter NodePool from the Node Groups tab (ADR 0079): the capacity types and the
 * node limit asked for, and the agent command that applies them. For a NodePool of Spot Optimizer's own
 * the item is also the override its Karpenter reconcile renders, so the reconcile keeps the edit instead
 * of reverting it; for a customer's NodePool it is the record the tab shows. One item per NodePool,
 * rewritten by each edit.
 */
export const nodePoolEditEntity = defineEntity(
  'NodePoolEdit',
  z.object({
    orgId: z.string(),
    clusterId: z.string(),
    nodePool: z.string(),
    /** The capacity types admitted; null: the edit left the requirement as it was. */
    capacityTypes: z.array(z.enum(['spot', 'on-demand'])).nullable(),
    /** `spec.limits.nodes`; null: no node limit. */
    nodesLimit: z.number().int().nonnegative().nullable(),
    managedBySpotOptimizer: z.boolean(),
    editedAt: z.string(),
    /** The email of the person who edited it. */
    editedBy: z.string(),
    commandId: z.string(),
  }),
  (e) => nodePoolEditKey(e.orgId, e.clusterId, e.nodePool),
);

export const nodePoolEditKey = (orgId: string, clusterId: string, nodePool: string) => ({
  PK: clusterPk(orgId, clusterId),
  SK: `NODEPOOLEDIT#${nodePool}`,
});

/** Every NodePool edit of the cluster. */
export const nodePoolEditsQuery = (orgId: string, clusterId: string) => ({
  pk: clusterPk(orgId, clusterId),
  skPrefix: 'NODEPOOLEDIT#',
});
