import { z } from 'zod';
import { defineEntity } from '../entity';
import { auditPk } from './audit-record';

/** The head of the chain: the last sequence number and hash; updated in the same transaction as the record. */
export const auditHeadEntity = defineEntity(
  'AuditHead',
  z.object({ orgId: z.string(), seq: z.number().int().nonnegative(), hash: z.string() }),
  (h) => auditHeadKey(h.orgId),
);
export const auditHeadKey = (orgId: string) => ({ PK: auditPk(orgId), SK: 'HEAD' });
