import { BatchGetCommand, BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { resetDbClientForTests } from '../src/data/client';
import { clusterCardEntity, clusterCardKey } from '../src/data/entities/cluster-card';
import { batchGet, batchWrite } from '../src/data/repository';

// DynamoDB Local never leaves items unprocessed, so the retry is shown against a mocked client.
const ddb = mockClient(DynamoDBDocumentClient);
const table = 'unit-table';

beforeAll(() => {
  process.env.TABLE_NAME = table;
  process.env.AWS_REGION = 'us-east-1';
  resetDbClientForTests();
});
afterAll(() => ddb.restore());

const card = (clusterId: string) =>
  clusterCardEntity.toItem({ orgId: 'o', clusterId, accountId: 'a', card: '{}' });

it('sends unprocessed batch writes again until none is left', async () => {
  ddb.reset();
  const items = ['a', 'b', 'c'].map(card);
  ddb
    .on(BatchWriteCommand)
    .resolvesOnce({ UnprocessedItems: { [table]: [{ PutRequest: { Item: items[2] } }] } })
    .resolvesOnce({});
  await expect(batchWrite(items.map((put) => ({ put })))).resolves.toEqual({ written: 3 });
  const calls = ddb.commandCalls(BatchWriteCommand);
  expect(calls).toHaveLength(2);
  expect(calls[1]?.args[0].input.RequestItems?.[table]).toEqual([{ PutRequest: { Item: items[2] } }]);
});

it('gives up after ten attempts', async () => {
  ddb.reset();
  const item = card('a');
  ddb.on(BatchWriteCommand).resolves({ UnprocessedItems: { [table]: [{ PutRequest: { Item: item } }] } });
  await expect(batchWrite([{ put: item }])).rejects.toThrow(/unprocessed after 10 attempts/);
});

it('reads unprocessed keys again', async () => {
  ddb.reset();
  const key = clusterCardKey('o', 'b');
  ddb
    .on(BatchGetCommand)
    .resolvesOnce({ Responses: { [table]: [card('a')] }, UnprocessedKeys: { [table]: { Keys: [key] } } })
    .resolvesOnce({ Responses: { [table]: [card('b')] } });
  const found = await batchGet([clusterCardKey('o', 'a'), key]);
  expect(found.map((i) => i.clusterId)).toEqual(['a', 'b']);
});
