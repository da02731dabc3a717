import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../src/stack';
import { readStackState } from '../src/stack-state';

// Starts the whole stack (its own DynamoDB Local and cognito-local, not the globalSetup's) twice on one
// data directory: the second start must find what the first one made.
const savedEnv = { ...process.env };
const dir = mkdtempSync(join(tmpdir(), 'spot-stack-'));
const fixtures = resolve(import.meta.dirname, 'fixtures');

afterAll(() => {
  process.env = savedEnv;
  rmSync(dir, { recursive: true, force: true });
});

const start = () =>
  startLocalStack({
    port: 0,
    dynamodbPort: 0,
    cognitoPort: 0,
    dataDir: dir,
    buildWeb: false,
    webDist: join(fixtures, 'web-dist'),
    workflowWaitMs: 0,
  });

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('startLocalStack', () => {
  it('starts, serves the API and the SPA, stops its children, and keeps its data across restarts', async () => {
    let stack: LocalStack | undefined = await start();
    try {
      expect(stack.startupMs).toBeLessThan(30_000);
      const health = await fetch(`${stack.url}/api/health`);
      expect(health.status).toBe(200);
      expect(await (await fetch(`${stack.url}/some/page`)).text()).toContain('fixture index');
      expect(process.env).toMatchObject({
        TABLE_NAME: 'spot-optimizer-local',
        DYNAMODB_ENDPOINT: stack.endpoints.dynamodb,
        COGNITO_USER_POOL_ID: stack.userPool.userPoolId,
        COGNITO_CLIENT_ID: stack.userPool.clientId,
        COGNITO_ENDPOINT: stack.endpoints.cognito,
        JWT_ISSUER: stack.userPool.issuer,
        SPOT_LOCAL_STACK: '1',
        LOCAL_KEY_FILE: join(dir, 'master.key'),
        AWS_REGION: 'us-east-1',
      });
      const ddb = new DynamoDBClient({
        endpoint: stack.endpoints.dynamodb,
        region: 'us-east-1',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      });
      await ddb.send(
        new PutItemCommand({ TableName: stack.tableName, Item: { PK: { S: 'TEST#1' }, SK: { S: 'KEEP' } } }),
      );
      ddb.destroy();
      const first = { pool: stack.userPool.userPoolId, admin: stack.admin, keyId: stack.keyService.keyId };
      const pids = readStackState(join(dir, 'stack.json')).children?.map((c) => c.pid) ?? [];
      expect(pids).toHaveLength(2);

      await stack.stop();
      stack = undefined;
      expect(pids.filter(alive)).toEqual([]);
      expect(readStackState(join(dir, 'stack.json')).ownerPid).toBeUndefined();

      stack = await start();
      expect(stack.userPool.userPoolId).toBe(first.pool);
      expect(stack.admin).toEqual({ ...first.admin, created: false });
      expect(stack.keyService.keyId).toBe(first.keyId);
      const again = new DynamoDBClient({
        endpoint: stack.endpoints.dynamodb,
        region: 'us-east-1',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      });
      const item = await again.send(
        new GetItemCommand({ TableName: stack.tableName, Key: { PK: { S: 'TEST#1' }, SK: { S: 'KEEP' } } }),
      );
      again.destroy();
      expect(item.Item?.SK?.S).toBe('KEEP');
    } finally {
      await stack?.stop();
    }
  }, 120_000);

  it('refuses a data directory another live stack owns', async () => {
    const { updateStackState } = await import('../src/stack-state');
    const owned = mkdtempSync(join(tmpdir(), 'spot-owned-'));
    try {
      // The parent of this test process is a live node process: pretend it runs a stack here.
      updateStackState(join(owned, 'stack.json'), { ownerPid: process.ppid });
      await expect(
        startLocalStack({ dataDir: owned, port: 0, dynamodbPort: 0, cognitoPort: 0 }),
      ).rejects.toThrow('Another local stack');
    } finally {
      rmSync(owned, { recursive: true, force: true });
    }
  });
});
