import { registryIndexAttribute, registryIndexShardOf } from '@spot/shared/registry/index-entry';
import { orgItemKey, orgItemsQuery } from './organization';

/**
 * The registry index (ADR 0053): 16 shard items per organization (`ORG#<orgId>` / `REGISTRYINDEX#<nn>`),
 * each holding, as one attribute per cluster (`r:<clusterId>`, `t:<clusterId>`, `s:<clusterId>`), the
 * entries `shared/src/registry/index-entry.ts` encodes. Written only as attribute updates in the
 * transactions that write the cluster's registry row (no read-modify-write, no item-wide condition), so
 * two clusters of one shard never overwrite each other; read whole by ONE Query of 16 items.
 */
const shardKey = orgItemKey('REGISTRYINDEX');

/** The shard item holding a cluster's entry. */
export const registryIndexShardKey = (orgId: string, clusterId: string) =>
  shardKey(orgId, String(registryIndexShardOf(clusterId)).padStart(2, '0'));

/** Every shard of the organization. */
export const registryIndexOfOrgQuery = orgItemsQuery('REGISTRYINDEX');

export { registryIndexAttribute };
