import { mkdtempSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { LocalExportStorage } from '@spot/local/export-storage';
import { type Gateway, startGateway } from '@spot/local/gateway';
import { type ApiRouteKey, apiContracts, type RouteContract } from '@spot/shared';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensurePlatformAdmin } from '../../src/domain/admin';
import { issueSnoozeToken } from '../../src/domain/hibernation-snooze';
import { configurePorts, port } from '../../src/ports';
import { routeKey, routes } from '../../src/routes';
import { installConnectFakes, newAwsAccountId } from '../accounts-connect-fakes';
import { type SeededCluster, seedCluster } from '../clusters-support';
import { fixtureSnapshot } from '../fixtures/k8s/snapshot';
import {
  type FuzzHints,
  type FuzzOperation,
  type FuzzRequest,
  fuzzKinds,
  type OpenApiDoc,
  operationsOf,
  requestArb,
  responseProblems,
  responseValidator,
} from '../support/openapi-fuzz';
import { type ApiResponse, call, signUpAndIn, strongPassword, useLocalServices } from '../support/services';

/**
 * Schema-driven fuzzing of every route (issue 11, "must show" 1): for each operation of the served
 * OpenAPI document, generated valid, boundary and invalid requests go through the real handlers against
 * DynamoDB Local and cognito-local. Every answer must be below 500, match its contract (`call` checks the
 * zod contract, this file the document's JSON schema), carry an actionable message when it is an error,
 * and leak no stack trace, file path or internal name. `FUZZ_RUNS` sets the requests per route (the
 * bench `npm run bench fuzz` runs many more), `FUZZ_SEED` replays a run.
 */
const runsPerRoute = Number(process.env.FUZZ_RUNS ?? 20);
const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
/** The seed of the i-th route's samples (FUZZ_SEED still replays the whole run). */
const routeSeed = (i: number) => (seed + i * 7919) % 2 ** 31;

type User = Awaited<ReturnType<typeof signUpAndIn>>;
let doc: OpenApiDoc;
let user: User;
let leaver: User;
let adminToken: string;
let cluster: SeededCluster;
let tokenCluster: SeededCluster;
let agentToken: string;
let accountId: string;
let doomedAccountId: string;
const hints: Partial<Record<string, FuzzHints>> = {};

