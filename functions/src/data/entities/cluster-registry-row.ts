import { z } from 'zod';
import { defineEntity } from '../entity';
import { orgItemKey, orgItemsQuery } from './organization';

/**
 * The registry row of one cluster (`shared/src/registry/row.ts`, ADR 0045): what the Command Center's grid
 * and status bar show, as two JSON strings. Its own small item (about 1 KiB) beside the Cluster item, so
 * ONE Query (`begins_with(SK, 'REGISTRY#')`) of the organization's partition reads the whole registry
 * (500 clusters in well under one 1 MB page) and every sort and filter runs in memory. `row` is
 * rewritten with the dashboard card (every snapshot, every collection status change) and created with
 * the cluster at discovery; `trend` (24 h of node counts, two weeks of cost) once an hour from the
 * rollups. Deleted with the cluster.
 */
export const clusterRegistryRowEntity = defineEntity(
  'ClusterRegistryRow',
  z.object({
    orgId: z.string(),
    clusterId: z.string(),
    accountId: z.string(),
    row: z.string(),
    trend: z.string().nullable().default(null),
  }),
  (r) => clusterRegistryRowKey(r.orgId, r.clusterId),
);
export const clusterRegistryRowKey = orgItemKey('REGISTRY');
export const registryRowsOfOrgQuery = orgItemsQuery('REGISTRY');
