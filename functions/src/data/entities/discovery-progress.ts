import { z } from 'zod';
import { defineEntity } from '../entity';
import { orgPk } from './organization';

export const clusterProgressStatuses = ['pending', 'collected', 'failed'] as const;
export type ClusterProgressStatus = (typeof clusterProgressStatuses)[number];

/**
 * The progress of an account's latest discovery run: how many clusters its regions hold, how many are
 * collected (or failed) so far, and each cluster's status. One item per account, replaced when a run
 * starts; each cluster moves from `pending` once, by a conditional update on the run and the cluster's
 * status (a retried step never counts a cluster twice, a late step of an older run counts nothing).
 *
 * Its sort key starts with the account's (`ACCOUNT#<accountId>#DISCOVERY`), so the Query that lists an
 * organization's accounts (`begins_with(SK, 'ACCOUNT#')`) reads their progress with them; readers of
 * accounts skip it by its entity name.
 */
export const discoveryProgressEntity = defineEntity(
  'DiscoveryProgress',
  z.object({
    orgId: z.string(),
    accountId: z.string(),
    /** The run's id (LoadAccount's start time), the guard of every update. */
    runId: z.string(),
    startedAt: z.string(),
    updatedAt: z.string(),
    /** Set by CompleteDiscovery; a run that failed keeps `null` (its account is `error`). */
    completedAt: z.string().nullable(),
    /** `null` until every region is read and the clusters are planned. */
    clustersFound: z.number().int().nonnegative().nullable(),
    clustersCollected: z.number().int().nonnegative(),
    clustersFailed: z.number().int().nonnegative(),
    /** By cluster id. */
    clusters: z.record(z.string(), z.enum(clusterProgressStatuses)),
  }),
  (p) => discoveryProgressKey(p.orgId, p.accountId),
);

export const discoveryProgressKey = (orgId: string, accountId: string) => ({
  PK: orgPk(orgId),
  SK: `ACCOUNT#${accountId}#DISCOVERY`,
});
