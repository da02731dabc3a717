import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { type ItemKeys, keyAttributes, tableDefinition } from '@spot/shared';
import type { z } from 'zod';
import { db, tableName } from './client';
import type { Entity } from './entity';
import {
  type AttributePath,
  type Condition,
  ExpressionBuilder,
  type KeyQuery,
  type UpdateSpec,
} from './expressions';
import type { Item } from './items';

export type { AttributePath, Condition, KeyQuery, UpdateSpec } from './expressions';
export { InvalidAttributeNameError, where } from './expressions';
export { attributesOf, type Item, keyOfItem } from './items';

/**
 * The verbs the domain uses to reach the table. Entity modules provide every key; `expressions.ts` writes
 * every expression string. Nothing outside `functions/src/data/` imports the SDK's DynamoDB clients.
 */

type AnyEntity = Entity<z.ZodType<Record<string, unknown>>>;
type Attrs<E extends AnyEntity> = z.infer<E['schema']>;

// ---------------------------------------------------------------------------------------------- get

/** One item of an entity, or `undefined`. */
export async function getItem<S extends z.ZodType<Record<string, unknown>>>(
  entity: Entity<S>,
  key: ItemKeys,
  consistent = false,
): Promise<z.infer<S> | undefined> {
  const item = await getRaw(key, { consistent });
  return item ? entity.fromItem(item) : undefined;
}

/** One item as stored, optionally only some attributes (a projection is not validated against a schema). */
export async function getRaw(
  key: ItemKeys,
  options: { consistent?: boolean; projection?: readonly AttributePath[] } = {},
): Promise<Item | undefined> {
  const x = new ExpressionBuilder();
  const projection = options.projection ? x.projection(options.projection) : undefined;
  const out = await db().send(
    new GetCommand({
      TableName: tableName(),
      Key: primaryKey(key),
      ...(options.consistent ? { ConsistentRead: true } : {}),
      ...(projection ? { ProjectionExpression: projection } : {}),
      ...x.attributes(),
    }),
  );
  return out.Item;
}

// ---------------------------------------------------------------------------------------------- put

/** Writes an entity item whole; `condition` (e.g. `where.itemNotExists()`) makes it conditional. */
export async function putItem<E extends AnyEntity>(
  entity: E,
  attrs: Attrs<E>,
  condition?: Condition,
): Promise<void> {
  await putRaw(entity.toItem(attrs), condition);
}

/** Writes an item already built by `entity.toItem`. */
export async function putRaw(item: Item, condition?: Condition): Promise<void> {
  const x = new ExpressionBuilder();
  const expression = condition ? x.condition(condition) : undefined;
  await db().send(
    new PutCommand({
      TableName: tableName(),
      Item: item,
      ...(expression ? { ConditionExpression: expression } : {}),
      ...x.attributes(),
    }),
  );
}

// ------------------------------------------------------------------------------------------- update

export type ReturnValues = 'NONE' | 'ALL_NEW' | 'UPDATED_NEW' | 'ALL_OLD' | 'UPDATED_OLD';

export interface UpdateOptions {
  condition?: Condition;
  /** What to return (DynamoDB's `ReturnValues`); default nothing. */
  returnValues?: ReturnValues;
}

/** Changes named fields of one item; returns the values asked for with `returnValues`. */
export async function updateItem(
  key: ItemKeys,
  spec: UpdateSpec,
  options: UpdateOptions = {},
): Promise<Item | undefined> {
  const request = updateRequest(key, spec, options.condition);
  const out = await db().send(
    new UpdateCommand({
      ...request,
      ...(options.returnValues ? { ReturnValues: options.returnValues } : {}),
    }),
  );
  return out.Attributes;
}

/** Changes named fields of an entity item and returns the item as it now is, validated. */
export async function updateEntity<S extends z.ZodType<Record<string, unknown>>>(
  entity: Entity<S>,
  key: ItemKeys,
  spec: UpdateSpec,
  condition?: Condition,
): Promise<z.infer<S>> {
  const out = await updateItem(key, spec, { ...(condition ? { condition } : {}), returnValues: 'ALL_NEW' });
  return entity.fromItem(out ?? {});
}

