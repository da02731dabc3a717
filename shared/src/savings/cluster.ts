import { z } from 'zod';

/**
 * The cluster snapshot the savings modules read: nodes, pods and PodDisruptionBudgets as the agent reports
 * them, plus the exemption rules of the cluster's policy. Requests in millicores and MiB, prices in USD/h.
 */

/** Karpenter's opt-out annotation; a pod or node carrying it with value `"true"` is never disrupted. */
export const DO_NOT_DISRUPT_ANNOTATION = 'karpenter.sh/do-not-disrupt';

export const labelMapSchema = z.record(z.string(), z.string());

export const ownerKinds = [
  'Deployment',
  'ReplicaSet',
  'StatefulSet',
  'DaemonSet',
  'Job',
  'CronJob',
  'Node',
  'Other',
] as const;
export const ownerKindSchema = z.enum(ownerKinds);
export type OwnerKind = z.infer<typeof ownerKindSchema>;

/**
 * A pod's top-level controller as the agent resolved it (a ReplicaSet owned by a Deployment is reported as
 * the Deployment). `replicas` is the controller's desired replica count where it has one. `Node` marks a
 * static (mirror) pod.
 */
export const podOwnerSchema = z.object({
  kind: ownerKindSchema,
  name: z.string().min(1),
  replicas: z.number().int().nonnegative().optional(),
});
export type PodOwner = z.infer<typeof podOwnerSchema>;

export const podSchema = z.object({
  namespace: z.string().min(1),
  name: z.string().min(1),
  nodeName: z.string().min(1),
  cpuRequestMilli: z.number().nonnegative().finite(),
  memoryRequestMiB: z.number().nonnegative().finite(),
  labels: labelMapSchema.default({}),
  annotations: labelMapSchema.default({}),
  owner: podOwnerSchema.nullable().default(null),
  persistentVolumeClaimCount: z.number().int().nonnegative().default(0),
  /** Name of the PodDisruptionBudget (same namespace) selecting this pod, if any. */
  pdbName: z.string().min(1).optional(),
});
export type Pod = z.infer<typeof podSchema>;

export const pdbSchema = z.object({
  namespace: z.string().min(1),
  name: z.string().min(1),
  /** `status.disruptionsAllowed` of the PDB at snapshot time. */
  disruptionsAllowed: z.number().int().nonnegative(),
});
export type Pdb = z.infer<typeof pdbSchema>;

export const capacityTypes = ['on-demand', 'spot'] as const;
export const capacityTypeSchema = z.enum(capacityTypes);
export type CapacityType = z.infer<typeof capacityTypeSchema>;

export const nodeSchema = z.object({
  name: z.string().min(1),
  instanceType: z.string().min(1),
  capacityType: capacityTypeSchema,
  /** What the node costs now (see `cost.ts`: live price, catalog only as a fallback). */
  hourlyPriceUsd: z.number().nonnegative().finite(),
  allocatableCpuMilli: z.number().positive().finite(),
  allocatableMemoryMiB: z.number().positive().finite(),
  /** Kubelet max pods; absent = not limiting. */
  maxPods: z.number().int().positive().optional(),
  labels: labelMapSchema.default({}),
  annotations: labelMapSchema.default({}),
});
export type ClusterNode = z.infer<typeof nodeSchema>;

/**
 * Governance exemptions of a cluster policy ("Unmanaged" resources): namespaces, and label selectors where
 * a selector without `value` matches any value of the key. Applies to pods and to nodes.
 */
export const exemptionPolicySchema = z.object({
  namespaces: z.array(z.string().min(1)).default([]),
  labels: z.array(z.object({ key: z.string().min(1), value: z.string().optional() })).default([]),
});
export type ExemptionPolicy = z.infer<typeof exemptionPolicySchema>;

export const noExemptions: ExemptionPolicy = { namespaces: [], labels: [] };

/** `pdbs` indexed by `namespace/name`. */
export type PdbIndex = ReadonlyMap<string, Pdb>;

/** A pod's identity across the engine: `namespace/name`. */
export const podKey = (pod: Pick<Pod, 'namespace' | 'name'>): string => `${pod.namespace}/${pod.name}`;

/** PDBs keyed by `namespace/name`, for `pdbAllowsDisruption`. */
export function indexPdbs(pdbs: readonly Pdb[]): PdbIndex {
  return new Map(pdbs.map((p) => [`${p.namespace}/${p.name}`, p]));
}

/** The first of the policy's label selectors that `labels` match, if any. */
function matchingSelector(labels: Readonly<Record<string, string>>, policy: ExemptionPolicy) {
  return policy.labels.find((sel) => {
    const actual = labels[sel.key];
    return actual !== undefined && (sel.value === undefined || sel.value === actual);
  });
}

/** True when `labels` match one of the policy's label selectors. */
export function matchesExemptLabel(
  labels: Readonly<Record<string, string>>,
  policy: ExemptionPolicy,
): boolean {
  return matchingSelector(labels, policy) !== undefined;
}

/**
 * Why a workload is exempt ("Unmanaged"), in words, or `null` when it is managed: its namespace is
 * excluded, or the labels of one of its pods match a selector (pods of one workload share their template's
 * labels, so one match exempts the whole workload; a half-managed workload would be neither).
 */
export function exemptionReasonOf(
  namespace: string,
  podLabels: readonly Readonly<Record<string, string>>[],
  policy: ExemptionPolicy,
): string | null {
  if (policy.namespaces.includes(namespace)) return `namespace ${namespace} is excluded`;
  for (const labels of podLabels) {
    const selector = matchingSelector(labels, policy);
    if (selector) {
      return `label ${selector.key}${selector.value === undefined ? '' : `=${selector.value}`} is excluded`;
    }
  }
  return null;
}

/** True when the pod is exempted by namespace or label: the optimizer must never act on it. */
export function isPodExempt(pod: Pick<Pod, 'namespace' | 'labels'>, policy: ExemptionPolicy): boolean {
  return policy.namespaces.includes(pod.namespace) || matchesExemptLabel(pod.labels, policy);
}

/** True when `annotations` carry `karpenter.sh/do-not-disrupt: "true"` (Karpenter ignores other values). */
export function hasDoNotDisrupt(annotations: Readonly<Record<string, string>>): boolean {
  return annotations[DO_NOT_DISRUPT_ANNOTATION] === 'true';
}

/**
 * True when evicting the pod is allowed by its PDB right now: no PDB, or `disruptionsAllowed >= 1`.
 * A pod naming a PDB the snapshot does not contain is treated as blocked (unknown = unsafe).
 */
export function pdbAllowsDisruption(pod: Pod, pdbs: PdbIndex): boolean {
  if (pod.pdbName === undefined) return true;
  const pdb = pdbs.get(`${pod.namespace}/${pod.pdbName}`);
  return pdb !== undefined && pdb.disruptionsAllowed >= 1;
}

/** DaemonSet and static (mirror) pods follow their node: they are never moved and never counted as moved. */
export function isNodeBound(pod: Pod): boolean {
  return pod.owner?.kind === 'DaemonSet' || pod.owner?.kind === 'Node';
}
