/**
 * The sandbox's `KubernetesPort`: what the agentless collector reads from a real EKS cluster, answered
 * from the simulated clusters with the same credentials checks as the sandbox cloud. Unlike the
 * Kubernetes API, the sandbox keeps history, so `history` back-fills up to 30 days (never past "now").
 *
 * Access is checked as an EKS API server would (ADR 0059): with the account's role, the cluster must
 * have the role's access entry (removable through `PUT /sandbox/clusters/{name}/access-entry`); with an
 * uploaded kubeconfig, its server picks the cluster and its service-account token must be the cluster's
 * (`GET /sandbox/clusters/{name}/kubeconfig` hands one out), or its client certificate must be issued by
 * the cluster's client CA and come with its key (`?auth=client-certificate`, ADR 0065), or its
 * `aws eks get-token` stands for the account's role again. SelfSubjectAccessReviews are answered from
 * the cluster's modelled RBAC (`rbac.ts`) for the subject the credential authenticates as (ADR 0070).
 */
import type { CloudTarget, EksCluster } from '@spot/functions/ports/cloud';
import type {
  ClusterHourSample,
  KubernetesCluster,
  KubernetesPort,
  NodePool,
} from '@spot/functions/ports/kubernetes';
import { reviewRules } from '@spot/functions/ports/kubernetes-access-review';
import {
  accessEntryHint,
  KubernetesAccessError,
  kubeconfigAccessHint,
} from '@spot/functions/ports/kubernetes-errors';
import type { LiveKarpenterObject } from '@spot/shared/karpenter/managed';
import type { KubernetesAccessResult, KubernetesRule } from '@spot/shared/model/cluster-onboarding';
import type { ClusterSnapshot } from '@spot/shared/model/cluster-snapshot';
import { kubeconfigCredentials } from '@spot/shared/model/kubeconfig';
import type { SandboxCloud } from './cloud';
import { type RbacSubject, readableSnapshot } from './rbac';
import type { SandboxCluster } from './world';

/** The agentless collector needs DescribeCluster for the endpoint (and the EKS access entry, see above). */
const collectActions = ['eks:DescribeCluster'];

export class SandboxKubernetesPort implements KubernetesPort {
  constructor(private readonly cloud: SandboxCloud) {}

  /** The cluster the collector reaches, after the API server's authentication (throws what to fix). */
  private async reach(target: CloudTarget, cluster: KubernetesCluster): Promise<SandboxCluster> {
    return (await this.authenticate(target, cluster)).found;
  }

  /** The cluster reached and who the API server takes the caller for (its RBAC subject). */
  private async authenticate(
    target: CloudTarget,
    cluster: KubernetesCluster,
  ): Promise<{ found: SandboxCluster; subject: RbacSubject }> {
    if (!cluster.kubeconfig)
      return { found: this.withRole(target, cluster.arn || cluster.name), subject: 'role' };
    let parts: ReturnType<typeof kubeconfigCredentials>;
    try {
      parts = kubeconfigCredentials(await cluster.kubeconfig.open());
    } catch (error) {
      throw new KubernetesAccessError(
        'KUBERNETES_ACCESS_DENIED',
        `The kubeconfig stored for cluster ${cluster.name} cannot be used (${error instanceof Error ? error.message : 'unreadable'}): replace its kubeconfig (Replace kubeconfig on the cluster's page).`,
      );
    }
    const found = this.cloud.clusterAtEndpoint(parts.server);
    if (!found)
      throw new KubernetesAccessError(
        'KUBERNETES_UNREACHABLE',
        `The API server of the kubeconfig uploaded for ${cluster.name} does not answer: check its server address, or replace its kubeconfig (Replace kubeconfig on the cluster's page) with the file \`kubectl config view --minify --flatten\` prints.`,
      );
    const user = parts.user;
    if (user.kind === 'aws-eks-get-token')
      return { found: this.withRole(target, user.eksClusterName ?? found.name), subject: 'role' };
    const accepted =
      user.kind === 'client-certificate'
        ? this.cloud.acceptsClientCertificate(found.name, user.certificateData, user.keyData)
        : this.cloud.acceptsServiceAccountToken(found.name, user.token);
    if (!accepted)
      throw new KubernetesAccessError(
        'KUBERNETES_ACCESS_DENIED',
        `Cluster ${cluster.name} refused the kubeconfig's credential (HTTP 401). ${kubeconfigAccessHint}`,
      );
    return { found, subject: 'kubeconfig' };
  }

