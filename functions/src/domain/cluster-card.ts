import { decodeCard, encodeCard, encodeDigest } from '@spot/shared/dashboard/index';
import type { z } from 'zod';
import type { clusterEntity } from '../data/entities/cluster';
import {
  dashboardDigestAttribute,
  dashboardDigestShardKey,
  dashboardDigestsCompleteItem,
} from '../data/entities/dashboard-digest';
import type { PlannedTransactItem } from '../data/write-plan';

type ClusterItem = z.infer<typeof clusterEntity.schema>;

/**
 * The dashboard card of a Cluster item (`shared/src/dashboard/card.ts`). Its own module so the dashboard's
 * read Lambdas do not bundle the write side (inventory, packing, HiGHS).
 */
export function cardOf(c: ClusterItem): string {
  return encodeCard({
    clusterId: c.clusterId,
    name: c.name,
    accountId: c.accountId,
    region: c.region,
    kubernetesVersion: c.kubernetesVersion,
    nodeCount: c.nodeCount,
    podCount: c.podCount,
    monthlyRunRateUsd: c.monthlyRunRateUsd,
    timeZone: c.timeZone,
    tags: c.tags,
    lastSyncedAt: c.lastSyncedAt,
    collection: { status: c.collection.status, reason: c.collection.reason, source: c.collection.source },
    summary: c.summary,
  });
}

type Ids = { orgId: string; clusterId: string };

/**
 * The card's digest on its shard (ADR 0062), for the transaction that writes the card: an attribute
 * update, so it needs no read and leaves the shard's other clusters alone. A card that does not decode
 * (never written by `cardOf`) removes the digest: the dashboard skips that card too.
 */
export function cardDigestUpdate(ids: Ids, card: string): PlannedTransactItem {
  const decoded = decodeCard(card);
  const attribute = dashboardDigestAttribute(ids.clusterId);
  return {
    update: dashboardDigestShardKey(ids.orgId, ids.clusterId),
    spec: decoded ? { set: { [attribute]: encodeDigest(decoded) } } : { remove: [attribute] },
  };
}

/** The removal of a cluster's digest (its card is deleted with the cluster). */
export const cardDigestRemoval = (ids: Ids) => ({
  key: dashboardDigestShardKey(ids.orgId, ids.clusterId),
  spec: { remove: [dashboardDigestAttribute(ids.clusterId)] },
});

/**
 * The organization's digests as whole shard items, from its cards, and the marker that the set is complete
 * (a fixture writing a fleet in one go; live digests are only ever set attribute by attribute, as above,
 * and the marker by `completeDashboardDigests`).
 */
export function dashboardDigestShardItems(
  orgId: string,
  cards: readonly { clusterId: string; card: string }[],
): Record<string, unknown>[] {
  const shards = new Map<string, Record<string, unknown>>();
  for (const c of cards) {
    const decoded = decodeCard(c.card);
    if (!decoded) continue;
    const key = dashboardDigestShardKey(orgId, c.clusterId);
    // Keyed by the whole key: the data layer alone reads key attributes (data-boundary test).
    const id = JSON.stringify(key);
    const shard = shards.get(id) ?? { ...key };
    shards.set(id, shard);
    shard[dashboardDigestAttribute(c.clusterId)] = encodeDigest(decoded);
  }
  return [...shards.values(), dashboardDigestsCompleteItem(orgId)];
}
