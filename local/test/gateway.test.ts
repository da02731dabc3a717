import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compilePath, type Gateway, sourceIpOf, startGateway } from '../src/gateway';

// Unit tier: the gateway listens on a loopback port with fixture handlers; nothing leaves the machine.
const fixtures = resolve(import.meta.dirname, 'fixtures');

const routes = [
  { method: 'GET', path: '/api/items/{id}', handler: 'echo' },
  { method: 'POST', path: '/api/items/{id}/notes/{noteId}', handler: 'echo', timeoutSeconds: 30 },
  { method: 'PUT', path: '/api/items/{id}', handler: 'echo' },
  { method: 'GET', path: '/api/plain', handler: 'nested/plain' },
  { method: 'GET', path: '/api/boom', handler: 'boom' },
  { method: 'POST', path: '/api/created', handler: 'created' },
  { method: 'GET', path: '/api/missing-module', handler: 'does-not-exist' },
];

let gateway: Gateway;
const logs: string[] = [];

beforeAll(async () => {
  gateway = await startGateway({
    port: 0,
    routes,
    handlersRoot: join(fixtures, 'handlers'),
    webDist: join(fixtures, 'web-dist'),
    extraRoutes: [
      {
        method: 'GET',
        path: '/sandbox/accounts/{accountId}',
        handler: (event) => ({ account: event.pathParameters?.accountId, local: true }),
      },
    ],
    log: (m) => logs.push(m),
  });
});

afterAll(async () => {
  await gateway.close();
});

async function echo(path: string, init?: RequestInit) {
  const response = await fetch(`${gateway.url}${path}`, init);
  const body = (await response.json()) as {
    event: APIGatewayProxyEventV2;
    context: { awsRequestId: string; functionName: string; remainingMs: number };
  };
  return { response, ...body };
}

describe('compilePath', () => {
  const segments = (path: string) => path.split('/');
  it('matches API Gateway path parameters and greedy proxies', () => {
    const one = compilePath('/api/items/{id}');
    expect(one.params).toEqual(['id']);
    expect(one.match(segments('/api/items/42'))).toEqual({ id: '42' });
    expect(one.match(segments('/api/items/42/more'))).toBeNull();
    expect(one.match(segments('/api/items/'))).toBeNull();
    expect(one.match(segments('/api/items'))).toBeNull();
    const greedy = compilePath('/files/{path+}');
    expect(greedy.match(segments('/files/a/b/c.txt'))).toEqual({ path: 'a/b/c.txt' });
    expect(greedy.match(segments('/files/'))).toBeNull();
    expect(compilePath('/api/a.b').match(segments('/api/axb'))).toBeNull();
  });
});

describe('gateway: API routes', () => {
  it('builds a payload-format-2.0 event', async () => {
    const { response, event, context } = await echo('/api/items/abc%20d?b=2&a=1&a=3&empty=', {
      headers: { 'X-Custom': 'Yes', 'User-Agent': 'gateway-test', Cookie: 'session=xyz; theme=dark' },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-fixture')).toBe('echo');
    expect(event.version).toBe('2.0');
    expect(event.routeKey).toBe('GET /api/items/{id}');
    expect(event.rawPath).toBe('/api/items/abc d');
    expect(event.rawQueryString).toBe('b=2&a=1&a=3&empty=');
    expect(event.queryStringParameters).toEqual({ a: '1,3', b: '2', empty: '' });
    expect(event.pathParameters).toEqual({ id: 'abc d' });
    expect(event.headers['x-custom']).toBe('Yes');
    expect(event.headers['user-agent']).toBe('gateway-test');
    expect(Object.keys(event.headers).every((k) => k === k.toLowerCase())).toBe(true);
    expect(event.headers.cookie).toBeUndefined();
    expect(event.cookies).toEqual(['session=xyz', 'theme=dark']);
    expect(event.body).toBeUndefined();
    expect(event.isBase64Encoded).toBe(false);
    const rc = event.requestContext;
    expect(rc.http).toEqual({
      method: 'GET',
      path: '/api/items/abc d',
      protocol: 'HTTP/1.1',
      sourceIp: '127.0.0.1',
      userAgent: 'gateway-test',
    });
    expect(rc.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(rc.routeKey).toBe('GET /api/items/{id}');
    expect(rc.stage).toBe('$default');
    expect(Math.abs(rc.timeEpoch - Date.now())).toBeLessThan(5_000);
    expect(rc.time).toMatch(/^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/);
    expect(context.awsRequestId).toBe(rc.requestId);
    expect(response.headers.get('apigw-requestid')).toBe(rc.requestId);
    expect(context.functionName).toBe('spot-optimizer-local-echo');
    expect(context.remainingMs).toBeGreaterThan(9_000);
    expect(context.remainingMs).toBeLessThanOrEqual(10_000);
  });

  it('passes the body as a utf-8 string and honours per-route timeouts', async () => {
    const { event, context } = await echo('/api/items/7/notes/n%2F1', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'héllo €' }),
    });
    expect(event.body).toBe('{"text":"héllo €"}');
    expect(event.isBase64Encoded).toBe(false);
    expect(event.pathParameters).toEqual({ id: '7', noteId: 'n/1' });
    expect(event.queryStringParameters).toBeUndefined();
    expect(event.rawQueryString).toBe('');
    expect(context.remainingMs).toBeGreaterThan(29_000);
  });

  it('gives every request its own id', async () => {
    const [a, b] = await Promise.all([echo('/api/items/1'), echo('/api/items/1')]);
    expect(a.event.requestContext.requestId).not.toBe(b.event.requestContext.requestId);
  });

  it('sends a non-structured result as JSON with status 200', async () => {
    const response = await fetch(`${gateway.url}/api/plain`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toEqual({ hello: 'world' });
  });

  it('defaults the content type to JSON and writes cookies as Set-Cookie', async () => {
    const response = await fetch(`${gateway.url}/api/created`, { method: 'POST' });
    expect(response.status).toBe(201);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(response.headers.getSetCookie()).toEqual(['a=1; Path=/', 'b=2; Path=/']);
  });

  it('answers 500 without internals when a handler throws, and logs the error', async () => {
    const response = await fetch(`${gateway.url}/api/boom`);
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(JSON.parse(text)).toEqual({ message: 'Internal Server Error' });
    expect(text).not.toContain('internals');
    expect(logs.some((l) => l.includes('fixture failure'))).toBe(true);
  });

  it('answers 500 when a handler module is missing', async () => {
    const response = await fetch(`${gateway.url}/api/missing-module`);
    expect(response.status).toBe(500);
  });

  it('answers 404 JSON for an unknown /api route', async () => {
    const response = await fetch(`${gateway.url}/api/nope`);
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toEqual({ message: 'No route for GET /api/nope' });
    expect((await fetch(`${gateway.url}/api`)).status).toBe(404);
  });

  it('answers 405 with Allow for a known path and a wrong method', async () => {
    const response = await fetch(`${gateway.url}/api/items/1`, { method: 'DELETE' });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, PUT');
    expect(await response.json()).toEqual({ message: 'Method DELETE is not allowed on /api/items/1' });
  });

  it('serves extra local routes', async () => {
    const response = await fetch(`${gateway.url}/sandbox/accounts/123456789012`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ account: '123456789012', local: true });
  });

  it('rejects a body over the 6 MB Lambda payload limit', async () => {
    const response = await fetch(`${gateway.url}/api/created`, {
      method: 'POST',
      body: 'x'.repeat(6 * 1024 * 1024 + 1),
    });
    expect(response.status).toBe(413);
  });
});

