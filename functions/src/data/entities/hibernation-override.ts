import { z } from 'zod';
import { defineEntity } from '../entity';
import { clusterPk } from './partitions';

/** A one-day exception to a cluster's hibernation schedule. */
export const hibernationOverrideEntity = defineEntity(
  'HibernationOverride',
  z.object({
    orgId: z.string(),
    clusterId: z.string(),
    date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
    kind: z.enum(['holiday', 'sprint-day']),
    label: z.string(),
  }),
  (o) => ({ PK: clusterPk(o.orgId, o.clusterId), SK: `OVERRIDE#${o.date}` }),
);
export const hibernationOverridesQuery = (orgId: string, clusterId: string) => ({
  pk: clusterPk(orgId, clusterId),
  skPrefix: 'OVERRIDE#',
});
