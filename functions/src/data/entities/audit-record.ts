import { auditEntrySchema, type ItemKeys, keyAttributes } from '@spot/shared';
import { z } from 'zod';
import { defineEntity } from '../entity';
import type { Item } from '../items';
import { orgPk } from './organization';

export const auditPk = (orgId: string) => `${orgPk(orgId)}#AUDIT`;
const recSk = (seq: number) => `REC#${String(seq).padStart(12, '0')}`;

/**
 * One audit record. `seq` and `hash` chain the records of an organization: hash = SHA-256 of the
 * previous hash and this record's canonical JSON, so removing or editing one breaks every later hash.
 * GSI1 orders them by time (the trail, exports by range); GSI2 finds one by its id (the drawer).
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
    SK: recSk(r.seq),
    ...auditRecordTimeKey(r.orgId, r.createdAt, r.auditId),
    GSI2PK: `${auditPk(r.orgId)}#ID#${r.auditId}`,
    GSI2SK: 'REC',
  }),
);
export type AuditRecord = z.infer<typeof auditRecordEntity.schema>;

const auditRecordTimeKey = (orgId: string, createdAt: string, auditId: string) => ({
  GSI1PK: `${auditPk(orgId)}#TIME`,
  GSI1SK: `${createdAt}#${auditId}`,
});

export const auditRecordKey = (orgId: string, seq: number) => ({ PK: auditPk(orgId), SK: recSk(seq) });
/** Chain order; `fromSeq`/`toSeq` (inclusive) narrow it to a segment. */
export const auditRecordsQuery = (orgId: string, fromSeq?: number, toSeq?: number) =>
  fromSeq !== undefined && toSeq !== undefined
    ? { pk: auditPk(orgId), skBetween: [recSk(fromSeq), recSk(toSeq)] as const }
    : { pk: auditPk(orgId), skPrefix: 'REC#' };
export const auditByTimeQuery = (orgId: string) => ({ index: 'GSI1' as const, pk: `${auditPk(orgId)}#TIME` });
/**
 * Time order within [from, to) (ISO instants as stored): the sort key is `<createdAt>#<auditId>`, so
 * `to` itself sorts before every key of that instant and is excluded, `from` included.
 */
export const auditByTimeRangeQuery = (orgId: string, from: string | undefined, to: string | undefined) => ({
  ...auditByTimeQuery(orgId),
  ...(to ? { skBetween: [from ?? '0', to] as const } : from ? { skFrom: from } : {}),
});
export const auditByIdQuery = (orgId: string, auditId: string) => ({
  index: 'GSI2' as const,
  pk: `${auditPk(orgId)}#ID#${auditId}`,
});
/** Where a newest-first page continues: the keys of the last record shown. */
export const auditRecordStartKey = (
  orgId: string,
  r: { seq: number; createdAt: string; auditId: string },
) => ({
  ...auditRecordKey(orgId, r.seq),
  ...auditRecordTimeKey(orgId, r.createdAt, r.auditId),
});

/** The position a key of the time index names (where a read stopped), as a cursor records it. */
export function auditRecordPositionOf(
  keys: ItemKeys,
): { seq: number; createdAt: string; auditId: string } | undefined {
  const seq = /^REC#(\d{12})$/.exec(keys.SK)?.[1];
  const time = typeof keys.GSI1SK === 'string' ? keys.GSI1SK : '';
  const hash = time.indexOf('#');
  if (!seq || hash <= 0) return undefined;
  return { seq: Number(seq), createdAt: time.slice(0, hash), auditId: time.slice(hash + 1) };
}

/**
 * A record as stored, without key attributes and NOT validated: chain verification must judge a
 * tampered record (any shape) instead of failing to read it.
 */
export function auditRecordBody(item: Item): Record<string, unknown> {
  const rest: Record<string, unknown> = { ...item };
  for (const k of keyAttributes) delete rest[k];
  delete rest.entity;
  delete rest.expiresAt;
  return rest;
}
