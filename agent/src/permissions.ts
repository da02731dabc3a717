import { type AccessReview, reviewRules } from '@spot/functions/ports/kubernetes-access-review';
import {
  type AgentPermissionReport,
  agentKubernetesRules,
  kubernetesPermissionName,
  rbacRuleFix,
} from '@spot/shared/model/cluster-onboarding';

/**
 * The agent's check of its own Kubernetes permissions (ADR 0070): a SelfSubjectAccessReview per rule of
 * its read-only ClusterRole, with its service account, at start and before each snapshot. Nobody outside
 * the cluster can ask this before the agent runs, so the agent asks and reports the answers with its
 * pushes; the Add Cluster wizard names what is missing with the rule to add.
 */
export async function checkOwnPermissions(review: AccessReview, now: Date): Promise<AgentPermissionReport> {
  return { checkedAt: now.toISOString(), checks: await reviewRules(review, agentKubernetesRules) };
}

/** The missing permissions of a report, each by name with the ClusterRole rule that grants it. */
export function missingPermissions(report: AgentPermissionReport): { name: string; fix: string }[] {
  return agentKubernetesRules.flatMap((rule) => {
    const check = report.checks.find((c) => c.verb === rule.verb && c.resource === rule.resource);
    return check?.allowed ? [] : [{ name: kubernetesPermissionName(rule), fix: rbacRuleFix(rule) }];
  });
}
