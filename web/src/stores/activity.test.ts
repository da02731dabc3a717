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
      url.includes('/actions')
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
