import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import fc from 'fast-check';

/**
 * Schema-driven request fuzzing from the OpenAPI document (`GET /api/openapi.json`): for each operation,
 * fast-check arbitraries of valid, boundary and invalid requests, built from the JSON schemas of its
 * path parameters, query parameters and body. Driven by the document rather than by the zod contracts on
 * purpose: it fuzzes what an outsider reads, so a contract the document misstates shows up too.
 */

/** The subset of JSON Schema 2020-12 that zod-to-openapi writes for this API. */
export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  additionalProperties?: JsonSchema | boolean;
  enum?: unknown[];
  const?: unknown;
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  allOf?: JsonSchema[];
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minItems?: number;
  maxItems?: number;
  $ref?: string;
  default?: unknown;
}

interface OpenApiParameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema: JsonSchema;
}

interface OpenApiOperation {
  operationId?: string;
  security?: Record<string, string[]>[];
  parameters?: OpenApiParameter[];
  requestBody?: { content: Record<string, { schema: JsonSchema }> };
  responses: Record<string, { content?: Record<string, { schema: JsonSchema }> }>;
}

export interface OpenApiDoc {
  paths: Record<string, Record<string, OpenApiOperation>>;
  components?: { schemas?: Record<string, JsonSchema> };
}

export interface FuzzOperation {
  /** `POST /api/auth/token`, as the route table writes it. */
  key: string;
  method: string;
  path: string;
  /** From the operation's security: no scheme is public, `agentToken` is the agent, else a user JWT. */
  auth: 'public' | 'user' | 'agent';
  pathParams: OpenApiParameter[];
  queryParams: OpenApiParameter[];
  body?: JsonSchema;
  responses: Record<string, JsonSchema | undefined>;
}

/** Every operation of the document, in document order. */
export function operationsOf(doc: OpenApiDoc): FuzzOperation[] {
  const ops: FuzzOperation[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const schemes = (op.security ?? []).flatMap((s) => Object.keys(s));
      const params = op.parameters ?? [];
      ops.push({
        key: `${method.toUpperCase()} ${path}`,
        method: method.toUpperCase(),
        path,
        auth: schemes.length === 0 ? 'public' : schemes.includes('agentToken') ? 'agent' : 'user',
        pathParams: params.filter((p) => p.in === 'path'),
        queryParams: params.filter((p) => p.in === 'query'),
        body: op.requestBody?.content['application/json']?.schema,
        responses: Object.fromEntries(
          Object.entries(op.responses).map(([status, r]) => [
            status,
            r.content?.['application/json']?.schema,
          ]),
        ),
      });
    }
  }
  return ops;
}

/** What one generated request is: the test turns `auth` into a real, missing or garbage token. */
export interface FuzzRequest {
  kind: FuzzKind;
  /** A short description of the mutation, for the failure report. */
  note: string;
  path: Record<string, string>;
  query: Record<string, string>;
  body?: unknown;
  /** Sent as is instead of `body` (malformed JSON, prototype keys, oversized text). */
  rawBody?: string;
  headers?: Record<string, string>;
  auth: 'valid' | 'none' | 'garbage';
}

export const fuzzKinds = [
  'valid',
  'boundary',
  'invalid-field',
  'missing-field',
  'body-type',
  'extra-fields',
  'prototype-keys',
  'bad-json',
  'content-type',
  'oversized',
  'path-id',
  'query',
  'auth',
] as const;
export type FuzzKind = (typeof fuzzKinds)[number];

/** Hand-picked valid inputs mixed into the generated ones, so mutations start from realistic requests. */
export interface FuzzHints {
  path?: Record<string, readonly string[]>;
  query?: Record<string, readonly string[]>;
  bodies?: readonly unknown[];
  /** The route's body limit in bytes (the document does not state it); a body above it must be a 413. */
  maxBodyBytes?: number;
}

const defaultMaxBodyBytes = 64 * 1024;

/** Strings that have broken parsers, databases and terminals elsewhere. */
export const nastyStrings: readonly string[] = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udfffy',
  '\u202eevil\u202c',
  '\u200b\u200d\ufeff',
  'e\u0301\u0301\u0301',
  '💥🏳️‍🌈',
  '𝕊𝕡𝕠𝕥',
  '\r\n\t',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the log4shell probe is meant literally.
  '${jndi:ldap://x}',
  '{{7*7}}',
  "' OR '1'='1",
  '<script>alert(1)</script>',
  '%00',
  '=',
  '==x',
  '=x',
  'a=',
  ':',
  ',',
  '#',
  '__proto__',
  'constructor',
  'NaN',
  '-1',
  '1e309',
  'null',
  'undefined',
];