beforeAll(async () => {
  await useLocalServices();
  const { cloud } = installConnectFakes();
  // An export over 5 MiB (the fuzzing fills the trail) goes to the exports bucket: a local one here.
  configurePorts({
    exportStorage: new LocalExportStorage(
      mkdtempSync(join(tmpdir(), 'fuzz-exports-')),
      () => 'http://127.0.0.1',
    ),
  });
  [user, leaver] = await Promise.all([signUpAndIn('Fuzz'), signUpAndIn('Fuzz sign-out')]);
  const adminEmail = `fuzz-admin-${Date.now()}@spot.local`;
  const adminPassword = strongPassword();
  await ensurePlatformAdmin(port('identity'), adminEmail, adminPassword, new Date());
  adminToken = (await port('identity').signIn(adminEmail, adminPassword)).accessToken;

  const connect = async () => {
    const keys = cloud.addAccessKey(newAwsAccountId());
    const body = { method: 'access-key', region: 'us-east-1', ...keys };
    const res = await call('POST /api/client/accounts/connect', { token: user.accessToken, body });
    expect(res.status, res.raw).toBeLessThan(300);
    return { id: String(res.body.id), body };
  };
  const kept = await connect();
  const doomed = await connect();
  accountId = kept.id;
  doomedAccountId = doomed.id;
  cluster = await seedCluster(user.orgId, { name: 'prod', tags: { env: 'prod' } });
  // Issuing a token replaces the cluster's previous one: the agent-token route gets its own cluster.
  tokenCluster = await seedCluster(user.orgId, { name: 'tokens' });
  const issued = await call('POST /api/client/clusters/{id}/agent-token', {
    token: user.accessToken,
    path: { id: cluster.clusterId },
  });
  agentToken = String(issued.body.token);
  doc = (await call('GET /api/openapi.json')).body as unknown as OpenApiDoc;

  const snapshot = await fixtureSnapshot({ clusterName: cluster.name, now: new Date() });
  // Valid snooze links of the seeded clusters (the routes' only credential), besides the generated junk.
  const snoozeToken = (clusterId: string) =>
    issueSnoozeToken({
      orgId: user.orgId,
      clusterId,
      transitionAt: new Date(Date.now() + 1_800_000),
      expiresAt: new Date(Date.now() + 86_400_000),
      recipient: 'fuzz@example.com',
    });
  const snoozeTokens = await Promise.all([
    snoozeToken(cluster.clusterId),
    snoozeToken(tokenCluster.clusterId),
  ]);
  const accountPath = { path: { id: [accountId] } };
  Object.assign(hints, {
    'POST /api/auth/signup': {
      bodies: [
        { organizationName: 'Fuzz signup', email: `fuzz-${seed}@example.com`, password: strongPassword() },
      ],
    },
    'POST /api/auth/confirm': { bodies: [{ email: user.email, code: '123456' }] },
    'POST /api/auth/token': { bodies: [{ email: user.email, password: user.password }] },
    'POST /api/auth/refresh': { bodies: [{ refreshToken: user.refreshToken }] },
    'POST /api/auth/signout': { bodies: [{}] },
    'POST /api/client/accounts/connect': { bodies: [kept.body] },
    'GET /api/client/accounts/{id}': accountPath,
    'PATCH /api/client/accounts/{id}': accountPath,
    'POST /api/client/accounts/{id}/resync': accountPath,
    'DELETE /api/client/accounts/{id}': { path: { id: [doomedAccountId] } },
    'GET /api/client/clusters': {
      query: { accountId: [cluster.accountId], tag: ['env=prod', 'env'], region: ['us-east-1'], q: ['prod'] },
    },
    'GET /api/client/clusters/{id}': { path: { id: [cluster.clusterId] } },
    'POST /api/client/clusters/compare': { bodies: [{ ids: [cluster.clusterId, tokenCluster.clusterId] }] },
    'POST /api/client/clusters/bulk': {
      bodies: [{ action: 'upgrade-agent', ids: [cluster.clusterId, tokenCluster.clusterId] }],
    },
    'POST /api/client/clusters/{id}/agent-token': { path: { id: [tokenCluster.clusterId] } },
    'POST /api/client/accounts/{id}/cluster-scan': { ...accountPath, bodies: [{ regions: ['us-east-1'] }] },
    'POST /api/client/clusters': {
      bodies: [{ method: 'discovered', accountId, region: 'us-east-1', name: 'fuzz-unmanaged' }],
    },
    'POST /api/client/clusters/{id}/install-token': { path: { id: [tokenCluster.clusterId] } },
    'POST /api/client/clusters/{id}/preflight': { path: { id: [cluster.clusterId] } },
    'POST /api/client/clusters/{id}/consolidation': {
      path: { id: [cluster.clusterId] },
      bodies: [{ dryRun: true }, { dryRun: false }],
    },
    'GET /api/client/clusters/{id}/actions': { path: { id: [cluster.clusterId] } },
    'GET /api/client/clusters/{id}/karpenter': { path: { id: [cluster.clusterId] } },
    'POST /api/client/clusters/{id}/karpenter/reconcile': { path: { id: [cluster.clusterId] } },
    'GET /api/client/clusters/{id}/drift': { path: { id: [cluster.clusterId] } },
    'GET /api/client/clusters/{id}/agent-upgrades': { path: { id: [cluster.clusterId] } },
    'GET /api/client/clusters/{id}/compliance': { path: { id: [cluster.clusterId] } },
    'GET /api/client/clusters/{id}/budget': { path: { id: [cluster.clusterId] } },
    'PUT /api/client/clusters/{id}/budget': {
      path: { id: [cluster.clusterId] },
      bodies: [{ monthlyBudgetUsd: 5000 }, { monthlyBudgetUsd: null }],
    },
    'PUT /api/client/clusters/{id}/node-groups/{groupId}': {
      path: { id: [cluster.clusterId], groupId: ['asg-workers'] },
      bodies: [
        { minSize: 0, maxSize: 2 },
        { minSize: 1, maxSize: 3, spotMode: true },
      ],
    },
    'POST /api/client/clusters/{id}/rightsizing': {
      path: { id: [cluster.clusterId] },
      bodies: [{ dryRun: true }, { dryRun: false }],
    },
    'POST /api/ingest/snapshots': {
      bodies: [
        { kind: 'heartbeat', agentVersion: '0.1.0' },
        { kind: 'snapshot', agentVersion: '0.1.0', snapshot },
      ],
    },
    'GET /api/client/dashboard': {
      query: { clusterId: [cluster.clusterId], accountId: [cluster.accountId] },
    },
    'GET /api/public/hibernation/snooze': { query: { token: snoozeTokens } },
    'POST /api/public/hibernation/snooze': { bodies: snoozeTokens.map((token) => ({ token })) },
    'GET /api/client/dashboard/resource-gap': {
      query: { clusterId: [cluster.clusterId], accountId: [cluster.accountId] },
    },
  } satisfies Record<string, FuzzHints>);
}, 60_000);

