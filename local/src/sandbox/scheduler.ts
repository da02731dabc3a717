/**
 * The sandbox scheduler's filter, pure: whether a pod may be placed on a node, as kube-scheduler's
 * NodeResourcesFit, NodeName/NodeSelector, NodeAffinity (required terms) and TaintToleration plugins
 * decide it. Label and taint matching are the packer's (`shared/src/packing`), so the sandbox and the
 * optimizer agree on what "fits" means.
 */
import { tolerates } from '@spot/shared/packing/cluster-model';
import { matchesNodeAffinity, type NodeSelectorTerm } from '@spot/shared/packing/selectors';

export interface SchedulablePod {
  readonly cpuMilli: number;
  readonly memoryMiB: number;
  readonly gpuMilli: number;
  readonly nodeSelector: Readonly<Record<string, string>>;
  /** As Kubernetes writes them (operator `Exists` or `Equal`, an absent operator meaning `Equal`). */
  readonly tolerations: readonly { key?: string; operator?: string; value?: string; effect?: string }[];
  readonly requiredNodeAffinity?: readonly NodeSelectorTerm[] | undefined;
}

export interface SchedulableNode {
  readonly labels: Readonly<Record<string, string>>;
  readonly taints: readonly {
    key: string;
    value?: string;
    effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
  }[];
  /** What is still free on the node (allocatable less the pods placed so far). */
  readonly free: { cpuMilli: number; memoryMiB: number; pods: number; gpuMilli: number };
}

/** Why a pod does not fit a node, in kube-scheduler's words; `null` when it fits. */
export function unfitReason(pod: SchedulablePod, node: SchedulableNode): string | null {
  const f = node.free;
  if (f.pods < 1) return 'Too many pods';
  if (f.cpuMilli < pod.cpuMilli) return 'Insufficient cpu';
  if (f.memoryMiB < pod.memoryMiB) return 'Insufficient memory';
  if (f.gpuMilli < pod.gpuMilli) return 'Insufficient nvidia.com/gpu';
  for (const [key, value] of Object.entries(pod.nodeSelector))
    if (node.labels[key] !== value) return "node(s) didn't match Pod's node affinity/selector";
  if (!matchesNodeAffinity(node.labels, pod.requiredNodeAffinity))
    return "node(s) didn't match Pod's node affinity/selector";
  const tolerations = pod.tolerations.map((t) => ({
    ...(t.key === undefined ? {} : { key: t.key }),
    operator: t.operator === 'Exists' ? ('Exists' as const) : ('Equal' as const),
    ...(t.value === undefined ? {} : { value: t.value }),
    ...(t.effect === undefined
      ? {}
      : { effect: t.effect as 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute' }),
  }));
  for (const taint of node.taints)
    if (taint.effect !== 'PreferNoSchedule' && !tolerates(tolerations, taint))
      return `node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`;
  return null;
}

/** Takes the pod's requests off the node's free resources (after {@link unfitReason} said it fits). */
export function bind(pod: SchedulablePod, node: SchedulableNode): void {
  node.free.cpuMilli -= pod.cpuMilli;
  node.free.memoryMiB -= pod.memoryMiB;
  node.free.pods -= 1;
  node.free.gpuMilli -= pod.gpuMilli;
}
