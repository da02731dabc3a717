import { DomainError } from '@spot/shared/errors';

export const kubernetesAccessCodes = [
  'KUBERNETES_ACCESS_DENIED',
  'KUBERNETES_UNREACHABLE',
  'KUBERNETES_NO_ENDPOINT',
] as const;
export type KubernetesAccessCode = (typeof kubernetesAccessCodes)[number];

/**
 * The cluster's API refused or could not be reached. The message says what to fix (the access entry, the
 * ClusterRole, the endpoint's network access); it never contains the token.
 */
export class KubernetesAccessError extends DomainError {
  constructor(code: KubernetesAccessCode, message: string, options?: { cause?: unknown }) {
    super(code, message, 422, undefined, options);
    this.name = 'KubernetesAccessError';
  }
}

/** What hibernation needs beyond the read-only access, said when the cluster refuses it. */
export const hibernationAccessHint =
  'Hibernating Karpenter NodePools needs the "spot-optimizer:hibernation" Kubernetes group on the Spot Optimizer role\'s EKS access entry and agent/manifests/hibernation-rbac.yaml (patch nodepools, delete nodeclaims).';

/** What a person must do to give the agentless collector access, said in every access-denied message. */
export const accessEntryHint =
  'Create an EKS access entry for the Spot Optimizer role with the Kubernetes group "spot-optimizer:readonly" and apply agent/manifests/agentless-rbac.yaml (a read-only ClusterRole), or install the in-cluster agent.';

/** The same, for a cluster read with the kubeconfig the customer uploaded (ADR 0059). */
export const kubeconfigAccessHint =
  "The credential of the kubeconfig uploaded for this cluster was refused: replace it (Replace kubeconfig on the cluster's page) with a kubeconfig whose user may read it (bind agent/manifests/agentless-rbac.yaml's ClusterRole to it), or install the in-cluster agent.";