/**
 * The UpdateItem request. Index keys given with `key` (e.g. an entity's `…Keys` builder) are set too, so
 * an upsert keeps the item in its secondary indexes.
 */
function updateRequest(key: ItemKeys, spec: UpdateSpec, condition?: Condition) {
  const x = new ExpressionBuilder();
  const indexKeys = Object.fromEntries(
    Object.entries(key).filter(
      ([name]) => name !== tableDefinition.partitionKey && name !== tableDefinition.sortKey,
    ),
  );
  const update = x.update(
    Object.keys(indexKeys).length ? { ...spec, set: { ...indexKeys, ...spec.set } } : spec,
  );
  const conditionExpression = condition ? x.condition(condition) : undefined;
  return {
    TableName: tableName(),
    Key: primaryKey(key),
    UpdateExpression: update,
    ...(conditionExpression ? { ConditionExpression: conditionExpression } : {}),
    ...x.attributes(),
  };
}

// ------------------------------------------------------------------------------------------- delete

export async function deleteItem(key: ItemKeys, condition?: Condition): Promise<void> {
  await db().send(new DeleteCommand(deleteRequest(key, condition)));
}

function deleteRequest(key: ItemKeys, condition?: Condition) {
  const x = new ExpressionBuilder();
  const expression = condition ? x.condition(condition) : undefined;
  return {
    TableName: tableName(),
    Key: primaryKey(key),
    ...(expression ? { ConditionExpression: expression } : {}),
    ...x.attributes(),
  };
}

// -------------------------------------------------------------------------------------------- query

export interface QueryOptions {
  /** Only these attributes (items are then returned as stored, not validated). */
  projection?: readonly AttributePath[];
  /** Applied by DynamoDB after the key condition (still reads, and bills, the whole page). */
  filter?: Condition;
  /** Items read per request (DynamoDB's `Limit`, before the filter). */
  pageSize?: number;
  newestFirst?: boolean;
  consistent?: boolean;
  /** Continue after this key (a page's `lastKey`, or the keys of the last item a caller showed). */
  startKey?: ItemKeys;
}

export interface QueryPageResult {
  items: Item[];
  /** Where DynamoDB stopped; `undefined` on the last page. */
  lastKey: ItemKeys | undefined;
}

/**
 * THE query loop: the pages of a key query, one DynamoDB request each, following `LastEvaluatedKey`
 * until the partition (or the caller, by breaking out) is done.
 */
export async function* queryPages(q: KeyQuery, options: QueryOptions = {}): AsyncGenerator<QueryPageResult> {
  const x = new ExpressionBuilder();
  const keyCondition = x.keyCondition(q);
  const filter = options.filter ? x.condition(options.filter) : undefined;
  const projection = options.projection ? x.projection(options.projection) : undefined;
  const input: QueryCommandInput = {
    TableName: tableName(),
    ...(q.index ? { IndexName: q.index } : {}),
    KeyConditionExpression: keyCondition,
    ...(filter ? { FilterExpression: filter } : {}),
    ...(projection ? { ProjectionExpression: projection } : {}),
    ...x.attributes(),
    ...(options.pageSize ? { Limit: options.pageSize } : {}),
    ...(options.newestFirst ? { ScanIndexForward: false } : {}),
    ...(options.consistent ? { ConsistentRead: true } : {}),
  };
  let startKey: Item | undefined = options.startKey;
  do {
    const out = await db().send(new QueryCommand({ ...input, ExclusiveStartKey: startKey }));
    startKey = out.LastEvaluatedKey;
    yield { items: (out.Items ?? []) as Item[], lastKey: startKey as ItemKeys | undefined };
  } while (startKey);
}

/** The items of a key query one by one, as stored, stopping after `limit`. */
export async function* queryItems(
  q: KeyQuery,
  options: QueryOptions & { limit?: number } = {},
): AsyncGenerator<Item> {
  let count = 0;
  if (options.limit !== undefined && options.limit <= 0) return;
  for await (const page of queryPages(q, options)) {
    for (const item of page.items) {
      yield item;
      if (options.limit !== undefined && ++count >= options.limit) return;
    }
  }
}

/** Every item of a key query as stored (projection and filter allowed), up to `limit`. */
export async function queryRaw(
  q: KeyQuery,
  options: QueryOptions & { limit?: number } = {},
): Promise<Item[]> {
  const items: Item[] = [];
  for await (const item of queryItems(q, options)) items.push(item);
  return items;
}

