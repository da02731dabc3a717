/**
 * globalSetup of the `ddb` test project: one DynamoDB Local (in memory) and one cognito-local (in a
 * temporary directory) for the whole run, on free ports, handed to the tests with `provide()`.
 *
 * Deliberately light: no AWS SDK is imported here (it adds seconds to every run); readiness is polled
 * with plain fetch by the start functions. Tests create their own tables and pools (ddb-helpers.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startCognitoLocal } from '../src/cognito';
import { startDynamoDbLocal } from '../src/dynamodb';
import { findFreePort } from '../src/tcp-ports';

const testCognitoCode = '123456';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started = Date.now();
  // Set before the workers start, so they inherit it: the SDK warns about Node 20 at every client.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const cognitoDir = mkdtempSync(join(tmpdir(), 'spot-cognito-'));
  const [dynamodbPort, cognitoPort] = await Promise.all([findFreePort(), findFreePort()]);
  const results = await Promise.allSettled([
    startDynamoDbLocal({ port: dynamodbPort }),
    startCognitoLocal({ port: cognitoPort, dataDir: cognitoDir, code: testCognitoCode }),
  ]);
  const [dynamodb, cognito] = results;
  const stopAll = async () => {
    await Promise.all(results.map((r) => (r.status === 'fulfilled' ? r.value.stop() : undefined)));
    rmSync(cognitoDir, { recursive: true, force: true });
  };
  if (dynamodb.status === 'rejected' || cognito.status === 'rejected') {
    await stopAll();
    throw dynamodb.status === 'rejected' ? dynamodb.reason : (cognito as PromiseRejectedResult).reason;
  }
  project.provide('dynamodbEndpoint', dynamodb.value.endpoint);
  project.provide('cognitoEndpoint', cognito.value.endpoint);
  project.provide('cognitoCode', testCognitoCode);
  console.log(
    `[ddb] DynamoDB Local ${dynamodb.value.endpoint}, cognito-local ${cognito.value.endpoint} (${Date.now() - started} ms)`,
  );
  return stopAll;
}
