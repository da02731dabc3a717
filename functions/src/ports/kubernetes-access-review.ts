/**
 * SelfSubjectAccessReviews (ADR 0070): "may I do `verb` on `resource`?" asked of the API server with the
 * caller's own credential, one review per permission. The agentless collector asks with the uploaded
 * kubeconfig; the in-cluster agent asks with its service account at start. The reviews create nothing
 * and read nothing: every authenticated user may make them (`system:basic-user`).
 */
import type { KubeConfig } from '@kubernetes/client-node';
import {
  type KubernetesAccessResult,
  type KubernetesRule,
  ruleAttributes,
} from '@spot/shared/model/cluster-onboarding';

/** One review: the authorizer's answer for a verb on a resource of an API group (`""` for core). */
export type AccessReview = (attributes: {
  verb: string;
  group: string;
  resource: string;
}) => Promise<{ allowed: boolean; reason: string | null }>;

/** The API server's reason, or its evaluation error, capped to what the contract stores. */
export const reviewReason = (status: { reason?: string; evaluationError?: string } | undefined) => {
  const text = [status?.reason, status?.evaluationError].filter((s) => s && s.trim() !== '').join('; ');
  return text === '' ? null : text.slice(0, 500);
};

/** A review through the API server of `kc` (`POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews`). */
export async function apiServerAccessReview(kc: KubeConfig): Promise<AccessReview> {
  const { AuthorizationV1Api } = await import('@kubernetes/client-node');
  const api = kc.makeApiClient(AuthorizationV1Api);
  return async (attributes) => {
    const review = await api.createSelfSubjectAccessReview({
      body: {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SelfSubjectAccessReview',
        spec: { resourceAttributes: attributes },
      },
    });
    return { allowed: review.status?.allowed === true, reason: reviewReason(review.status) };
  };
}

/**
 * Each rule reviewed, in order. The reviews run one after another (eight small POSTs): a failure of the
 * review itself (the credential refused, the server down) rejects, so the caller never mistakes "could
 * not ask" for "denied".
 */
export async function reviewRules(
  review: AccessReview,
  rules: readonly Pick<KubernetesRule, 'verb' | 'resource'>[],
): Promise<KubernetesAccessResult[]> {
  const results: KubernetesAccessResult[] = [];
  for (const rule of rules) {
    const answer = await review(ruleAttributes(rule));
    results.push({
      verb: rule.verb,
      resource: rule.resource,
      allowed: answer.allowed,
      reason: answer.reason,
    });
  }
  return results;
}
