import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  type DynamoDBClientConfig,
  ResourceNotFoundException,
  ScanCommand,
  type TableDescription,
  type TimeToLiveDescription,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { tableDefinition } from '@spot/shared';

/**
 * Creating the table outside CDK: the local stack, the ddb tests and the benchmarks create it here from
 * the shared {@link tableDefinition} (on-demand, GSIs projecting ALL, TTL on `expiresAt`), so the keys and
 * indexes cannot drift from the deployed table.
 */

/** Creates `tableName` unless it exists and turns TTL on; true when it created the table. */
export async function ensureTable(config: DynamoDBClientConfig, tableName: string): Promise<boolean> {
  const client = new DynamoDBClient(config);
  try {
    let created = false;
    try {
      await client.send(new DescribeTableCommand({ TableName: tableName }));
    } catch (err) {
      if (!(err instanceof ResourceNotFoundException)) throw err;
      await client.send(new CreateTableCommand(createTableInput(tableName)));
      await waitUntilTableExists({ client, maxWaitTime: 30 }, { TableName: tableName });
      created = true;
    }
    const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
    if (ttl.TimeToLiveDescription?.TimeToLiveStatus !== 'ENABLED') {
      await client.send(
        new UpdateTimeToLiveCommand({
          TableName: tableName,
          TimeToLiveSpecification: { AttributeName: tableDefinition.timeToLiveAttribute, Enabled: true },
        }),
      );
    }
    return created;
  } finally {
    client.destroy();
  }
}

/**
 * The CreateTable request for {@link tableDefinition}, without its stream: DynamoDB Local keeps every
 * stream record in memory, and with a stream on every test table the shared test database slowed to a
 * crawl (minutes per file). The local stack's `LocalTableStream` turns the stream on for its one table.
 */
export function createTableInput(tableName: string) {
  const keyNames = new Set<string>([tableDefinition.partitionKey, tableDefinition.sortKey]);
  for (const gsi of tableDefinition.globalSecondaryIndexes) {
    keyNames.add(gsi.partitionKey);
    keyNames.add(gsi.sortKey);
  }
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST' as const,
    AttributeDefinitions: [...keyNames].map((name) => ({ AttributeName: name, AttributeType: 'S' as const })),
    KeySchema: [
      { AttributeName: tableDefinition.partitionKey, KeyType: 'HASH' as const },
      { AttributeName: tableDefinition.sortKey, KeyType: 'RANGE' as const },
    ],
    GlobalSecondaryIndexes: tableDefinition.globalSecondaryIndexes.map((gsi) => ({
      IndexName: gsi.indexName,
      KeySchema: [
        { AttributeName: gsi.partitionKey, KeyType: 'HASH' as const },
        { AttributeName: gsi.sortKey, KeyType: 'RANGE' as const },
      ],
      Projection: { ProjectionType: 'ALL' as const },
    })),
  };
}

/** Runs `work` with a client of its own (never the runtime's, so test fault injection does not reach it). */
async function withClient<T>(config: DynamoDBClientConfig, work: (client: DynamoDBClient) => Promise<T>) {
  const client = new DynamoDBClient(config);
  try {
    return await work(client);
  } finally {
    client.destroy();
  }
}

/** The table as DynamoDB describes it, with its TTL setting (what the tests check the definition against). */
export const describeTable = (config: DynamoDBClientConfig, tableName: string) =>
  withClient(config, async (client) => {
    const [{ Table }, ttl] = await Promise.all([
      client.send(new DescribeTableCommand({ TableName: tableName })),
      client.send(new DescribeTimeToLiveCommand({ TableName: tableName })),
    ]);
    return { table: Table as TableDescription, ttl: ttl.TimeToLiveDescription as TimeToLiveDescription };
  });

/** Deletes `tableName` (test tables; DynamoDB Local keeps them in memory otherwise). */
export const deleteTable = (config: DynamoDBClientConfig, tableName: string) =>
  withClient(config, async (client) => {
    await client.send(new DeleteTableCommand({ TableName: tableName }));
  });

/** Every item of the table, unmarshalled, page by page (test diffs of "nothing written"). */
export const scanAllItems = (config: DynamoDBClientConfig, tableName: string) =>
  withClient(config, async (client) => {
    const items: Record<string, unknown>[] = [];
    let start: Record<string, never> | undefined;
    do {
      const page = await client.send(new ScanCommand({ TableName: tableName, ExclusiveStartKey: start }));
      for (const raw of page.Items ?? []) items.push(unmarshall(raw));
      start = page.LastEvaluatedKey as Record<string, never> | undefined;
    } while (start);
    return items;
  });
