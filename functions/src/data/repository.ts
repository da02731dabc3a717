import {
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { ItemKeys } from '@spot/shared';
import type { z } from 'zod';
import { db, tableName } from './client';
import type { Entity } from './entity';

/** Thin typed helpers over the document client; entity modules provide every key. */
export async function getItem<S extends z.ZodType<Record<string, unknown>>>(
  entity: Entity<S>,
  key: ItemKeys,
  consistent = false,
): Promise<z.infer<S> | undefined> {
  const out = await db().send(
    new GetCommand({ TableName: tableName(), Key: key, ConsistentRead: consistent }),
  );
  return out.Item ? entity.fromItem(out.Item) : undefined;
}

export interface KeyQuery {
  index?: 'GSI1' | 'GSI2';
  pk: string;
  skPrefix?: string;
  skFrom?: string;
}

/** All items of one partition (optionally a sort-key prefix or lower bound), following pagination. */
export async function queryAll<S extends z.ZodType<Record<string, unknown>>>(
  entity: Entity<S>,
  q: KeyQuery,
  options: { limit?: number; newestFirst?: boolean } = {},
): Promise<z.infer<S>[]> {
  const pkName = q.index ? `${q.index}PK` : 'PK';
  const skName = q.index ? `${q.index}SK` : 'SK';
  const input: QueryCommandInput = {
    TableName: tableName(),
    IndexName: q.index,
    KeyConditionExpression:
      q.skPrefix !== undefined
        ? '#pk = :pk AND begins_with(#sk, :sk)'
        : q.skFrom !== undefined
          ? '#pk = :pk AND #sk >= :sk'
          : '#pk = :pk',
    ExpressionAttributeNames:
      q.skPrefix !== undefined || q.skFrom !== undefined
        ? { '#pk': pkName, '#sk': skName }
        : { '#pk': pkName },
    ExpressionAttributeValues: {
      ':pk': q.pk,
      ...(q.skPrefix !== undefined
        ? { ':sk': q.skPrefix }
        : q.skFrom !== undefined
          ? { ':sk': q.skFrom }
          : {}),
    },
    ScanIndexForward: !options.newestFirst,
  };
  const items: z.infer<S>[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const out = await db().send(new QueryCommand({ ...input, ExclusiveStartKey: startKey }));
    for (const item of out.Items ?? []) {
      if (item.entity === entity.name) items.push(entity.fromItem(item));
      if (options.limit !== undefined && items.length >= options.limit) return items;
    }
    startKey = out.LastEvaluatedKey;
  } while (startKey);
  return items;
}

export async function putItem<S extends z.ZodType<Record<string, unknown>>>(
  entity: Entity<S>,
  attrs: z.infer<S>,
  condition?: { expression: string; names?: Record<string, string>; values?: Record<string, unknown> },
): Promise<void> {
  await db().send(
    new PutCommand({
      TableName: tableName(),
      Item: entity.toItem(attrs),
      ConditionExpression: condition?.expression,
      ExpressionAttributeNames: condition?.names,
      ExpressionAttributeValues: condition?.values,
    }),
  );
}

export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** A put of an entity inside a transaction; `mustNotExist` makes it fail if the key is taken. */
export function transactPut<S extends z.ZodType<Record<string, unknown>>>(
  entity: Entity<S>,
  attrs: z.infer<S>,
  mustNotExist = false,
): TransactItem {
  return {
    Put: {
      TableName: tableName(),
      Item: entity.toItem(attrs),
      ...(mustNotExist ? { ConditionExpression: 'attribute_not_exists(PK)' } : {}),
    },
  };
}

export async function transactWrite(items: TransactItem[]): Promise<void> {
  await db().send(new TransactWriteCommand({ TransactItems: items }));
}

/** Which items of a cancelled transaction failed their condition (index order), from the SDK error. */
export function cancelledConditions(error: unknown): boolean[] | undefined {
  if (
    error &&
    typeof error === 'object' &&
    (error as { name?: string }).name === 'TransactionCanceledException'
  ) {
    const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? [];
    return reasons.map((r) => r.Code === 'ConditionalCheckFailed');
  }
  return undefined;
}

export const isConditionalCheckFailed = (error: unknown) =>
  !!error &&
  typeof error === 'object' &&
  (error as { name?: string }).name === 'ConditionalCheckFailedException';