/** The caller a route takes: the agent's token, the admin's, the sign-out user's, or the user's. */
function tokenFor(op: FuzzOperation): string | undefined {
  if (op.auth === 'public') return undefined;
  if (op.auth === 'agent') return agentToken;
  if (op.key === 'GET /api/admin/organizations') return adminToken;
  if (op.key === 'POST /api/auth/signout') return leaver.accessToken;
  return user.accessToken;
}

/** What a request of this kind must be answered with when its caller is authenticated. */
function expectedStatuses(op: FuzzOperation, req: FuzzRequest): number[] | undefined {
  if (req.auth !== 'valid') return op.auth === 'public' ? undefined : [401];
  if (req.kind === 'path-id') return [400, 404];
  if (!op.body) return undefined;
  if (req.kind === 'oversized') return [413];
  if (req.kind === 'content-type') return [415];
  if (req.kind === 'bad-json' || req.kind === 'body-type') return [400];
  if (req.kind === 'missing-field' && req.note !== 'empty body') return [400];
  return undefined;
}

/** Everything wrong with one answer; empty when it is right. */
function judge(op: FuzzOperation, req: FuzzRequest, res: ApiResponse): string[] {
  const problems = [...responseProblems(res.status, res.raw)];
  if (res.status >= 500) problems.push(`status ${res.status}`);
  const expected = expectedStatuses(op, req);
  if (expected && !expected.includes(res.status)) problems.push(`status ${res.status}, expected ${expected}`);
  // A file answer in another form than JSON (an export as CSV) is text: its JSON form has the schema.
  const json = /^application\/json\b/.test(res.headers['content-type'] ?? 'application/json');
  if (res.status < 300 && json) problems.push(...validate(op, res.status, res.raw ? res.body : undefined));
  const proto = Object.prototype as Record<string, unknown>;
  if (proto.polluted !== undefined || proto.isAdmin !== undefined) problems.push('Object.prototype polluted');
  return problems;
}
let validate: ReturnType<typeof responseValidator>;

interface Failure {
  route: string;
  index: number;
  kind: string;
  note: string;
  status: number | null;
  problems: string[];
  body: string;
}

