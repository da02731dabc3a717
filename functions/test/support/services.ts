import { randomBytes, randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { createUserPool } from '@spot/local/cognito';
import { ensureTable, localTableEnvironment } from '@spot/local/dynamodb';
import type { ApiRouteKey } from '@spot/shared';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { inject } from 'vitest';
import { resetRuntime } from '../../src/lib/runtime';
import { routes } from '../../src/routes';
import { expectContractResponse } from './contract';

/**
 * Points the functions at a fresh table in DynamoDB Local and a fresh user pool in cognito-local (both
 * started once by the ddb globalSetup). Refuses anything that is not on this machine, so a test can
 * never reach real AWS.
 */
export async function useLocalServices(): Promise<{
  tableName: string;
  userPoolId: string;
  clientId: string;
}> {
  const dynamodbEndpoint = inject('dynamodbEndpoint');
  const cognitoEndpoint = inject('cognitoEndpoint');
  refuseNonLocal(cognitoEndpoint);
  const tableName = await useLocalTable(dynamodbEndpoint, 'test');
  const pool = await createUserPool(cognitoEndpoint, `pool-${tableName}`);
  Object.assign(process.env, {
    COGNITO_ENDPOINT: cognitoEndpoint,
    COGNITO_USER_POOL_ID: pool.userPoolId,
    COGNITO_CLIENT_ID: pool.clientId,
    COGNITO_AUTO_CONFIRM_CODE: inject('cognitoCode'),
    JWT_ISSUER: pool.issuer,
    // Where agents report (install commands of the Add Cluster wizard), as the local stack sets it.
    APP_URL: process.env.APP_URL ?? 'http://127.0.0.1:3000',
  });
  resetRuntime();
  return { tableName, userPoolId: pool.userPoolId, clientId: pool.clientId };
}

/**
 * A fresh table in the DynamoDB Local at `endpoint` (refused unless it is on this machine), and the
 * functions' environment pointing at it; returns the table's name.
 */
export async function useLocalTable(endpoint: string, prefix: string): Promise<string> {
  refuseNonLocal(endpoint);
  const tableName = `${prefix}-${randomUUID().slice(0, 8)}`;
  await ensureTable(endpoint, tableName);
  Object.assign(process.env, localTableEnvironment(endpoint, tableName));
  resetRuntime();
  return tableName;
}

function refuseNonLocal(endpoint: string) {
  const host = new URL(endpoint).hostname;
  if (host !== '127.0.0.1' && host !== 'localhost')
    throw new Error(`Refusing non-local endpoint ${endpoint}`);
}

export interface ApiResponse {
  status: number;
  body: Record<string, unknown> & { items?: Record<string, unknown>[]; message?: string };
  raw: string;
  /** A binary answer (the agent's chart), decoded from API Gateway's base64; `raw` then holds the base64. */
  bytes?: Buffer;
  /** Response headers, lower-case names (`retry-after` of a 429). */
  headers: Record<string, string>;
}

/** Every response body the suite saw: tests scan them for secrets. */
export const seenResponses: string[] = [];

/** Every request and answer through `call` in this test file, for the secret scan of the ddb run. */
export interface Exchange {
  routeKey: string;
  status: number;
  /** The body as sent (a JSON text or the raw body). */
  requestBody: string;
  /** The path parameters and query as sent (JSON). */
  requestTarget: string;
  raw: string;
}
export const seenExchanges: Exchange[] = [];

/** Calls a route of the route table the way API Gateway would: `call('GET /api/me', { token })`. */
export async function call(
  routeKey: string,
  options: {
    token?: string;
    body?: unknown;
    /** A body sent as is (not JSON-encoded), for malformed or oversized input. */
    rawBody?: string;
    /** Extra request headers; a JSON body is sent with `content-type: application/json` unless set here. */
    headers?: Record<string, string>;
    path?: Record<string, string>;
    query?: Record<string, string>;
    /** The caller's address as API Gateway reports it (abuse limits count per IP); 127.0.0.1 unless set. */
    sourceIp?: string;
  } = {},
): Promise<ApiResponse> {
  const route = routes.find((r) => `${r.method} ${r.path}` === routeKey);
  if (!route) throw new Error(`No route ${routeKey}`);
  const file = fileURLToPath(new URL(`../../src/handlers/${route.handler}.ts`, import.meta.url));
  const mod = (await import(/* @vite-ignore */ file)) as {
    handler: (
      e: APIGatewayProxyEventV2,
      c: Context,
    ) => Promise<{
      statusCode?: number;
      body?: string;
      isBase64Encoded?: boolean;
      headers?: Record<string, unknown>;
    }>;
  };
  const requestId = randomUUID();
  const event = {
    version: '2.0',
    routeKey,
    rawPath: route.path,
    rawQueryString: new URLSearchParams(options.query ?? {}).toString(),
    headers: {
      'user-agent': 'vitest',
      ...(options.body !== undefined || options.rawBody !== undefined
        ? { 'content-type': 'application/json' }
        : {}),
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...options.headers,
    },
    queryStringParameters: options.query,
    pathParameters: options.path,
    body: options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
    isBase64Encoded: false,
    requestContext: {
      requestId,
      routeKey,
      http: {
        method: route.method,
        path: route.path,
        sourceIp: options.sourceIp ?? '127.0.0.1',
        userAgent: 'vitest',
        protocol: 'HTTP/1.1',
      },
    },
  } as unknown as APIGatewayProxyEventV2;
  const context = { awsRequestId: requestId, getRemainingTimeInMillis: () => 10_000 } as unknown as Context;
  const res = await mod.handler(event, context);
  const raw = res.body ?? '';
  const headers = Object.fromEntries(
    Object.entries(res.headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)]),
  );
  const bytes = res.isBase64Encoded ? Buffer.from(raw, 'base64') : undefined;
  // The secret scans read what a caller would read: a gzipped answer unpacked (its tar headers and files
  // as text), not base64 of compressed bytes that could hide a token.
  const scanned =
    bytes && headers['content-type'] === 'application/gzip'
      ? gunzipSync(bytes).toString('utf8')
      : (bytes?.toString('utf8') ?? raw);
  seenResponses.push(scanned);
  seenExchanges.push({
    routeKey,
    status: res.statusCode ?? 200,
    requestBody: event.body ?? '',
    requestTarget: JSON.stringify({ path: options.path ?? {}, query: options.query ?? {} }),
    raw: scanned,
  });
  // A file answer (an export as CSV) is text: `raw` holds it and `body` stays empty.
  const isJson = /^application\/json\b/.test(headers['content-type'] ?? 'application/json');
  const response = {
    status: res.statusCode ?? 200,
    body: raw && isJson ? JSON.parse(raw) : {},
    raw,
    ...(bytes ? { bytes } : {}),
    headers,
  };
  // Every answer any ddb test sees is checked against the route's contract (status and body shape).
  expectContractResponse(routeKey as ApiRouteKey, response);
  return response;
}

