import { describe, expect, it } from 'vitest';
import { protectedNodeCount } from '../src/domain/hibernation-run';

type NodeArg = Parameters<typeof protectedNodeCount>[0][number];
const node = (pods: { namespace: string; cpuMilli: number; memoryMiB: number }[]): NodeArg =>
  ({
    allocatableCpuMilli: 4000,
    allocatableMemoryMiB: 16_000,
    movablePods: pods.map((p) => ({ ...p, count: 1 })),
  }) as NodeArg;

describe('critical-namespace protection', () => {
  it('keeps the fewest nodes that hold the critical pods by CPU and memory', () => {
    const nodes = [
      node([{ namespace: 'monitoring', cpuMilli: 3000, memoryMiB: 2000 }]),
      node([{ namespace: 'vault', cpuMilli: 2000, memoryMiB: 1000 }]),
      node([{ namespace: 'app', cpuMilli: 3900, memoryMiB: 15_000 }]),
    ];
    // 5,000 m of critical CPU on 4,000 m nodes: two nodes, not three.
    expect(protectedNodeCount(nodes, ['monitoring', 'vault'])).toBe(2);
    expect(protectedNodeCount(nodes, ['vault'])).toBe(1);
    expect(protectedNodeCount(nodes, ['kube-public'])).toBe(0);
    expect(protectedNodeCount(nodes, [])).toBe(0);
  });

  it('never keeps more nodes than the group has', () => {
    const nodes = [node([{ namespace: 'monitoring', cpuMilli: 12_000, memoryMiB: 1000 }])];
    expect(protectedNodeCount(nodes, ['monitoring'])).toBe(1);
  });
});
