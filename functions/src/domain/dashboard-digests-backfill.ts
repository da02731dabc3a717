import { decodeCard, encodeDigest } from '@spot/shared/dashboard/index';
import { cardsOfOrgQuery } from '../data/entities/cluster-card';
import {
  dashboardDigestEntity,
  dashboardDigestsCompleteItem,
  dashboardDigestVersionsOf,
  dashboardDigestVersionsOfOrgQuery,
  legacyDashboardDigestKeys,
} from '../data/entities/dashboard-digest';
import { deleteAll, isConditionalCheckFailed, putRaw, queryRaw, where } from '../data/repository';

/** Conditional puts in flight at once (a fleet of 500 back-filled once). */
const concurrency = 8;

/**
 * Completes an organization's dashboard digests once (ADR 0062, ADR 0064): cards written before digest
 * items existed have none, and the fleet is read from the cards until every card has one. Reads every card
 * of the organization, puts each cluster's digest only where it has none (a card written since carries a
 * newer one), deletes ADR 0062's shard items (replaced by the digest items), then writes the marker the
 * dashboard's read looks for. Runs at the end of each discovery, a write path (the dashboard's GET stays
 * read-only); with the marker there it is one Query of 17 items of a few bytes. Returns the number of
 * digests it offered (0 when the marker was already there).
 *
 * No counter moves: no reader holds this organization's digests before the marker is there.
 */
export async function completeDashboardDigests(orgId: string): Promise<number> {
  const versions = await queryRaw(dashboardDigestVersionsOfOrgQuery(orgId));
  if (dashboardDigestVersionsOf(versions).complete) return 0;
  const cards = await queryRaw(cardsOfOrgQuery(orgId), { projection: ['card'] });
  const digests = cards.flatMap((item) => {
    const card = decodeCard(typeof item.card === 'string' ? item.card : null);
    return card
      ? [dashboardDigestEntity.toItem({ orgId, clusterId: card.clusterId, digest: encodeDigest(card) })]
      : [];
  });
  let next = 0;
  const worker = async () => {
    while (next < digests.length) {
      const item = digests[next++] as Record<string, unknown>;
      try {
        await putRaw(item, where.itemNotExists());
      } catch (error) {
        if (!isConditionalCheckFailed(error)) throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  await deleteAll(legacyDashboardDigestKeys(orgId));
  await putRaw(dashboardDigestsCompleteItem(orgId));
  return digests.length;
}
