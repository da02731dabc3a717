/**
 * Helpers for `*.ddb.test.ts` files: a fresh table in DynamoDB Local and a fresh user pool in
 * cognito-local, both started by the globalSetup. Every helper refuses an endpoint that is not on this
 * machine, so a misconfigured test can never touch real AWS.
 */
import { randomUUID } from 'node:crypto';
import { deleteTable, describeTable } from '@spot/functions/data/table-admin';
import { inject } from 'vitest';
import { createUserPool, type UserPoolInfo } from '../src/cognito';
import { ensureTable, localCredentials } from '../src/dynamodb';
import { NonLocalEndpointError } from '../src/errors';

const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/** Returns `endpoint` when it points at this machine; throws otherwise. */
export function assertLocalEndpoint(endpoint: string): string {
  let host: string;
  try {
    host = new URL(endpoint).hostname;
  } catch {
    throw new NonLocalEndpointError(endpoint);
  }
  if (!LOCAL_HOSTS.has(host)) throw new NonLocalEndpointError(endpoint);
  return endpoint;
}

export interface TestTable {
  tableName: string;
  endpoint: string;
  /** The table and its TTL as DynamoDB describes them. */
  describe(): ReturnType<typeof describeTable>;
  /** Deletes the table (optional: DynamoDB Local is in memory). */
  drop(): Promise<void>;
}

/**
 * Creates a table with a unique name from the shared table definition (GSIs, TTL) against the
 * injected DynamoDB Local endpoint. `prefix` helps to tell tables apart when debugging.
 */
export async function createTestTable(prefix = 'test'): Promise<TestTable> {
  const endpoint = assertLocalEndpoint(inject('dynamodbEndpoint'));
  const tableName = `${prefix}-${randomUUID().slice(0, 8)}`;
  await ensureTable(endpoint, tableName);
  const config = { endpoint, region: 'us-east-1', credentials: localCredentials };
  return {
    tableName,
    endpoint,
    describe: () => describeTable(config, tableName),
    drop: () => deleteTable(config, tableName),
  };
}

export interface TestUserPool extends UserPoolInfo {
  endpoint: string;
  /** The confirmation code cognito-local gives every sign-up. */
  code: string;
}

/** Creates a user pool shaped like the product's (groups, password policy, app client) in cognito-local. */
export async function createTestUserPool(prefix = 'test'): Promise<TestUserPool> {
  const endpoint = assertLocalEndpoint(inject('cognitoEndpoint'));
  const pool = await createUserPool(endpoint, `${prefix}-${randomUUID().slice(0, 8)}`);
  return { ...pool, endpoint, code: inject('cognitoCode') };
}
