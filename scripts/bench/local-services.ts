/**
 * What the API benchmarks share: DynamoDB Local (in memory) and cognito-local on free ports, a fresh table
 * and user pool, the process environment the handlers read pointed at them, and the figures' helpers.
 * Each benchmark then configures its ports and starts the gateway itself (their needs differ).
 */

import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A positive integer from the environment (a benchmark's size), or the default. */
export const envInt = (name: string, fallback: number): number => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer`);
  return value;
};

/** The q-quantile of ascending `sorted` (nearest rank). */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i] ?? Number.NaN;
}

export interface BenchServices {
  /** A scratch directory (cognito-local's data; `join(dir, 'no-web')` serves no SPA). */
  dir: string;
  /** DynamoDB Local's process (its CPU time, read from /proc, is what a request costs the table). */
  dynamodbPid: number;
  /** Run last-in first-out by `stop()`; push the gateway's close with `unshift`. */
  stops: (() => Promise<void>)[];
  stop(): Promise<void>;
}

/** Starts the services of one benchmark (`name` prefixes its table and directory). */
export async function startBenchServices(name: string): Promise<BenchServices> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  process.env.LOG_LEVEL ??= 'warn';
  const { startDynamoDbLocal, ensureTable, localTableEnvironment } = await import('@spot/local/dynamodb');
  const { startCognitoLocal, createUserPool } = await import('@spot/local/cognito');
  const { findFreePort } = await import('@spot/local/tcp-ports');
  const dir = mkdtempSync(join(tmpdir(), `bench-${name}-`));
  const code = '123456';
  // A benchmark may start while the machine is busy (the JVM of DynamoDB Local then takes its time): a
  // slow start is not a figure, so the services get 2 minutes instead of the tests' 30 s.
  const readyTimeoutMs = 120_000;
  const [dynamodb, cognito] = await Promise.all([
    findFreePort().then((port) => startDynamoDbLocal({ port, readyTimeoutMs })),
    findFreePort().then((port) => startCognitoLocal({ port, dataDir: dir, code, readyTimeoutMs })),
  ]);
  const stops: (() => Promise<void>)[] = [() => dynamodb.stop(), () => cognito.stop()];
  const stop = async () => {
    for (const s of stops) await s().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const tableName = `bench-${name}-${randomUUID().slice(0, 6)}`;
    await ensureTable(dynamodb.endpoint, tableName);
    const pool = await createUserPool(cognito.endpoint, `pool-${tableName}`);
    Object.assign(process.env, {
      ...localTableEnvironment(dynamodb.endpoint, tableName),
      COGNITO_ENDPOINT: cognito.endpoint,
      COGNITO_USER_POOL_ID: pool.userPoolId,
      COGNITO_CLIENT_ID: pool.clientId,
      COGNITO_AUTO_CONFIRM_CODE: code,
      JWT_ISSUER: pool.issuer,
    });
    const { resetRuntime } = await import('@spot/functions/lib/runtime');
    resetRuntime();
  } catch (error) {
    await stop();
    throw error;
  }
  return { dir, dynamodbPid: dynamodb.process.pid, stops, stop };
}

/** CPU time (user + system) a process has used so far, in ms, from /proc (Linux); NaN elsewhere. */
export function processCpuMs(pid: number): number {
  try {
    // Fields after the command's closing parenthesis: utime and stime are the 12th and 13th.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicksPerSecond;
  } catch {
    return Number.NaN;
  }
}
/** Linux's USER_HZ, 100 on every common kernel (what /proc/<pid>/stat counts in). */
const clockTicksPerSecond = 100;

/** `POST` JSON to the gateway; a non-2xx answer throws with its body. */
export function jsonPoster(baseUrl: string) {
  return async (path: string, body: unknown): Promise<Record<string, unknown>> => {
    const res = await fetch(`${baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const json = (await res.json()) as Record<string, unknown>;
    if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
}
