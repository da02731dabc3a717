import { registryIndexShardOf, registryIndexShards } from '@spot/shared/registry/index-entry';
import { z } from 'zod';
import { defineEntity } from '../entity';
import { orgItemKey, orgItemsQuery } from './organization';

/**
 * The dashboard digests (ADR 0062, items of their own since ADR 0064): one small item per cluster
 * (`ORG#<orgId>` / `DIGEST#<nn>#<clusterId>`) holding the digest of its card
 * (`shared/src/dashboard/digest.ts`), grouped by shard `<nn>` (the registry index shard's number, ADR 0053)
 * so one shard's digests are one Query. Beside them, one version item per shard
 * (`DIGESTVERSION#<nn>`, a counter `v`) and the completeness marker (`DIGESTVERSION#COMPLETE`): every
 * write of a digest (or its removal) adds 1 to its shard's counter in the same transaction, so a reader
 * that holds a shard's digests as of version `v` knows they are current while the counter reads `v`.
 * The counters and the marker are 17 items of a few bytes: one Query reads them all.
 */
export const dashboardDigestShards = registryIndexShards;

const shardText = (shard: number) => String(shard).padStart(2, '0');

/** The shard of a cluster's digest (the registry index's: each card transaction already touches it). */
export const dashboardDigestShardOf = (clusterId: string) => registryIndexShardOf(clusterId);

export const dashboardDigestEntity = defineEntity(
  'DashboardDigest',
  z.object({
    orgId: z.string(),
    clusterId: z.string(),
    /** `encodeDigest` of the cluster's card. */
    digest: z.string(),
  }),
  (d) => dashboardDigestKey(d.orgId, d.clusterId),
);

const digestKey = orgItemKey('DIGEST');

/** A cluster's digest item. */
export const dashboardDigestKey = (orgId: string, clusterId: string) =>
  digestKey(orgId, `${shardText(dashboardDigestShardOf(clusterId))}#${clusterId}`);

/** Every digest of the organization (a reader's first read: ~1.6 KiB per cluster). */
export const dashboardDigestsOfOrgQuery = orgItemsQuery('DIGEST');

/** The digests of one shard (a reader's read after that shard's counter moved). */
export const dashboardDigestsOfShardQuery = (orgId: string, shard: number) => {
  const all = dashboardDigestsOfOrgQuery(orgId);
  return { ...all, skPrefix: `${all.skPrefix}${shardText(shard)}#` };
};

const versionKey = orgItemKey('DIGESTVERSION');

/** The version counter of a cluster's digest shard. */
export const dashboardDigestVersionKey = (orgId: string, clusterId: string) =>
  versionKey(orgId, shardText(dashboardDigestShardOf(clusterId)));

/** The update, in the transaction that writes or removes a digest, that moves its shard's counter. */
export const dashboardDigestVersionBump = {
  add: { v: 1 },
  set: { entity: 'DashboardDigestVersion' },
} as const;

/** The 16 counters and the marker: one Query of 17 items of a few bytes. */
export const dashboardDigestVersionsOfOrgQuery = orgItemsQuery('DIGESTVERSION');

/**
 * The marker that every card of the organization has its digest item (`DIGESTVERSION#COMPLETE`, read by
 * the same Query as the counters). Until `completeDashboardDigests` writes it, the fleet is read from its
 * cards, never from a partial set of digests.
 */
export const dashboardDigestsCompleteKey = (orgId: string) => versionKey(orgId, 'COMPLETE');

/** The marker item, as written once the back-fill is done. */
export const dashboardDigestsCompleteItem = (orgId: string) => ({
  ...dashboardDigestsCompleteKey(orgId),
  digestsComplete: true,
});

/**
 * What the counters' Query says: whether the set is complete, and each shard's counter (0 for a shard no
 * write has touched since the back-fill or a fixture wrote its digests).
 */
export function dashboardDigestVersionsOf(items: readonly Record<string, unknown>[]): {
  complete: boolean;
  versions: number[];
} {
  const versions = new Array<number>(dashboardDigestShards).fill(0);
  let complete = false;
  for (const item of items) {
    if (item.digestsComplete === true) complete = true;
    const shard = /#(\d{2})$/.exec(String(item.SK))?.[1];
    if (shard !== undefined && typeof item.v === 'number') versions[Number(shard)] = item.v;
  }
  return { complete, versions };
}

/**
 * The 16 shard items and the marker of ADR 0062's layout (`DASHDIGEST#<nn>`, one attribute per cluster,
 * ~49 KiB each at 500 clusters): deleted by the back-fill once the digest items replace them.
 */
export const legacyDashboardDigestKeys = (orgId: string) => {
  const legacy = orgItemKey('DASHDIGEST');
  return [
    ...Array.from({ length: dashboardDigestShards }, (_, i) => legacy(orgId, shardText(i))),
    legacy(orgId, 'COMPLETE'),
  ];
};
