import {
  type AuditFilter,
  type AuditListQuery,
  type AuditListResponse,
  type AuditRecordDetail,
  type AuditRecordView,
  type AuditVerifyResponse,
  auditDiff,
  auditEventLabel,
  auditFilterOf,
  type ChainedRecord,
  ChainVerifier,
  canonicalJson,
  NotFoundError,
  ValidationError,
} from '@spot/shared';
import { z } from 'zod';
import { auditExpiredAfterQuery, auditExpiredEntity } from '../data/entities/audit-checkpoint';
import { auditHeadEntity, auditHeadKey } from '../data/entities/audit-head';
import {
  type AuditRecord,
  auditByIdQuery,
  auditByTimeRangeQuery,
  auditRecordBody,
  auditRecordEntity,
  auditRecordPositionOf,
  auditRecordStartKey,
  auditRecordsQuery,
} from '../data/entities/audit-record';
import { type Condition, getItem, queryAll, queryPage, queryPages, where } from '../data/repository';
import type { KeyServicePort } from '../ports';
import { sha256Hex } from './audit';
import { readAuditCheckpoint } from './audit-retention';
import { signDetached, verifyDetached } from './signature';

/** A record as the API shows it: without the organization id, with the action in words. */
export function toAuditView({ orgId: _org, ...r }: AuditRecord): AuditRecordView {
  return { ...r, event: auditEventLabel(r.action) };
}

/** An instant as the records store it (`2026-07-01T00:00:00.000Z`), so key ranges compare as strings. */
const storedInstant = (iso: string | undefined) => (iso ? new Date(iso).toISOString() : undefined);

/** The DynamoDB filter of everything but the time range (the range is the key condition). */
function filterCondition(f: AuditFilter): Condition | undefined {
  const all: Condition[] = [];
  if (f.actorType) all.push(where.eq('actorType', f.actorType));
  if (f.outcome) all.push(where.eq('outcome', f.outcome));
  if (f.event)
    all.push(f.event.endsWith('.') ? where.beginsWith('action', f.event) : where.eq('action', f.event));
  if (f.actor) all.push(where.or(where.contains('actorName', f.actor), where.contains('actorId', f.actor)));
  if (f.target) all.push(where.contains('target', f.target));
  return all.length === 0 ? undefined : all.length === 1 ? all[0] : where.and(...all);
}

// ------------------------------------------------------------------------------------------ cursor

/**
 * A cursor names where the next page starts (the last record shown) and is bound to the organization and
 * the filters it was made for: its payload is signed ({@link signDetached}), so a cursor edited, forged,
 * reused with other filters or by another organization is refused like any malformed one.
 */
const cursorPayloadSchema = z.object({
  o: z.string(),
  f: z.string(),
  s: z.number().int().positive(),
  t: z.string(),
  i: z.string(),
});
const filterDigest = (f: AuditFilter) => sha256Hex(canonicalJson(auditFilterOf(f))).slice(0, 32);
const invalidCursor = () =>
  new ValidationError('cursor: not a cursor this list returned for these filters. Start again without it.');

async function encodeCursor(
  orgId: string,
  f: AuditFilter,
  at: { seq: number; createdAt: string; auditId: string },
  keys: KeyServicePort,
) {
  const payload = Buffer.from(
    JSON.stringify({ o: orgId, f: filterDigest(f), s: at.seq, t: at.createdAt, i: at.auditId }),
  ).toString('base64url');
  return `${payload}.${await signDetached(`audit-cursor\n${payload}`, keys)}`;
}