/** Path ids an attacker tries: traversal, encoded traversal, other separators, and plain nonsense. */
export const traversalIds: readonly string[] = [
  '../../etc/passwd',
  '..%2F..%2Fetc%2Fpasswd',
  '%2e%2e%2f%2e%2e%2fetc%2fpasswd',
  '..\\..\\windows\\win.ini',
  '....//....//etc/passwd',
  '/etc/passwd',
  '.',
  '..',
  'ORG#x#CLUSTER#y',
  'a/b',
  '%00',
  'id\u0000.json',
  '*',
  ' ',
];

/** Strings at sizes that cross every limit the API has (a field's maxLength, 64 KiB, 100 k characters). */
const hugeString = (length: number) => 'A'.repeat(length);
const hugeArray: readonly number[] = Array.from({ length: 100_000 }, () => 0);

function resolve(doc: OpenApiDoc, schema: JsonSchema): JsonSchema {
  if (!schema.$ref) return schema;
  const name = schema.$ref.replace('#/components/schemas/', '');
  const target = doc.components?.schemas?.[name];
  if (!target) throw new Error(`Unresolved ${schema.$ref}`);
  return target;
}

const typesOf = (schema: JsonSchema): string[] =>
  schema.type === undefined ? [] : Array.isArray(schema.type) ? schema.type : [schema.type];

type Mode = 'valid' | 'boundary';

/** Values valid for `schema`; `boundary` prefers the limits (min/max lengths and numbers, empty arrays). */
export function valueArb(
  doc: OpenApiDoc,
  input: JsonSchema,
  mode: Mode = 'valid',
  depth = 0,
): fc.Arbitrary<unknown> {
  const schema = resolve(doc, input);
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const union = schema.oneOf ?? schema.anyOf;
  if (union) return fc.oneof(...union.map((s) => valueArb(doc, s, mode, depth + 1)));
  const types = typesOf(schema);
  if (types.length > 1)
    return fc.oneof(...types.map((type) => valueArb(doc, { ...schema, type }, mode, depth + 1)));
  switch (types[0]) {
    case 'null':
      return fc.constant(null);
    case 'boolean':
      return fc.boolean();
    case 'integer':
    case 'number':
      return numberArb(schema, types[0] === 'integer', mode);
    case 'string':
      return stringArb(schema, mode);
    case 'array': {
      const minLength = schema.minItems ?? 0;
      // Nested arrays stay short: a snapshot of pods of containers grows as the product of the lengths.
      const maxLength = Math.max(minLength, Math.min(schema.maxItems ?? 3, depth > 2 ? 1 : 3));
      const items = schema.items ? valueArb(doc, schema.items, mode, depth + 1) : fc.jsonValue();
      if (mode === 'boundary') return fc.array(items, { minLength, maxLength: minLength });
      return fc.array(items, { minLength, maxLength });
    }
    default:
      return objectArb(doc, schema, mode, depth);
  }
}

function objectArb(doc: OpenApiDoc, schema: JsonSchema, mode: Mode, depth: number): fc.Arbitrary<unknown> {
  const properties = schema.properties ?? {};
  const required = new Set(schema.required ?? []);
  const shape: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [name, prop] of Object.entries(properties)) shape[name] = valueArb(doc, prop, mode, depth + 1);
  const known = fc.record(shape, {
    requiredKeys:
      mode === 'boundary' ? [...required] : Object.keys(properties).filter((k) => required.has(k)),
  });
  const extra = schema.additionalProperties;
  if (typeof extra !== 'object' || Object.keys(properties).length > 0) return known;
  // A map (labels, resources): short keys, a few entries (none at the boundary).
  return fc.dictionary(fc.stringMatching(/^[a-z][a-z0-9./-]{0,20}$/), valueArb(doc, extra, mode, depth + 1), {
    maxKeys: mode === 'boundary' ? 0 : 3,
  });
}

