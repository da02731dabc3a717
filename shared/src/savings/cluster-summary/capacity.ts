import type { SnapshotModel } from '../snapshot-model';
import { sum } from './common';

export interface CapacityFigures {
  nodes: number;
  readyNodes: number;
  pods: number;
  pendingPods: number;
  cpuMilli: number;
  memoryMiB: number;
  requestedCpuMilli: number;
  requestedMemoryMiB: number;
  /** Sum over the nodes with usage metrics; `null` when none has them. */
  usedCpuMilli: number | null;
  usedMemoryMiB: number | null;
  zones: string[];
}

/**
 * Capacity, requests and usage of the cluster: node and pod counts, allocatable millicores / MiB summed over
 * the nodes, the requests of their pods, and the usage of the nodes that report it (metrics-server).
 */
export function capacityOf(model: SnapshotModel): CapacityFigures {
  const usageNodes = model.nodes.filter((n) => n.usedCpuMilli !== null && n.usedMemoryMiB !== null);
  return {
    nodes: model.nodes.length,
    readyNodes: model.nodes.filter((n) => n.ready).length,
    pods: model.pods.length,
    pendingPods: model.pods.filter((p) => p.phase === 'Pending').length,
    cpuMilli: sum(model.nodes.map((n) => n.allocatableCpuMilli)),
    memoryMiB: sum(model.nodes.map((n) => n.allocatableMemoryMiB)),
    requestedCpuMilli: sum(model.nodes.map((n) => n.requestedCpuMilli)),
    requestedMemoryMiB: sum(model.nodes.map((n) => n.requestedMemoryMiB)),
    usedCpuMilli: usageNodes.length ? sum(usageNodes.map((n) => n.usedCpuMilli ?? 0)) : null,
    usedMemoryMiB: usageNodes.length ? sum(usageNodes.map((n) => n.usedMemoryMiB ?? 0)) : null,
    zones: [...new Set(model.nodes.map((n) => n.zone))].sort(),
  };
}
