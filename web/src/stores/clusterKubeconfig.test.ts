import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it, vi } from 'vitest';

const put = vi.fn();
vi.mock('../api/client', () => ({ api: { put: (...a: unknown[]) => put(...a) } }));

const { useClusterKubeconfigStore } = await import('./clusterKubeconfig');

beforeEach(() => {
  setActivePinia(createPinia());
  put.mockReset();
});

describe('cluster kubeconfig store', () => {
  it('PUTs the file for the cluster and keeps only the answer', async () => {
    const answer = {
      clusterId: 'c/1',
      server: 'https://k.example',
      auth: 'token',
      replaced: true,
      updatedAt: '2027-01-01T00:00:00.000Z',
    };
    put.mockResolvedValue(answer);
    const store = useClusterKubeconfigStore();
    expect(await store.replace('c/1', 'apiVersion: v1')).toBe(true);
    expect(put.mock.calls[0]?.slice(0, 2)).toEqual([
      '/api/client/clusters/c%2F1/kubeconfig',
      { kubeconfig: 'apiVersion: v1' },
    ]);
    expect(store.last).toEqual(answer);
    expect(JSON.stringify(store.$state)).not.toContain('apiVersion: v1');
    expect(store.saving).toBe(false);
    expect(store.error).toBeNull();
  });

  it('keeps the API error for the dialog and clears it on request', async () => {
    put.mockRejectedValue(new Error('kubeconfig: its server is not the API server of prod'));
    const store = useClusterKubeconfigStore();
    expect(await store.replace('c1', 'x')).toBe(false);
    expect((store.error as Error).message).toMatch(/not the API server/);
    expect(store.saving).toBe(false);
    store.clearError();
    expect(store.error).toBeNull();
  });
});