describe('fuzzing every route from the OpenAPI document', () => {
  it(
    'answers every generated request below 500, per contract, with an actionable message and no leak',
    async () => {
      validate = responseValidator(doc);
      const ops = operationsOf(doc);
      // A route missing from the document (or the document missing a route) is a failure, not a skip.
      expect(ops.map((o) => o.key).sort()).toEqual(routes.map(routeKey).sort());
      const counts = new Map<string, Record<string, number>>();
      const failures: Failure[] = [];
      const started = Date.now();
      for (const [opIndex, op] of ops.entries()) {
        const contract: RouteContract = apiContracts[op.key as ApiRouteKey];
        const arb = requestArb(doc, op, { ...hints[op.key], maxBodyBytes: contract.maxBodyBytes });
        const row: Record<string, number> = { sent: 0, '2xx': 0, '4xx': 0, '5xx': 0, ms: 0 };
        const routeStarted = Date.now();
        counts.set(op.key, row);
        // A stream of its own per route: with one seed for all, every route drew the same kinds.
        const samples = fc.sample(arb, { numRuns: runsPerRoute, seed: routeSeed(opIndex) });
        for (const [index, req] of samples.entries()) {
          const token =
            req.auth === 'valid' ? tokenFor(op) : req.auth === 'garbage' ? 'garbage.token.x' : undefined;
          let res: ApiResponse | undefined;
          let problems: string[];
          try {
            res = await call(op.key, {
              ...(token ? { token } : {}),
              ...(req.rawBody !== undefined
                ? { rawBody: req.rawBody }
                : req.body !== undefined
                  ? { body: req.body }
                  : {}),
              path: req.path,
              query: req.query,
              ...(req.headers ? { headers: req.headers } : {}),
            });
            problems = judge(op, req, res);
          } catch (error) {
            // `call` checks the zod contract with `expect`: a status or body the contract does not allow.
            problems = [(error as Error).message.split('\n')[0] ?? 'threw'];
          }
          row.sent = (row.sent ?? 0) + 1;
          const band = res ? `${Math.floor(res.status / 100)}xx` : 'threw';
          row[band] = (row[band] ?? 0) + 1;
          if (problems.length > 0) {
            failures.push({
              route: op.key,
              index,
              kind: req.kind,
              note: req.note,
              status: res?.status ?? null,
              problems,
              body: (res?.raw ?? '').slice(0, 300),
            });
          }
          row.ms = Date.now() - routeStarted;
          // A successful sign-out revokes every session of the leaver; a new user is quicker than signing
          // in again (which waits out the second of the sign-out).
          if (op.key === 'POST /api/auth/signout' && res?.status === 204)
            leaver = await signUpAndIn('Fuzz sign-out');
        }
      }
      const seconds = (Date.now() - started) / 1000;
      const total = [...counts.values()].reduce((sum, r) => sum + (r.sent ?? 0), 0);
      console.log(
        [
          `fuzz: ${total} requests over ${counts.size} routes in ${seconds.toFixed(1)} s (seed ${seed}, ${runsPerRoute} per route; FUZZ_SEED=${seed} replays)`,
          `${'route'.padEnd(44)} ${['sent', '2xx', '4xx', '5xx', 'ms'].map((h) => h.padStart(6)).join(' ')}`,
          ...[...counts].map(
            ([key, r]) =>
              `${key.padEnd(44)} ${['sent', '2xx', '4xx', '5xx', 'ms'].map((h) => String(r[h] ?? 0).padStart(6)).join(' ')}`,
          ),
        ].join('\n'),
      );
      for (const route of routes)
        expect(counts.get(routeKey(route))?.sent, routeKey(route)).toBe(runsPerRoute);
      // One line per failure, with the index of the sample: FUZZ_SEED and the index find the request again.
      const report = failures.map(
        (f) =>
          `${f.route} #${f.index} [${f.kind}] ${f.note} -> ${f.status}: ${f.problems.join('; ')} ${f.body}`,
      );
      expect(report, `seed ${seed}`).toEqual([]);
    },
    Math.max(180_000, runsPerRoute * 24 * 250),
  );

  it('generates every kind of request over a run of the fast tier', () => {
    const kinds = new Set<string>();
    for (const [opIndex, op] of operationsOf(doc).entries())
      for (const r of fc.sample(requestArb(doc, op, hints[op.key]), {
        numRuns: Math.max(runsPerRoute, 20),
        seed: routeSeed(opIndex),
      }))
        kinds.add(r.kind);
    // With few runs per route a kind may be missed on one route, never over the whole run.
    expect([...kinds].sort()).toEqual([...fuzzKinds].sort());
  });
});

