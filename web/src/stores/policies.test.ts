import { defaultPolicy, type OrganizationPolicyView } from '@spot/shared';
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it, vi } from 'vitest';

vi.mock('../api/client', () => ({
  api: { get: vi.fn(), put: vi.fn(), post: vi.fn() },
  isApiError: () => false,
}));

const { usePoliciesStore } = await import('./policies');

beforeEach(() => setActivePinia(createPinia()));

describe('policies store', () => {
  it('Reset drops the edits and goes back to the saved document (a copy, not the saved object)', () => {
    const store = usePoliciesStore();
    const view = {
      version: 2,
      policy: structuredClone(defaultPolicy),
      updatedAt: '2026-12-06T00:00:00Z',
      updatedBy: 'u1',
      updatedByEmail: 'a@example.com',
    } as unknown as OrganizationPolicyView;
    store.saved = view;
    store.draft = structuredClone(defaultPolicy);
    const draft = store.draft as typeof defaultPolicy;
    draft.infrastructure.binPacking.aggressiveness = 'aggressive';
    expect(() => store.reset()).not.toThrow();
    expect(store.draft).toEqual(defaultPolicy);
    (store.draft as typeof defaultPolicy).workload.rightsizing.safetyBufferPct = 45;
    expect(
      ((store.saved as OrganizationPolicyView).policy as typeof defaultPolicy).workload.rightsizing
        .safetyBufferPct,
    ).toBe(defaultPolicy.workload.rightsizing.safetyBufferPct);
  });
});
