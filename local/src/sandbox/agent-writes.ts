/**
 * What the sandbox clusters' agents in write mode changed (issue 14, ADR 0037): cordoned nodes, evicted
 * pods, patched workloads and applied Karpenter objects, each from the instant it was made. The Kubernetes
 * model (`kubernetes.ts`) reads them in every snapshot after that instant:
 *
 * - a cordoned node carries the `node.kubernetes.io/unschedulable` taint (its pods stay, as in Kubernetes);
 * - an evicted pod is replaced: a Deployment's replacement has a new name, a StatefulSet's the same one,
 *   and it is Pending for {@link replacementStartMs}, so the workload's PodDisruptionBudget allows one
 *   disruption fewer meanwhile; an eviction the budget does not allow is refused like the API's 429;
 * - a patched workload rolls out: from the patch on, its pods (a new ReplicaSet hash for a Deployment)
 *   carry the new requests, limits and scheduling fields; usage stays what the workload uses;
 * - an applied NodePool of the cluster sets the pool's CPU limit (what `listNodePools` reports) and its
 *   node limit (`limits.nodes`, ADR 0079); every applied object is kept and listed by
 *   {@link SandboxWrites.karpenterObjects}.
 *
 * - the agent's own Deployment (ADR 0085): installed with the agent, its `agent` container's image set by
 *   `upgrade-agent`; each change is told to the listeners ({@link SandboxWrites.onAgentImage}), which is
 *   how the agent supervisor replaces the agent with the image's release, as the Deployment controller
 *   replaces the pod.
 *
 * Kept in memory: a restart of the local stack starts from the seeded clusters again (the pool limits
 * excepted, which live in the sandbox state file).
 */
import {
  imageRepository,
  type KubernetesExecutor,
  KubernetesForbiddenError,
  type PatchWorkloadCommand,
} from '@spot/agent/commands';
import type { AgentDeployment } from '@spot/agent/config';
import type { KarpenterManifest } from '@spot/shared/model/agent-command';
import type { SandboxCloud } from './cloud';

/** How long a replacement pod is Pending after an eviction (image pull, start, readiness). */
export const replacementStartMs = 60_000;

export interface WorkloadPatch {
  atMs: number;
  containers: Map<
    string,
    { requests: { cpuMilli?: number; memoryMiB?: number }; limits: { cpuMilli?: number; memoryMiB?: number } }
  >;
  nodeSelector?: Record<string, string>;
  tolerations?: { key?: string; operator?: string; value?: string; effect?: string }[];
}

export interface Eviction {
  podName: string;
  atMs: number;
}

/** The agent's Deployment in a sandbox cluster, as the chart installs it (default release name). */
export interface SandboxAgentDeployment extends AgentDeployment {
  image: string;
  annotations: Record<string, string>;
}

/** The release an image runs: its tag (`…/spot-optimizer-agent:0.2.0` -> `0.2.0`), `latest` without one. */
export const imageRelease = (image: string): string =>
  image.slice(imageRepository(image).length).split('@')[0]?.replace(/^:/, '') || 'latest';

export class SandboxWrites {
  /** `<cluster>` -> the agent's Deployment. */
  private readonly agentDeployments = new Map<string, SandboxAgentDeployment>();
  private readonly agentImageListeners = new Set<(cluster: string, image: string) => void>();
  /** `<cluster>/<node>` → cordoned at, ms (uncordon removes it). */
  private readonly cordons = new Map<string, number>();
  private readonly evictionsByWorkload = new Map<string, Eviction[]>();
  private readonly patchesByWorkload = new Map<string, WorkloadPatch[]>();
  private readonly karpenter = new Map<
    string,
    Map<string, { manifest: KarpenterManifest; appliedAtMs: number }>
  >();

  /** `<cluster>/<node>` → the annotations a person put on the Node object (`kubectl annotate node`). */
  private readonly nodeAnnotationsByNode = new Map<string, Record<string, string>>();

  nodeAnnotations(cluster: string, node: string): Record<string, string> {
    return { ...this.nodeAnnotationsByNode.get(`${cluster}/${node}`) };
  }

  /** `kubectl annotate node <node> key=value` (`null`: `key-`, removed). */
  annotateNode(cluster: string, node: string, key: string, value: string | null): void {
    const k = `${cluster}/${node}`;
    const annotations = { ...this.nodeAnnotationsByNode.get(k) };
    if (value === null) delete annotations[key];
    else annotations[key] = value;
    this.nodeAnnotationsByNode.set(k, annotations);
  }

  /** The agent's Deployment in the cluster, or `undefined` before the agent is installed. */
  agentDeployment(cluster: string): SandboxAgentDeployment | undefined {
    const found = this.agentDeployments.get(cluster);
    return found ? { ...found, annotations: { ...found.annotations } } : undefined;
  }

