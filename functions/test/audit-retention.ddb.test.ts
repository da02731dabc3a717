import { randomBytes, randomUUID } from 'node:crypto';
import { marshall } from '@aws-sdk/util-dynamodb';
import { LocalKeyService } from '@spot/local/keys';
import { LocalStepFunctions } from '@spot/local/stepfunctions';
import { type AuditEntry, type AuditVerifyResponse, auditExpiryEpochSeconds } from '@spot/shared';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { auditCheckpointEntity, auditCheckpointKey } from '../src/data/entities/audit-checkpoint';
import { auditRecordKey, auditRecordsQuery } from '../src/data/entities/audit-record';
import { auditSettingsEntity } from '../src/data/entities/audit-settings';
import { deleteItem, getItem, getRaw, type Item, putItem, putRaw, queryRaw } from '../src/data/repository';
import { appendAudit } from '../src/domain/audit';
import { verifyAuditTrail } from '../src/domain/audit-query';
import { restampAuditRetention } from '../src/domain/audit-retention';
import { configurePorts, port } from '../src/ports';
import { handler as expiryHandler } from '../src/streams/audit-expiry';
import { call, signUpAndIn, useLocalServices } from './support/services';

type User = Awaited<ReturnType<typeof signUpAndIn>>;
const day = 86_400_000;
let workflows: LocalStepFunctions;

beforeAll(async () => {
  await useLocalServices();
  workflows = new LocalStepFunctions({ retryIntervalMs: 10, waitTimeMs: 10 });
  configurePorts({ keyService: new LocalKeyService(randomBytes(32)), workflows });
});

const entry: AuditEntry = {
  actorType: 'user',
  actorId: 'u-1',
  actorName: 'alice@example.com',
  action: 'policy.update',
  resourceType: 'policy',
  target: 'policy/organization',
  accountId: null,
  outcome: 'success',
  sourceIp: null,
  userAgent: null,
  requestId: null,
};

async function setRetention(orgId: string, retentionDays: number | null, version = 1) {
  await putItem(auditSettingsEntity, {
    orgId,
    version,
    retentionDays,
    destinations: [],
    updatedAt: new Date().toISOString(),
    updatedBy: 'test',
  });
}

/** `count` records, the first `old` of them created `ageDays` ago, the rest now; returns them as stored. */
async function seedChain(orgId: string, count: number, old: number, ageDays: number) {
  const now = Date.now();
  for (let i = 1; i <= count; i++) {
    const at = i <= old ? now - ageDays * day + i * 1000 : now + i;
    await appendAudit(orgId, { ...entry, after: { step: i } }, new Date(at));
  }
  return queryRaw(auditRecordsQuery(orgId), { consistent: true });
}

/** A REMOVE stream record as DynamoDB emits it: TTL deletions carry the service's identity. */
function removeEvent(old: Item, byTtl = true): DynamoDBRecord {
  return {
    eventName: 'REMOVE',
    eventSource: 'aws:dynamodb',
    ...(byTtl ? { userIdentity: { type: 'Service', principalId: 'dynamodb.amazonaws.com' } } : {}),
    dynamodb: {
      Keys: marshall({ PK: old.PK, SK: old.SK }) as never,
      OldImage: marshall(old, { removeUndefinedValues: true }) as never,
      StreamViewType: 'NEW_AND_OLD_IMAGES',
    },
  } as DynamoDBRecord;
}

/**
 * What DynamoDB's TTL does (DynamoDB Local never deletes by TTL): deletes the expired items, in the given
 * order, and the stream delivers their REMOVE records to the expiry function in batches of `batch`.
 */
async function expireByTtl(items: readonly Item[], batch = 3, byTtl = true) {
  for (const item of items) await deleteItem({ PK: String(item.PK), SK: String(item.SK) });
  for (let i = 0; i < items.length; i += batch) {
    const event: DynamoDBStreamEvent = {
      Records: items.slice(i, i + batch).map((o) => removeEvent(o, byTtl)),
    };
    await expiryHandler(event);
  }
}

const verify = async (user: User) => {
  const res = await call('GET /api/client/audit/verify', { token: user.accessToken });
  expect(res.status, res.raw).toBe(200);
  return res.body as unknown as AuditVerifyResponse;
};
/** The expiry tests use organizations of their own (no sign-up record at seq 1) and the domain call. */
const verifyOrg = (orgId: string) => verifyAuditTrail(orgId, new Date(), port('keyService'));

