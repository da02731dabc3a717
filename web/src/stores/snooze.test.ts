import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it, vi } from 'vitest';

const get = vi.fn();
const post = vi.fn();
vi.mock('../api/client', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../api/client')>()),
  api: { get: (...args: unknown[]) => get(...args), post: (...args: unknown[]) => post(...args) },
}));

const { ApiError } = await import('../api/client');
const { useSnoozeStore } = await import('./snooze');

const preview = {
  clusterName: 'prod-eu',
  region: 'eu-central-1',
  timeZone: 'Europe/Berlin',
  sleepAt: '2026-12-11T18:00:00.000Z',
  awakeUntil: '2026-12-11T20:00:00.000Z',
  hours: 2,
  expiresAt: '2026-12-12T06:30:00.000Z',
  recipient: 'ops@example.com',
};

describe('the snooze store', () => {
  beforeEach(() => {
    setActivePinia(createPinia());
    get.mockReset();
    post.mockReset();
  });

  it('only reads on open (a GET without a session), and acts once the person confirms (a POST)', async () => {
    get.mockResolvedValue(preview);
    post.mockResolvedValue({
      clusterName: 'prod-eu',
      timeZone: 'Europe/Berlin',
      awakeUntil: preview.awakeUntil,
      state: 'active',
    });
    const store = useSnoozeStore();
    await store.load('abc.v1.x.y.z');
    expect(get).toHaveBeenCalledWith('/api/public/hibernation/snooze?token=abc.v1.x.y.z', expect.anything(), {
      auth: false,
    });
    expect(post).not.toHaveBeenCalled();
    expect(store.preview).toEqual(preview);
    await store.confirm();
    expect(post).toHaveBeenCalledWith(
      '/api/public/hibernation/snooze',
      { token: 'abc.v1.x.y.z' },
      expect.anything(),
      {
        auth: false,
      },
    );
    expect(store.result?.awakeUntil).toBe(preview.awakeUntil);
  });

  it('says a used, expired or gone link is spent, and asks for the link when there is no token', async () => {
    const store = useSnoozeStore();
    get.mockRejectedValue(new ApiError(409, 'SNOOZE_LINK_USED', 'This snooze link was already used.'));
    await store.load('abc.v1.x.y.z');
    expect(store.linkSpent).toBe(true);
    expect(store.preview).toBeNull();
    get.mockRejectedValue(new ApiError(400, 'SNOOZE_LINK_INVALID', 'damaged'));
    await store.load('abc.v1.x.y.z');
    expect(store.linkSpent).toBe(false);
    get.mockReset();
    await store.load('');
    expect(get).not.toHaveBeenCalled();
    expect((store.error as Error).message).toMatch(/Snooze link from the email or Slack message/);
  });

  it('keeps the preview and shows why when the confirmation fails (the link was used in another tab)', async () => {
    get.mockResolvedValue(preview);
    post.mockRejectedValue(new ApiError(409, 'SNOOZE_LINK_USED', 'already used'));
    const store = useSnoozeStore();
    await store.load('abc.v1.x.y.z');
    await store.confirm();
    expect(store.result).toBeNull();
    expect(store.linkSpent).toBe(true);
    expect(store.confirming).toBe(false);
  });
});