  /** `helm install`: the agent's Deployment with this image; one already there is kept (and returned). */
  installAgentDeployment(cluster: string, deployment: SandboxAgentDeployment): SandboxAgentDeployment {
    const existing = this.agentDeployments.get(cluster);
    if (existing) return { ...existing };
    this.agentDeployments.set(cluster, { ...deployment, annotations: { ...deployment.annotations } });
    return { ...deployment };
  }

  /** The image patch: a changed image tells the listeners (the controller replaces the pod). */
  setAgentImage(cluster: string, image: string, annotations: Record<string, string>): void {
    const found = this.agentDeployments.get(cluster);
    if (!found) throw new Error(`deployments.apps of the agent in ${cluster} not found`);
    const changed = found.image !== image;
    this.agentDeployments.set(cluster, {
      ...found,
      image,
      annotations: { ...found.annotations, ...annotations },
    });
    if (changed) for (const listener of this.agentImageListeners) listener(cluster, image);
  }

  /** Called after each change of an agent Deployment's image; returns the unsubscribe. */
  onAgentImage(listener: (cluster: string, image: string) => void): () => void {
    this.agentImageListeners.add(listener);
    return () => this.agentImageListeners.delete(listener);
  }

  isCordoned(cluster: string, node: string, atMs: number): boolean {
    const at = this.cordons.get(`${cluster}/${node}`);
    return at !== undefined && at <= atMs;
  }

  setCordon(cluster: string, node: string, cordoned: boolean, atMs: number): void {
    const key = `${cluster}/${node}`;
    if (!cordoned) this.cordons.delete(key);
    else if (!this.cordons.has(key)) this.cordons.set(key, atMs);
  }

  /** The evictions of a workload's pods, oldest first. */
  evictions(workloadKey: string): readonly Eviction[] {
    return this.evictionsByWorkload.get(workloadKey) ?? [];
  }

  addEviction(workloadKey: string, eviction: Eviction): void {
    const list = this.evictionsByWorkload.get(workloadKey) ?? [];
    list.push(eviction);
    this.evictionsByWorkload.set(workloadKey, list);
  }

  /** The workload's patches in force at `atMs` (each patch on top of the ones before), or undefined. */
  patchAt(workloadKey: string, atMs: number): WorkloadPatch | undefined {
    let found: WorkloadPatch | undefined;
    for (const p of this.patchesByWorkload.get(workloadKey) ?? []) {
      if (p.atMs <= atMs) found = p;
      else break;
    }
    return found;
  }

  addPatch(workloadKey: string, command: PatchWorkloadCommand, atMs: number): void {
    const list = this.patchesByWorkload.get(workloadKey) ?? [];
    const previous = list.at(-1);
    const containers = new Map(previous?.containers ?? []);
    for (const c of command.containers ?? []) {
      const before = containers.get(c.name);
      containers.set(c.name, {
        requests: { ...before?.requests, ...c.requests },
        limits: { ...before?.limits, ...c.limits },
      });
    }
    const s = command.scheduling;
    const nodeSelector = s?.nodeSelector ?? previous?.nodeSelector;
    const tolerations = s?.tolerations ?? previous?.tolerations;
    list.push({
      atMs,
      containers,
      ...(nodeSelector ? { nodeSelector } : {}),
      ...(tolerations ? { tolerations } : {}),
    });
    this.patchesByWorkload.set(workloadKey, list);
  }

  applyKarpenter(cluster: string, manifest: KarpenterManifest, atMs: number): void {
    const objects = this.karpenter.get(cluster) ?? new Map();
    objects.set(`${manifest.kind}/${manifest.metadata.name}`, { manifest, appliedAtMs: atMs });
    this.karpenter.set(cluster, objects);
  }

  /** Deletes an applied object; false when the cluster has none of that kind and name. */
  deleteKarpenter(cluster: string, kind: KarpenterManifest['kind'], name: string): boolean {
    return this.karpenter.get(cluster)?.delete(`${kind}/${name}`) ?? false;
  }

  /** The NodePools and EC2NodeClasses applied to a cluster, as last applied. */
  karpenterObjects(cluster: string): KarpenterManifest[] {
    return [...(this.karpenter.get(cluster)?.values() ?? [])].map((o) => o.manifest);
  }
}

/** The message of the eviction API's 429 when a PodDisruptionBudget allows no disruption. */
export const pdbViolationMessage = "Cannot evict pod as it would violate the pod's disruption budget.";

/**
 * The sandbox agent's {@link KubernetesExecutor}: the same commands as the real agent, applied to the
 * sandbox cluster's model at the sandbox's clock. Its own Deployment is read and patched as the RBAC
 * allows (`writeMode`: whether write mode's Role is installed; ADR 0085): otherwise a 403, as the API
 * server answers.
 */
