import { beforeAll, describe, expect, it } from 'vitest';
import { auditRecordEntity, auditRecordsQuery } from '../src/data/entities/audit-record';
import { emailClaimEntity, emailClaimKey } from '../src/data/entities/email-claim';
import { userProfileEntity, userProfileKey } from '../src/data/entities/user-profile';
import { getItem, queryAll } from '../src/data/repository';
import { ensurePlatformAdmin } from '../src/domain/admin';
import { verifyChain } from '../src/domain/audit';
import { updateClusterFields } from '../src/domain/discovery/snapshot';
import { configurePorts, port, resetPorts } from '../src/ports';
import { seedCluster } from './clusters-support';
import { call, signUpAndIn, strongPassword, useLocalServices } from './support/services';

beforeAll(async () => {
  await useLocalServices();
});

describe('sign-up and sign-in', () => {
  it('creates the organization, the client profile and a pending placeholder account in one go', async () => {
    const user = await signUpAndIn('Acme Corp');
    const me = await call('GET /api/me', { token: user.accessToken });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({
      email: user.email,
      role: 'client',
      organizationName: 'Acme Corp',
      onboardingWizardSeen: false,
    });
    const accounts = await call('GET /api/client/accounts', { token: user.accessToken });
    expect(accounts.body.items).toHaveLength(1);
    expect(accounts.body.items?.[0]).toMatchObject({
      status: 'pending',
      awsAccountIdMasked: null,
      method: null,
    });
  });

  it('lets exactly one of five concurrent sign-ups with one email through; the others get 409', async () => {
    const email = `race-${Date.now()}@example.com`;
    const results = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        call('POST /api/auth/signup', {
          body: { organizationName: `Race ${i}`, email, password: strongPassword() },
        }),
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409]);
    expect(results.find((r) => r.status === 409)?.body.message).toMatch(/already exists/);
  });

  it('answers bad input with 400 and a message naming the field', async () => {
    const res = await call('POST /api/auth/signup', {
      body: { organizationName: 'X', email: 'not-an-email', password: 'short' },
    });
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/organizationName|email|password/);
    const wrong = await call('POST /api/auth/token', {
      body: { email: 'nobody@example.com', password: 'Whatever-123!' },
    });
    expect(wrong.status).toBe(401);
  });

  it('leaves no half-created user when the database transaction fails after the Cognito user exists', async () => {
    const real = port('identity');
    const taken = await signUpAndIn();
    // The injected failure: the directory hands back a user id that already has a profile, so the
    // transaction's conditional put of the profile fails after Cognito created the user.
    configurePorts({
      identity: {
        ...real,
        confirmUser: real.confirmUser.bind(real),
        deleteUser: real.deleteUser.bind(real),
        signIn: real.signIn.bind(real),
        refresh: real.refresh.bind(real),
        signOut: real.signOut.bind(real),
        createUser: async (email, password, group) => {
          const created = await real.createUser(email, password, group);
          return { ...created, userId: taken.userId };
        },
      },
    });
    const email = `half-${Date.now()}@example.com`;
    const password = strongPassword();
    try {
      const res = await call('POST /api/auth/signup', {
        body: { organizationName: 'Half', email, password },
      });
      expect(res.status).toBe(500);
    } finally {
      resetPorts();
    }
    // The Cognito user is gone, the email is free again, and the original profile is untouched.
    expect((await call('POST /api/auth/token', { body: { email, password } })).status).toBe(401);
    expect(await getItem(emailClaimEntity, emailClaimKey(email))).toBeUndefined();
    expect((await getItem(userProfileEntity, userProfileKey(taken.userId)))?.email).toBe(taken.email);
    const retry = await call('POST /api/auth/signup', {
      body: { organizationName: 'Half', email, password },
    });
    expect(retry.status).toBe(201);
  });

  it('releases the email when the directory refuses the user', async () => {
    configurePorts({
      identity: {
        ...port('identity'),
        createUser: async () => {
          throw new Error('Cognito is down');
        },
      },
    });
    const email = `down-${Date.now()}@example.com`;
    try {
      const res = await call('POST /api/auth/signup', {
        body: { organizationName: 'Down', email, password: strongPassword() },
      });
      expect(res.status).toBe(500);
      expect(res.raw).not.toContain('Cognito is down');
    } finally {
      resetPorts();
    }
    expect(await getItem(emailClaimEntity, emailClaimKey(email))).toBeUndefined();
  });

  it('refreshes tokens and refuses the old access token after sign-out', async () => {
    const user = await signUpAndIn();
    const refreshed = await call('POST /api/auth/refresh', { body: { refreshToken: user.refreshToken } });
    expect(refreshed.status).toBe(200);
    expect((await call('GET /api/me', { token: String(refreshed.body.accessToken) })).status).toBe(200);
    // Sign-out revokes tokens issued before the current second; wait so the test token is older.
    await new Promise((r) => setTimeout(r, 1100));
    const signout = await call('POST /api/auth/signout', {
      token: user.accessToken,
      body: { refreshToken: user.refreshToken },
    });
    expect(signout.status).toBe(204);
    expect((await call('GET /api/me', { token: user.accessToken })).status).toBe(401);
    expect((await call('POST /api/auth/refresh', { body: { refreshToken: user.refreshToken } })).status).toBe(
      401,
    );
  });

  it('refuses garbage and missing tokens with 401', async () => {
    expect((await call('GET /api/me', { token: 'not.a.jwt' })).status).toBe(401);
    expect((await call('GET /api/client/accounts')).status).toBe(401);
  });
});

