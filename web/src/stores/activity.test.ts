import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it, vi } from 'vitest';

const get = vi.fn();
vi.mock('../api/client', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../api/client')>()),
  api: { get: (...args: unknown[]) => get(...args), post: vi.fn() },
}));

const { useActivityStore } = await import('./activity');

const action = (n: number, state: string) => ({
  actionId: `cr-1-n${n}`,
  runId: 'cr-1',
  kind: 'remove-node',
  node: `node-${n}`,
  instanceType: 'm5.xlarge',
  nodeGroupId: 'mng-apps',
  state,
  result: null,
  predictedMonthlySavingUsd: 140,
  realizedMonthlySavingUsd: state === 'done' ? 140 : null,
  startedAt: '2026-12-07T10:00:00.000Z',
  finishedAt: state === 'done' ? '2026-12-07T10:05:00.000Z' : null,
});

describe('the Activity store: the progress of a run', () => {
  beforeEach(() => {
    setActivePinia(createPinia());
    get.mockReset();
  });

  it('counts as in flight only the nodes being drained or terminated; the others wait to start', async () => {
    get.mockImplementation(async (url: string) =>
      url.endsWith('/agent-upgrades')
        ? { items: [] }
        : url.includes('/actions')
          ? {
              // One node done, one draining, two waiting for the next wave (still pending).
              items: [action(1, 'draining'), action(2, 'pending'), action(3, 'pending'), action(0, 'done')],
              nextCursor: null,
            }
          : { policy: { infrastructure: { binPacking: { automationEnabled: false } } }, sources: {} },
    );
    const store = useActivityStore();
    await store.load('c-1');
    expect(store.progress).toMatchObject({
      runId: 'cr-1',
      open: 3,
      inFlight: 1,
      waiting: 2,
      closed: 1,
      total: 4,
    });
  });
});

describe('the Activity store: agent upgrades', () => {
  beforeEach(() => {
    setActivePinia(createPinia());
    get.mockReset();
  });

  it("loads the cluster's agent upgrades with its actions, and forgets them for another cluster", async () => {
    const refused = {
      id: 'upgrade-agent:0.2.0:r1',
      clusterId: 'c-1',
      command: { type: 'upgrade-agent', version: '0.2.0' },
      status: 'done',
      outcome: 'refused',
      reason: 'this agent (0.1.0) cannot replace itself; run: helm upgrade …',
      enqueuedAt: '2026-12-07T10:00:00.000Z',
      deliveredAt: '2026-12-07T10:00:15.000Z',
      finishedAt: '2026-12-07T10:00:15.000Z',
      attempts: 1,
    };
    get.mockImplementation(async (url: string) => {
      if (url.endsWith('/agent-upgrades')) return { items: url.includes('/c-1/') ? [refused] : [] };
      if (url.includes('/actions')) return { items: [], nextCursor: null };
      return { policy: { infrastructure: { binPacking: { automationEnabled: false } } }, sources: {} };
    });
    const store = useActivityStore();
    await store.load('c-1');
    await vi.waitFor(() => expect(store.agentUpgrades).toEqual([refused]));
    await store.load('c-2');
    await vi.waitFor(() =>
      expect(get).toHaveBeenCalledWith('/api/client/clusters/c-2/agent-upgrades', expect.anything()),
    );
    expect(store.agentUpgrades).toEqual([]);
  });
});
