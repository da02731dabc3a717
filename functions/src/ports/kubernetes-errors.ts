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
