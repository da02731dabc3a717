/**
 * The RBAC of the sandbox's clusters, as far as Spot Optimizer's credentials go (ADR 0070): who may do
 * what, so that a SelfSubjectAccessReview gets the answer a real API server would give.
 *
 * Three subjects read a sandbox cluster: `kubeconfig` (the read-only user of the kubeconfig the sandbox
 * hands out, token or client certificate), `role` (the platform's role through its EKS access entry, the
 * `spot-optimizer:readonly` group) and `agent` (the in-cluster agent's service account). Each is bound to
 * the read-only ClusterRole (`agentKubernetesRules`) and nothing else: `create namespaces` is denied to
 * all of them, as in a cluster set up per agent/manifests. A permission can be taken away from one
 * subject (or all) of one cluster through `PUT /sandbox/clusters/{name}/rbac`, the way the sandbox
 * injects its other faults (spot capacity, the access entry); it is kept in the sandbox's state file.
 *
 * The same RBAC governs what the subjects read ({@link readableSnapshot}): a list taken away is refused with
 * a 403, as the API server would, so the agentless collector and the agents get what the real collector
 * would make of it (no nodes or pods: no snapshot; an optional list: that part empty, named in
 * `deniedLists`).
 */
import { checkOwnPermissions } from '@spot/agent/permissions';
import { accessEntryHint, kubeconfigAccessHint } from '@spot/functions/ports/kubernetes-errors';
import { listAccessError } from '@spot/functions/ports/kubernetes-snapshot';
import {
  type AgentPermissionReport,
  agentKubernetesRules,
  ruleAttributes,
} from '@spot/shared/model/cluster-onboarding';
import type { ClusterSnapshot } from '@spot/shared/model/cluster-snapshot';
import type { SandboxState } from './state';

export const rbacSubjects = ['kubeconfig', 'role', 'agent'] as const;
export type RbacSubject = (typeof rbacSubjects)[number];

/** The binding each subject has in a sandbox cluster: named in the review's reason, as the API server does. */
const bindings: Record<RbacSubject, string> = {
  kubeconfig:
    'ClusterRoleBinding "spot-optimizer-reader" of ClusterRole "spot-optimizer-reader" to User "spot-optimizer-reader"',
  role: 'ClusterRoleBinding "spot-optimizer-readonly" of ClusterRole "spot-optimizer-readonly" to Group "spot-optimizer:readonly"',
  agent:
    'ClusterRoleBinding "spot-optimizer-agent" of ClusterRole "spot-optimizer-agent" to ServiceAccount "spot-optimizer-agent/spot-optimizer"',
};

/** What the collector says a refused subject should fix (as the AWS adapter and the agent's main say it). */
const accessHints: Record<RbacSubject, string> = {
  kubeconfig: kubeconfigAccessHint,
  role: accessEntryHint,
  agent:
    "Apply the agent's ClusterRole (Helm chart or agent/manifests/agent.yaml) and bind it to its service account.",
};

/** `deployments.apps` and `deployments` in group `apps` are the same permission. */
const sameRule = (a: { verb: string; group: string; resource: string }, verb: string, resource: string) => {
  const b = ruleAttributes({ verb, resource });
  return a.verb === b.verb && a.group === b.group && a.resource === b.resource;
};

export class SandboxRbac {
  constructor(private readonly state: SandboxState) {}

  /** A SelfSubjectAccessReview of `subject` on `cluster`: allowed with the binding, or denied (no reason). */
  review(
    cluster: string,
    subject: RbacSubject,
    attributes: { verb: string; group: string; resource: string },
  ): { allowed: boolean; reason: string | null } {
    const rule = agentKubernetesRules.find((r) => sameRule(attributes, r.verb, r.resource));
    const granted =
      rule !== undefined &&
      !this.state.isRevoked({ cluster, subject, verb: rule.verb, resource: rule.resource });
    // A real API server gives no reason for a denial by RBAC alone.
    return granted
      ? { allowed: true, reason: `RBAC: allowed by ${bindings[subject]}` }
      : { allowed: false, reason: null };
  }

  /**
   * The agent's `get` or `patch` of its own Deployment (Upgrade agent, ADR 0085): granted by write mode's
   * Role only (`writeMode`), unless taken away (`PUT /sandbox/clusters/{name}/rbac` with subject `agent`,
   * resource `deployments.apps`).
   */
  reviewAgentOwnDeployment(
    cluster: string,
    writeMode: boolean,
    verb: 'get' | 'patch',
  ): { allowed: boolean; reason: string | null } {
    const granted =
      writeMode && !this.state.isRevoked({ cluster, subject: 'agent', verb, resource: 'deployments.apps' });
    return granted
      ? {
          allowed: true,
          reason:
            'RBAC: allowed by RoleBinding "spot-optimizer-agent-self-upgrade/spot-optimizer" of Role "spot-optimizer-agent-self-upgrade" to ServiceAccount "spot-optimizer-agent/spot-optimizer"',
        }
      : { allowed: false, reason: null };
  }

  /** Takes the permission away from the subjects (or gives it back). */
  set(
    cluster: string,
    subjects: readonly RbacSubject[],
    verb: string,
    resource: string,
    allowed: boolean,
  ): void {
    for (const subject of subjects) this.state.setRevoked({ cluster, subject, verb, resource }, !allowed);
  }
}

/**
 * The agent's self-check in a sandbox cluster: the real agent's `checkOwnPermissions`, its reviews
 * answered by the cluster's RBAC for the `agent` subject.
 */
export function sandboxAgentPermissionCheck(
  rbac: SandboxRbac,
  clusterName: string,
  now: () => Date,
): () => Promise<AgentPermissionReport> {
  return () =>
    checkOwnPermissions(async (attributes) => rbac.review(clusterName, 'agent', attributes), now());
}

/**
 * The snapshot as `subject` can read it from the cluster: the lists its RBAC refuses answered with a 403, and
 * the collector's handling of that applied (`collectClusterSnapshot`): `nodes` or `pods` refused fails the
 * read with the collector's own error; an optional list refused leaves its part out and is named in
 * `deniedLists`. The sandbox resolves owners without the ReplicaSet and Deployment lists, so those two,
 * refused, are named but leave the owners as they are (the real collector would lose the replica counts).
 */
export function readableSnapshot(
  rbac: SandboxRbac,
  clusterName: string,
  subject: RbacSubject,
  full: ClusterSnapshot,
): ClusterSnapshot {
  const denied = agentKubernetesRules
    .filter((rule) => !rbac.review(clusterName, subject, ruleAttributes(rule)).allowed)
    .map((rule) => rule.resource);
  for (const required of ['nodes', 'pods'])
    if (denied.includes(required))
      throw listAccessError(Object.assign(new Error('Forbidden'), { statusCode: 403 }), required, {
        source: subject === 'agent' ? 'agent' : 'agentless',
        accessHint: accessHints[subject],
      });
  if (denied.length === 0) return full;
  const has = (resource: string) => !denied.includes(resource);
  const withoutUsage = !has('nodes.metrics.k8s.io');
  return {
    ...full,
    nodes: withoutUsage ? full.nodes.map((n) => ({ ...n, usage: null })) : full.nodes,
    pdbs: has('poddisruptionbudgets.policy') ? full.pdbs : [],
    hpas: has('horizontalpodautoscalers.autoscaling') ? full.hpas : [],
    // OOM kills come from the pods' container states, not from the events list.
    events: has('events') ? full.events : full.events.filter((e) => e.reason === 'OOMKilled'),
    deniedLists: denied,
  };
}
