import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { clearSession, saveSession } from './api/session';
import { landingRoute, safeRedirect } from './auth-gateway';

const me = (role: 'admin' | 'client', onboardingWizardSeen = false) => ({
  userId: 'u1',
  email: 'alice@example.com',
  role,
  orgId: 'o1',
  organizationName: 'Acme',
  onboardingWizardSeen,
});
const account = (status: string) => ({
  id: `a-${status}`,
  name: status,
  awsAccountIdMasked: null,
  region: null,
  method: null,
  status,
  statusReason: null,
  lastDiscoveryAt: null,
  discovery: null,
  createdAt: '2026-11-01T00:00:00.000Z',
});

function stubApi(body: { me: unknown; accounts?: unknown[] }) {
  vi.stubGlobal(
    'fetch',
    vi.fn(async (path: string) => {
      const payload = path === '/api/me' ? body.me : { items: body.accounts ?? [] };
      return new Response(JSON.stringify(payload), { status: 200 });
    }),
  );
}

describe('safeRedirect', () => {
  it.each([
    ['/clusters?account=a1', '/clusters?account=a1'],
    ['//evil.example', null],
    ['https://evil.example', null],
    ['/login?redirect=/x', null],
    [['/a', '/b'], null],
    [undefined, null],
  ])('%j -> %j', (value, expected) => {
    expect(safeRedirect(value)).toBe(expected);
  });
});

describe('landingRoute (the AuthGateway)', () => {
  beforeEach(() => {
    setActivePinia(createPinia());
    saveSession({
      accessToken: 'at',
      idToken: 'id',
      refreshToken: 'rt',
      expiresAtMs: Date.now() + 3_600_000,
    });
  });

  afterEach(() => {
    clearSession();
    vi.unstubAllGlobals();
  });

  it('sends admins to the admin console', async () => {
    stubApi({ me: me('admin') });
    await expect(landingRoute()).resolves.toEqual({ name: 'admin' });
  });

  it.each([
    ['no account', []],
    ['only the sign-up placeholder', [account('pending')]],
  ])('sends a client with %s to onboarding', async (_case, accounts) => {
    stubApi({ me: me('client'), accounts });
    await expect(landingRoute()).resolves.toEqual({ name: 'onboarding' });
  });

  it.each([['active'], ['scanning'], ['error']])(
    'sends a client with an %s account to the dashboard',
    async (status) => {
      stubApi({ me: me('client'), accounts: [account('pending'), account(status)] });
      await expect(landingRoute()).resolves.toEqual({ name: 'dashboard' });
    },
  );

  it('does not show the wizard again once it was dismissed', async () => {
    stubApi({ me: me('client', true), accounts: [] });
    await expect(landingRoute()).resolves.toEqual({ name: 'dashboard' });
  });

  it('returns to the page the user was sent away from', async () => {
    stubApi({ me: me('client'), accounts: [] });
    await expect(landingRoute('/audit-logs')).resolves.toBe('/audit-logs');
  });
});