/** A request as written, path included: fetch would normalize `..` and encoded segments away. */
function rawRequest(
  url: string,
  options: { method: string; path: string; headers?: Record<string, string>; body?: string },
): Promise<{ status: number; raw: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((done, fail) => {
    const req = request(
      { hostname, port, method: options.method, path: options.path, headers: options.headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          done({ status: res.statusCode ?? 0, raw: Buffer.concat(chunks).toString('utf8') }),
        );
      },
    );
    req.on('error', fail);
    req.end(options.body);
  });
}

describe('the local gateway over HTTP', () => {
  let gateway: Gateway;
  beforeAll(async () => {
    gateway = await startGateway({
      port: 0,
      webDist: resolve(import.meta.dirname, '../../../local/test/fixtures/web-dist'),
    });
  });
  afterAll(async () => {
    await gateway?.close();
  });

  it('answers malformed, mistyped and oversized bodies with an actionable 4xx, never a 5xx', async () => {
    const json = { 'content-type': 'application/json' };
    const sent = [
      { path: '/api/auth/token', headers: json, body: '{"email":', expect: 400 },
      {
        path: '/api/auth/token',
        headers: json,
        body: '{"__proto__":{"isAdmin":true},"email":"a@b.co"}',
        expect: 400,
      },
      { path: '/api/auth/token', headers: { 'content-type': 'text/plain' }, body: '{}', expect: 415 },
      {
        path: '/api/auth/token',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'email=a&password=b',
        expect: 415,
      },
      {
        path: '/api/auth/token',
        headers: json,
        body: JSON.stringify({ pad: 'x'.repeat(100_000) }),
        expect: 413,
      },
      // Above the Lambda payload limit the gateway itself refuses, as API Gateway would.
      { path: '/api/auth/token', headers: json, body: 'x'.repeat(7 * 1024 * 1024), expect: 413 },
    ];
    for (const r of sent) {
      const res = await rawRequest(gateway.url, { method: 'POST', ...r });
      expect(res.status, `${r.path} ${r.body.slice(0, 30)}`).toBe(r.expect);
      expect(responseProblems(res.status, res.raw), res.raw).toEqual([]);
    }
    expect((Object.prototype as Record<string, unknown>).isAdmin).toBeUndefined();
  });

  it('never serves a file outside the app for traversal paths, encoded or not', async () => {
    const auth = { authorization: `Bearer ${user.accessToken}` };
    const paths = [
      '/api/client/clusters/..%2F..%2F..%2Fetc%2Fpasswd',
      '/api/client/clusters/%2e%2e%2f%2e%2e%2fetc%2fpasswd',
      '/api/client/accounts/..%5C..%5Cwindows%5Cwin.ini',
      '/api/client/clusters/%E0%A4%A',
      '/api/client/clusters/%00',
      '/../../../../etc/passwd',
      '/..%2f..%2f..%2f..%2fetc%2fpasswd',
      '/assets/..%2f..%2f..%2fpackage.json',
      '/cfn-templates/..%2f..%2fpackage.json',
    ];
    for (const path of paths) {
      const res = await rawRequest(gateway.url, { method: 'GET', path, headers: auth });
      expect(res.status, path).toBeLessThan(500);
      expect(res.raw, path).not.toMatch(/root:x?:0:0|\[fonts\]|"workspaces"|"devDependencies"/);
      if (path.startsWith('/api/')) expect([400, 404], `${path} ${res.raw}`).toContain(res.status);
    }
  });
});
