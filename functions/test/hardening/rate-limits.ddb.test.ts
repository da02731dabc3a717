import { fileURLToPath } from 'node:url';
import { startGateway } from '@spot/local/gateway';
import { apiContracts } from '@spot/shared';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { configurePorts, resetPorts } from '../../src/ports';
import { routeKey, routes } from '../../src/routes';
import { installConnectFakes } from '../accounts-connect-fakes';
import { seedCluster } from '../clusters-support';
import { type ApiResponse, call, randomSourceIp, signUpAndIn, useLocalServices } from '../support/services';

/**
 * Abuse limits (issue 11, item 4), through the real handlers on DynamoDB Local and cognito-local. The
 * limits are the route table's: the test reads them from there, so it keeps proving whatever they are.
 * The clock is pinned inside one window where a test counts, so a window boundary cannot split a flood.
 */
const limitsOf = (key: string) => {
  const limits = routes.find((r) => routeKey(r) === key)?.rateLimit;
  if (!limits) throw new Error(`${key} has no rate limit`);
  return limits;
};
const signIn = limitsOf('POST /api/auth/token');
const signUp = limitsOf('POST /api/auth/signup');
const connect = limitsOf('POST /api/client/accounts/connect');
const ingest = limitsOf('POST /api/ingest/snapshots');
const snoozePreview = limitsOf('GET /api/public/hibernation/snooze');
const snoozeConfirm = limitsOf('POST /api/public/hibernation/snooze');

/**
 * A clock standing still one second into the NEXT window (so no earlier request of the test, e.g. the
 * sign-in of `signUpAndIn`, is in its counters), movable by the test.
 */
function pinClock(windowSeconds: number) {
  const start = (Math.floor(Date.now() / 1000 / windowSeconds) + 1) * windowSeconds * 1000 + 1000;
  const clock = { at: new Date(start), now: () => clock.at };
  configurePorts({ clock });
  return clock;
}

const tally = (responses: readonly ApiResponse[]) => {
  const counts: Record<number, number> = {};
  for (const r of responses) counts[r.status] = (counts[r.status] ?? 0) + 1;
  return counts;
};

/** `count` calls, `concurrency` at a time (counters must hold under concurrent requests too). */
async function flood(count: number, concurrency: number, one: () => Promise<ApiResponse>) {
  const out: ApiResponse[] = [];
  for (let i = 0; i < count; i += concurrency) {
    out.push(...(await Promise.all(Array.from({ length: Math.min(concurrency, count - i) }, one))));
  }
  return out;
}

beforeAll(async () => {
  await useLocalServices();
});
afterEach(() => resetPorts());

