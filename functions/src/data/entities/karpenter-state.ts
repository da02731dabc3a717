import { z } from 'zod';
import { defineEntity } from '../entity';
import { clusterPk } from './partitions';

/**
 * The last Karpenter reconcile of a cluster (ADR 0042): the commands it sent (their outcomes are on the
 * commands themselves) and the drift it found. One item under the cluster, rewritten by each reconcile.
 */
export const karpenterStateEntity = defineEntity(
  'KarpenterState',
  z.object({
    orgId: z.string(),
    clusterId: z.string(),
    reconciledAt: z.string(),
    /** `system: optimizer`, or the email of the person who asked. */
    reconciledBy: z.string(),
    commands: z.array(
      z.object({
        id: z.string(),
        action: z.enum(['apply', 'delete']),
        kind: z.enum(['NodePool', 'EC2NodeClass']),
        name: z.string(),
      }),
    ),
    driftCount: z.number().int().nonnegative(),
  }),
  (s) => karpenterStateKey(s.orgId, s.clusterId),
);
export const karpenterStateKey = (orgId: string, clusterId: string) => ({
  PK: clusterPk(orgId, clusterId),
  SK: 'KARPENTER',
});
