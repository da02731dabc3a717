import { z } from 'zod';
import { defineEntity } from '../entity';
import { orgItemKey, orgItemsQuery } from './organization';

/**
 * The Resource Gap series of one cluster (`shared/src/dashboard/series.ts`), beside its Cluster item so ONE
 * Query (`begins_with(SK, 'SERIES#')`) reads the fleet's series. One compact string per range x resource,
 * so a read projects only the one it draws; `latest` is the current hour, refreshed on every snapshot.
 * Rewritten whole once an hour (when the rollups are read), deleted with the cluster; it carries
 * `accountId` for the account filter.
 */
export const clusterSeriesEntity = defineEntity(
  'ClusterSeries',
  z.object({
    orgId: z.string(),
    clusterId: z.string(),
    accountId: z.string(),
    /** When the completed hours were last downsampled. */
    computedAt: z.string(),
    /** `<hourEpochMinutes>,capCpu,reqCpu,usedCpu,capMem,reqMem,usedMem` of the current hour. */
    latest: z.string().nullable(),
    /**
     * The summary's bin-packing figures the Resource Gap route shows (`shared/src/dashboard`
     * `encodePacking`), so that route reads no card. Derived from the same summary as the card and written
     * in the same transaction; the dashboard route never reads it.
     */
    packing: z.string().nullable().default(null),
    gap24hCpu: z.string().default(''),
    gap24hMemory: z.string().default(''),
    gap7dCpu: z.string().default(''),
    gap7dMemory: z.string().default(''),
    gap30dCpu: z.string().default(''),
    gap30dMemory: z.string().default(''),
  }),
  (s) => clusterSeriesKey(s.orgId, s.clusterId),
);
export const clusterSeriesKey = orgItemKey('SERIES');
export const seriesOfOrgQuery = orgItemsQuery('SERIES');
