import { z } from 'zod';
import { defineEntity } from '../entity';
import { orgItemKey, orgItemsQuery } from './organization';

/**
 * The dashboard card of one cluster (`shared/src/dashboard/card.ts`): its row fields and the summary parts
 * the widgets read, as one JSON string. Its own small item beside the Cluster item, so ONE Query
 * (`begins_with(SK, 'CARD#')`) of the organization's partition reads the whole fleet's dashboard and
 * nothing else (a Query reads whole items: the series strings stay on the ClusterSeries item). Rewritten
 * with every snapshot (in the same transaction as the series item) and every collection status change;
 * deleted with the cluster; it carries `accountId` for the account filter.
 */
export const clusterCardEntity = defineEntity(
  'ClusterCard',
  z.object({
    orgId: z.string(),
    clusterId: z.string(),
    accountId: z.string(),
    /** A string, not a map: reading 50 of them stays cheap (no nested attribute decoding). */
    card: z.string(),
  }),
  (c) => clusterCardKey(c.orgId, c.clusterId),
);
export const clusterCardKey = orgItemKey('CARD');
export const cardsOfOrgQuery = orgItemsQuery('CARD');
