import { createHmac, createPrivateKey, createSign, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensurePlatformAdmin } from '../../src/domain/admin';
import { port } from '../../src/ports';
import { type RouteDefinition, routeKey, routes } from '../../src/routes';
import { seedCluster } from '../clusters-support';
import { type ApiResponse, call, signUpAndIn, strongPassword, useLocalServices } from '../support/services';

/**
 * Authentication and authorization of every non-public route of the route table: forged, expired,
 * tampered and malformed tokens, tokens of the wrong kind (agent on user routes, user on agent routes),
 * a client on admin routes and a signed-out session. Each is refused with the same short answer (401, or
 * 403 for a client on an admin route) that names no reason a forger could tune against.
 *
 * Tokens are forged with cognito-local's own signing key, so each bad token differs from a good one only
 * in the one thing under test (a control token forged the same way is accepted).
 */

type User = Awaited<ReturnType<typeof signUpAndIn>>;
let client: User;
let adminToken: string;
let agentToken: string;
let cognitoKey: KeyObject;
const attackerKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;

const b64url = (value: string | Buffer) => Buffer.from(value).toString('base64url');
const partsOf = (jwt: string) => {
  const [header = '', payload = '', signature = ''] = jwt.split('.');
  return {
    header: JSON.parse(Buffer.from(header, 'base64url').toString()) as Record<string, unknown>,
    payload: JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>,
    signature,
  };
};

/** A JWT with `payload`, signed RS256 with `key` (cognito-local's by default), or HS256/none. */
function sign(
  payload: Record<string, unknown>,
  options: { key?: KeyObject; alg?: 'RS256' | 'HS256' | 'none'; hmacSecret?: string } = {},
): string {
  const alg = options.alg ?? 'RS256';
  const head = b64url(JSON.stringify({ alg, typ: 'JWT', kid: 'CognitoLocal' }));
  const input = `${head}.${b64url(JSON.stringify(payload))}`;
  if (alg === 'none') return `${input}.`;
  if (alg === 'HS256')
    return `${input}.${createHmac('sha256', options.hmacSecret ?? '')
      .update(input)
      .digest('base64url')}`;
  return `${input}.${createSign('RSA-SHA256')
    .update(input)
    .sign(options.key ?? cognitoKey)
    .toString('base64url')}`;
}

/** The client's access token with some claims changed, freshly signed (the control has no change). */
function forged(
  patch: Record<string, unknown>,
  options?: Parameters<typeof sign>[1],
  of = client.accessToken,
) {
  const now = Math.floor(Date.now() / 1000);
  const payload: Record<string, unknown> = { ...partsOf(of).payload, iat: now, exp: now + 3600, ...patch };
  for (const [k, v] of Object.entries(patch)) if (v === undefined) delete payload[k];
  return sign(payload, options);
}

/** Every bad token, by what is wrong with it. Built once the client exists. */
function badTokens(): Record<string, string> {
  const now = Math.floor(Date.now() / 1000);
  const { payload, signature } = partsOf(client.accessToken);
  const [head = ''] = client.accessToken.split('.');
  const publicPem = cognitoKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  return {
    garbage: 'garbage',
    'three dots': '...',
    'three empty-ish parts': 'a.b.c',
    'bad base64': 'eyJ!!!.eyJ@@@.sig$$$',
    'header not JSON': `${b64url('{not json')}.${b64url('{}')}.${signature}`,
    'expired an hour ago': forged({ iat: now - 7200, exp: now - 3600 }),
    'expired a minute ago': forged({ iat: now - 3660, exp: now - 60 }),
    'not valid yet': forged({ nbf: now + 3600 }),
    'wrong issuer': forged({ iss: 'http://127.0.0.1:9229/local_otherpool' }),
    'issuer of another product': forged({
      iss: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_evil',
    }),
    'another app client': forged({ client_id: 'some-other-client' }),
    'an id token (audience instead of client)': forged({
      token_use: 'id',
      aud: String(payload.client_id),
      client_id: undefined,
    }),
    'no subject': forged({ sub: undefined }),
    'alg none': forged({}, { alg: 'none' }),
    'alg none, admin group': forged({ 'cognito:groups': ['admin'] }, { alg: 'none' }),
    'HS256 keyed with the public key': forged({}, { alg: 'HS256', hmacSecret: publicPem }),
    'signed by another key': forged({}, { key: attackerKey }),
    'signed by another key, admin group': forged({ 'cognito:groups': ['admin'] }, { key: attackerKey }),
    'payload tampered (admin group), signature kept': `${head}.${b64url(
      JSON.stringify({ ...payload, 'cognito:groups': ['admin'] }),
    )}.${signature}`,
    'signature stripped': `${head}.${client.accessToken.split('.')[1]}.`,
    'oversized (16 KiB)': `${client.accessToken}${'A'.repeat(16 * 1024)}`,
  };
}

const signedInRoutes = routes.filter((r) => r.auth !== 'public');
const userRoutes = routes.filter((r) => r.auth === 'user' || r.auth === 'admin');
const agentRoutes = routes.filter((r) => r.auth === 'agent');
const adminRoutes = routes.filter((r) => r.auth === 'admin');

/** A request the route would take apart from its token: path parameters filled, a JSON body where taken. */
function requestTo(route: RouteDefinition, token: string | undefined, headers?: Record<string, string>) {
  const path = Object.fromEntries([...route.path.matchAll(/\{(\w+)\}/g)].map((m) => [m[1], 'some-id']));
  const body = route.method === 'GET' || route.method === 'DELETE' ? undefined : {};
  return { ...(token ? { token } : {}), path, ...(body ? { body } : {}), ...(headers ? { headers } : {}) };
}

