/**
 * The Kubernetes side of a customer's cluster as discovery sees it. The production adapter is the
 * agentless collector (`aws/kubernetes.ts`: an STS-presigned EKS token through a read-only access
 * entry, @kubernetes/client-node); the sandbox cloud of the local stack implements the same interface over
 * its simulated clusters. Clusters with the in-cluster agent push the same `ClusterSnapshot` to the
 * ingestion route instead.
 */
import type { ClusterSnapshot, KubeconfigAuth, KubernetesAccessResult, KubernetesRule } from '@spot/shared';
import type { HourResourceFigures } from '@spot/shared/dashboard/series';
import type { LiveKarpenterObject } from '@spot/shared/karpenter/managed';
import type { CapacityType, CloudTarget, EksCluster } from './cloud';

/** One workload during one hour, per replica. */
export interface WorkloadHourSample {
  namespace: string;
  /** Top-level controller kind (`Deployment`, `StatefulSet`, `DaemonSet`, `Job`, …) or `Pod`. */
  kind: string;
  name: string;
  replicas: number;
  /** Mean CPU used per replica during the hour, millicores. */
  cpuMilli: number;
  /** Highest CPU per replica during the hour, millicores. */
  cpuMaxMilli: number;
  /** Peak working-set memory per replica during the hour, MiB. */
  memoryPeakMiB: number;
  oomKills: number;
}

/** One hour of a cluster, as a source that keeps history replays it. */
export interface ClusterHourSample extends HourResourceFigures {
  /** The nodes that ran during the hour: cost, fleet mix and node counts are derived from these. */
  nodes: { instanceType: string; capacityType: CapacityType; count: number }[];
  /** Pods created + deleted during the hour. */
  podChurn: number;
  /** Mean API server requests per second during the hour. */
  apiRequestRate: number;
  /** p99 API latency of the hour, ms (`null` when not measured). */
  apiLatencyP99Ms: number | null;
  /** DiskPressure / MemoryPressure / PIDPressure turning True during the hour. */
  pressureEvents: number;
  spotInterruptions: number;
  /** Per workload; empty when the source only has cluster-level metrics (CloudWatch Container Insights). */
  workloads: WorkloadHourSample[];
}

/** A Karpenter NodePool as hibernation sees it: its CPU limit and how many nodes it runs now. */
export interface NodePool {
  name: string;
  /** `spec.limits.cpu` as written (`"1000"`, `"500m"`); `null` when the pool has no CPU limit. */
  cpuLimit: string | null;
  nodeCount: number;
}

/**
 * A kubeconfig uploaded for the cluster in the Add Cluster wizard (ADR 0059), sealed in the table. The
 * adapter opens it right before it connects and keeps no copy, so the file's credential never sits in
 * the domain's objects: a log line or a workflow payload that holds a cluster cannot hold it.
 */
export interface StoredKubeconfig {
  auth: KubeconfigAuth;
  /** The API server, in clear (also on the Cluster item). */
  server: string;
  /** Decrypts the file (the key service unwraps its data key); called by the adapter only. */
  open(): Promise<string>;
}

/** A cluster as the Kubernetes side reads it: the EKS cluster, with the customer's kubeconfig when it has one. */
export interface KubernetesCluster extends EksCluster {
  /** Absent or null: the agentless collector reaches the cluster with the account's role. */
  kubeconfig?: StoredKubeconfig | null;
}

export interface KubernetesPort {
  /** What the cluster runs now: nodes, pods, PDBs, HPAs, recent events, usage from metrics-server. */
  collectSnapshot(target: CloudTarget, cluster: KubernetesCluster): Promise<ClusterSnapshot>;
  /**
   * Hourly samples for hours starting in [from, to), oldest first, for back-filling the time series of a
   * newly discovered cluster. `null` when the source keeps no history (the Kubernetes API itself has none).
   */
  history(
    target: CloudTarget,
    cluster: KubernetesCluster,
    from: Date,
    to: Date,
  ): Promise<ClusterHourSample[] | null>;
  /**
   * The cluster's NodePools and EC2NodeClasses as the API server has them (labels, annotations, spec),
   * for the Karpenter reconciler's drift (ADR 0042); none when Karpenter is not installed.
   */
  listKarpenterObjects(target: CloudTarget, cluster: KubernetesCluster): Promise<LiveKarpenterObject[]>;
  /**
   * A SelfSubjectAccessReview per rule with the credential the collector reads the cluster with (the
   * uploaded kubeconfig's, else the account role's access entry), in the order given (ADR 0070). Throws a
   * `KubernetesAccessError` when the cluster cannot be asked at all (unreachable, credential refused).
   */
  checkAccess(
    target: CloudTarget,
    cluster: KubernetesCluster,
    rules: readonly Pick<KubernetesRule, 'verb' | 'resource'>[],
  ): Promise<KubernetesAccessResult[]>;
  /** The cluster's Karpenter NodePools (`karpenter.sh/v1`); none when Karpenter is not installed. */
  listNodePools(target: CloudTarget, cluster: KubernetesCluster): Promise<NodePool[]>;
  /**
   * Sets a NodePool's `spec.limits.cpu` (`null` removes it). A limit of `"0"` stops Karpenter launching
   * nodes for the pool; the nodes it runs stay until removed.
   */
  setNodePoolCpuLimit(
    target: CloudTarget,
    cluster: KubernetesCluster,
    nodePool: string,
    cpuLimit: string | null,
  ): Promise<void>;
  /**
   * Deletes the pool's NodeClaims (Karpenter drains and terminates their nodes) except those of the nodes
   * named in `keepNodeNames`. EBS volumes of the pods are not touched.
   */
  removeNodePoolNodes(
    target: CloudTarget,
    cluster: KubernetesCluster,
    nodePool: string,
    keepNodeNames: readonly string[],
  ): Promise<void>;
}
