import { auditExpiryEpochSeconds, type ChainPoint, genesisHash } from '@spot/shared';
import {
  type AuditCheckpoint,
  auditCheckpointEntity,
  auditCheckpointKey,
  auditExpiredAfterQuery,
  auditExpiredEntity,
  auditExpiredKey,
} from '../data/entities/audit-checkpoint';
import { auditRecordBody, auditRecordKey, auditRecordsQuery } from '../data/entities/audit-record';
import { auditSettingsEntity, auditSettingsKey } from '../data/entities/audit-settings';
import {
  deleteAll,
  getItem,
  type Item,
  isConditionalCheckFailed,
  putItem,
  queryAll,
  queryPage,
  updateItem,
  where,
} from '../data/repository';
import { logger } from '../lib/logger';
import type { KeyServicePort } from '../ports';
import { chainHash } from './audit';
import { signDetached, verifyDetached } from './signature';

/**
 * Retention of the audit trail (issue 16, item 6; ADR 0029). Records carry a DynamoDB TTL from the
 * organization's setting (stamped on write by `appendAudit`, re-stamped here when the setting changes).
 * DynamoDB deletes expired records itself; each deletion reaches {@link recordAuditExpiry} through the
 * table's stream, and a signed checkpoint keeps the sequence number and hash of the last record expired
 * so far, so the rest of the chain stays verifiable from there.
 */

// ------------------------------------------------------------------------------------- checkpoint

const checkpointMessage = (c: { orgId: string; seq: number; hash: string }) =>
  `audit-checkpoint\n${c.orgId}\n${c.seq}\n${c.hash}`;

/** The organization's checkpoint as stored, and whether its signature is ours (null: nothing expired yet). */
export async function readAuditCheckpoint(
  orgId: string,
  keys: KeyServicePort,
): Promise<{ checkpoint: AuditCheckpoint; signed: boolean } | null> {
  const checkpoint = await getItem(auditCheckpointEntity, auditCheckpointKey(orgId), true);
  if (!checkpoint) return null;
  const signed =
    checkpoint.orgId === orgId &&
    (await verifyDetached(checkpointMessage(checkpoint), checkpoint.signature, keys));
  return { checkpoint, signed };
}

/**
 * Moves the checkpoint over the contiguous run of expired markers that follows it (markers whose link
 * continues the checkpoint's hash), signs the new one and deletes the markers it passed. The write is
 * conditioned on the checkpoint read, so two stream batches advancing at once cannot move it backwards;
 * the loser simply re-reads. Returns the checkpoint as it then stands.
 */
export async function advanceAuditCheckpoint(
  orgId: string,
  keys: KeyServicePort,
  now: Date,
): Promise<ChainPoint | null> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const current = await readAuditCheckpoint(orgId, keys);
    if (current && !current.signed) {
      // Never build on a checkpoint that is not ours: verification reports it, and it stays as found.
      logger.error('audit checkpoint signature invalid; not advancing', { orgId });
      return null;
    }
    let point: ChainPoint = current
      ? { seq: current.checkpoint.seq, hash: current.checkpoint.hash }
      : { seq: 0, hash: genesisHash };
    const passed: number[] = [];
    const markers = await queryAll(auditExpiredEntity, auditExpiredAfterQuery(orgId, point.seq), {
      consistent: true,
    });
    for (const m of markers) {
      if (m.seq !== point.seq + 1 || m.prevHash !== point.hash) break;
      point = { seq: m.seq, hash: m.hash };
      passed.push(m.seq);
    }
    if (passed.length === 0) return current ? point : null;
    const next = { orgId, seq: point.seq, hash: point.hash, advancedAt: now.toISOString() };
    try {
      await putItem(
        auditCheckpointEntity,
        { ...next, signature: await signDetached(checkpointMessage(next), keys) },
        current ? where.eq('seq', current.checkpoint.seq) : where.itemNotExists(),
      );
    } catch (error) {
      if (isConditionalCheckFailed(error)) continue;
      throw error;
    }
    await deleteAll(passed.map((seq) => auditExpiredKey(orgId, seq)));
    return point;
  }
  throw new Error('Audit checkpoint is too busy: could not advance after 5 attempts');
}

