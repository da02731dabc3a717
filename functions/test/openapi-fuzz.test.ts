import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { openApiDocument } from '../src/openapi';
import { routeKey, routes } from '../src/routes';
import {
  type FuzzRequest,
  fuzzKinds,
  type OpenApiDoc,
  operationsOf,
  requestArb,
  responseProblems,
  responseValidator,
} from './support/openapi-fuzz';

/** The request generator of the fuzz suite is itself tested: it must produce what it claims to. */
const doc = JSON.parse(JSON.stringify(openApiDocument())) as OpenApiDoc;
const ops = operationsOf(doc);
const ajv = addFormats(new Ajv2020({ strict: false }));
ajv.addSchema({ $id: 'doc', components: doc.components ?? {} });
const validatorOf = (schema: unknown) =>
  ajv.compile(JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"doc#/components/')));

describe('operationsOf', () => {
  it('finds every route of the route table, with its auth', () => {
    expect(ops.map((o) => o.key).sort()).toEqual(routes.map(routeKey).sort());
    for (const route of routes) {
      const op = ops.find((o) => o.key === routeKey(route));
      expect(op?.auth, routeKey(route)).toBe(route.auth === 'admin' ? 'user' : route.auth);
    }
  });
});

// Each property below runs over every route of the contract (about 100 and growing): seconds of work
// that a loaded 2-core machine stretches past vitest's 5 s default, which says nothing about the generator.
describe('requestArb', { timeout: 60_000 }, () => {
  it('makes valid and boundary bodies that satisfy the body schema, and path ids within theirs', () => {
    for (const op of ops) {
      const validBody = op.body ? validatorOf(op.body) : undefined;
      fc.assert(
        fc.property(requestArb(doc, op), (req: FuzzRequest) => {
          if (req.kind !== 'valid' && req.kind !== 'boundary') return;
          if (validBody)
            expect(validBody(req.body), `${op.key} ${JSON.stringify(validBody.errors)}`).toBe(true);
          for (const p of op.pathParams) expect(validatorOf(p.schema)(req.path[p.name])).toBe(true);
        }),
        { numRuns: 40 },
      );
    }
    // Compiles and samples every route's schema: its time grows with the route table (about 4 s on a
    // loaded 2-core machine with the registry's bulk body), past vitest's 5 s default.
  }, 20_000);

  it('makes bodies without a required field, or of the wrong type, that the schema refuses', () => {
    for (const op of ops.filter((o) => o.body)) {
      const validBody = validatorOf(op.body);
      fc.assert(
        fc.property(requestArb(doc, op), (req) => {
          // A body whose fields are all optional has no field to drop: its empty body is valid.
          if (req.note === 'empty body') return;
          if (req.kind === 'missing-field' || req.kind === 'body-type')
            expect(validBody(req.body), `${op.key} ${req.note}`).toBe(false);
        }),
        { numRuns: 60 },
      );
    }
  });

  it('writes prototype keys as own keys of the JSON text, which still parses', () => {
    const op = ops.find((o) => o.key === 'POST /api/auth/token');
    if (!op) throw new Error('no token route');
    const samples = fc.sample(requestArb(doc, op), { numRuns: 400, seed: 7 });
    const polluted = samples.filter((r) => r.kind === 'prototype-keys');
    expect(polluted.length).toBeGreaterThan(0);
    for (const r of polluted) {
      const parsed = JSON.parse(r.rawBody ?? '') as object;
      expect(
        ['__proto__', 'constructor', 'prototype'].some((k) => Object.hasOwn(parsed, k)),
        r.rawBody,
      ).toBe(true);
    }
  });

  it('covers every kind over a route with a body, path ids and query parameters', () => {
    const seen = new Set<string>();
    for (const op of ops)
      for (const r of fc.sample(requestArb(doc, op), { numRuns: 200, seed: 1 })) seen.add(r.kind);
    expect([...seen].sort()).toEqual([...fuzzKinds].sort());
  });

  it('sends oversized bodies above the limit it is given', () => {
    const op = ops.find((o) => o.key === 'POST /api/ingest/snapshots');
    if (!op) throw new Error('no ingest route');
    const oversized = fc
      .sample(requestArb(doc, op, { maxBodyBytes: 1000 }), { numRuns: 300, seed: 3 })
      .filter((r) => r.kind === 'oversized');
    expect(oversized.length).toBeGreaterThan(0);
    for (const r of oversized) expect(Buffer.byteLength(r.rawBody ?? '')).toBeGreaterThan(1000);
  });
});

describe('responseProblems', () => {
  it('accepts an actionable error', () => {
    expect(
      responseProblems(400, JSON.stringify({ message: 'name: must be at most 60 characters.', code: 'X' })),
    ).toEqual([]);
    // FUZZ_SEED=7 FUZZ_RUNS=100: the caller's own "NaN" echoed in quotes is not an internal name.
    expect(
      responseProblems(
        404,
        JSON.stringify({ message: 'The cluster "NaN" was not found in your organization.' }),
      ),
    ).toEqual([]);
  });

  it.each([
    [
      'a stack trace',
      '{"message":"Boom happened here","stack":"Error: x\\n    at foo (/var/task/index.js:1:2)"}',
    ],
    ['a generic message', '{"message":"Bad Request"}'],
    ['an internal name', '{"message":"Failed: ConditionalCheckFailedException on write"}'],
    ['an internal name', '{"message":"body.name: invalid_type was found"}'],
    ['an internal name', '{"message":"The DynamoDB table refused it"}'],
    ['an internal name', '{"message":"limit: Invalid input: expected number, received NaN"}'],
    ['a file path', '{"message":"Could not load /home/app/functions/src/x.ts please"}'],
    ['no message', '{"code":"X"}'],
  ])('flags %s', (problem, raw) => {
    expect(responseProblems(400, raw).join('; ')).toContain(problem);
  });
});

describe('responseValidator', () => {
  it('checks a body against the declared response schema and refuses undeclared statuses', () => {
    const validate = responseValidator(doc);
    const health = ops.find((o) => o.key === 'GET /api/me');
    if (!health) throw new Error('no me route');
    expect(validate(health, 200, { nonsense: true }).length).toBeGreaterThan(0);
    expect(
      validate(health, 401, { message: 'Sign in again.', code: 'UNAUTHORIZED', requestId: 'r' }),
    ).toEqual([]);
    expect(validate(health, 418, {})).toEqual(['status 418 is not declared']);
  });
});
