import { ConflictError, NotFoundError, type RouteContract } from '@spot/shared';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { httpHandler } from '../src/http/handler';
import { logSink } from '../src/lib/logger';
import { configurePorts, resetPorts } from '../src/ports';

const event = (body?: string, extra: Partial<APIGatewayProxyEventV2> = {}): APIGatewayProxyEventV2 =>
  ({
    version: '2.0',
    routeKey: 'POST /api/test',
    rawPath: '/api/test',
    rawQueryString: '',
    headers: { 'user-agent': 'vitest' },
    body,
    isBase64Encoded: false,
    requestContext: {
      requestId: 'req-1',
      http: {
        method: 'POST',
        path: '/api/test',
        sourceIp: '127.0.0.1',
        userAgent: 'vitest',
        protocol: 'HTTP/1.1',
      },
    },
    ...extra,
  }) as unknown as APIGatewayProxyEventV2;
const context = { awsRequestId: 'aws-1', getRemainingTimeInMillis: () => 10_000 } as unknown as Context;

const lines: string[] = [];
beforeEach(() => {
  lines.length = 0;
  logSink.write = (line) => {
    lines.push(line);
  };
  configurePorts({ clock: { now: () => new Date('2026-11-26T12:00:00Z') } });
});
afterEach(() => resetPorts());

/** A contract of a route that exists only in this test. */
const testContract = <P extends Pick<RouteContract, 'body'>>(parts: P = {} as P) => ({
  summary: 'test route',
  tags: [],
  responses: { 200: null },
  errors: [],
  ...parts,
});

const echo = httpHandler(
  {
    auth: 'public',
    contract: testContract({
      body: z.object({
        name: z.string().min(2, 'Use at least 2 characters.'),
        password: z.string().optional(),
      }),
    }),
  },
  async ({ body, now }) => ({ statusCode: 201, body: { hello: body.name, at: now.toISOString() } }),
);

describe('httpHandler', () => {
  it('parses the body and serializes the result with the request id', async () => {
    const res = await echo(event(JSON.stringify({ name: 'Ada' })), context);
    expect(res.statusCode).toBe(201);
    expect(JSON.parse(res.body ?? '')).toEqual({ hello: 'Ada', at: '2026-11-26T12:00:00.000Z' });
    expect(res.headers?.['x-request-id']).toBe('req-1');
  });

  it('answers invalid JSON and schema failures with 400 and a field-level message', async () => {
    const bad = await echo(event('{nope'), context);
    expect(bad.statusCode).toBe(400);
    expect(JSON.parse(bad.body ?? '').message).toMatch(/not valid JSON/);
    const short = await echo(event(JSON.stringify({ name: 'A' })), context);
    expect(short.statusCode).toBe(400);
    expect(JSON.parse(short.body ?? '')).toMatchObject({
      code: 'VALIDATION_FAILED',
      message: 'name: Use at least 2 characters.',
    });
  });

  it('ignores any body on a route whose contract takes none (fuzz seed 1: GET /api/me with "{" was a 400)', async () => {
    const bodiless = httpHandler({ auth: 'public', contract: testContract() }, async () => ({ body: {} }));
    const sent = [
      event('{'),
      event('x'.repeat(100_000)),
      event('{}', { headers: { 'content-type': 'text/plain' } }),
      event('"just a string"'),
    ];
    for (const e of sent) expect((await bodiless(e, context)).statusCode).toBe(200);
  });

  it('words validation failures for people, never in zod terms (fuzz seed 1: ?limit=abc said "received NaN")', async () => {
    const strict = httpHandler(
      {
        auth: 'public',
        contract: {
          ...testContract({
            body: z.discriminatedUnion('kind', [
              z.object({ kind: z.literal('a'), n: z.coerce.number().int().min(1).max(5) }),
              z.object({ kind: z.literal('b'), s: z.string().min(2).max(4), e: z.enum(['x', 'y']) }),
            ]),
          }),
        },
      },
      async () => ({ body: {} }),
    );
    const messageOf = async (body: unknown) =>
      JSON.parse((await strict(event(JSON.stringify(body)), context)).body ?? '').message as string;
    expect(await messageOf({ kind: 'z' })).toBe('kind: must be one of "a", "b".');
    expect(await messageOf({ kind: 'a', n: 'abc' })).toBe('n: must be a number.');
    expect(await messageOf({ kind: 'a', n: '1.5' })).toBe('n: must be a whole number.');
    expect(await messageOf({ kind: 'a', n: 9 })).toBe('n: must be at most 5.');
    expect(await messageOf({ kind: 'a' })).toBe('n: must be a number.');
    expect(await messageOf({ kind: 'b', s: 'toolong', e: 'x' })).toBe(
      's: must be at most 4 characters long.',
    );
    expect(await messageOf({ kind: 'b', e: 'x' })).toBe('s: is required.');
    expect(await messageOf({ kind: 'b', s: 'abc', e: 'q' })).toBe('e: must be one of "x", "y".');
    expect(await messageOf([])).toBe('body: must be an object.');
  });

  it('refuses a JSON null body as not an object (fuzz seed 2: sign-out with body null was a 204)', async () => {
    const res = await echo(event('null'), context);
    expect(res.statusCode).toBe(400);
    expect(JSON.parse(res.body ?? '').message).toBe('body: must be an object.');
    const noBody = httpHandler(
      { auth: 'public', contract: testContract({ body: z.object({ note: z.string().optional() }) }) },
      async () => ({ body: {} }),
    );
    expect((await noBody(event(), context)).statusCode).toBe(200);
    expect((await noBody(event('null'), context)).statusCode).toBe(400);
  });

  it('maps domain errors to their status with the message a person can act on', async () => {
    const conflict = httpHandler({ auth: 'public', contract: testContract() }, async () => {
      throw new ConflictError('EMAIL_TAKEN', 'An account with this email already exists.');
    });
    const res = await conflict(event(), context);
    expect(res.statusCode).toBe(409);
    expect(JSON.parse(res.body ?? '')).toMatchObject({ code: 'EMAIL_TAKEN', requestId: 'req-1' });
    const missing = httpHandler({ auth: 'public', contract: testContract() }, async () => {
      throw new NotFoundError('The cluster');
    });
    expect((await missing(event(), context)).statusCode).toBe(404);
  });

  it('hides internal errors behind a 500 with the request id and no internals', async () => {
    const boom = httpHandler({ auth: 'public', contract: testContract() }, async () => {
      throw new Error('connect ECONNREFUSED 10.0.0.1:5432 secret-table-name');
    });
    const res = await boom(event(), context);
    expect(res.statusCode).toBe(500);
    expect(res.body).not.toMatch(/ECONNREFUSED|secret-table-name|at /);
    expect(JSON.parse(res.body ?? '').message).toContain('req-1');
  });

  it('rejects a user route without a bearer token with 401', async () => {
    const guarded = httpHandler({ auth: 'user', contract: testContract() }, async () => ({ body: {} }));
    const res = await guarded(event(), context);
    expect(res.statusCode).toBe(401);
    expect(JSON.parse(res.body ?? '').message).toMatch(/Sign in/);
  });

  it('never writes a password or a bearer token to the log', async () => {
    const res = await echo(
      event(JSON.stringify({ name: 'Ada', password: 'Sup3r-Secret-Value!' }), {
        headers: { authorization: 'Bearer eyJhbGciOi.secret.token' },
      }),
      context,
    );
    expect(res.statusCode).toBe(201);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) {
      expect(line).not.toContain('Sup3r-Secret-Value!');
      expect(line).not.toContain('eyJhbGciOi');
    }
  });
});
