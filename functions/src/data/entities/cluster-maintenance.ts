import { z } from 'zod';
import { defineEntity } from '../entity';
import { clusterPk } from './partitions';

/**
 * A cluster's maintenance mode (ADR 0037): while `enabled`, no automated action runs on the cluster.
 * Its own item, so discovery's rewrites of the Cluster item can never switch it off by accident.
 */
export const clusterMaintenanceEntity = defineEntity(
  'ClusterMaintenance',
  z.object({
    orgId: z.string(),
    clusterId: z.string(),
    enabled: z.boolean(),
    /** When it was last switched (on or off). */
    since: z.string(),
    /** The email of the person who switched it. */
    by: z.string(),
    reason: z.string().nullable().default(null),
  }),
  (m) => clusterMaintenanceKey(m.orgId, m.clusterId),
);
export const clusterMaintenanceKey = (orgId: string, clusterId: string) => ({
  PK: clusterPk(orgId, clusterId),
  SK: 'MAINTENANCE',
});
