import type { ItemKeys } from '@spot/shared';
import { decodeCard, encodeDigest } from '@spot/shared/dashboard/index';
import { cardsOfOrgQuery } from '../data/entities/cluster-card';
import {
  dashboardDigestAttribute,
  dashboardDigestShardKey,
  dashboardDigestsCompleteItem,
  dashboardDigestsOfOrgQuery,
  isDashboardDigestsCompleteMarker,
} from '../data/entities/dashboard-digest';
import { putRaw, queryRaw, updateItem } from '../data/repository';

/**
 * Completes an organization's dashboard digests once (ADR 0062): cards written before digests existed have
 * none, and the fleet is read from the cards until every card has one. Reads every card of the
 * organization, sets each cluster's digest only where it has none (a card written since carries a newer
 * one), then writes the marker the dashboard's read looks for. Runs at the end of each discovery, a write
 * path (the dashboard's GET stays read-only); with the marker there it is one Query of 17 small items.
 * Returns the number of digests it offered (0 when the marker was already there).
 */
export async function completeDashboardDigests(orgId: string): Promise<number> {
  const shards = await queryRaw(dashboardDigestsOfOrgQuery(orgId), { projection: ['digestsComplete'] });
  if (shards.some(isDashboardDigestsCompleteMarker)) return 0;
  const cards = await queryRaw(cardsOfOrgQuery(orgId), { projection: ['card'] });
  const byShard = new Map<string, { key: ItemKeys; set: Record<string, string> }>();
  let offered = 0;
  for (const item of cards) {
    const card = decodeCard(typeof item.card === 'string' ? item.card : null);
    if (!card) continue;
    const key = dashboardDigestShardKey(orgId, card.clusterId);
    // Keyed by the whole key: the data layer alone reads key attributes (data-boundary test).
    const id = JSON.stringify(key);
    const shard = byShard.get(id) ?? { key, set: {} as Record<string, string> };
    byShard.set(id, shard);
    shard.set[dashboardDigestAttribute(card.clusterId)] = encodeDigest(card);
    offered++;
  }
  for (const { key, set } of byShard.values()) await updateItem(key, { setIfAbsent: set });
  await putRaw(dashboardDigestsCompleteItem(orgId));
  return offered;
}