/**
 * What the stream handler calls for an audit record DynamoDB's TTL removed (`userIdentity` of the
 * DynamoDB service): the removed record's own link is checked (its content still hashes to its hash), a
 * marker with its place and link only is written, and the checkpoint advances as far as the expired
 * records are contiguous. A removal by anyone else is not an expiry: it is left for verification to
 * report as a missing record.
 */
export async function recordAuditExpiry(
  oldImage: Item,
  keys: KeyServicePort,
  now: Date,
): Promise<{ orgId: string; seq: number } | null> {
  const body = auditRecordBody(oldImage);
  const { orgId, seq, prevHash, hash } = body;
  if (typeof orgId !== 'string' || typeof seq !== 'number' || typeof prevHash !== 'string') return null;
  if (typeof hash !== 'string') return null;
  const expiresAt = oldImage.expiresAt;
  if (typeof expiresAt !== 'number' || expiresAt * 1000 > now.getTime()) {
    logger.warn('audit record removed before its expiry; not a retention expiry', { orgId, seq });
    return null;
  }
  const { hash: _stored, ...unhashed } = body;
  if (chainHash(prevHash, unhashed) !== hash) {
    logger.warn('expired audit record does not hash to its hash; checkpoint not advanced over it', {
      orgId,
      seq,
    });
    return null;
  }
  await putItem(auditExpiredEntity, { orgId, seq, prevHash, hash, expiredAt: now.toISOString() });
  await advanceAuditCheckpoint(orgId, keys, now);
  return { orgId, seq };
}

// ---------------------------------------------------------------------------------------- re-stamp

/** Records re-stamped per task invocation: a page small enough for one Lambda run of a few seconds. */
export const restampPageSize = 500;
const restampConcurrency = 16;

/**
 * One page of the re-stamp job that follows a retention change: every record from `fromSeq` (chain
 * order) gets the TTL the setting of `version` gives it (or loses it: kept indefinitely). Updates are
 * conditioned on the record still existing (an expired one is not resurrected). Stops as soon as the
 * settings are no longer at `version`: the newer save started its own job. Returns where the next page
 * starts, or null when done.
 */
export async function restampAuditRetention(
  orgId: string,
  version: number,
  fromSeq: number,
  pageSize = restampPageSize,
): Promise<{ nextSeq: number | null; updated: number; superseded: boolean }> {
  const settings = await getItem(auditSettingsEntity, auditSettingsKey(orgId), true);
  if (!settings || settings.version !== version) return { nextSeq: null, updated: 0, superseded: true };
  const page = await queryPage(auditRecordsQuery(orgId, Math.max(1, fromSeq), 999_999_999_999), {
    limit: pageSize,
    consistent: true,
    projection: ['seq', 'createdAt', 'expiresAt'],
  });
  const work = page.items.filter((item) => {
    if (typeof item.seq !== 'number' || typeof item.createdAt !== 'string') return false;
    return auditExpiryEpochSeconds(item.createdAt, settings.retentionDays) !== item.expiresAt;
  });
  let updated = 0;
  let next = 0;
  const worker = async () => {
    while (next < work.length) {
      const item = work[next++] as Item & { seq: number; createdAt: string };
      const expiresAt = auditExpiryEpochSeconds(item.createdAt, settings.retentionDays);
      try {
        await updateItem(
          auditRecordKey(orgId, item.seq),
          expiresAt === undefined ? { remove: ['expiresAt'] } : { set: { expiresAt } },
          { condition: where.itemExists() },
        );
        updated++;
      } catch (error) {
        if (!isConditionalCheckFailed(error)) throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: restampConcurrency }, worker));
  const last = page.items.at(-1);
  return {
    nextSeq: page.hasMore && typeof last?.seq === 'number' ? last.seq + 1 : null,
    updated,
    superseded: false,
  };
}
