import { decodeCard, encodeCard, encodeDigest } from '@spot/shared/dashboard/index';
import type { z } from 'zod';
import type { clusterEntity } from '../data/entities/cluster';
import {
  dashboardDigestEntity,
  dashboardDigestKey,
  dashboardDigestsCompleteItem,
  dashboardDigestVersionBump,
  dashboardDigestVersionKey,
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

/** The move of the cluster's shard counter that goes with every write or removal of its digest. */
const versionBump = (ids: Ids): PlannedTransactItem => ({
  update: dashboardDigestVersionKey(ids.orgId, ids.clusterId),
  spec: dashboardDigestVersionBump,
});

/**
 * The card's digest item and its shard's counter (ADR 0062, ADR 0064), for the transaction that writes the
 * card: a put of ~1.6 KiB and a counter of a few bytes, no read. A card that does not decode (never
 * written by `cardOf`) removes the digest: the dashboard skips that card too.
 */
export function cardDigestWrites(ids: Ids, card: string): PlannedTransactItem[] {
  const decoded = decodeCard(card);
  return [
    decoded
      ? {
          put: dashboardDigestEntity.toItem({
            orgId: ids.orgId,
            clusterId: ids.clusterId,
            digest: encodeDigest(decoded),
          }),
        }
      : { delete: dashboardDigestKey(ids.orgId, ids.clusterId) },
    versionBump(ids),
  ];
}

/** The removal of a cluster's digest and the move of its shard's counter (its card goes with the cluster). */
export const cardDigestRemovals = (ids: Ids): PlannedTransactItem[] => [
  { delete: dashboardDigestKey(ids.orgId, ids.clusterId) },
  versionBump(ids),
];

/**
 * The organization's digest items, from its cards, and the marker that the set is complete (a fixture
 * writing a fleet in one go; live digests are only ever written with their card, as above, and the marker
 * by `completeDashboardDigests`). The counters start at 0 (absent).
 */
export function dashboardDigestItems(
  orgId: string,
  cards: readonly { clusterId: string; card: string }[],
): Record<string, unknown>[] {
  const items: Record<string, unknown>[] = [];
  for (const c of cards) {
    const decoded = decodeCard(c.card);
    if (decoded)
      items.push(
        dashboardDigestEntity.toItem({ orgId, clusterId: c.clusterId, digest: encodeDigest(decoded) }),
      );
  }
  return [...items, dashboardDigestsCompleteItem(orgId)];
}
