import { z } from 'zod';
import { accountViewSchema } from './account';

/**
 * Sync Now of one cluster (issue 17 item 5, ADR 0076). A cluster whose agent fed it lately is not re-read
 * by discovery, so its sync asks the agent for a snapshot now (`via: 'agent'`, answered with the agent's
 * next heartbeat); any other cluster is read by a discovery of its account (`via: 'discovery'`).
 */
export const clusterSyncViaSchema = z.enum(['agent', 'discovery']);
export type ClusterSyncVia = z.infer<typeof clusterSyncViaSchema>;

export const clusterSyncResponseSchema = z.object({
  clusterId: z.string(),
  via: clusterSyncViaSchema,
  /** When this sync was asked for (an earlier click's time when it is still pending). */
  requestedAt: z.string(),
  /** Who asked for it (e-mail), for the header's "asked by"; `null` for a discovery sync. */
  requestedBy: z.string().nullable(),
  /** The agent has not pushed a snapshot since `requestedAt` yet (always false for a discovery sync). */
  pending: z.boolean(),
  /**
   * The agent pushed a snapshot since `requestedAt` (both times the server's: `lastSyncedAt` is the
   * snapshot's own, on the agent's clock). False for a discovery sync.
   */
  answered: z.boolean(),
  /** This click found a sync of the cluster already pending and asked for nothing more. */
  alreadyRequested: z.boolean(),
  /** How long the agent is given to answer before the page says it did not, seconds. */
  answerWithinSeconds: z.number().int().positive(),
  /** Time of the cluster's last applied snapshot. */
  lastSyncedAt: z.string().nullable(),
  /** The account whose discovery reads the cluster (`via: 'discovery'`), to follow its progress. */
  account: accountViewSchema.nullable(),
});
export type ClusterSyncResponse = z.infer<typeof clusterSyncResponseSchema>;
