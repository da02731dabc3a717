import { clusterEfficiency, type EfficiencyResult } from '../efficiency';
import type { PricedNode } from './common';

export type EfficiencyFigures = EfficiencyResult & { basis: 'metrics-server' | 'unavailable' };

/** The priced nodes efficiency is graded on: those with usage metrics and a non-zero allocatable. */
const graded = (n: PricedNode): n is PricedNode & { usedCpuMilli: number; usedMemoryMiB: number } =>
  n.usedCpuMilli !== null &&
  n.usedMemoryMiB !== null &&
  n.allocatableCpuMilli > 0 &&
  n.allocatableMemoryMiB > 0;

/**
 * Efficiency: cost-weighted utilization (`clusterEfficiency`) of the priced nodes with usage metrics;
 * `basis` says whether there were any. `note` explains an ungraded cluster that has nodes.
 */
export function efficiencyOf(
  priced: readonly PricedNode[],
  nodeCount: number,
): { efficiency: EfficiencyFigures; note: string | null } {
  const nodes = priced.filter(graded);
  return {
    efficiency: {
      ...clusterEfficiency(
        nodes.map((n) => ({
          hourlyPriceUsd: n.price.hourlyPriceUsd,
          cpuUsedMilli: n.usedCpuMilli,
          cpuAllocatableMilli: n.allocatableCpuMilli,
          memoryUsedMiB: n.usedMemoryMiB,
          memoryAllocatableMiB: n.allocatableMemoryMiB,
        })),
      ),
      basis: nodes.length > 0 ? 'metrics-server' : 'unavailable',
    },
    note:
      nodes.length === 0 && nodeCount > 0
        ? 'No usage metrics (metrics-server) in the snapshot: efficiency cannot be graded.'
        : null,
  };
}