function numberArb(schema: JsonSchema, integer: boolean, mode: Mode): fc.Arbitrary<number> {
  const step = integer ? 1 : Number.EPSILON * 1024;
  const min =
    schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + step : (schema.minimum ?? -1e9);
  const max =
    schema.exclusiveMaximum !== undefined ? schema.exclusiveMaximum - step : (schema.maximum ?? 1e9);
  if (mode === 'boundary') return fc.constantFrom(min, max, Math.max(min, Math.min(max, 0)));
  return integer
    ? fc.integer({ min: Math.ceil(min), max: Math.floor(max) })
    : fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
}

const patternArbs = new Map<string, fc.Arbitrary<string>>();

function stringArb(schema: JsonSchema, mode: Mode): fc.Arbitrary<string> {
  if (schema.format === 'date-time') {
    return fc
      .date({
        min: new Date('2020-01-01T00:00:00Z'),
        max: new Date('2030-01-01T00:00:00Z'),
        noInvalidDate: true,
      })
      .map((d) => d.toISOString());
  }
  if (schema.pattern) {
    // Building a regex arbitrary is slow (milliseconds for the ARN pattern); patterns repeat across routes.
    let arb = patternArbs.get(schema.pattern);
    if (!arb) {
      arb = fc.stringMatching(new RegExp(schema.pattern));
      patternArbs.set(schema.pattern, arb);
    }
    if (schema.minLength === undefined && schema.maxLength === undefined) return arb;
    // A pattern with length bounds (a snooze token: `^[A-Za-z0-9_.-]+$`, 20 to 2000 characters): the
    // pattern's own strings are mostly short, so a short one is repeated up to the minimum; the result is
    // kept only if it still matches (true for repeated character classes, the case the routes have).
    const re = new RegExp(schema.pattern);
    const minLength = schema.minLength ?? 0;
    const maxLength = schema.maxLength ?? Number.POSITIVE_INFINITY;
    return arb
      .filter((s) => s.length > 0 || minLength === 0)
      .map((s) => (s.length >= minLength ? s : s.repeat(Math.ceil(minLength / s.length))).slice(0, maxLength))
      .filter((s) => s.length >= minLength && re.test(s));
  }
  const minLength = schema.minLength ?? 0;
  const maxLength = schema.maxLength ?? 40;
  if (mode === 'boundary') {
    return fc.constantFrom(hugeString(minLength), hugeString(maxLength), `${'é'.repeat(minLength)}`);
  }
  // Printable text: a valid request should pass the API's text rules (no control or bidi characters).
  return fc
    .string({ minLength, maxLength: Math.min(maxLength, Math.max(minLength, 40)), unit: 'grapheme-ascii' })
    .filter((s) => s.trim().length >= minLength);
}

/** A value of another JSON type than the schema's (`"1"` for a number, `[]` for an object, ...). */
function wrongTypeArb(doc: OpenApiDoc, input: JsonSchema): fc.Arbitrary<unknown> {
  const types = new Set(typesOf(resolve(doc, input)));
  const candidates: [string, unknown][] = [
    ['string', '1'],
    ['number', 12],
    ['number', -1.5],
    ['number', 1e308],
    ['boolean', true],
    ['null', null],
    ['array', []],
    ['array', ['x']],
    ['object', {}],
    ['object', { a: 1 }],
  ];
  const wrong = candidates
    .filter(([type]) => !types.has(type) && !(type === 'number' && types.has('integer')))
    .map(([, v]) => v);
  return fc.constantFrom(...wrong);
}

/** Invalid values for a leaf or container: wrong types, out of range, huge, hostile text. */
function invalidValueArb(doc: OpenApiDoc, input: JsonSchema): fc.Arbitrary<unknown> {
  const schema = resolve(doc, input);
  const types = typesOf(schema);
  const options: fc.Arbitrary<unknown>[] = [wrongTypeArb(doc, schema)];
  if (types.includes('string') || schema.enum) {
    const over = (schema.maxLength ?? 100) + 1;
    options.push(
      fc.constantFrom(...nastyStrings),
      fc.constantFrom(hugeString(over), hugeString(10_000), hugeString(100_000)),
      fc.string({ unit: 'binary', maxLength: 30 }),
    );
  }
  if (types.includes('number') || types.includes('integer')) {
    const limits = [schema.minimum, schema.maximum, schema.exclusiveMinimum, schema.exclusiveMaximum];
    options.push(
      fc.constantFrom(
        ...limits.filter((l): l is number => l !== undefined).flatMap((l) => [l - 1, l + 1]),
        1e200,
        -1e200,
        Number.MAX_SAFE_INTEGER + 2,
        0.5,
        -0,
      ),
    );
  }
  if (types.includes('array')) {
    const item = schema.items ? valueArb(doc, schema.items) : fc.constant(1);
    options.push(
      item.map((v) => Array.from({ length: 5_000 }, () => v)),
      fc.constant(hugeArray),
    );
  }
  return fc.oneof(...options);
}