/** All items of one entity in a key query (other item types sharing the partition are skipped), validated. */
export async function queryAll<S extends z.ZodType<Record<string, unknown>>>(
  entity: Entity<S>,
  q: KeyQuery,
  options: Omit<QueryOptions, 'projection'> & { limit?: number } = {},
): Promise<z.infer<S>[]> {
  const items: z.infer<S>[] = [];
  if (options.limit !== undefined && options.limit <= 0) return items;
  for await (const page of queryPages(q, options)) {
    for (const item of page.items) {
      if (item.entity !== entity.name) continue;
      items.push(entity.fromItem(item));
      if (options.limit !== undefined && items.length >= options.limit) return items;
    }
  }
  return items;
}

/**
 * One page of at most `limit` items (as stored) for a paged API: reads DynamoDB pages until the page is
 * full; `hasMore` says whether anything may follow, `lastKey` is the keys of the last item returned (the
 * `startKey` of the next page).
 */
export async function queryPage(
  q: KeyQuery,
  options: QueryOptions & {
    limit: number;
    /**
     * Stop after this many DynamoDB requests even when the filter has not filled the page: a rare filter
     * over a long range would otherwise read the whole range in one call. The page then comes back short
     * with `cutShort`, and `lastKey` is where the read stopped (not the last item returned).
     */
    maxRequests?: number;
  },
): Promise<{ items: Item[]; hasMore: boolean; lastKey: ItemKeys | undefined; cutShort: boolean }> {
  const keyNames = keyAttributesOf(q);
  const projection = options.projection
    ? [...options.projection, ...keyNames.filter((k) => !options.projection?.includes(k))]
    : undefined;
  const items: Item[] = [];
  let hasMore = false;
  let readKey: ItemKeys | undefined;
  let requests = 0;
  for await (const page of queryPages(q, { ...options, ...(projection ? { projection } : {}) })) {
    const room = options.limit - items.length;
    items.push(...page.items.slice(0, room));
    if (items.length >= options.limit) {
      hasMore = page.items.length > room || page.lastKey !== undefined;
      break;
    }
    if (++requests >= (options.maxRequests ?? Number.POSITIVE_INFINITY) && page.lastKey) {
      readKey = page.lastKey;
      break;
    }
  }
  const last = items.at(-1);
  const from: Item | undefined = readKey ?? (hasMore ? last : undefined);
  const lastKey = from ? (Object.fromEntries(keyNames.map((k) => [k, from[k]])) as ItemKeys) : undefined;
  const stripped = options.projection
    ? items.map((i) => withoutUnaskedKeys(i, options.projection ?? []))
    : items;
  return {
    items: stripped,
    hasMore: hasMore || readKey !== undefined,
    lastKey,
    cutShort: readKey !== undefined,
  };
}

function keyAttributesOf(q: KeyQuery): string[] {
  const base = [tableDefinition.partitionKey, tableDefinition.sortKey] as string[];
  const index = q.index
    ? tableDefinition.globalSecondaryIndexes.find((i) => i.indexName === q.index)
    : undefined;
  return index ? [...base, index.partitionKey, index.sortKey] : base;
}

function withoutUnaskedKeys(item: Item, projection: readonly AttributePath[]): Item {
  const rest = { ...item };
  for (const k of keyAttributes) if (!projection.includes(k)) delete rest[k];
  return rest;
}

const primaryKey = (key: ItemKeys) => ({
  [tableDefinition.partitionKey]: key.PK,
  [tableDefinition.sortKey]: key.SK,
});

// -------------------------------------------------------------------------------------------- batch

/** BatchWriteItem takes at most 25 requests, BatchGetItem 100 keys. */
export const batchWriteSize = 25;
export const batchGetSize = 100;
/** Batches in flight at once: enough to keep DynamoDB busy without a burst of throttling. */
const concurrency = 4;
const maxAttempts = 10;

export type WriteRequest = { put: Item } | { delete: ItemKeys };

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
      'put' in r ? { PutRequest: { Item: r.put } } : { DeleteRequest: { Key: primaryKey(r.delete) } },
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

