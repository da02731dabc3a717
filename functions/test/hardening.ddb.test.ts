import { beforeAll, describe, expect, it } from 'vitest';
import { type SeededCluster, seedCluster } from './clusters-support';
import { fixtureSnapshot } from './fixtures/k8s/snapshot';
import { call, signUpAndIn, useLocalServices } from './support/services';

/**
 * What an outsider found answering wrongly (issue 11's list): each is a 4xx with a message a person can
 * act on, never a 500, and no answer tells an existing account from an unknown one.
 */
type User = Awaited<ReturnType<typeof signUpAndIn>>;
let user: User;
let cluster: SeededCluster;
let agentToken: string;

beforeAll(async () => {
  await useLocalServices();
  user = await signUpAndIn('Hardening');
  cluster = await seedCluster(user.orgId, { name: 'prod' });
  const issued = await call('POST /api/client/clusters/{id}/agent-token', {
    token: user.accessToken,
    path: { id: cluster.clusterId },
  });
  agentToken = String(issued.body.token);
});

describe('sign-in', () => {
  it('answers a wrong password for an existing email exactly like an unknown email', async () => {
    const wrongPassword = await call('POST /api/auth/token', {
      body: { email: user.email, password: 'Wrong-Password-123!' },
    });
    const unknownEmail = await call('POST /api/auth/token', {
      body: { email: `nobody-${Date.now()}@example.com`, password: 'Wrong-Password-123!' },
    });
    expect(wrongPassword.status).toBe(401);
    expect(unknownEmail.status).toBe(401);
    expect(wrongPassword.body.message).toBe(unknownEmail.body.message);
    expect(wrongPassword.body.code).toBe(unknownEmail.body.code);
  });
});

describe('sessions', () => {
  it('refuses a 1 MB token on refresh and sign-out with a 400 that says what to send', async () => {
    const huge = 'x'.repeat(1024 * 1024);
    const refresh = await call('POST /api/auth/refresh', { body: { refreshToken: huge } });
    expect(refresh.status).toBe(413);
    const small = 'x'.repeat(20_000);
    const refreshSmall = await call('POST /api/auth/refresh', { body: { refreshToken: small } });
    expect(refreshSmall.status).toBe(400);
    expect(refreshSmall.body.message).toMatch(/refresh token/);
    const signout = await call('POST /api/auth/signout', {
      token: user.accessToken,
      body: { refreshToken: small },
    });
    expect(signout.status).toBe(400);
  });

  it('signs out with an invalid refresh token: 204, and the access token is refused afterwards', async () => {
    const other = await signUpAndIn('Sign-out');
    const out = await call('POST /api/auth/signout', {
      token: other.accessToken,
      body: { refreshToken: `not-a-real-refresh-token-${'y'.repeat(40)}` },
    });
    expect(out.status).toBe(204);
    const me = await call('GET /api/me', { token: other.accessToken });
    expect(me.status).toBe(401);
  });
});

describe('same-second sessions', () => {
  it('refuses a token issued in the second of a sign-out, and a sign-in right after it still works', async () => {
    const other = await signUpAndIn('Same second');
    // Signing out at once: the token is (almost always) issued in the same second as the sign-out.
    const out = await call('POST /api/auth/signout', { token: other.accessToken, body: {} });
    expect(out.status).toBe(204);
    expect((await call('GET /api/me', { token: other.accessToken })).status).toBe(401);
    const again = await call('POST /api/auth/token', {
      body: { email: other.email, password: other.password },
    });
    expect(again.status).toBe(200);
    expect((await call('GET /api/me', { token: String(again.body.accessToken) })).status).toBe(200);
    const refreshed = await call('POST /api/auth/refresh', {
      body: { refreshToken: String(again.body.refreshToken) },
    });
    expect(refreshed.status).toBe(200);
    expect((await call('GET /api/me', { token: String(refreshed.body.accessToken) })).status).toBe(200);
  });
});

describe('request bodies', () => {
  it('refuses a declared non-JSON content type with 415 and an oversized form with 413', async () => {
    const text = await call('POST /api/auth/token', {
      rawBody: JSON.stringify({ email: user.email, password: user.password }),
      headers: { 'content-type': 'text/plain' },
    });
    expect(text.status).toBe(415);
    expect(text.body.message).toMatch(/application\/json/);
    const big = await call('PATCH /api/client/accounts/{id}', {
      token: user.accessToken,
      path: { id: 'any' },
      rawBody: JSON.stringify({ name: 'x'.repeat(100 * 1024) }),
    });
    expect(big.status).toBe(413);
  });

  it('refuses a snapshot whose time is not a date, or whose quantities are absurd, naming the field', async () => {
    const push = async (patch: (s: Record<string, unknown>) => void) => {
      const snapshot = (await fixtureSnapshot({ clusterName: 'prod', now: new Date() })) as unknown as Record<
        string,
        unknown
      >;
      patch(snapshot);
      return call('POST /api/ingest/snapshots', {
        token: agentToken,
        body: { kind: 'snapshot', agentVersion: '0.1.0', snapshot },
      });
    };
    const badDate = await push((s) => {
      s.capturedAt = 'not-a-date';
    });
    expect(badDate.status).toBe(400);
    expect(badDate.body.message).toMatch(/capturedAt/);
    const absurd = await push((s) => {
      const nodes = s.nodes as { allocatable: { cpuMilli: number } }[];
      if (nodes[0]) nodes[0].allocatable.cpuMilli = 1e200;
    });
    expect(absurd.status).toBe(400);
    expect(absurd.body.message).toMatch(/cpuMilli/);
    expect(absurd.raw).not.toMatch(/pack|highs|column/i);
  });
});

describe('one rule for AWS account ids and names', () => {
  it('never returns a full 12-digit AWS account id: the cluster detail masks it like the account views', async () => {
    const detail = await call('GET /api/client/clusters/{id}', {
      token: user.accessToken,
      path: { id: cluster.clusterId },
    });
    expect(detail.status).toBe(200);
    // The account's own id nowhere, and no other 12-digit number standing alone. A run of 12 digits inside
    // a hex id (cluster ids are random hex: `eks-9ad896145956388…`) is not an account id, and matching it
    // failed this test now and then.
    expect(detail.raw).not.toContain('123456789012');
    expect(detail.raw).not.toMatch(/(?<![0-9a-z])\d{12}(?![0-9a-z])/i);
    expect((detail.body.cluster as { awsAccountIdMasked: string }).awsAccountIdMasked).toBe('1234-****-****');
  });

  it('refuses names with NUL, lone surrogates or bidi overrides, naming the field', async () => {
    for (const organizationName of ['Evil\u0000Corp', 'Evil\ud800Corp', 'Evil\u202eCorp']) {
      const res = await call('POST /api/auth/signup', {
        body: { organizationName, email: `n-${Date.now()}@example.com`, password: 'Strong-Password-1!' },
      });
      expect(res.status).toBe(400);
      expect(res.body.message).toMatch(/organizationName/);
    }
  });
});