export const strongPassword = () => `Pw-${randomUUID().slice(0, 8)}-Aa1!`;

/**
 * A random address of 198.18.0.0/15 (reserved for benchmarks, RFC 2544): each simulated person calls from
 * their own, as real ones do, so tests that sign up dozens of organizations stay under the per-IP limits.
 */
export const randomSourceIp = () => {
  const [a = 0, b = 0, c = 0] = randomBytes(3);
  return `198.${18 + (a & 1)}.${b}.${c}`;
};

/** Signs up a new organization and signs its user in (from an address of its own). */
export async function signUpAndIn(orgName = `Org ${randomUUID().slice(0, 6)}`) {
  const email = `user-${randomUUID().slice(0, 8)}@example.com`;
  const password = strongPassword();
  const sourceIp = randomSourceIp();
  const signup = await call('POST /api/auth/signup', {
    body: { organizationName: orgName, email, password },
    sourceIp,
  });
  if (signup.status !== 201) throw new Error(`sign-up failed: ${signup.raw}`);
  const token = await call('POST /api/auth/token', { body: { email, password }, sourceIp });
  if (token.status !== 200) throw new Error(`sign-in failed: ${token.raw}`);
  return {
    email,
    password,
    orgId: String(signup.body.orgId),
    userId: String(signup.body.userId),
    accessToken: String(token.body.accessToken),
    refreshToken: String(token.body.refreshToken),
  };
}
