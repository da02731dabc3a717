import { registryIndexShardOf } from '@spot/shared/registry/index-entry';
import { orgItemKey, orgItemsQuery } from './organization';

/**
 * The dashboard digests (ADR 0062): 16 shard items per organization (`ORG#<orgId>` / `DASHDIGEST#<nn>`),
 * each holding one attribute per cluster (`d:<clusterId>`), the digest of its card
 * (`shared/src/dashboard/digest.ts`). Set in the transactions that write the card, as an attribute update
 * (no read, no item-wide condition), so two clusters of one shard never overwrite each other. A cluster's
 * shard is its registry index shard's number (ADR 0053): every card transaction already updates that
 * registry shard, so two transactions that meet on a digest shard met there already.
 */
const shardKey = orgItemKey('DASHDIGEST');

/** The shard item holding a cluster's digest. */
export const dashboardDigestShardKey = (orgId: string, clusterId: string) =>
  shardKey(orgId, String(registryIndexShardOf(clusterId)).padStart(2, '0'));

/**
 * The marker that every card of the organization has its digest (`DASHDIGEST#COMPLETE`, read by the same
 * Query as the shards). Cards written before digests existed have none: until the first fleet read back-fills
 * them and writes this marker, the fleet is read from its cards, never from a partial set of digests.
 */
export const dashboardDigestsCompleteKey = (orgId: string) => shardKey(orgId, 'COMPLETE');

/** Whether a shard Query's item is the completeness marker (an attribute it alone carries). */
export const isDashboardDigestsCompleteMarker = (item: Record<string, unknown>) =>
  item.digestsComplete === true;

/** The marker item, as written once the back-fill is done. */
export const dashboardDigestsCompleteItem = (orgId: string) => ({
  ...dashboardDigestsCompleteKey(orgId),
  digestsComplete: true,
});

/** Every shard of the organization: the whole fleet's digests in one Query of 16 items. */
export const dashboardDigestsOfOrgQuery = orgItemsQuery('DASHDIGEST');

/** A cluster's attribute on its shard. */
export const dashboardDigestAttribute = (clusterId: string) => `d:${clusterId}`;

/** The cluster id an attribute of a shard item names, `null` for any other attribute (the keys). */
export const clusterIdOfDigestAttribute = (name: string): string | null =>
  name.startsWith('d:') ? name.slice(2) : null;