/** A JSON pointer into a generated value, with the schema that governs it. */
interface Slot {
  at: (string | number)[];
  schema: JsonSchema;
  /** Removable without breaking the parent's shape: an object property that is required. */
  required: boolean;
}

/** The places in `value` whose schema is known: objects' properties and arrays' first item. */
export function slotsOf(
  doc: OpenApiDoc,
  input: JsonSchema,
  value: unknown,
  at: (string | number)[] = [],
): Slot[] {
  const schema = resolve(doc, input);
  const union = schema.oneOf ?? schema.anyOf;
  if (union) {
    // The branch the value came from: the first whose `enum` discriminators match.
    const branch =
      union.find((s) => {
        const b = resolve(doc, s);
        return Object.entries(b.properties ?? {}).every(
          ([k, p]) =>
            !p.enum ||
            (value as Record<string, unknown> | null)?.[k] === undefined ||
            p.enum.includes((value as Record<string, unknown>)[k]),
        );
      }) ?? union[0];
    return branch ? slotsOf(doc, branch, value, at) : [];
  }
  const slots: Slot[] = [];
  if (value && typeof value === 'object' && !Array.isArray(value) && schema.properties) {
    const required = new Set(schema.required ?? []);
    for (const [name, prop] of Object.entries(schema.properties)) {
      slots.push({ at: [...at, name], schema: prop, required: required.has(name) });
      const child = (value as Record<string, unknown>)[name];
      if (child !== undefined) slots.push(...slotsOf(doc, prop, child, [...at, name]));
    }
  }
  if (Array.isArray(value) && schema.items && value.length > 0) {
    slots.push({ at: [...at, 0], schema: schema.items, required: false });
    slots.push(...slotsOf(doc, schema.items, value[0], [...at, 0]));
  }
  return slots;
}

function setAt(value: unknown, at: (string | number)[], next: unknown | typeof remove): unknown {
  if (at.length === 0) return next;
  const [head, ...rest] = at as [string | number, ...(string | number)[]];
  const container = (Array.isArray(value) ? [...value] : { ...(value as object) }) as Record<
    string | number,
    unknown
  >;
  const child = setAt(container[head], rest, next);
  if (child === remove) delete container[head];
  else container[head] = child;
  return container;
}
const remove = Symbol('remove');

/** The keys that pollute `Object.prototype` when a parser or merge is careless. */
const pollutionKeys = ['__proto__', 'constructor', 'prototype'] as const;