/** Items already built by `entity.toItem`, written whole. */
export const putAll = (items: readonly Item[]) => batchWrite(items.map((put) => ({ put })));
export const deleteAll = (keys: readonly ItemKeys[]) => batchWrite(keys.map((k) => ({ delete: k })));

/**
 * Reads many items by key with BatchGetItem (100 per call), retrying unprocessed keys. Missing keys are
 * absent. `consistent`: strongly consistent reads (twice the read units).
 */
export async function batchGet(
  keys: readonly ItemKeys[],
  options: { consistent?: boolean } = {},
): Promise<Item[]> {
  const table = tableName();
  const found: Item[] = [];
  const chunks: ItemKeys[][] = [];
  for (let i = 0; i < keys.length; i += batchGetSize) chunks.push(keys.slice(i, i + batchGetSize));
  await inPool(chunks, async (chunk) => {
    let pending: Item[] = chunk.map(primaryKey);
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt >= maxAttempts) throw new Error(`BatchGetItem left ${pending.length} keys unprocessed`);
      if (attempt > 0) await sleep(backoffMs(attempt));
      const out = await db().send(
        new BatchGetCommand({
          RequestItems: {
            [table]: { Keys: pending, ...(options.consistent ? { ConsistentRead: true } : {}) },
          },
        }),
      );
      found.push(...(out.Responses?.[table] ?? []));
      pending = (out.UnprocessedKeys?.[table]?.Keys ?? []) as Item[];
    }
  });
  return found;
}

// -------------------------------------------------------------------------------------- transaction

export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/**
 * A put of an entity inside a transaction; `true` (kept for the existing call sites) means "must not
 * exist", a condition makes it conditional on anything else.
 */
export function transactPut<E extends AnyEntity>(
  entity: E,
  attrs: Attrs<E>,
  condition: Condition | boolean = false,
): TransactItem {
  return transactPutRaw(entity.toItem(attrs), condition);
}

export function transactPutRaw(item: Item, condition: Condition | boolean = false): TransactItem {
  const x = new ExpressionBuilder();
  const c =
    condition === true
      ? x.condition({ kind: 'notExists', path: tableDefinition.partitionKey })
      : condition
        ? x.condition(condition)
        : undefined;
  return {
    Put: { TableName: tableName(), Item: item, ...(c ? { ConditionExpression: c } : {}), ...x.attributes() },
  };
}

export const transactUpdate = (key: ItemKeys, spec: UpdateSpec, condition?: Condition): TransactItem => ({
  Update: updateRequest(key, spec, condition),
});

export const transactDelete = (key: ItemKeys, condition?: Condition): TransactItem => ({
  Delete: deleteRequest(key, condition),
});

/** A condition on another item that must hold for the transaction to commit. */
export function transactCheck(key: ItemKeys, condition: Condition): TransactItem {
  const x = new ExpressionBuilder();
  const expression = x.condition(condition);
  return {
    ConditionCheck: {
      TableName: tableName(),
      Key: primaryKey(key),
      ConditionExpression: expression,
      ...x.attributes(),
    },
  };
}

/** At most 100 items, all or nothing. */
export async function transactWrite(items: TransactItem[]): Promise<void> {
  await db().send(new TransactWriteCommand({ TransactItems: items }));
}

// --------------------------------------------------------------------------------------------- errors

/** Why each item of a cancelled transaction failed (`'None'` for the ones that did not), in item order. */
export function cancellationReasons(error: unknown): string[] | undefined {
  if (
    error &&
    typeof error === 'object' &&
    (error as { name?: string }).name === 'TransactionCanceledException'
  ) {
    const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? [];
    return reasons.map((r) => r.Code ?? 'None');
  }
  return undefined;
}

/** Which items of a cancelled transaction failed their condition (index order), from the SDK error. */
export function cancelledConditions(error: unknown): boolean[] | undefined {
  return cancellationReasons(error)?.map((code) => code === 'ConditionalCheckFailed');
}

export const isConditionalCheckFailed = (error: unknown) =>
  !!error &&
  typeof error === 'object' &&
  (error as { name?: string }).name === 'ConditionalCheckFailedException';

export const isTransactionCancelled = (error: unknown) => cancellationReasons(error) !== undefined;
