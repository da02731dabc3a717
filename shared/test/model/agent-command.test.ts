import { describe, expect, it } from 'vitest';
import {
  agentCanAct,
  agentCommandResultBodySchema,
  agentCommandSpecSchema,
  agentWriteModeWindowMs,
  exemptionOf,
  karpenterManifestSchema,
} from '../../src/model/agent-command';

describe('agent commands', () => {
  it('take a patch only when it changes something, and Karpenter objects of their own API group', () => {
    const patch = { type: 'patch-workload', kind: 'Deployment', namespace: 'shop', name: 'web' };
    expect(agentCommandSpecSchema.safeParse(patch).success).toBe(false);
    expect(
      agentCommandSpecSchema.safeParse({
        ...patch,
        containers: [{ name: 'app', requests: { cpuMilli: 250 } }],
      }).success,
    ).toBe(true);
    expect(
      karpenterManifestSchema.safeParse({
        apiVersion: 'karpenter.k8s.aws/v1',
        kind: 'NodePool',
        metadata: { name: 'default' },
        spec: {},
      }).success,
    ).toBe(false);
    expect(agentCommandSpecSchema.safeParse({ type: 'evict', namespace: 'Shop', pod: 'x' }).success).toBe(
      false,
    );
  });

  it('want a reason for every result but success', () => {
    expect(agentCommandResultBodySchema.safeParse({ outcome: 'succeeded' }).success).toBe(true);
    expect(agentCommandResultBodySchema.safeParse({ outcome: 'wait' }).success).toBe(false);
    expect(agentCommandResultBodySchema.safeParse({ outcome: 'refused', reason: '' }).success).toBe(false);
  });
});

describe('exemptionOf', () => {
  const exemptions = {
    namespaces: ['kube-system'],
    labels: [{ key: 'app', value: 'vault' }, { key: 'critical' }],
  };

  it('covers an excluded namespace, a label with its value, and a label with any value', () => {
    expect(exemptionOf(exemptions, { namespace: 'kube-system', labels: {} })).toContain('kube-system');
    expect(exemptionOf(exemptions, { namespace: 'shop', labels: { app: 'vault' } })).toContain('app=vault');
    expect(exemptionOf(exemptions, { namespace: 'shop', labels: { critical: '' } })).toContain('critical');
    expect(exemptionOf(exemptions, { namespace: 'shop', labels: { app: 'web' } })).toBeNull();
  });
});

describe('agentCanAct', () => {
  const now = new Date('2027-01-01T12:00:00Z');
  it('is true within the window after the last poll, false before any poll or after it', () => {
    expect(agentCanAct(null, now)).toBe(false);
    expect(agentCanAct(new Date(now.getTime() - 15_000).toISOString(), now)).toBe(true);
    expect(agentCanAct(new Date(now.getTime() - agentWriteModeWindowMs).toISOString(), now)).toBe(true);
    expect(agentCanAct(new Date(now.getTime() - agentWriteModeWindowMs - 1).toISOString(), now)).toBe(false);
  });
});