async function decodeCursor(orgId: string, f: AuditFilter, cursor: string, keys: KeyServicePort) {
  const dot = cursor.indexOf('.');
  if (dot <= 0) throw invalidCursor();
  const payload = cursor.slice(0, dot);
  if (!(await verifyDetached(`audit-cursor\n${payload}`, cursor.slice(dot + 1), keys))) throw invalidCursor();
  let parsed: z.infer<typeof cursorPayloadSchema>;
  try {
    parsed = cursorPayloadSchema.parse(JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')));
  } catch {
    throw invalidCursor();
  }
  if (parsed.o !== orgId || parsed.f !== filterDigest(f)) throw invalidCursor();
  return auditRecordStartKey(orgId, { seq: parsed.s, createdAt: parsed.t, auditId: parsed.i });
}

// --------------------------------------------------------------------------------------------- list

/**
 * DynamoDB requests one list call may make when a filter is set. A rare filter over a long range would
 * otherwise read the whole range before answering (seconds for 30 days of a busy organization); past this
 * budget the page comes back short with a cursor and `searchedThrough`, and the client continues from
 * there, showing how far back the search has gone. Sized so that a call reads at most
 * {@link filteredReadBudget} records: a few tens of milliseconds in DynamoDB (1 MB, about 1,400 records,
 * per request), measured by `npm run bench audit` on DynamoDB Local.
 */
const filteredRequestsPerCall = 2;
export const filteredReadBudget = 1000;

/**
 * One page of the organization's trail, newest first, filtered on the server: the time range is a key
 * range of the time index, the other filters a filter expression (same meaning as `matchesAuditFilter`).
 * A filtered page may hold fewer than `limit` records and still have a `nextCursor`: the read budget ran
 * out first, and `searchedThrough` says how far back the records were searched.
 */
export async function listAuditRecords(
  orgId: string,
  query: AuditListQuery,
  keys: KeyServicePort,
): Promise<AuditListResponse> {
  const f = auditFilterOf(query);
  const startKey = query.cursor ? await decodeCursor(orgId, f, query.cursor, keys) : undefined;
  const filter = filterCondition(f);
  const page = await queryPage(auditByTimeRangeQuery(orgId, storedInstant(f.from), storedInstant(f.to)), {
    limit: query.limit,
    // Read what the page needs, not DynamoDB's default 1 MB (some 1,400 records): one more than the
    // page without a filter (to know whether more follow), the read budget in requests with one.
    pageSize: filter ? filteredReadBudget / filteredRequestsPerCall : query.limit + 1,
    newestFirst: true,
    ...(filter ? { filter, maxRequests: filteredRequestsPerCall } : {}),
    ...(startKey ? { startKey } : {}),
  });
  const records = page.items.map((item) => auditRecordEntity.fromItem(item));
  const at = page.lastKey ? auditRecordPositionOf(page.lastKey) : undefined;
  return {
    items: records.map(toAuditView),
    nextCursor: page.hasMore && at ? await encodeCursor(orgId, f, at, keys) : null,
    searchedThrough: page.cutShort && at ? at.createdAt : null,
  };
}

/** One record with its before/after diff field by field; 404 for an id not in the organization. */
export async function getAuditRecord(orgId: string, auditId: string): Promise<AuditRecordDetail> {
  const [record] = await queryAll(auditRecordEntity, auditByIdQuery(orgId, auditId), { limit: 1 });
  if (!record) throw new NotFoundError('This audit record');
  return { record: toAuditView(record), changes: auditDiff(record.before, record.after) };
}

// ------------------------------------------------------------------------------------------- verify

/**
 * Walks the organization's whole chain in order (consistent reads, page by page, holding one link) up to
 * the head read first, so records appended meanwhile are left for the next run. Reports the first break
 * with where (sequence number, record id) and why; a removed last record shows as a head beyond the
 * records. Records are judged as stored, whatever shape an edit left them in.
 *
 * After retention expired the oldest records, the walk starts from the signed checkpoint (the last
 * expired record's seq and hash) instead of the genesis; a checkpoint whose signature is not ours is
 * itself the first break.
 */
export async function verifyAuditTrail(
  orgId: string,
  now: Date,
  keys: KeyServicePort,
): Promise<AuditVerifyResponse> {
  const [head, stored] = await Promise.all([
    getItem(auditHeadEntity, auditHeadKey(orgId), true),
    readAuditCheckpoint(orgId, keys),
  ]);
  const checkpoint = stored ? { seq: stored.checkpoint.seq, hash: stored.checkpoint.hash } : null;
  const checkpointView = stored
    ? { ...checkpoint, advancedAt: stored.checkpoint.advancedAt, signed: stored.signed }
    : null;
  const headPoint = head ? { seq: head.seq, hash: head.hash } : null;
  if (stored && !stored.signed) {
    return {
      valid: false,
      checked: 0,
      firstSeq: null,
      lastSeq: null,
      lastHash: null,
      head: headPoint,
      checkpoint: checkpointView as NonNullable<AuditVerifyResponse['checkpoint']>,
      firstBreak: {
        seq: stored.checkpoint.seq,
        position: 0,
        auditId: null,
        reason: 'checkpoint-invalid',
        message:
          'The retention checkpoint (where the chain continues after expired records) is not signed by this service: it was edited or forged.',
      },
      verifiedAt: now.toISOString(),
    };
  }
  const verifier = new ChainVerifier(sha256Hex, checkpoint ?? undefined);
  const fromSeq = (checkpoint?.seq ?? 0) + 1;
  // Records at or below the checkpoint are expired; one still there (TTL is late, or a restore) is
  // skipped. Without a head (it was removed) every record is read: they must still chain.
  const toSeq = head ? Math.max(fromSeq, head.seq) : 999_999_999_999;
  // Records TTL removed ahead of the checkpoint (it deletes in no particular order) are passed over by
  // their markers, whose links were checked when they expired.
  const expired = new Map(
    (
      await queryAll(auditExpiredEntity, auditExpiredAfterQuery(orgId, fromSeq - 1), { consistent: true })
    ).map((m) => [m.seq, m]),
  );
  const passExpired = (upTo: number) => {
    for (let m = expired.get(verifier.nextSeq); m && m.seq < upTo; m = expired.get(verifier.nextSeq))
      if (!verifier.pushExpired(m)) break;
  };
  for await (const page of queryPages(auditRecordsQuery(orgId, fromSeq, toSeq), {
    consistent: true,
  })) {
    for (const item of page.items) {
      if (item.entity !== auditRecordEntity.name) continue;
      const body = auditRecordBody(item) as ChainedRecord;
      if (typeof body.seq === 'number') passExpired(body.seq);
      verifier.push(body);
    }
  }
  passExpired((head?.seq ?? 0) + 1);
  const result = verifier.finish(headPoint);
  return {
    ...result,
    head: headPoint,
    checkpoint: checkpointView as AuditVerifyResponse['checkpoint'],
    verifiedAt: now.toISOString(),
  };
}
