import { createHash, randomUUID } from 'node:crypto';
import {
  type AuditEntry,
  type AuditOutcome,
  auditExpiryEpochSeconds,
  auditLinkHash,
  type ChainedRecord,
  genesisHash,
  redactSecrets,
  verifyAuditChain,
} from '@spot/shared';
import { auditHeadEntity, auditHeadKey } from '../data/entities/audit-head';
import { auditRecordEntity } from '../data/entities/audit-record';
import { auditSettingsEntity, auditSettingsKey } from '../data/entities/audit-settings';
import {
  cancelledConditions,
  getItem,
  type TransactItem,
  transactCheck,
  transactPut,
  transactPutRaw,
  transactWrite,
  where,
} from '../data/repository';

export { genesisHash };

/** SHA-256 of a UTF-8 text as hex: the hash function of the chain, exports and checksums. */
export const sha256Hex = (text: string) => createHash('sha256').update(text).digest('hex');

/** SHA-256 (hex) of the previous hash and the record's canonical JSON: one link of the chain. */
export function chainHash(prevHash: string, record: Record<string, unknown>): string {
  return auditLinkHash(sha256Hex, prevHash, record);
}

/** A write that must happen together with its audit record (the change and its trace, one transaction). */
export interface AuditedWrite {
  /** Transaction items written with the record; their conditions are checked with it. */
  with?: TransactItem[];
}

/**
 * Appends one record to the organization's audit chain. The record and the new chain head (and any
 * `with` items: the change the record describes) are written in one transaction conditioned on the head
 * we read, so two writers can never fork the chain and a change is never stored without its record; the
 * loser of a race on the head re-reads it and tries again. A failed condition of a `with` item is thrown
 * as DynamoDB reported it (the change is refused, nothing is written).
 *
 * The record carries its DynamoDB TTL (`expiresAt`) from the organization's retention setting; the
 * transaction also checks that the settings are still the version read, so a record can never be
 * stamped with a retention that a concurrent save (and its re-stamp job) has already replaced.
 */
export async function appendAudit(
  orgId: string,
  entry: AuditEntry,
  now: Date,
  write: AuditedWrite = {},
): Promise<{ seq: number; hash: string; auditId: string }> {
  const safe = { ...entry, before: redactSecrets(entry.before), after: redactSecrets(entry.after) };
  const extra = write.with ?? [];
  for (let attempt = 0; attempt < 8; attempt++) {
    const [head, settings] = await Promise.all([
      getItem(auditHeadEntity, auditHeadKey(orgId), true),
      getItem(auditSettingsEntity, auditSettingsKey(orgId), true),
    ]);
    const seq = (head?.seq ?? 0) + 1;
    const prevHash = head?.hash ?? genesisHash;
    const auditId = randomUUID();
    const createdAt = now.toISOString();
    const body = { ...safe, orgId, auditId, seq, createdAt, prevHash };
    const hash = chainHash(prevHash, body);
    const expiresAt = auditExpiryEpochSeconds(createdAt, settings?.retentionDays ?? null);
    try {
      await transactWrite([
        transactPutRaw(
          {
            ...auditRecordEntity.toItem({ ...body, hash }),
            ...(expiresAt === undefined ? {} : { expiresAt }),
          },
          true,
        ),
        transactPut(
          auditHeadEntity,
          { orgId, seq, hash },
          head ? where.eq('seq', head.seq) : where.itemNotExists(),
        ),
        transactCheck(
          auditSettingsKey(orgId),
          settings ? where.eq('version', settings.version) : where.itemNotExists(),
        ),
        ...extra,
      ]);
      return { seq, hash, auditId };
    } catch (error) {
      const failed = cancelledConditions(error);
      if (!failed?.slice(0, 3).some(Boolean) || failed.slice(3).some(Boolean)) throw error;
      await new Promise((r) => setTimeout(r, 5 + Math.random() * 20 * (attempt + 1)));
    }
  }
  throw new Error('Audit chain is too busy: could not append after 8 attempts');
}

/** The components that act on their own; each appears in the trail under its name with actor type system. */
export const systemComponents = {
  discovery: 'Discovery workflow',
  optimizer: 'Optimizer',
  hibernation: 'Hibernation scheduler',
  agent: 'Cluster agent',
  audit: 'Audit service',
} as const;
export type SystemComponent = keyof typeof systemComponents;

/** What a system component did: the action, its target and outcome, and the state before and after. */
export interface SystemEvent {
  action: string;
  resourceType: string;
  target: string | null;
  accountId: string | null;
  outcome: AuditOutcome;
  before?: unknown;
  after?: unknown;
  errorCode?: string | null;
  /** The workflow execution or run that acted, when there is one. */
  requestId?: string | null;
}

/**
 * THE way a system action enters the audit trail (optimizer, hibernation, discovery status changes):
 * actor type `system`, the component's name as actor, no address or user agent. `write.with` puts the
 * change itself in the same transaction as its record.
 */
export function recordSystemEvent(
  orgId: string,
  component: SystemComponent,
  event: SystemEvent,
  now: Date,
  write: AuditedWrite = {},
) {
  return appendAudit(
    orgId,
    {
      actorType: 'system',
      actorId: null,
      actorName: systemComponents[component],
      action: event.action,
      resourceType: event.resourceType,
      target: event.target,
      accountId: event.accountId,
      outcome: event.outcome,
      ...(event.before === undefined ? {} : { before: event.before }),
      ...(event.after === undefined ? {} : { after: event.after }),
      sourceIp: null,
      userAgent: null,
      requestId: event.requestId ?? null,
      errorCode: event.errorCode ?? null,
    },
    now,
    write,
  );
}

/** Recomputes every link of a chain; returns the first broken sequence number, or null if intact. */
export function verifyChain(records: ChainedRecord[]): number | null {
  const sorted = [...records].sort((a, b) => a.seq - b.seq);
  return verifyAuditChain(sorted, sha256Hex).firstBreak?.seq ?? null;
}
