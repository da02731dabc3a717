import { z } from 'zod';
import { tolerates } from '../packing/cluster-model';
import { taintSchema, tolerationSchema } from '../packing/problem';
import { matchesNodeAffinity, nodeSelectorOperators } from '../packing/selectors';
import { type FitFunction, firstFitDecreasingWhere } from '../savings/fit';
import { tolerationsOf } from '../savings/packing-input';
import type { ModelPod } from '../savings/snapshot-model';

/**
 * Where a pod may be scheduled, as the consolidation plan checks it (ADR 0057): the scheduling
 * constraints a workload's pods share (their template's), kept in the inventory so a plan may move pods
 * across node groups where kube-scheduler would place them, and nowhere else.
 *
 * Checked: the node selector, the required node affinity and the tolerations against the node's labels
 * and hard taints (NoSchedule, NoExecute), the same matching as the packer's (`shared/src/packing`).
 * Not modelled: required pod anti-affinity and hard topology spread; a workload with either (or with a
 * requirement the plan cannot read) is `groupBound`: its pods move only within their node group, as
 * every pod did before (ADR 0049).
 */

export const workloadSchedulingSchema = z.object({
  nodeSelector: z.record(z.string(), z.string()),
  requiredNodeAffinity: z.array(
    z.object({
      matchExpressions: z.array(
        z.object({
          key: z.string(),
          operator: z.enum(nodeSelectorOperators),
          values: z.array(z.string()).optional(),
        }),
      ),
    }),
  ),
  tolerations: z.array(tolerationSchema),
  /** Constraints between pods, or ones the plan cannot read: the pods stay within their node group. */
  groupBound: z.boolean(),
});
export type WorkloadScheduling = z.infer<typeof workloadSchedulingSchema>;

export const nodeTaintsSchema = z.array(taintSchema);
export type NodeTaint = z.infer<typeof taintSchema>;

const operators = new Set<string>(nodeSelectorOperators);
const effects = new Set(['NoSchedule', 'PreferNoSchedule', 'NoExecute']);

/** A pod's scheduling constraints as the plan keeps them (a workload's first pod: its pods share them). */
export function workloadSchedulingOf(pod: ModelPod): WorkloadScheduling {
  const terms = pod.affinity?.nodeAffinity?.required ?? [];
  const readable = terms.every((t) =>
    t.matchExpressions.every((r) => {
      if (!operators.has(r.operator)) return false;
      const n = r.values?.length ?? 0;
      if (r.operator === 'In' || r.operator === 'NotIn') return n > 0;
      if (r.operator === 'Gt' || r.operator === 'Lt') return n === 1;
      return n === 0;
    }),
  );
  const interPod =
    (pod.affinity?.podAntiAffinity ?? []).length > 0 ||
    (pod.topologySpreadConstraints ?? []).some((t) => t.whenUnsatisfiable !== 'ScheduleAnyway');
  return {
    nodeSelector: { ...pod.nodeSelector },
    requiredNodeAffinity: readable
      ? terms.map((t) => ({
          matchExpressions: t.matchExpressions.map((r) => ({
            key: r.key,
            operator: r.operator as (typeof nodeSelectorOperators)[number],
            ...(r.values?.length ? { values: [...r.values] } : {}),
          })),
        }))
      : [],
    tolerations: tolerationsOf(pod),
    groupBound: !readable || interPod,
  };
}

/** A node's taints as the plan keeps them (unknown effects dropped: Kubernetes knows only three). */
export function nodeTaintsOf(
  taints: readonly { key: string; value?: string; effect: string }[],
): NodeTaint[] {
  return taints
    .filter((t) => t.key.length > 0 && effects.has(t.effect))
    .map((t) => ({
      key: t.key,
      ...(t.value !== undefined ? { value: t.value } : {}),
      effect: t.effect as NodeTaint['effect'],
    }));
}

/** Whether kube-scheduler's node filters (selector, required node affinity, hard taints) admit the pod. */
export function schedulableOn(
  scheduling: Pick<WorkloadScheduling, 'nodeSelector' | 'requiredNodeAffinity' | 'tolerations'>,
  node: { labels: Readonly<Record<string, string>>; taints: readonly NodeTaint[] },
): boolean {
  for (const [key, value] of Object.entries(scheduling.nodeSelector))
    if (node.labels[key] !== value) return false;
  if (!matchesNodeAffinity(node.labels, scheduling.requiredNodeAffinity)) return false;
  return node.taints.every((t) => t.effect === 'PreferNoSchedule' || tolerates(scheduling.tolerations, t));
}

/** What the fit knows of a node of the inventory. */
export interface PlacementNode {
  group: string | null;
  /** `undefined`: not known (an inventory written before labels or taints were kept). */
  labels: Readonly<Record<string, string>> | undefined;
  taints: readonly NodeTaint[] | undefined;
  capacityType: 'on-demand' | 'spot';
}

/** What the fit knows of a pod: its node and its workload's constraints (`null`: not known). */
export interface PlacementPod {
  node: string | null;
  scheduling: WorkloadScheduling | null;
}

/**
 * Whether a pod may be moved to a bin:
 * - a bin the inventory does not know is a replacement sized for the action's pods: yes, or, given
 *   `replacementLabels` (the labels of the pool that would launch it), only when the scheduler would
 *   admit the pod there;
 * - a node of the pod's own group: yes (its pods fit any of its nodes, ADR 0049);
 * - a node of another group: only when the pod's constraints and the node's labels and taints are known,
 *   the pod is not group-bound, the scheduler's filters admit it, and the node is on-demand or the pod
 *   runs on spot now (moving pods to spot is the spot rules' saving, as in the dashboard's potential).
 */
export function mayMoveTo(
  pod: PlacementPod,
  binName: string,
  nodes: ReadonlyMap<string, PlacementNode>,
  replacementLabels?: Readonly<Record<string, string>>,
): boolean {
  const bin = nodes.get(binName);
  if (bin === undefined) {
    // A replacement: launched by its own group's pool, which admits the group's pods (the default),
    // or, when `replacementLabels` is given, by a pool whose nodes carry only these labels and no taint.
    if (replacementLabels === undefined) return true;
    const { scheduling } = pod;
    if (scheduling === null || scheduling.groupBound) return false;
    return schedulableOn(scheduling, { labels: replacementLabels, taints: [] });
  }
  const from = pod.node === null ? undefined : nodes.get(pod.node);
  const group = from?.group ?? null;
  if (bin.group === group) return true;
  const { scheduling } = pod;
  if (scheduling === null || scheduling.groupBound) return false;
  if (bin.labels === undefined || bin.taints === undefined) return false;
  if (bin.capacityType === 'spot' && from?.capacityType !== 'spot') return false;
  return schedulableOn(scheduling, { labels: bin.labels, taints: bin.taints });
}

/**
 * The re-fit of a stored inventory (a `FitFunction`): first-fit decreasing (largest CPU, then memory,
 * first), each pod on the first bin with room that {@link mayMoveTo} allows.
 */
export function placementFit(
  nodes: ReadonlyMap<string, PlacementNode>,
  pods: ReadonlyMap<string, PlacementPod>,
  replacementLabels?: Readonly<Record<string, string>>,
): FitFunction {
  return firstFitDecreasingWhere((pod, binName) =>
    mayMoveTo(pods.get(pod.key) ?? { node: null, scheduling: null }, binName, nodes, replacementLabels),
  );
}
