import { z } from 'zod';
import { defineEntity } from '../entity';
import { auditPk } from './audit-record';

/**
 * Where the organization's chain continues after retention removed its oldest records: the sequence
 * number and hash of the last record expired so far, every record up to it being gone. Signed by the
 * service (`signature`, see `domain/audit-retention.ts`), so an edited checkpoint cannot hide removed
 * records; verification starts from it instead of the genesis.
 */
export const auditCheckpointEntity = defineEntity(
  'AuditCheckpoint',
  z.object({
    orgId: z.string(),
    seq: z.number().int().positive(),
    hash: z.string(),
    advancedAt: z.string(),
    signature: z.string(),
  }),
  (c) => auditCheckpointKey(c.orgId),
);
export type AuditCheckpoint = z.infer<typeof auditCheckpointEntity.schema>;
export const auditCheckpointKey = (orgId: string) => ({ PK: auditPk(orgId), SK: 'CHECKPOINT' });

const expiredSk = (seq: number) => `EXPIRED#${String(seq).padStart(12, '0')}`;

/**
 * A record DynamoDB TTL removed ahead of the checkpoint (TTL deletes in no particular order): its place
 * and link only (no content is kept past retention). The checkpoint advances over a contiguous run of
 * these, whose links were checked when the removal was seen, and deletes them.
 */
export const auditExpiredEntity = defineEntity(
  'AuditExpired',
  z.object({
    orgId: z.string(),
    seq: z.number().int().positive(),
    prevHash: z.string(),
    hash: z.string(),
    expiredAt: z.string(),
  }),
  (e) => auditExpiredKey(e.orgId, e.seq),
);
export const auditExpiredKey = (orgId: string, seq: number) => ({ PK: auditPk(orgId), SK: expiredSk(seq) });
/** The expired markers after `afterSeq`, in chain order. */
export const auditExpiredAfterQuery = (orgId: string, afterSeq: number) => ({
  pk: auditPk(orgId),
  skBetween: [expiredSk(afterSeq + 1), expiredSk(999_999_999_999)] as const,
});
