import { z } from 'zod';
import { defineEntity } from '../entity';
import { clusterPk } from './partitions';

const dayS = 86_400;

/**
 * A sleep notice of one cluster for one transition: written with a condition that it does not exist
 * before anything is sent, so a duplicated or late delivery of the notification schedule never sends the
 * same notice twice; then rewritten with what each channel answered. Expires (TTL) a week after the sleep.
 */
export const hibernationNoticeEntity = defineEntity(
  'HibernationNotice',
  z.object({
    orgId: z.string(),
    clusterId: z.string(),
    /** The sleep transition (ISO instant) the notice is for. */
    transitionAt: z.string(),
    status: z.enum(['sending', 'sent']),
    claimedAt: z.string(),
    /** One per recipient; never the webhook URL or a link. */
    deliveries: z.array(
      z.object({
        channel: z.enum(['email', 'slack']),
        to: z.string(),
        delivered: z.boolean(),
        message: z.string(),
      }),
    ),
  }),
  (n) => hibernationNoticeKey(n.orgId, n.clusterId, n.transitionAt),
  (n) => Math.floor(Date.parse(n.transitionAt) / 1000) + 7 * dayS,
);
export const hibernationNoticeKey = (orgId: string, clusterId: string, transitionAt: string) => ({
  PK: clusterPk(orgId, clusterId),
  SK: `NOTICE#${transitionAt}`,
});

/**
 * A used Snooze link: put with a condition that it does not exist, so each link wakes the cluster once.
 * Keyed by the token's random id; expires (TTL) a day after the link itself.
 */
export const snoozeLinkUseEntity = defineEntity(
  'SnoozeLinkUse',
  z.object({
    orgId: z.string(),
    clusterId: z.string(),
    tokenId: z.string(),
    recipient: z.string(),
    usedAt: z.string(),
    expiresAtIso: z.string(),
  }),
  (u) => snoozeLinkUseKey(u.orgId, u.clusterId, u.tokenId),
  (u) => Math.floor(Date.parse(u.expiresAtIso) / 1000) + dayS,
);
export const snoozeLinkUseKey = (orgId: string, clusterId: string, tokenId: string) => ({
  PK: clusterPk(orgId, clusterId),
  SK: `SNOOZE#${tokenId}`,
});