describe('sign-in flood', () => {
  it('refuses 1,000 wrong-password attempts from one address after the limit, without locking anyone out', async () => {
    const victim = await signUpAndIn('Flooded');
    const bystander = await signUpAndIn('Bystander');
    const perIp = signIn.perIp?.requests ?? 0;
    const clock = pinClock(signIn.perIp?.windowSeconds ?? 60);
    const attacker = randomSourceIp();

    const started = performance.now();
    const [attempts, bystanderDuring] = await Promise.all([
      flood(1000, 25, () =>
        call('POST /api/auth/token', {
          body: { email: victim.email, password: 'Wrong-Password-123!' },
          sourceIp: attacker,
        }),
      ),
      call('POST /api/auth/token', {
        body: { email: bystander.email, password: bystander.password },
        sourceIp: randomSourceIp(),
      }),
    ]);
    const floodMs = performance.now() - started;
    const counts = tally(attempts);
    console.info(
      `sign-in flood: 1000 attempts in ${Math.round(floodMs)} ms, ${counts[401] ?? 0}×401, ${counts[429] ?? 0}×429; bystander ${bystanderDuring.status}`,
    );

    // Exactly the limit reached the password check; everything after it was refused with 429.
    expect(counts).toEqual({ 401: perIp, 429: 1000 - perIp });
    const refused = attempts.filter((r) => r.status === 429);
    for (const r of refused) {
      expect(r.body.code).toBe('RATE_LIMITED');
      expect(r.body.message).toMatch(/^Too many requests; try again in \d+ seconds?\.$/);
      expect(Number(r.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(Number(r.headers['retry-after'])).toBeLessThanOrEqual(signIn.perIp?.windowSeconds ?? 0);
    }
    expect(bystanderDuring.status).toBe(200);

    // No lockout: the flooded account signs in with its password from anywhere else, in the same window.
    const victimElsewhere = await call('POST /api/auth/token', {
      body: { email: victim.email, password: victim.password },
      sourceIp: randomSourceIp(),
    });
    expect(victimElsewhere.status).toBe(200);
    // The limit is the address's, whatever account it tries: even a correct password is refused from it.
    const fromAttacker = await call('POST /api/auth/token', {
      body: { email: bystander.email, password: bystander.password },
      sourceIp: attacker,
    });
    expect(fromAttacker.status).toBe(429);
    // A window, not a ban: once it has passed the address is answered again.
    clock.at = new Date(clock.at.getTime() + Number(fromAttacker.headers['retry-after']) * 1000);
    const later = await call('POST /api/auth/token', {
      body: { email: victim.email, password: victim.password },
      sourceIp: attacker,
    });
    expect(later.status).toBe(200);
  }, 60_000);

  it('caps guesses at one account spread over many addresses, and only for that account', async () => {
    const target = await signUpAndIn('Target');
    const other = await signUpAndIn('Other');
    const perEmail = signIn.perEmail?.requests ?? 0;
    const perIp = signIn.perIp?.requests ?? 0;
    // One address can never use up an account's budget on its own.
    expect(perEmail).toBeGreaterThan(perIp);
    pinClock(signIn.perEmail?.windowSeconds ?? 60);
    // Each address stays well under its own limit: only the account's limit can refuse them.
    const perSource = Math.max(1, Math.floor(perIp / 3));
    const sources = Array.from({ length: Math.ceil(perEmail / perSource) + 3 }, randomSourceIp);
    const attempts: ApiResponse[] = [];
    for (const sourceIp of sources) {
      attempts.push(
        ...(await flood(perSource, perSource, () =>
          call('POST /api/auth/token', {
            body: { email: target.email, password: 'Nope-Nope-123!' },
            sourceIp,
          }),
        )),
      );
    }
    expect(tally(attempts)).toEqual({ 401: perEmail, 429: sources.length * perSource - perEmail });
    // The same addresses still sign in to another account: the refusals were the target account's.
    for (const sourceIp of sources.slice(-2)) {
      const res = await call('POST /api/auth/token', {
        body: { email: other.email, password: other.password },
        sourceIp,
      });
      expect(res.status).toBe(200);
    }
  }, 60_000);
});

describe('sign-up', () => {
  it('counts every sign-up of an address, valid or not, and refuses the one after the limit', async () => {
    const perIp = signUp.perIp?.requests ?? 0;
    pinClock(signUp.perIp?.windowSeconds ?? 600);
    const spammer = randomSourceIp();
    const invalid = await flood(perIp, 10, () =>
      call('POST /api/auth/signup', {
        body: { organizationName: 'x', email: 'no', password: '1' },
        sourceIp: spammer,
      }),
    );
    expect(tally(invalid)).toEqual({ 400: perIp });
    const valid = () => ({
      organizationName: 'Real Co',
      email: `real-${randomSourceIp()}@example.com`,
      password: 'Pw-Real-Co-Aa1!',
    });
    const refused = await call('POST /api/auth/signup', { body: valid(), sourceIp: spammer });
    expect(refused.status).toBe(429);
    expect(refused.body.code).toBe('RATE_LIMITED');
    const elsewhere = await call('POST /api/auth/signup', { body: valid(), sourceIp: randomSourceIp() });
    expect(elsewhere.status).toBe(201);
  });
});

describe('snooze links', () => {
  it('refuses an address guessing snooze tokens after the limit of each route; another address is still answered', async () => {
    const guess = () => `${'A'.repeat(40)}.v1.${randomSourceIp()}`;
    for (const [limits, send] of [
      [
        snoozePreview,
        (sourceIp: string) =>
          call('GET /api/public/hibernation/snooze', { query: { token: guess() }, sourceIp }),
      ],
      [
        snoozeConfirm,
        (sourceIp: string) =>
          call('POST /api/public/hibernation/snooze', { body: { token: guess() }, sourceIp }),
      ],
    ] as const) {
      const perIp = limits.perIp?.requests ?? 0;
      pinClock(limits.perIp?.windowSeconds ?? 600);
      const sourceIp = randomSourceIp();
      expect(tally(await flood(perIp + 5, 10, () => send(sourceIp)))).toEqual({ 400: perIp, 429: 5 });
      expect((await send(randomSourceIp())).status).toBe(400);
    }
  });
});

describe('connect', () => {
  it('limits connection attempts per organization before the customer cloud is called', async () => {
    const { cloud } = installConnectFakes();
    const org = await signUpAndIn('Busy Connector');
    const neighbour = await signUpAndIn('Neighbour');
    const perOrg = connect.perOrg?.requests ?? 0;
    pinClock(connect.perOrg?.windowSeconds ?? 600);
    // Keys the cloud does not know: each attempt is a real STS call answered 422 by the fake.
    const attempt = (token: string) =>
      call('POST /api/client/accounts/connect', {
        token,
        body: {
          method: 'access-key',
          region: 'us-east-1',
          accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
          secretAccessKey: 'x'.repeat(40),
        },
        sourceIp: randomSourceIp(),
      });
    const attempts = await flood(perOrg + 5, 5, () => attempt(org.accessToken));
    expect(tally(attempts)).toEqual({ 422: perOrg, 429: 5 });
    expect(cloud.identified).toHaveLength(perOrg);
    // Another organization is not held to this one's budget.
    expect((await attempt(neighbour.accessToken)).status).toBe(422);
  });

  it('refuses an address flooding connect without a token, before any token check', async () => {
    const perIp = connect.perIp?.requests ?? 0;
    pinClock(connect.perIp?.windowSeconds ?? 600);
    const sourceIp = randomSourceIp();
    const attempts = await flood(perIp + 10, 20, () =>
      call('POST /api/client/accounts/connect', { body: { method: 'access-key' }, sourceIp }),
    );
    expect(tally(attempts)).toEqual({ 401: perIp, 429: 10 });
  });
});

describe('ingest', () => {
  it('limits each cluster’s agent, not its neighbours, and refuses a body over the snapshot limit with 413', async () => {
    const owner = await signUpAndIn('Agents');
    const agentTokenOf = async (name: string) => {
      const cluster = await seedCluster(owner.orgId, { name });
      const issued = await call('POST /api/client/clusters/{id}/agent-token', {
        token: owner.accessToken,
        path: { id: cluster.clusterId },
      });
      return String(issued.body.token);
    };
    const chatty = await agentTokenOf('chatty');
    const quiet = await agentTokenOf('quiet');
    const perCluster = ingest.perCluster?.requests ?? 0;
    pinClock(ingest.perCluster?.windowSeconds ?? 60);
    const heartbeat = (token: string) =>
      call('POST /api/ingest/snapshots', { token, body: { kind: 'heartbeat', agentVersion: '0.1.0' } });
    const beats = await flood(perCluster + 3, 10, () => heartbeat(chatty));
    expect(tally(beats)).toEqual({ 200: perCluster, 429: 3 });
    expect((await heartbeat(quiet)).status).toBe(200);

    const snapshotLimit = apiContracts['POST /api/ingest/snapshots'].maxBodyBytes;
    const oversized = await call('POST /api/ingest/snapshots', {
      token: quiet,
      rawBody: JSON.stringify({
        kind: 'snapshot',
        agentVersion: '0.1.0',
        padding: 'x'.repeat(snapshotLimit),
      }),
    });
    expect(oversized.status).toBe(413);
    expect(oversized.body.message).toMatch(/6144 KiB at most/);
  });
});

describe('the local gateway', () => {
  it('applies the same limits to requests over HTTP, by the socket’s address', async () => {
    const gateway = await startGateway({
      port: 0,
      handlersRoot: fileURLToPath(new URL('../../src/handlers/', import.meta.url)),
      webDist: fileURLToPath(new URL('./no-web-dist/', import.meta.url)),
      log: () => {},
    });
    try {
      const perIp = signIn.perIp?.requests ?? 0;
      pinClock(signIn.perIp?.windowSeconds ?? 60);
      // Bodies that fail validation: counted per address all the same, and never reach the directory.
      const statuses: number[] = [];
      let last: Response | undefined;
      for (let i = 0; i < perIp + 2; i++) {
        last = await fetch(`${gateway.url}/api/auth/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email: 'not-an-email', password: '' }),
        });
        statuses.push(last.status);
        await last.arrayBuffer();
      }
      expect(statuses.filter((s) => s === 400)).toHaveLength(perIp);
      expect(statuses.slice(perIp)).toEqual([429, 429]);
      expect(Number(last?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    } finally {
      await gateway.close();
    }
  });
});