/** JSON text of `base` with a prototype-pollution key added at the root and in a nested object. */
function withPollutionKeys(base: unknown, key: string): string {
  const payload = `{"polluted":"yes","isAdmin":true,"orgId":"ORG#other"}`;
  const text = JSON.stringify(base ?? {});
  if (!text.startsWith('{')) return `{"${key}":${payload}}`;
  const rootAdded = text === '{}' ? `{"${key}":${payload}}` : `{"${key}":${payload},${text.slice(1)}`;
  // Also inside the first nested object, where a deep merge would walk.
  return rootAdded
    .replace(/:\{(?!")/, `:{"${key}":${payload}`)
    .replace(/:\{"(?!__proto__|constructor|prototype)/, `:{"${key}":${payload},"`);
}

const badJsonTexts: readonly string[] = [
  '{',
  '{"a":',
  "{'a':1}",
  '{"a":1,}',
  '[1,2',
  'undefined',
  'NaN',
  '{"a":01}',
  '\u0000',
  '{"a":"\\x00"}',
  `${'['.repeat(5000)}${']'.repeat(5000)}`,
  '{"a":1}{"b":2}',
  '\ufeff{}',
  'null',
  '"just a string"',
  '12',
];

const wrongContentTypes: readonly string[] = [
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/xml',
  'text/html; charset=utf-8',
  'application/jsonx',
  'json',
  '',
];

/** Query values: valid ones from the schema plus the hostile ones every parameter must survive. */
function queryValueArb(doc: OpenApiDoc, param: OpenApiParameter, invalid: boolean): fc.Arbitrary<string> {
  if (!invalid) return valueArb(doc, param.schema).map(String);
  return fc.oneof(
    fc.constantFrom(...nastyStrings, ...traversalIds),
    fc.constantFrom('0', '-1', '1.5', '1e309', '9999999999999999999', 'abc', 'true', '[]', '{}'),
    fc.constantFrom(hugeString(513), hugeString(5_000)),
    fc.string({ unit: 'binary', maxLength: 20 }),
  );
}

/**
 * One generated request for `op`: a mix of every kind (valid, boundary, invalid field, missing field,
 * wrong body type, extra fields, prototype keys, malformed JSON, wrong content type, oversized body,
 * hostile path ids, hostile query values, missing or garbage token).
 */
export function requestArb(
  doc: OpenApiDoc,
  op: FuzzOperation,
  hints: FuzzHints = {},
): fc.Arbitrary<FuzzRequest> {
  const maxBodyBytes = hints.maxBodyBytes ?? defaultMaxBodyBytes;
  const validPath = record(
    op.pathParams.map((p) => {
      const known = hints.path?.[p.name] ?? [];
      const generated = valueArb(doc, p.schema).map(String);
      return [
        p.name,
        known.length > 0
          ? fc.oneof({ arbitrary: fc.constantFrom(...known), weight: 3 }, generated)
          : generated,
      ];
    }),
  );
  const validQuery = fc
    .tuple(
      record(
        op.queryParams.map((p) => {
          const known = hints.query?.[p.name] ?? [];
          const generated = queryValueArb(doc, p, false);
          return [p.name, known.length > 0 ? fc.oneof(fc.constantFrom(...known), generated) : generated];
        }),
      ),
      fc.array(fc.boolean(), { minLength: op.queryParams.length, maxLength: op.queryParams.length }),
    )
    // Optional parameters come and go; required ones stay.
    .map(([all, keep]) =>
      Object.fromEntries(
        Object.entries(all).filter(
          ([name], i) => keep[i] || op.queryParams.find((p) => p.name === name)?.required,
        ),
      ),
    );
  const bodyOf = (mode: Mode): fc.Arbitrary<unknown> => {
    if (!op.body) return fc.constant(undefined);
    const generated = valueArb(doc, op.body, mode);
    return hints.bodies?.length ? fc.oneof(fc.constantFrom(...hints.bodies), generated) : generated;
  };
  const bases = Object.fromEntries(
    (['valid', 'boundary'] as const).map((mode) => [
      mode,
      fc.record({ path: validPath, query: validQuery, body: bodyOf(mode) }).map((r) => ({
        ...r,
        auth: 'valid' as const,
      })),
    ]),
  ) as Record<Mode, fc.Arbitrary<Omit<FuzzRequest, 'kind' | 'note'>>>;
  const base = (mode: Mode) => bases[mode];
  const kind = <K extends FuzzKind>(k: K, arb: fc.Arbitrary<Omit<FuzzRequest, 'kind'>>) =>
    arb.map((r): FuzzRequest => ({ ...r, kind: k }));

  const arbs: { arbitrary: fc.Arbitrary<FuzzRequest>; weight: number }[] = [
    {
      weight: 4,
      arbitrary: kind(
        'valid',
        base('valid').map((r) => ({ ...r, note: 'valid' })),
      ),
    },
    {
      weight: 2,
      arbitrary: kind(
        'boundary',
        base('boundary').map((r) => ({ ...r, note: 'boundary' })),
      ),
    },
    {
      weight: 1,
      arbitrary: kind(
        'content-type',
        fc.tuple(base('valid'), fc.constantFrom(...wrongContentTypes)).map(([r, type]) => ({
          ...r,
          body: r.body ?? { a: 1 },
          headers: { 'content-type': type },
          note: `content-type ${JSON.stringify(type)}`,
        })),
      ),
    },
    {
      weight: 1,
      arbitrary: kind(
        'bad-json',
        fc.tuple(base('valid'), fc.constantFrom(...badJsonTexts)).map(([r, text]) => ({
          ...r,
          body: undefined,
          rawBody: text,
          note: `bad JSON ${JSON.stringify(text.slice(0, 20))}`,
        })),
      ),
    },
    {
      weight: 1,
      arbitrary: kind(
        'oversized',
        fc.tuple(base('valid'), fc.constantFrom(1, 1000)).map(([r, extra]) => ({
          ...r,
          body: undefined,
          rawBody: JSON.stringify({
            ...(isObject(r.body) ? r.body : {}),
            padding: hugeString(maxBodyBytes + extra),
          }),
          note: `oversized body (limit ${maxBodyBytes} B + ${extra})`,
        })),
      ),
    },
    {
      weight: 1,
      arbitrary: kind(
        'prototype-keys',
        fc.tuple(base('valid'), fc.constantFrom(...pollutionKeys)).map(([r, key]) => ({
          ...r,
          body: undefined,
          rawBody: withPollutionKeys(r.body, key),
          note: `prototype key ${key}`,
        })),
      ),
    },
    {
      weight: 1,
      arbitrary: kind(
        'auth',
        fc.tuple(base('valid'), fc.constantFrom('none' as const, 'garbage' as const)).map(([r, auth]) => ({
          ...r,
          auth,
          note: `${auth} token`,
        })),
      ),
    },
  ];
  if (op.body) {
    const bodySchema = op.body;
    arbs.push(
      {
        weight: 4,
        arbitrary: kind(
          'invalid-field',
          base('valid').chain((r): fc.Arbitrary<Omit<FuzzRequest, 'kind'>> => {
            const slots = slotsOf(doc, bodySchema, r.body);
            if (slots.length === 0) return fc.constant({ ...r, note: 'no field to break' });
            return fc.constantFrom(...slots).chain((slot) =>
              invalidValueArb(doc, slot.schema).map((bad) => ({
                ...r,
                body: setAt(r.body, slot.at, bad),
                note: `${slot.at.join('.')} = ${describe(bad)}`,
              })),
            );
          }),
        ),
      },
      {
        weight: 2,
        arbitrary: kind(
          'missing-field',
          base('valid').chain((r): fc.Arbitrary<Omit<FuzzRequest, 'kind'>> => {
            const slots = slotsOf(doc, bodySchema, r.body).filter((s) => s.required);
            // No required field to drop (every field optional): an empty body, which is valid.
            if (slots.length === 0) return fc.constant({ ...r, body: {}, note: 'empty body' });
            return fc.constantFrom(...slots).map((slot) => ({
              ...r,
              body: setAt(r.body, slot.at, remove),
              note: `without ${slot.at.join('.')}`,
            }));
          }),
        ),
      },
      {
        weight: 1,
        arbitrary: kind(
          'body-type',
          fc.tuple(base('valid'), wrongTypeArb(doc, bodySchema)).map(([r, body]) => ({
            ...r,
            body,
            note: `body ${describe(body)}`,
          })),
        ),
      },
      {
        weight: 1,
        arbitrary: kind(
          'extra-fields',
          fc
            .tuple(
              base('valid'),
              fc.dictionary(
                fc.constantFrom('orgId', 'role', 'isAdmin', 'id', 'x', 'sk', 'pk'),
                fc.jsonValue({ maxDepth: 1 }),
              ),
            )
            .map(([r, extra]) => ({
              ...r,
              body: isObject(r.body) ? { ...r.body, ...extra } : extra,
              note: `extra fields ${Object.keys(extra).join(',')}`,
            })),
        ),
      },
    );
  }
  if (op.pathParams.length > 0) {
    arbs.push({
      weight: 3,
      arbitrary: kind(
        'path-id',
        fc
          .tuple(
            base('valid'),
            fc.constantFrom(...op.pathParams.map((p) => p.name)),
            fc.oneof(
              fc.constantFrom(...traversalIds, ...nastyStrings),
              fc.constantFrom(hugeString(65), hugeString(101), hugeString(10_000)),
              fc.uuid(),
            ),
          )
          .map(([r, name, id]) => ({
            ...r,
            path: { ...r.path, [name]: id },
            note: `${name} = ${describe(id)}`,
          })),
      ),
    });
  }
  if (op.queryParams.length > 0) {
    arbs.push({
      weight: 3,
      arbitrary: kind(
        'query',
        base('valid').chain((r) =>
          fc.constantFrom(...op.queryParams).chain((p) =>
            queryValueArb(doc, p, true).map((v) => ({
              ...r,
              query: { ...r.query, [p.name]: v },
              note: `?${p.name}=${describe(v)}`,
            })),
          ),
        ),
      ),
    });
  }
  return fc.oneof(...arbs);
}

function record(entries: [string, fc.Arbitrary<string>][]): fc.Arbitrary<Record<string, string>> {
  return fc.record(Object.fromEntries(entries)) as fc.Arbitrary<Record<string, string>>;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** A short, printable description of a generated value for failure reports. */
export function describe(value: unknown): string {
  if (typeof value === 'string')
    return value.length > 40 ? `"${value.slice(0, 12)}…" (${value.length} chars)` : JSON.stringify(value);
  if (Array.isArray(value) && value.length > 20) return `[${value.length} items]`;
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}

/**
 * Why a response body leaks or does not help: an error without an actionable sentence, a stack trace,
 * a file path, or an internal name (AWS exception, the database, the validation library). Empty when fine.
 */
export function responseProblems(status: number, raw: string): string[] {
  const problems: string[] = [];
  if (/\n\s+at \S+/.test(raw) || /\bat [\w.<>]+ \(.*:\d+:\d+\)/.test(raw)) problems.push('a stack trace');
  // Success bodies carry the caller's own data and documentation (the OpenAPI text names source files).
  if (status < 400) return problems;
  if (/(\/[\w.-]+)+\.(ts|js|mjs|cjs)\b|node_modules|\/var\/task|\/home\/|file:\/\//.test(raw))
    problems.push('a file path');
  let message: unknown;
  try {
    message = (JSON.parse(raw) as { message?: unknown }).message;
  } catch {
    return [...problems, 'an error body that is not JSON'];
  }
  if (typeof message !== 'string') return [...problems, 'no message'];
  const text = message.trim();
  if (text.length < 12 || !/\s/.test(text))
    problems.push(`a message that is not a sentence: ${JSON.stringify(text)}`);
  if (
    /^(bad request|unauthorized|forbidden|not found|internal server error|error|invalid input)\.?$/i.test(
      text,
    )
  )
    problems.push(`a generic message: ${JSON.stringify(text)}`);
  const internal =
    /invalid_type|invalid_union|invalid_value|too_big|too_small|unrecognized_keys|ZodError|\bzod\b|\bExpected\b|\bReceived\b|expected \w+, received|Invalid input:|Invalid option:|Too (big|small):|Invalid discriminator|[A-Z][a-z]+Exception\b|ResourceNotFound|ConditionalCheck|DynamoDB|ElectroDB|Cognito|\bmiddy\b|TypeError|ReferenceError|SyntaxError|Cannot read propert|undefined is not|\[object Object\]|\bNaN\b|Unexpected token|in JSON at position/;
  // A quoted value is the caller's own input echoed back ("The cluster "NaN" was not found"), not a leak.
  const found = text.replace(/"[^"]*"/g, '""').match(internal);
  if (found) problems.push(`an internal name in the message: "${found[0]}" in ${JSON.stringify(text)}`);
  return problems;
}

/** Validates response bodies against the document's declared schemas (Ajv, JSON Schema 2020-12). */
export function responseValidator(doc: OpenApiDoc) {
  const ajv = new Ajv2020({ strict: false, allErrors: false, validateFormats: true });
  addFormats(ajv);
  ajv.addSchema({ $id: 'doc', components: doc.components ?? {} });
  const cache = new Map<string, ReturnType<typeof ajv.compile>>();
  return (op: FuzzOperation, status: number, body: unknown): string[] => {
    const schema = op.responses[String(status)];
    if (!(String(status) in op.responses)) return [`status ${status} is not declared`];
    if (!schema) return [];
    const id = `${op.key} ${status}`;
    let validate = cache.get(id);
    if (!validate) {
      // `$ref`s point at the document's components; rebase them onto the registered `doc` schema.
      const rebased = JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"doc#/components/'));
      validate = ajv.compile(rebased);
      cache.set(id, validate);
    }
    return validate(body) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`);
  };
}
