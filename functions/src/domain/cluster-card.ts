import { encodeCard } from '@spot/shared/dashboard/index';
import type { z } from 'zod';
import type { clusterEntity } from '../data/entities/cluster';

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
