import { createHash, randomUUID } from 'node:crypto';
import { type AuditEntry, canonicalJson, redactSecrets } from '@spot/shared';
import { auditHeadEntity, auditHeadKey } from '../data/entities/audit-head';
import { auditRecordEntity } from '../data/entities/audit-record';
import { cancelledConditions, getItem, transactPut, transactWrite, where } from '../data/repository';

export const genesisHash = '0'.repeat(64);

/** SHA-256 (hex) of the previous hash and the record's canonical JSON: one link of the chain. */
export function chainHash(prevHash: string, record: Record<string, unknown>): string {
  return createHash('sha256').update(prevHash).update(canonicalJson(record)).digest('hex');
}

/**
 * Appends one record to the organization's audit chain. The record and the new chain head are written in
 * one transaction conditioned on the head we read, so two writers can never fork the chain; the loser
 * re-reads the head and tries again.
 */
export async function appendAudit(
  orgId: string,
  entry: AuditEntry,
  now: Date,
): Promise<{ seq: number; hash: string }> {
  const safe = { ...entry, before: redactSecrets(entry.before), after: redactSecrets(entry.after) };
  for (let attempt = 0; attempt < 8; attempt++) {
    const head = await getItem(auditHeadEntity, auditHeadKey(orgId), true);
    const seq = (head?.seq ?? 0) + 1;
    const prevHash = head?.hash ?? genesisHash;
    const body = { ...safe, orgId, auditId: randomUUID(), seq, createdAt: now.toISOString(), prevHash };
    const hash = chainHash(prevHash, body);
    try {
      await transactWrite([
        transactPut(auditRecordEntity, { ...body, hash }, true),
        transactPut(
          auditHeadEntity,
          { orgId, seq, hash },
          head ? where.eq('seq', head.seq) : where.itemNotExists(),
        ),
      ]);
      return { seq, hash };
    } catch (error) {
      if (!cancelledConditions(error)?.some(Boolean)) throw error;
      await new Promise((r) => setTimeout(r, 5 + Math.random() * 20 * (attempt + 1)));
    }
  }
  throw new Error('Audit chain is too busy: could not append after 8 attempts');
}

/** Recomputes every link of a chain; returns the first broken sequence number, or null if intact. */
export function verifyChain(
  records: (Record<string, unknown> & { seq: number; prevHash: string; hash: string })[],
): number | null {
  let prev = genesisHash;
  for (const r of [...records].sort((a, b) => a.seq - b.seq)) {
    const { hash, ...body } = r;
    if (r.prevHash !== prev || chainHash(prev, body) !== hash) return r.seq;
    prev = hash;
  }
  return null;
}
