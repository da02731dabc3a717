import { z } from 'zod';
import { defineEntity } from '../entity';
import { orgPk } from './organization';

/**
 * How streaming to one SIEM destination last went: written by the stream function after each batch,
 * apart from the settings item (so a delivery never bumps the settings version a person edits from).
 */
export const auditDeliveryStatusEntity = defineEntity(
  'AuditDeliveryStatus',
  z.object({
    orgId: z.string(),
    destinationId: z.string(),
    lastAttemptAt: z.string(),
    lastDeliveredAt: z.string().nullable().default(null),
    lastDeliveredSeq: z.number().int().nullable().default(null),
    lastErrorAt: z.string().nullable().default(null),
    lastError: z.string().nullable().default(null),
    lastStatus: z.number().int().nullable().default(null),
    deadLettered: z.number().int().nonnegative().default(0),
  }),
  (s) => auditDeliveryStatusKey(s.orgId, s.destinationId),
);
export type AuditDeliveryStatus = z.infer<typeof auditDeliveryStatusEntity.schema>;
const statusSk = (destinationId: string) => `AUDITDELIVERY#${destinationId}`;
export const auditDeliveryStatusKey = (orgId: string, destinationId: string) => ({
  PK: orgPk(orgId),
  SK: statusSk(destinationId),
});
export const auditDeliveryStatusesQuery = (orgId: string) => ({
  pk: orgPk(orgId),
  skPrefix: 'AUDITDELIVERY#',
});