/** A refusal says what to do and nothing about why the token failed or how the server checks it. */
function expectBareRefusal(res: ApiResponse, status: number, what: string, token?: string) {
  expect(res.status, `${what}: ${res.raw}`).toBe(status);
  expect(res.body.code, what).toBe(status === 401 ? 'UNAUTHORIZED' : 'FORBIDDEN');
  expect(res.body.details, what).toBeUndefined();
  expect(res.raw, what).not.toMatch(
    /jwt|jwk|kid|signature|alg|issuer|audience|claim|verif|expired at|stack|Error:/i,
  );
  if (token && token.length > 8) expect(res.raw, what).not.toContain(token);
}

beforeAll(async () => {
  await useLocalServices();
  const keyFile = createRequire(import.meta.url).resolve('cognito-local/lib/keys/cognitoLocal.private.json');
  cognitoKey = createPrivateKey((JSON.parse(readFileSync(keyFile, 'utf8')) as { pem: string }).pem);
  client = await signUpAndIn('AuthZ');
  const email = `admin-authz-${Date.now()}@spot.local`;
  const password = strongPassword();
  await ensurePlatformAdmin(port('identity'), email, password, new Date());
  adminToken = (await port('identity').signIn(email, password)).accessToken;
  const cluster = await seedCluster(client.orgId);
  const issued = await call('POST /api/client/clusters/{id}/agent-token', {
    token: client.accessToken,
    path: { id: cluster.clusterId },
  });
  agentToken = String(issued.body.token);
});

describe('token forgery (every signed-in route of the table)', () => {
  it('accepts the control: a token forged with the pool key and no change', async () => {
    const me = await call('GET /api/me', { token: forged({}) });
    expect(me.status, me.raw).toBe(200);
    expect(me.body.email).toBe(client.email);
  });

  it('refuses every bad token on every user and admin route with the same bare 401', async () => {
    const tokens = badTokens();
    const answers = new Set<string>();
    let sent = 0;
    for (const route of userRoutes) {
      for (const [what, token] of Object.entries(tokens)) {
        const res = await call(routeKey(route), requestTo(route, token));
        expectBareRefusal(res, 401, `${routeKey(route)} with ${what}`, token);
        answers.add(`${res.body.code} ${res.body.message}`);
        sent++;
      }
    }
    // One answer for all: nothing tells an expired token from a forged one.
    expect([...answers]).toHaveLength(1);
    console.info(`authz: ${sent} bad-token requests over ${userRoutes.length} user/admin routes`);
  });

  it('refuses a missing, empty or non-bearer Authorization header on every signed-in route', async () => {
    for (const route of signedInRoutes) {
      for (const headers of [
        {} as Record<string, string>,
        { authorization: '' },
        { authorization: 'Bearer' },
        { authorization: `Basic ${b64url('a:b')}` },
      ]) {
        const res = await call(routeKey(route), requestTo(route, undefined, headers));
        expectBareRefusal(res, 401, `${routeKey(route)} with ${JSON.stringify(headers)}`);
      }
    }
  });
});

describe('tokens of the wrong kind', () => {
  it('refuses the agent token on every user and admin route', async () => {
    for (const route of userRoutes) {
      const res = await call(routeKey(route), requestTo(route, agentToken));
      expectBareRefusal(res, 401, `agent token on ${routeKey(route)}`, agentToken);
    }
  });

  it('refuses user, admin and forged tokens on every agent route', async () => {
    expect(agentRoutes.length).toBeGreaterThan(0);
    const tokens = { user: client.accessToken, admin: adminToken, ...badTokens() };
    for (const route of agentRoutes) {
      for (const [what, token] of Object.entries(tokens)) {
        const res = await call(routeKey(route), {
          token,
          body: { kind: 'heartbeat', agentVersion: '0.1.0' },
        });
        expectBareRefusal(res, 401, `${what} token on ${routeKey(route)}`, token);
      }
    }
  });

  it('refuses a client on every admin route with a 403 that names nothing, and lets the admin in', async () => {
    expect(adminRoutes.length).toBeGreaterThan(0);
    for (const route of adminRoutes) {
      const refused = await call(routeKey(route), requestTo(route, client.accessToken));
      expectBareRefusal(refused, 403, `client on ${routeKey(route)}`, client.accessToken);
      expect(refused.raw).not.toContain(client.orgId);
      const allowed = await call(routeKey(route), requestTo(route, adminToken));
      expect(allowed.status, `admin on ${routeKey(route)}`).toBe(200);
    }
  });
});

describe('a signed-out session', () => {
  it('is refused on every signed-in route, its refresh token too, while a new sign-in works', async () => {
    const user = await signUpAndIn('Signed out');
    const out = await call('POST /api/auth/signout', {
      token: user.accessToken,
      body: { refreshToken: user.refreshToken },
    });
    expect(out.status).toBe(204);
    for (const route of signedInRoutes) {
      const res = await call(routeKey(route), requestTo(route, user.accessToken));
      expectBareRefusal(res, 401, `signed-out token on ${routeKey(route)}`, user.accessToken);
    }
    const refresh = await call('POST /api/auth/refresh', { body: { refreshToken: user.refreshToken } });
    expect(refresh.status).toBe(401);
    // Even a token validly signed by the pool, issued before the sign-out, is refused like the real one.
    const before = forged({ iat: Math.floor(Date.now() / 1000) - 5 }, undefined, user.accessToken);
    expectBareRefusal(await call('GET /api/me', { token: before }), 401, 'pool-signed token from before');
    const again = await call('POST /api/auth/token', {
      body: { email: user.email, password: user.password },
    });
    expect(again.status).toBe(200);
    expect((await call('GET /api/me', { token: String(again.body.accessToken) })).status).toBe(200);
  });
});