describe('gateway: the caller address', () => {
  it('is the socket’s unless forwarded-for is trusted, and then only from this machine and only an IP', () => {
    expect(sourceIpOf('::ffff:10.0.0.7', '198.18.0.1', false)).toBe('10.0.0.7');
    expect(sourceIpOf('127.0.0.1', '198.18.0.1, 10.0.0.1', false)).toBe('127.0.0.1');
    expect(sourceIpOf('127.0.0.1', '198.18.0.1, 10.0.0.1', true)).toBe('198.18.0.1');
    expect(sourceIpOf('::1', '2001:db8::1', true)).toBe('2001:db8::1');
    expect(sourceIpOf('10.0.0.7', '198.18.0.1', true)).toBe('10.0.0.7');
    expect(sourceIpOf('127.0.0.1', 'not-an-ip', true)).toBe('127.0.0.1');
    expect(sourceIpOf('127.0.0.1', undefined, true)).toBe('127.0.0.1');
  });

  it('reaches the handler from a gateway started with trustForwardedFor', async () => {
    const trusting = await startGateway({
      port: 0,
      routes,
      handlersRoot: join(fixtures, 'handlers'),
      webDist: join(fixtures, 'web-dist'),
      trustForwardedFor: true,
    });
    try {
      const res = await fetch(`${trusting.url}/api/items/1`, {
        headers: { 'x-forwarded-for': '198.18.3.4' },
      });
      const body = (await res.json()) as { event: APIGatewayProxyEventV2 };
      expect(body.event.requestContext.http.sourceIp).toBe('198.18.3.4');
    } finally {
      await trusting.close();
    }
  });
});

describe('gateway: the SPA', () => {
  it('serves files with their content types and cache headers', async () => {
    const js = await fetch(`${gateway.url}/assets/app-1234.js`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(js.headers.get('cache-control')).toContain('immutable');
    expect(await js.text()).toContain('fixture asset');
    const css = await fetch(`${gateway.url}/assets/app-1234.css`);
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    const txt = await fetch(`${gateway.url}/robots.txt`);
    expect(txt.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    const index = await fetch(`${gateway.url}/`);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(index.headers.get('cache-control')).toBe('no-cache');
  });

  it('falls back to index.html for client-side routes', async () => {
    for (const path of ['/dashboard', '/client/accounts/42', '/admin/organizations?x=1']) {
      const response = await fetch(`${gateway.url}${path}`);
      expect(response.status).toBe(200);
      expect(await response.text()).toContain('fixture index');
    }
  });

  it('answers 404 for a missing file with an extension, and never leaves the dist directory', async () => {
    expect((await fetch(`${gateway.url}/assets/missing.js`)).status).toBe(404);
    const traversal = await fetch(`${gateway.url}/..%2F..%2Fgateway.test.ts`);
    expect(await traversal.text()).not.toContain('compilePath');
  });

  it('refuses other methods on SPA paths', async () => {
    expect((await fetch(`${gateway.url}/dashboard`, { method: 'POST' })).status).toBe(405);
  });

  it('explains how to build the web app when dist is missing', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'spot-no-dist-'));
    const bare = await startGateway({
      port: 0,
      routes,
      handlersRoot: join(fixtures, 'handlers'),
      webDist: empty,
    });
    try {
      const response = await fetch(`${bare.url}/`);
      expect(response.status).toBe(503);
      expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(await response.text()).toContain('npm run build -w web');
      // The API still works without the SPA.
      expect((await fetch(`${bare.url}/api/plain`)).status).toBe(200);
    } finally {
      await bare.close();
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