describe('first-run wizard flag', () => {
  it('is kept on the server once skipped', async () => {
    const user = await signUpAndIn();
    const res = await call('POST /api/me/onboarding-wizard', {
      token: user.accessToken,
      body: { outcome: 'skipped' },
    });
    expect(res.status).toBe(204);
    expect((await call('GET /api/me', { token: user.accessToken })).body.onboardingWizardSeen).toBe(true);
    expect(
      (await call('POST /api/me/onboarding-wizard', { token: user.accessToken, body: { outcome: 'later' } }))
        .status,
    ).toBe(400);
  });
});

describe('admin console', () => {
  it('is refused to clients and lists every organization for platform admins', async () => {
    const client = await signUpAndIn('Visible Org');
    expect((await call('GET /api/admin/organizations', { token: client.accessToken })).status).toBe(403);

    const email = `admin-${Date.now()}@spot.local`;
    const password = strongPassword();
    const first = await ensurePlatformAdmin(port('identity'), email, password, new Date());
    const again = await ensurePlatformAdmin(port('identity'), email, password, new Date());
    expect([first.created, again.created, again.userId]).toEqual([true, false, first.userId]);
    const { accessToken } = await port('identity').signIn(email, password);
    expect((await call('GET /api/me', { token: accessToken })).body).toMatchObject({ role: 'admin', email });
    const res = await call('GET /api/admin/organizations', { token: accessToken });
    expect(res.status).toBe(200);
    const org = res.body.items?.find((o) => o.orgId === client.orgId) as
      | { name: string; accounts: { status: string }[] }
      | undefined;
    expect(org?.name).toBe('Visible Org');
    expect(org?.accounts[0]?.status).toBe('pending');
  });
});

describe('tenant isolation and audit', () => {
  it('shows each organization only its own accounts and audit records', async () => {
    const a = await signUpAndIn('Org A');
    const b = await signUpAndIn('Org B');
    await call('POST /api/me/onboarding-wizard', { token: a.accessToken, body: { outcome: 'completed' } });

    const accountsA = await call('GET /api/client/accounts', { token: a.accessToken });
    const accountsB = await call('GET /api/client/accounts', { token: b.accessToken });
    const idsA = accountsA.body.items?.map((i) => i.id);
    const idsB = accountsB.body.items?.map((i) => i.id);
    expect(idsA).toHaveLength(1);
    expect(idsB).toHaveLength(1);
    expect(idsA).not.toEqual(idsB);

    const auditA = await call('GET /api/client/audit', { token: a.accessToken });
    const auditB = await call('GET /api/client/audit', { token: b.accessToken });
    expect(auditA.body.items?.map((r) => r.action)).toEqual(['onboarding.wizard', 'organization.signup']);
    expect(auditB.body.items?.map((r) => r.action)).toEqual(['organization.signup']);
    expect(auditB.raw).not.toContain(a.email);
  });

  it('shows each organization only its own clusters on the dashboard; another’s ids are not found', async () => {
    const a = await signUpAndIn('Dash A');
    const b = await signUpAndIn('Dash B');
    const [clusterA, clusterB] = await Promise.all([seedCluster(a.orgId), seedCluster(b.orgId)]);
    // A failed collection gives each its dashboard item (as after discovery).
    for (const [orgId, c] of [
      [a.orgId, clusterA],
      [b.orgId, clusterB],
    ] as const)
      await updateClusterFields(orgId, c.clusterId, {
        collection: { status: 'error', reason: 'unreachable', source: null, lastAttemptAt: null },
      });
    for (const [user, own, other] of [
      [a, clusterA, clusterB],
      [b, clusterB, clusterA],
    ] as const) {
      const dashboard = await call('GET /api/client/dashboard', { token: user.accessToken });
      expect((dashboard.body.clusters as { clusterId: string }[]).map((c) => c.clusterId)).toEqual([
        own.clusterId,
      ]);
      for (const route of ['GET /api/client/dashboard', 'GET /api/client/dashboard/resource-gap']) {
        const queries: Record<string, string>[] = [
          { clusterId: other.clusterId },
          { accountId: other.accountId },
        ];
        for (const query of queries) {
          const res = await call(route, { token: user.accessToken, query });
          expect(res.status, `${route} ${JSON.stringify(query)}`).toBe(404);
        }
      }
    }
  });

  it('records actor, target, outcome, source and request id, in an intact hash chain', async () => {
    const user = await signUpAndIn();
    await call('POST /api/me/onboarding-wizard', { token: user.accessToken, body: { outcome: 'completed' } });
    await call('POST /api/me/onboarding-wizard', { token: user.accessToken, body: { outcome: 'bogus' } });
    const records = await queryAll(auditRecordEntity, auditRecordsQuery(user.orgId));
    expect(records.map((r) => [r.action, r.outcome])).toEqual([
      ['organization.signup', 'success'],
      ['onboarding.wizard', 'success'],
      ['onboarding.wizard', 'failed'],
    ]);
    const wizard = records[1];
    expect(wizard).toMatchObject({
      actorType: 'user',
      actorId: user.userId,
      actorName: user.email,
      sourceIp: '127.0.0.1',
      userAgent: 'vitest',
    });
    expect(wizard?.requestId).toBeTruthy();
    expect(JSON.stringify(records)).not.toContain(user.password);
    expect(verifyChain(records)).toBeNull();
  });

  it('keeps the chain linear under concurrent writes', async () => {
    const user = await signUpAndIn();
    await Promise.all(
      Array.from({ length: 8 }, () =>
        call('POST /api/me/onboarding-wizard', { token: user.accessToken, body: { outcome: 'completed' } }),
      ),
    );
    const records = await queryAll(auditRecordEntity, auditRecordsQuery(user.orgId));
    expect(records.map((r) => r.seq)).toEqual(Array.from({ length: 9 }, (_, i) => i + 1));
    expect(verifyChain(records)).toBeNull();
  });
});
