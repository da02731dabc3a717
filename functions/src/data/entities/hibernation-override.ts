import { overrideKinds } from '@spot/shared';
import { z } from 'zod';
import { defineEntity } from '../entity';
import { clusterPk } from './partitions';

/** A one-day exception to a cluster's hibernation schedule, on the cluster's wall clock. */
export const hibernationOverrideEntity = defineEntity(
  'HibernationOverride',
  z.object({
    orgId: z.string(),
    clusterId: z.string(),
    date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
    kind: z.enum(overrideKinds),
    label: z.string(),
  }),
  (o) => hibernationOverrideKey(o.orgId, o.clusterId, o.date),
);
export const hibernationOverrideKey = (orgId: string, clusterId: string, date: string) => ({
  PK: clusterPk(orgId, clusterId),
  SK: `OVERRIDE#${date}`,
});
export const hibernationOverridesQuery = (orgId: string, clusterId: string) => ({
  pk: clusterPk(orgId, clusterId),
  skPrefix: 'OVERRIDE#',
});
