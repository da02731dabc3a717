import { randomBytes, randomUUID } from 'node:crypto';
import { auditRecordKey, auditRecordsQuery } from '@spot/functions/data/entities/audit-record';
import { deleteItem, queryRaw } from '@spot/functions/data/repository';
import { imageOf } from '@spot/functions/data/stream-image';
import { appendAudit } from '@spot/functions/domain/audit';
import { configurePorts } from '@spot/functions/ports/index';
import { auditExpiryFilter, auditInsertFilter } from '@spot/functions/streams/filters';
import { localTableEnvironment } from '@spot/local/dynamodb';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalKeyService } from '../src/keys';
import { LocalTableStream, repairImage } from '../src/table-stream';
import { createTestTable, type TestTable } from './ddb-helpers';

let table: TestTable;
let stream: LocalTableStream;
const inserts: DynamoDBStreamEvent[] = [];
const removals: DynamoDBStreamEvent[] = [];
// The stream's own log (refused iterators, failed polls): printed with a failure, so it says why.
const streamLog: string[] = [];

beforeAll(async () => {
  table = await createTestTable('stream');
  Object.assign(process.env, localTableEnvironment(table.endpoint, table.tableName));
  const { resetRuntime } = await import('@spot/functions/lib/runtime');
  resetRuntime();
  configurePorts({ keyService: new LocalKeyService(randomBytes(32)) });
  stream = new LocalTableStream(
    table.endpoint,
    table.tableName,
    [
      { name: 'inserts', filter: auditInsertFilter, handler: async (e) => void inserts.push(e) },
      { name: 'removals', filter: auditExpiryFilter, handler: async (e) => void removals.push(e) },
    ],
    (message) => void streamLog.push(message),
    60_000,
  );
  await stream.start();
});
afterAll(() => stream.stop());

const auditInput = {
  actorType: 'user',
  actorId: 'u',
  actorName: 'a@example.com',
  action: 'policy.update',
  resourceType: 'policy',
  target: null,
  accountId: null,
  outcome: 'success',
  sourceIp: null,
  userAgent: null,
  requestId: null,
} as const;

async function pollUntilInserted(count: number): Promise<void> {
  try {
    await expect
      .poll(
        async () => {
          await stream.tick();
          return inserts.flatMap((e) => e.Records).length;
        },
        { timeout: 20_000, interval: 250 },
      )
      .toBeGreaterThanOrEqual(count);
  } catch (error) {
    throw new Error(`${(error as Error).message}\nthe stream's log:\n${streamLog.join('\n') || '(empty)'}`);
  }
}

describe('local table stream (the stream consumers of the CDK app, fed from DynamoDB Local)', () => {
  it('hands inserted audit records to the insert consumer, in batches, and nothing else', async () => {
    const orgId = randomUUID();
    for (let i = 0; i < 3; i++) await appendAudit(orgId, auditInput, new Date());
    // DynamoDB Local makes a write visible on its stream a moment later (a busy machine: after the
    // first poll), as Lambda's poller sees it: poll until the three arrive, then check them exactly.
    // expect.poll's default of 1 s was too short with two test files at a time on 2 cores (ADR 0056).
    await pollUntilInserted(3);
    const records = inserts.flatMap((e) => e.Records);
    expect(records.map((r) => r.dynamodb?.NewImage?.seq?.N)).toEqual(['1', '2', '3']);
    expect(records.every((r) => r.eventName === 'INSERT')).toBe(true);

    // A delete by a person is a REMOVE without the service identity: not for the expiry consumer.
    const [first] = await queryRaw(auditRecordsQuery(orgId), { limit: 1 });
    expect(first).toBeDefined();
    await deleteItem(auditRecordKey(orgId, 1));
    await stream.tick();
    expect(removals).toEqual([]);
    expect(inserts.flatMap((e) => e.Records)).toHaveLength(3);
  });

  it('takes a new iterator after the last record read when DynamoDB Local refuses one, and loses nothing', async () => {
    const before = inserts.flatMap((e) => e.Records).length;
    // What DynamoDB Local answers for an expired or trimmed iterator: GetRecords refuses it.
    const iterators = (stream as unknown as { iterators: Map<string, string> }).iterators;
    expect(iterators.size).toBeGreaterThan(0);
    for (const shard of iterators.keys()) iterators.set(shard, 'not-an-iterator');
    const orgId = randomUUID();
    for (let i = 0; i < 2; i++) await appendAudit(orgId, auditInput, new Date());
    await pollUntilInserted(before + 2);
    const records = inserts.flatMap((e) => e.Records).slice(before);
    // The two new records, once each: the earlier three are not delivered again.
    expect(records.map((r) => r.dynamodb?.NewImage?.seq?.N)).toEqual(['1', '2']);
    expect(streamLog.some((line) => line.includes('taking a new iterator'))).toBe(true);
  });

  it('gives empty maps and lists back their type, which DynamoDB Local 3.x leaves out of stream images', async () => {
    const before = inserts.flatMap((e) => e.Records).length;
    const orgId = randomUUID();
    const change = { tags: {}, regions: [], nested: { labels: {}, taints: [], kept: [{}, []] } };
    await appendAudit(orgId, { ...auditInput, before: {}, after: change }, new Date());
    await pollUntilInserted(before + 1);
    const [record] = inserts.flatMap((e) => e.Records).slice(before);
    // Before the repair, unmarshalling this image threw "No value defined: {}" (the SIEM consumer's batch).
    const item = imageOf(record?.dynamodb?.NewImage);
    expect(item?.before).toEqual({});
    expect(item?.after).toEqual(change);
  });

  it('falls back to a map where the item read now has no collection at that path', () => {
    const image = { a: {}, b: { L: [{}, { S: 'x' }] }, c: { M: { d: {} } } };
    const reference = { a: { L: [{ S: 'now' }] }, b: { L: [{ M: {} }] } };
    expect(repairImage(image, reference)).toEqual({
      a: { L: [] },
      b: { L: [{ M: {} }, { S: 'x' }] },
      c: { M: { d: { M: {} } } },
    });
    expect(repairImage(image, undefined)).toEqual({
      a: { M: {} },
      b: { L: [{ M: {} }, { S: 'x' }] },
      c: { M: { d: { M: {} } } },
    });
  });
});
