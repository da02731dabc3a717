import { defaultWeeklyGrid, type HibernationView } from '@spot/shared';
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it, vi } from 'vitest';

const get = vi.fn();
const put = vi.fn();
class FakeApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}
vi.mock('../api/client', () => ({
  api: { get: (...a: unknown[]) => get(...a), put: (...a: unknown[]) => put(...a) },
  errorMessage: (e: unknown) => (e instanceof Error ? e.message : 'failed'),
  isApiError: (e: unknown) => e instanceof FakeApiError,
}));

const { changedParts, putBodyOf, useHibernationStore } = await import('./hibernation');
type HibernationDraft = import('./hibernation').HibernationDraft;

const view: HibernationView = {
  clusterId: 'c1',
  version: 3,
  schedule: {
    enabled: true,
    timeZone: 'Europe/Berlin',
    weeklyGrid: defaultWeeklyGrid(),
    preWarm: true,
    scope: { kind: 'full' },
    protection: { criticalNamespaces: ['monitoring'], excludedTags: [] },
  },
  overrides: [{ date: '2026-12-24', kind: 'holiday', label: 'Christmas Eve' }],
  notifications: { enabled: false, emails: [], slackWebhookConfigured: true },
  status: {
    state: 'active',
    reason: 'schedule',
    actual: 'running',
    nextTransition: null,
    savingsRateUsdPerHour: 0,
    monthToDateSavingsUsd: 0,
    manualOverride: null,
  },
  updatedAt: null,
  updatedBy: null,
};

const draftOf = (v: HibernationView): HibernationDraft => ({
  schedule: structuredClone(v.schedule),
  overrides: structuredClone(v.overrides),
  notifications: {
    enabled: v.notifications.enabled,
    emails: [...v.notifications.emails],
    slackWebhookUrl: undefined,
  },
});

describe('the hibernation draft', () => {
  it('has no changes as loaded, and names each part changed', () => {
    const draft = draftOf(view);
    expect(changedParts(view, draft)).toEqual([]);
    (draft.schedule.weeklyGrid[5] as boolean[])[20] = true;
    draft.overrides = [];
    draft.schedule.scope = { kind: 'selected', nodeGroupIds: ['ng-1'] };
    draft.notifications.slackWebhookUrl = null;
    expect(changedParts(view, draft)).toEqual([
      'weekly schedule',
      'calendar overrides',
      'scope',
      'notifications',
    ]);
  });

  it('sends the version read, and the webhook only when it changes (write-only)', () => {
    const draft = draftOf(view);
    expect(putBodyOf(view.version, draft)).toEqual({
      version: 3,
      schedule: view.schedule,
      overrides: view.overrides,
      notifications: { enabled: false, emails: [] },
    });
    draft.notifications.slackWebhookUrl = null;
    expect(putBodyOf(view.version, draft).notifications).toEqual({
      enabled: false,
      emails: [],
      slackWebhookUrl: null,
    });
  });
});

describe('the hibernation store', () => {
  beforeEach(() => {
    setActivePinia(createPinia());
    get.mockReset();
    put.mockReset();
  });

  const fleetBody = {
    items: ['c1', 'c2', 'c3'].map((id) => ({
      clusterId: id,
      name: `cluster-${id}`,
      accountId: 'a1',
      region: 'eu-central-1',
      configured: id === 'c1',
      enabled: id === 'c1',
      timeZone: 'Europe/Berlin',
      status: view.status,
    })),
    totalMonthToDateSavingsUsd: 0,
  };

  async function opened() {
    get.mockImplementation(async (path: string) => {
      if (path === '/api/client/hibernation') return fleetBody;
      if (path === '/api/client/clusters/c1/hibernation') return view;
      if (path === '/api/client/clusters/c2/hibernation')
        return {
          ...view,
          clusterId: 'c2',
          version: 7,
          schedule: { ...view.schedule, scope: { kind: 'selected', nodeGroupIds: ['ng-9'] } },
        };
      if (path === '/api/client/clusters/c3/hibernation') return { ...view, clusterId: 'c3', version: 0 };
      return { cluster: {}, summary: null, nodeGroups: [], nodes: [], workloads: [] };
    });
    const store = useHibernationStore();
    await store.loadFleet();
    await store.open('c1');
    return store;
  }

  it('applies the saved schedule to each target on its own version, keeping its scope, and goes on after a failure', async () => {
    const store = await opened();
    put.mockImplementation(async (path: string, body: { version: number }) => {
      if (path.includes('/c3/')) throw new Error('c3 refused');
      return { ...view, clusterId: 'c2', version: body.version + 1 };
    });
    const results = await store.applyTo(['c3', 'c2'], new Date('2026-12-06T12:00:00Z'));
    expect(results.map((r) => [r.clusterId, r.ok])).toEqual([
      ['c3', false],
      ['c2', true],
    ]);
    expect(results[0]?.message).toBe('c3 refused');
    const [, body] = put.mock.calls.find((c) => (c[0] as string).includes('/c2/')) as [
      string,
      ReturnType<typeof putBodyOf>,
    ];
    expect(body.version).toBe(7);
    expect(body.schedule.scope).toEqual({ kind: 'selected', nodeGroupIds: ['ng-9'] });
    expect(body.schedule.weeklyGrid).toEqual(view.schedule.weeklyGrid);
    expect(body.overrides).toEqual(view.overrides);
  });

  it('keeps the draft on a stale save and offers the newer version, which reset loads', async () => {
    const store = await opened();
    (store.draft?.schedule.weeklyGrid[6] as boolean[])[0] = true;
    expect(store.dirty).toBe(true);
    store.reset();
    expect(store.dirty).toBe(false);
    (store.draft?.schedule.weeklyGrid[6] as boolean[])[0] = true;
    const newer = { ...view, version: 4, updatedBy: 'someone' };
    put.mockRejectedValue(new FakeApiError(409, 'stale', { current: newer }));
    await expect(store.save()).rejects.toThrow('stale');
    expect(store.stale).toBe(true);
    expect(store.staleCurrent?.version).toBe(4);
    expect(store.dirty).toBe(true);
    store.reset();
    expect(store.saved?.version).toBe(4);
    expect(store.dirty).toBe(false);
    expect(store.stale).toBe(false);
  });

  it('shows no schedule while another cluster loads: an edit cannot land in the previous cluster’s draft', async () => {
    const store = await opened();
    expect(store.draft?.schedule.enabled).toBe(true);
    const opening = store.open('c2');
    // Loading c2: nothing of c1 is left to edit under c2's name.
    expect(store.selectedId).toBe('c2');
    expect(store.saved).toBeNull();
    expect(store.draft).toBeNull();
    await opening;
    expect(store.saved?.clusterId).toBe('c2');
    expect(store.draft?.schedule.scope).toEqual({ kind: 'selected', nodeGroupIds: ['ng-9'] });
    // Opening the same cluster again keeps what is shown while it reloads.
    const again = store.open('c2');
    expect(store.saved?.clusterId).toBe('c2');
    await again;
  });
});
