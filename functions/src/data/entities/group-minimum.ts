import { z } from 'zod';
import { defineEntity } from '../entity';
import { clusterPk } from './partitions';

const policyVersionsSchema = z.object({
  organization: z.number().int().nonnegative(),
  account: z.number().int().nonnegative(),
  cluster: z.number().int().nonnegative(),
});

/**
 * The minimum size the optimizer last set on one node group of a cluster (node group takeover, ADR 0067),
 * and a drift found since (ADR 0073): the group's minimum read above it, set back outside the product
 * (its infrastructure as code, most likely). While `drift` holds (no policy level saved since its
 * `policyVersions`), the optimizer does not lower that group's minimum.
 */
export const groupMinimumEntity = defineEntity(
  'GroupMinimum',
  z.object({
    orgId: z.string(),
    clusterId: z.string(),
    nodeGroupId: z.string(),
    nodeGroupName: z.string(),
    setMinSize: z.number().int().nonnegative(),
    setAt: z.string(),
    /** Who set it: the consolidation run's id, or the email of a person who edited the group's sizes. */
    setBy: z.string(),
    drift: z
      .object({
        observedMinSize: z.number().int().nonnegative(),
        detectedAt: z.string(),
        policyVersions: policyVersionsSchema,
      })
      .nullable()
      .default(null),
  }),
  (g) => groupMinimumKey(g.orgId, g.clusterId, g.nodeGroupId),
);

export const groupMinimumKey = (orgId: string, clusterId: string, nodeGroupId: string) => ({
  PK: clusterPk(orgId, clusterId),
  SK: `GROUPMIN#${nodeGroupId}`,
});

/** Every group minimum the optimizer set in the cluster. */
export const groupMinimumsQuery = (orgId: string, clusterId: string) => ({
  pk: clusterPk(orgId, clusterId),
  skPrefix: 'GROUPMIN#',
});