  /** The account's role, through its EKS access entry. */
  private withRole(target: CloudTarget, clusterNameOrArn: string): SandboxCluster {
    const found = this.cloud.clusterFor(target, clusterNameOrArn, ...collectActions);
    if (!this.cloud.hasAccessEntry(found.name))
      throw new KubernetesAccessError(
        'KUBERNETES_ACCESS_DENIED',
        `Cluster ${found.name} refused the Spot Optimizer role (HTTP 401: it has no EKS access entry). ${accessEntryHint}`,
      );
    return found;
  }

  async collectSnapshot(target: CloudTarget, cluster: KubernetesCluster): Promise<ClusterSnapshot> {
    const { found, subject } = await this.authenticate(target, cluster);
    // What the credential's subject may list (ADR 0070): a list its RBAC refuses is a 403, as in EKS.
    return readableSnapshot(
      this.cloud.rbac,
      found.name,
      subject,
      this.cloud.kubernetes.snapshotAt(found.name, new Date(this.cloud.now())),
    );
  }

  /** SelfSubjectAccessReviews answered from the cluster's modelled RBAC for the credential's subject. */
  async checkAccess(
    target: CloudTarget,
    cluster: KubernetesCluster,
    rules: readonly Pick<KubernetesRule, 'verb' | 'resource'>[],
  ): Promise<KubernetesAccessResult[]> {
    const { found, subject } = await this.authenticate(target, cluster);
    return reviewRules(async (attributes) => this.cloud.rbac.review(found.name, subject, attributes), rules);
  }

  /** CloudWatch Container Insights in AWS: the account's credentials, whatever reaches the API server. */
  async history(
    target: CloudTarget,
    cluster: EksCluster,
    from: Date,
    to: Date,
  ): Promise<ClusterHourSample[]> {
    const found = this.cloud.clusterFor(target, cluster.arn || cluster.name, ...collectActions);
    const end = new Date(Math.min(to.getTime(), this.cloud.now()));
    return this.cloud.kubernetes.historyHourly(found.name, from, end);
  }

  // Karpenter and hibernation: the same authentication first; the sandbox cloud then checks the account's
  // write permission as before (its write policy stands for the hibernation access entry).
  async listKarpenterObjects(
    target: CloudTarget,
    cluster: KubernetesCluster,
  ): Promise<LiveKarpenterObject[]> {
    await this.reach(target, cluster);
    return this.cloud.listKarpenterObjects(target, cluster.name);
  }

  async listNodePools(target: CloudTarget, cluster: KubernetesCluster): Promise<NodePool[]> {
    await this.reach(target, cluster);
    return this.cloud.nodePools(target, cluster.name);
  }

  async setNodePoolCpuLimit(
    target: CloudTarget,
    cluster: KubernetesCluster,
    nodePool: string,
    cpuLimit: string | null,
  ): Promise<void> {
    await this.reach(target, cluster);
    this.cloud.setNodePoolCpuLimit(target, cluster.name, nodePool, cpuLimit);
  }

  async removeNodePoolNodes(
    target: CloudTarget,
    cluster: KubernetesCluster,
    nodePool: string,
    keepNodeNames: readonly string[],
  ): Promise<void> {
    await this.reach(target, cluster);
    this.cloud.removeNodePoolNodes(target, cluster.name, nodePool, keepNodeNames);
  }
}
