import { auditEntrySchema } from '@spot/shared';
import { z } from 'zod';
import { defineEntity } from '../entity';
import { orgPk } from './organization';

export const auditPk = (orgId: string) => `${orgPk(orgId)}#AUDIT`;

/**
 * One audit record. `seq` and `hash` chain the records of an organization: hash = SHA-256 of the
 * previous hash and this record's canonical JSON, so removing or editing one breaks every later hash.
 */
export const auditRecordEntity = defineEntity(
  'AuditRecord',
  auditEntrySchema.extend({
    orgId: z.string(),
    auditId: z.string(),
    seq: z.number().int().positive(),
    createdAt: z.string(),
    prevHash: z.string(),
    hash: z.string(),
  }),
  (r) => ({
    PK: auditPk(r.orgId),
    SK: `REC#${String(r.seq).padStart(12, '0')}`,
    GSI1PK: `${auditPk(r.orgId)}#TIME`,
    GSI1SK: `${r.createdAt}#${r.auditId}`,
  }),
);
export const auditRecordsQuery = (orgId: string) => ({ pk: auditPk(orgId), skPrefix: 'REC#' });
export const auditByTimeQuery = (orgId: string) => ({ index: 'GSI1' as const, pk: `${auditPk(orgId)}#TIME` });
