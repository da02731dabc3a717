import type { ClusterNode, Pod } from '../../src/savings/cluster';
import type { ConsolidationNode } from '../../src/savings/consolidation';

/** Test builders: a complete pod / node with sensible defaults, overridden per test. */
export function pod(overrides: Partial<Pod> & Pick<Pod, 'name' | 'nodeName'>): Pod {
  return {
    namespace: 'default',
    cpuRequestMilli: 100,
    memoryRequestMiB: 128,
    labels: {},
    annotations: {},
    owner: { kind: 'Deployment', name: `${overrides.name}-deploy`, replicas: 3 },
    persistentVolumeClaimCount: 0,
    ...overrides,
  };
}

/** An m5.large-like node: 2 vCPU, 8 GiB, $0.096/h on-demand (us-east-1). */
export function node(overrides: Partial<ClusterNode> & Pick<ClusterNode, 'name'>): ClusterNode {
  return {
    instanceType: 'm5.large',
    capacityType: 'on-demand',
    hourlyPriceUsd: 0.096,
    allocatableCpuMilli: 2000,
    allocatableMemoryMiB: 8192,
    labels: {},
    annotations: {},
    ...overrides,
  };
}

export const NOW = new Date('2026-03-02T12:00:00Z');
export const HOUR_AGO = '2026-03-02T11:00:00Z';

export function cNode(
  overrides: Partial<ConsolidationNode> & Pick<ConsolidationNode, 'name'>,
): ConsolidationNode {
  return { ...node(overrides), eligibleSince: HOUR_AGO, ...overrides };
}
