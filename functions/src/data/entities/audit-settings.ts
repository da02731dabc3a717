import { datadogSites } from '@spot/shared';
import { z } from 'zod';
import { defineEntity } from '../entity';
import { orgItemKey, orgPk } from './organization';

const storedDestinationSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('datadog'),
    id: z.string(),
    name: z.string(),
    enabled: z.boolean(),
    site: z.enum(datadogSites),
    hasSecret: z.boolean(),
  }),
  z.object({
    kind: z.literal('splunk'),
    id: z.string(),
    name: z.string(),
    enabled: z.boolean(),
    url: z.string(),
    hasSecret: z.boolean(),
  }),
  z.object({
    kind: z.literal('s3'),
    id: z.string(),
    name: z.string(),
    enabled: z.boolean(),
    cloudAccountId: z.string(),
    bucket: z.string(),
    prefix: z.string(),
    hasSecret: z.boolean(),
  }),
]);
export type StoredAuditDestination = z.infer<typeof storedDestinationSchema>;

/**
 * The organization's compliance settings: retention and SIEM destinations without their secrets (those
 * are AuditDestinationSecret items, so reading the settings can never read a secret). `version` guards
 * stale writes.
 */
export const auditSettingsEntity = defineEntity(
  'AuditSettings',
  z.object({
    orgId: z.string(),
    version: z.number().int().positive(),
    retentionDays: z.number().int().nullable(),
    destinations: z.array(storedDestinationSchema),
    updatedAt: z.string(),
    updatedBy: z.string(),
  }),
  (s) => auditSettingsKey(s.orgId),
);
export const auditSettingsKey = (orgId: string) => ({ PK: orgPk(orgId), SK: 'AUDITSETTINGS' });

/** The envelope-encrypted API key or token of one SIEM destination (AES-256-GCM under a wrapped data key). */
export const auditDestinationSecretEntity = defineEntity(
  'AuditDestinationSecret',
  z.object({
    orgId: z.string(),
    destinationId: z.string(),
    ciphertextB64: z.string(),
    ivB64: z.string(),
    authTagB64: z.string(),
    encryptedDataKeyB64: z.string(),
    keyId: z.string(),
    createdAt: z.string(),
  }),
  (s) => auditDestinationSecretKey(s.orgId, s.destinationId),
);
export const auditDestinationSecretKey = orgItemKey('AUDITSECRET');