describe('retention: TTL at write time', () => {
  it('stamps each record with createdAt + retention, or no TTL when kept indefinitely', async () => {
    const user = await signUpAndIn('Retention stamp');
    const kept = await appendAudit(user.orgId, entry, new Date('2026-07-01T00:00:00.000Z'));
    expect((await getRaw(auditRecordKey(user.orgId, kept.seq)))?.expiresAt).toBeUndefined();
    await setRetention(user.orgId, 30);
    const at = new Date('2026-07-02T12:00:00.500Z');
    const stamped = await appendAudit(user.orgId, entry, at);
    expect((await getRaw(auditRecordKey(user.orgId, stamped.seq)))?.expiresAt).toBe(
      Math.floor(at.getTime() / 1000) + 30 * 86_400,
    );
    // The TTL is outside the hash: the chain still verifies.
    expect((await verify(user)).valid).toBe(true);
  });

  it('PUT settings re-applies a changed retention to existing records (the audit-retention workflow)', async () => {
    const user = await signUpAndIn('Retention restamp');
    const records = await seedChain(user.orgId, 12, 0, 0);
    expect(records.every((r) => r.expiresAt === undefined)).toBe(true);
    const saved = await call('PUT /api/client/audit/settings', {
      token: user.accessToken,
      body: { version: 0, retentionDays: 90, destinations: [] },
    });
    expect(saved.status, saved.raw).toBe(200);
    const expectStamped = async (days: number | null) => {
      await expect
        .poll(
          async () => {
            const items = await queryRaw(auditRecordsQuery(user.orgId), { consistent: true });
            return items.every((r) => r.expiresAt === auditExpiryEpochSeconds(String(r.createdAt), days));
          },
          { timeout: 10_000, interval: 100 },
        )
        .toBe(true);
    };
    await expectStamped(90);
    const back = await call('PUT /api/client/audit/settings', {
      token: user.accessToken,
      body: { version: 1, retentionDays: null, destinations: [] },
    });
    expect(back.status, back.raw).toBe(200);
    await expectStamped(null);
    expect((await verify(user)).valid).toBe(true);
  });

  it('re-stamps page by page, resumable from any page, and stops when a newer save supersedes it', async () => {
    const user = await signUpAndIn('Retention pages');
    await seedChain(user.orgId, 17, 0, 0);
    await setRetention(user.orgId, 45, 3);
    let from = 1;
    let pages = 0;
    for (;;) {
      const page = await restampAuditRetention(user.orgId, 3, from, 5);
      pages++;
      if (page.nextSeq === null) break;
      from = page.nextSeq;
    }
    expect(pages).toBe(4);
    const items = await queryRaw(auditRecordsQuery(user.orgId), { consistent: true });
    expect(items.every((r) => r.expiresAt === auditExpiryEpochSeconds(String(r.createdAt), 45))).toBe(true);
    // A second run over the same pages writes nothing (idempotent: a retried task is harmless).
    expect((await restampAuditRetention(user.orgId, 3, 1, 50)).updated).toBe(0);
    await setRetention(user.orgId, 60, 4);
    expect(await restampAuditRetention(user.orgId, 3, 1, 5)).toMatchObject({ superseded: true, updated: 0 });
  });
});

describe('retention: the chain stays verifiable after expiry', () => {
  it('verifies valid after TTL removed the first N records, in any order and batching', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 0, max: 1_000_000 }),
        async (expired, batch, seed) => {
          const orgId = randomUUID();
          await setRetention(orgId, 30);
          const records = await seedChain(orgId, 12, expired, 40);
          expect(records.slice(0, expired).every((r) => Number(r.expiresAt) * 1000 < Date.now())).toBe(true);
          // TTL deletes in no particular order: a seeded shuffle of the expired ones.
          const order = records
            .slice(0, expired)
            .map((r, i) => ({ r, k: (i * 7919 + seed) % 104_729 }))
            .sort((a, b) => a.k - b.k)
            .map((x) => x.r);
          await expireByTtl(order, batch);
          const result = await verifyOrg(orgId);
          expect(result).toMatchObject({
            valid: true,
            checked: 12 - expired,
            firstSeq: expired + 1,
            checkpoint: { seq: expired, signed: true },
          });
        },
      ),
      { numRuns: 4 },
    );
  }, 120_000);

  it('stays valid while TTL has removed later records before earlier ones (markers bridge the gap)', async () => {
    const orgId = randomUUID();
    await setRetention(orgId, 30);
    const records = await seedChain(orgId, 10, 6, 40);
    // Records 1, 2 and 5 are gone; 3, 4 and 6 not yet.
    await expireByTtl([records[4], records[0], records[1]] as Item[]);
    const partial = await verifyOrg(orgId);
    expect(partial).toMatchObject({ valid: true, checkpoint: { seq: 2 } });
    await expireByTtl([records[3], records[2], records[5]] as Item[]);
    expect(await verifyOrg(orgId)).toMatchObject({ valid: true, checkpoint: { seq: 6 }, checked: 4 });
  });

  it('still detects tampering after expiry: an altered record, a record deleted by hand, a forged checkpoint', async () => {
    const orgId = randomUUID();
    await setRetention(orgId, 30);
    const records = await seedChain(orgId, 10, 4, 40);
    await expireByTtl(records.slice(0, 4));
    expect((await verifyOrg(orgId)).valid).toBe(true);

    // An edit of a remaining record.
    const victim = records[6] as Item;
    await putRaw({ ...victim, actorName: 'mallory@example.com' });
    expect((await verifyOrg(orgId)).firstBreak).toMatchObject({ reason: 'altered', seq: 7 });
    await putRaw(victim);

    // A record removed by someone else than TTL (its REMOVE has no service identity): not an expiry.
    const next = records[4] as Item;
    await expireByTtl([next], 1, false);
    expect((await verifyOrg(orgId)).firstBreak).toMatchObject({ reason: 'missing', seq: 5 });
    await putRaw(next);
    expect((await verifyOrg(orgId)).valid).toBe(true);

    // A record that has not expired yet, removed with a forged TTL identity: refused too.
    await expireByTtl([records[8] as Item]);
    expect((await verifyOrg(orgId)).firstBreak).toMatchObject({ reason: 'missing', seq: 9 });
    await putRaw(records[8] as Item);

    // A checkpoint moved forward by hand (to hide records 5 and 6) is not signed by the service.
    const checkpoint = await getItem(auditCheckpointEntity, auditCheckpointKey(orgId), true);
    expect(checkpoint?.seq).toBe(4);
    await putItem(auditCheckpointEntity, {
      ...(checkpoint as NonNullable<typeof checkpoint>),
      seq: 6,
      hash: String(records[5]?.hash),
    });
    await deleteItem(auditRecordKey(orgId, 5));
    await deleteItem(auditRecordKey(orgId, 6));
    const forged = await verifyOrg(orgId);
    expect(forged).toMatchObject({ valid: false, checkpoint: { seq: 6, signed: false } });
    expect(forged.firstBreak?.reason).toBe('checkpoint-invalid');
  });
});
