import { BatchGetCommand, BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { ItemKeys } from '@spot/shared';
import { db, tableName } from '../data/client';

/** BatchWriteItem takes at most 25 requests, BatchGetItem 100 keys. */
export const batchWriteSize = 25;
export const batchGetSize = 100;
/** Batches in flight at once: enough to keep DynamoDB busy without a burst of throttling. */
const concurrency = 4;
const maxAttempts = 10;

export type WriteRequest = { put: Record<string, unknown> } | { delete: ItemKeys };

const keyOf = (r: WriteRequest) => {
  const k = 'put' in r ? r.put : r.delete;
  return `${String(k.PK)}\u0000${String(k.SK)}`;
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Full-jitter exponential backoff: 0..min(1 s, 25 ms x 2^attempt). */
const backoffMs = (attempt: number) => Math.random() * Math.min(1_000, 25 * 2 ** attempt);

async function inPool<T>(items: readonly T[], worker: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const run = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await worker(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, run));
}

/**
 * Writes many items with BatchWriteItem, 25 per call, a few calls in flight. Unprocessed items (throttling)
 * are sent again with backoff until none is left; after 10 attempts the write fails. A key that appears
 * twice is written once (the last request wins): DynamoDB rejects a batch with duplicate keys.
 */
export async function batchWrite(requests: readonly WriteRequest[]): Promise<{ written: number }> {
  const unique = new Map<string, WriteRequest>();
  for (const r of requests) unique.set(keyOf(r), r);
  const all = [...unique.values()];
  const chunks: WriteRequest[][] = [];
  for (let i = 0; i < all.length; i += batchWriteSize) chunks.push(all.slice(i, i + batchWriteSize));
  const table = tableName();
  await inPool(chunks, async (chunk) => {
    let pending = chunk.map((r) =>
      'put' in r ? { PutRequest: { Item: r.put } } : { DeleteRequest: { Key: r.delete } },
    );
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt >= maxAttempts) {
        throw new Error(
          `BatchWriteItem left ${pending.length} items unprocessed after ${maxAttempts} attempts`,
        );
      }
      if (attempt > 0) await sleep(backoffMs(attempt));
      const out = await db().send(new BatchWriteCommand({ RequestItems: { [table]: pending } }));
      pending = (out.UnprocessedItems?.[table] ?? []) as typeof pending;
    }
  });
  return { written: all.length };
}

export const putAll = (items: readonly Record<string, unknown>[]) =>
  batchWrite(items.map((put) => ({ put })));
export const deleteAll = (keys: readonly ItemKeys[]) => batchWrite(keys.map((k) => ({ delete: k })));

/** Reads many items by key with BatchGetItem (100 per call), retrying unprocessed keys. Missing keys are absent. */
export async function batchGet(keys: readonly ItemKeys[]): Promise<Record<string, unknown>[]> {
  const table = tableName();
  const found: Record<string, unknown>[] = [];
  const chunks: ItemKeys[][] = [];
  for (let i = 0; i < keys.length; i += batchGetSize) chunks.push(keys.slice(i, i + batchGetSize));
  await inPool(chunks, async (chunk) => {
    let pending: Record<string, unknown>[] = chunk.map((k) => ({ PK: k.PK, SK: k.SK }));
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt >= maxAttempts) throw new Error(`BatchGetItem left ${pending.length} keys unprocessed`);
      if (attempt > 0) await sleep(backoffMs(attempt));
      const out = await db().send(new BatchGetCommand({ RequestItems: { [table]: { Keys: pending } } }));
      found.push(...(out.Responses?.[table] ?? []));
      pending = (out.UnprocessedKeys?.[table]?.Keys ?? []) as Record<string, unknown>[];
    }
  });
  return found;
}
