import {
  hibernationProtectionSchema,
  hibernationScopeSchema,
  ianaTimeZoneSchema,
  weeklyGridSchema,
} from '@spot/shared';
import { z } from 'zod';
import { defineEntity } from '../entity';
import { orgItemKey, orgItemsQuery } from './organization';

/** A sealed secret (AES-256-GCM envelope, `functions/src/domain/envelope.ts`). */
const sealedSchema = z.object({
  ciphertextB64: z.string(),
  ivB64: z.string(),
  authTagB64: z.string(),
  encryptedDataKeyB64: z.string(),
  keyId: z.string(),
});

/**
 * When a cluster sleeps, as a person set it: the weekly grid in its zone, pre-warm, scope, protection and
 * notifications. Versioned: a save names the version it read (a stale save is a 409). What the runs do
 * (sizes to restore, manual wake/sleep, sleep periods) is the HibernationRuntime item, so a run never
 * races a person's save. The dated overrides are HibernationOverride items, saved in the same transaction.
 */
export const hibernationScheduleEntity = defineEntity(
  'HibernationSchedule',
  z.object({
    orgId: z.string(),
    clusterId: z.string(),
    version: z.number().int().positive(),
    enabled: z.boolean(),
    timeZone: ianaTimeZoneSchema,
    /** 7 days, Monday first, 48 half-hour slots each; true = active. */
    weeklyGrid: weeklyGridSchema,
    preWarm: z.boolean(),
    scope: hibernationScopeSchema,
    protection: hibernationProtectionSchema,
    notifications: z.object({ enabled: z.boolean(), emails: z.array(z.string()) }),
    /** The Slack incoming webhook URL, sealed (it is a credential); AAD `<orgId>/<clusterId>/slack`. */
    slackWebhook: sealedSchema.nullable(),
    updatedAt: z.string(),
    updatedBy: z.string(),
    updatedByEmail: z.string(),
  }),
  (s) => hibernationScheduleKey(s.orgId, s.clusterId),
);
export const hibernationScheduleKey = orgItemKey('SCHEDULE');
export const hibernationSchedulesQuery = orgItemsQuery('SCHEDULE');