export function sandboxExecutor(
  cloud: SandboxCloud,
  clusterName: string,
  options: { writeMode?: boolean } = {},
): KubernetesExecutor {
  const writeMode = options.writeMode ?? true;
  const ownDeployment = (verb: 'get' | 'patch', d: AgentDeployment) => {
    if (!cloud.rbac.reviewAgentOwnDeployment(clusterName, writeMode, verb).allowed)
      throw new KubernetesForbiddenError(`${verb} deployment ${d.namespace}/${d.name}: HTTP 403`);
    const found = writes.agentDeployment(clusterName);
    return found && found.namespace === d.namespace && found.name === d.name ? found : null;
  };
  const k8s = cloud.kubernetes;
  const writes = k8s.writes;
  const snapshot = () => k8s.snapshotAt(clusterName, new Date(cloud.now()));
  const workload = (kind: string, namespace: string, name: string) =>
    k8s
      .cluster(clusterName)
      .workloads.find((w) => w.kind === kind && w.namespace === namespace && w.name === name);
  return {
    async setUnschedulable(node, unschedulable) {
      if (!snapshot().nodes.some((n) => n.name === node)) throw new Error(`nodes "${node}" not found`);
      writes.setCordon(clusterName, node, unschedulable, cloud.now());
    },
    async podLabels(namespace, pod) {
      const found = snapshot().pods.find((p) => p.namespace === namespace && p.name === pod);
      return found ? { ...found.labels } : null;
    },
    async evict(namespace, pod) {
      const now = cloud.now();
      const current = snapshot();
      const found = current.pods.find((p) => p.namespace === namespace && p.name === pod);
      if (!found) return { outcome: 'gone' };
      const owner = found.owner ? workload(found.owner.kind, namespace, found.owner.name) : undefined;
      // A DaemonSet's pod comes back on the same node; nothing of the model changes.
      if (!owner) return { outcome: 'evicted' };
      if (owner.pdb) {
        const budget = current.pdbs.find((b) => b.namespace === namespace && b.name === owner.pdb?.name);
        if (budget && budget.disruptionsAllowed <= 0)
          return { outcome: 'blocked', message: pdbViolationMessage };
      }
      writes.addEviction(owner.key, { podName: pod, atMs: now });
      return { outcome: 'evicted' };
    },
    async workloadTemplateLabels(kind, namespace, name) {
      const found = workload(kind, namespace, name);
      return found ? { ...found.labels } : null;
    },
    async patchWorkload(command) {
      const found = workload(command.kind, command.namespace, command.name);
      if (!found) throw new Error(`${command.kind.toLowerCase()}s.apps "${command.name}" not found`);
      writes.addPatch(found.key, command, cloud.now());
    },
    async karpenterObjectLabels(kind, name) {
      const found = cloud.karpenterObjects(clusterName).find((o) => o.kind === kind && o.name === name);
      return found ? { ...found.labels } : null;
    },
    async deleteKarpenter(kind, name) {
      // A seeded pool is the customer's: the agent refuses it before it gets here (it has no mark).
      writes.deleteKarpenter(clusterName, kind, name);
      if (kind === 'NodePool') k8s.pools.removePool(clusterName, name, cloud.now());
    },
    async deleteNode(node) {
      const found = snapshot().nodes.find((n) => n.name === node);
      if (!found) return 'gone';
      if (!found.labels['karpenter.sh/nodepool']) return 'not-karpenter';
      // Karpenter's finalizer terminates the instance: its pool has one node fewer from now on (a seeded
      // Karpenter group of the world, or a node our own NodePool launched).
      if (!cloud.removeKarpenterNodeFromAgent(clusterName, node))
        k8s.pools.removeNode(clusterName, node, cloud.now());
      return 'deleted';
    },
    async agentDeployment(d) {
      const found = ownDeployment('get', d);
      return found ? { image: found.image, annotations: found.annotations } : null;
    },
    async setAgentImage(d, image, annotations) {
      if (!ownDeployment('patch', d)) throw new Error(`deployments.apps "${d.name}" not found`);
      writes.setAgentImage(clusterName, image, annotations);
    },
    async applyKarpenter(manifest) {
      writes.applyKarpenter(clusterName, manifest, cloud.now());
      // Karpenter reacts to a new pool within seconds: pending pods get their nodes now.
      if (manifest.kind === 'NodePool') k8s.karpenterTick(clusterName, new Date(cloud.now()));
      if (manifest.kind === 'NodePool') {
        const limits = (manifest.spec.limits ?? {}) as { cpu?: unknown; nodes?: unknown };
        const quantity = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v) : null);
        const nodes = Number(quantity(limits.nodes));
        cloud.applyNodePoolFromAgent(clusterName, manifest.metadata.name, {
          // A limit the apply does not name stays as it was (a person's partial edit, ADR 0079).
          ...(quantity(limits.cpu) !== null ? { cpu: quantity(limits.cpu) } : {}),
          nodes: Number.isInteger(nodes) && nodes >= 0 ? nodes : null,
        });
      }
    },
  };
}
