/**
 * The sandbox's `KubernetesPort`: what the agentless collector reads from a real EKS cluster, answered
 * from the simulated clusters with the same credentials checks as the sandbox cloud. Unlike the
 * Kubernetes API, the sandbox keeps history, so `history` back-fills up to 30 days (never past "now").
 */
import type { CloudTarget, EksCluster } from '@spot/functions/ports/cloud';
import type { ClusterHourSample, KubernetesPort, NodePool } from '@spot/functions/ports/kubernetes';
import type { LiveKarpenterObject } from '@spot/shared/karpenter/managed';
import type { ClusterSnapshot } from '@spot/shared/model/cluster-snapshot';
import type { SandboxCloud } from './cloud';

/** The agentless collector needs DescribeCluster for the endpoint (and an EKS access entry, always granted here). */
const collectActions = ['eks:DescribeCluster'];

export class SandboxKubernetesPort implements KubernetesPort {
  constructor(private readonly cloud: SandboxCloud) {}

  async collectSnapshot(target: CloudTarget, cluster: EksCluster): Promise<ClusterSnapshot> {
    const found = this.cloud.clusterFor(target, cluster.arn || cluster.name, ...collectActions);
    return this.cloud.kubernetes.snapshotAt(found.name, new Date(this.cloud.now()));
  }

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

  async listKarpenterObjects(target: CloudTarget, cluster: EksCluster): Promise<LiveKarpenterObject[]> {
    return this.cloud.listKarpenterObjects(target, cluster.name);
  }

  async listNodePools(target: CloudTarget, cluster: EksCluster): Promise<NodePool[]> {
    return this.cloud.nodePools(target, cluster.name);
  }

  async setNodePoolCpuLimit(
    target: CloudTarget,
    cluster: EksCluster,
    nodePool: string,
    cpuLimit: string | null,
  ): Promise<void> {
    this.cloud.setNodePoolCpuLimit(target, cluster.name, nodePool, cpuLimit);
  }

  async removeNodePoolNodes(
    target: CloudTarget,
    cluster: EksCluster,
    nodePool: string,
    keepNodeNames: readonly string[],
  ): Promise<void> {
    this.cloud.removeNodePoolNodes(target, cluster.name, nodePool, keepNodeNames);
  }
}
