/**
 * The Kubernetes side of the sandbox's clusters: what an agent or the agentless collector would read.
 *
 * - `snapshotAt(cluster, t)`: a full `ClusterSnapshot` (source `sandbox`): nodes with EKS allocatable and
 *   the labels/taints EKS, Karpenter and the kubelet set; pods placed by a simple scheduler (DaemonSets
 *   first, then the largest pods first, each on the least allocated node of its group that fits, so
 *   requests never exceed allocatable; what does not fit is Pending); usage; PDBs; HPAs; the last hour's
 *   events; control-plane latency and request rate.
 * - `historyHourly` / `workloadDaily`: the 30-day back-fill, computed from counts (`history.ts`).
 *
 * Simplifications: pods are assigned to one node group (their pool) and stay Pending when it is empty
 * rather than moving to another group; placement is recomputed per snapshot, so a pod may sit on another
 * node in the next one. What agents in write mode changed (cordons, evictions, patches, Karpenter objects)
 * is applied from the instant it was made (`agent-writes.ts`).
 */

import type { ClusterHourSample } from '@spot/functions/ports/kubernetes';
import type { ClusterSnapshot, SnapshotNode, SnapshotPod } from '@spot/shared/model/cluster-snapshot';
import type { NodeSelectorOperator } from '@spot/shared/packing/selectors';
import { instanceCategory, kubernetesArchitecture } from '@spot/shared/pricing/index';
import { replacementStartMs, SandboxWrites } from './agent-writes';
import { HOUR_MS, hourOf } from './cycles';
import { clusterHour, daemonSetsOn, type WorkloadDailyPoint, workloadDaily } from './history';
import {
  type LaunchedNode,
  type PendingForPools,
  type PoolSpec,
  SandboxKarpenterPools,
} from './karpenter-pools';
import { daemonSetSecurity, workloadSecurity } from './pod-security';
import { catalogType } from './prices';
import { hashString, mix, unit } from './random';
import { bind, type SchedulableNode, type SchedulablePod, unfitReason } from './scheduler';
import type { SandboxNode, Simulation } from './simulation';
import type { SandboxCluster, SandboxDaemonSet, SandboxNodeGroup, SandboxWorkload } from './world';

const POD_SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
const suffix = (length: number, ...values: number[]): string => {
  let out = '';
  for (let i = 0; i < length; i++) out += POD_SUFFIX_ALPHABET[mix(...values, i) % POD_SUFFIX_ALPHABET.length];
  return out;
};

/**
 * A few realistic scheduling constraints, chosen from the workload's hash (not the world's random stream,
 * so every other figure of the sandbox stays as it was): StatefulSets mostly keep replicas on separate
 * nodes; some Deployments spread over zones (hard or soft) or hosts (soft); some avoid the smallest types
 * or prefer spot. Every pod of a workload carries the same constraints.
 */
export function schedulingConstraintsOf(
  w: Pick<SandboxWorkload, 'kind' | 'hash' | 'replicas' | 'labels'>,
): Pick<SnapshotPod, 'affinity' | 'topologySpreadConstraints'> {
  const app = w.labels.app;
  if (!app || w.kind === 'CronJob') return {};
  const bucket = mix(w.hash, 18) % 20;
  const selector = { matchLabels: { app } };
  if (w.kind === 'StatefulSet')
    return bucket < 14
      ? {
          affinity: { podAntiAffinity: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: selector }] },
        }
      : {};
  if (bucket < 4 && w.replicas >= 3)
    return {
      topologySpreadConstraints: [
        {
          maxSkew: 1,
          topologyKey: 'topology.kubernetes.io/zone',
          whenUnsatisfiable: bucket < 2 ? 'DoNotSchedule' : 'ScheduleAnyway',
          labelSelector: selector,
        },
      ],
    };
  if (bucket < 6 && w.replicas >= 2)
    return {
      topologySpreadConstraints: [
        {
          maxSkew: 1,
          topologyKey: 'kubernetes.io/hostname',
          whenUnsatisfiable: 'ScheduleAnyway',
          labelSelector: selector,
        },
      ],
    };
  if (bucket < 8 && w.replicas <= 4)
    return {
      affinity: { podAntiAffinity: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: selector }] },
    };
  if (bucket < 10)
    return {
      affinity: {
        nodeAffinity: {
          required: [
            {
              matchExpressions: [
                {
                  key: 'node.kubernetes.io/instance-type',
                  operator: 'NotIn',
                  values: ['t3.nano', 't3.micro', 't3.small'],
                },
              ],
            },
          ],
        },
      },
    };
  if (bucket < 12)
    return {
      affinity: {
        nodeAffinity: {
          preferred: [
            {
              weight: 50,
              preference: {
                matchExpressions: [{ key: 'karpenter.sh/capacity-type', operator: 'In', values: ['spot'] }],
              },
            },
          ],
        },
      },
    };
  return {};
}

/** A node as the scheduler fills it: what is free, and what its pods use. */
interface Placeable extends SchedulableNode {
  name: string;
  free: { cpuMilli: number; memoryMiB: number; pods: number; gpuMilli: number };
  allocatableCpuMilli: number;
  usage: { cpuMilli: number; memoryMiB: number };
}

interface NodeState extends Placeable {
  node: SandboxNode;
}

/** The scheduler's view of a pod of a workload (its requests and constraints at the instant). */
function schedulableOf(w: SandboxWorkload): SchedulablePod {
  const required = schedulingConstraintsOf(w).affinity?.nodeAffinity?.required;
  return {
    cpuMilli: w.requests.cpuMilli,
    memoryMiB: w.requests.memoryMiB,
    gpuMilli: w.requests.resources['nvidia.com/gpu'] ?? 0,
    nodeSelector: w.nodeSelector,
    tolerations: w.tolerations,
    requiredNodeAffinity: required?.map((t) => ({
      matchExpressions: t.matchExpressions.map((e) => ({
        key: e.key,
        operator: e.operator as NodeSelectorOperator,
        values: e.values,
      })),
    })),
  };
}

/** What a snapshot's scheduling left for the sandbox's Karpenter pools. */
export interface ScheduleOutcome {
  snapshot: ClusterSnapshot;
  /** Pods Pending for want of a node (a replacement still starting is not among them). */
  pending: PendingForPools[];
  /** Workload pods on each node launched by a managed pool. */
  podsOnLaunched: Map<string, number>;
}

interface PodDraft {
  workload: SandboxWorkload;
  /** The workload as seeded (what its pods need, whatever a patch asks for). */
  seeded: SandboxWorkload;
  index: number;
  name: string;
  ownerReplicas: number | null;
  /** A replacement of an evicted pod is Pending until this instant (ms). */
  startingUntilMs: number;
}

/** A pod starved of memory by a patch is first OOM-killed this long after the rollout, then every {@link patchOomEveryMs}. */
export const patchOomFirstMs = 2 * 60_000;
export const patchOomEveryMs = 5 * 60_000;

export class SandboxKubernetes {
  /** What the clusters' agents in write mode changed. */
  readonly writes = new SandboxWrites();
  /** The sandbox's Karpenter for the NodePools Spot Optimizer applied. */
  readonly pools = new SandboxKarpenterPools();
  /**
   * The world's own Karpenter NodePools of a cluster as the API server has them now (edits applied), and
   * the sandbox clock: set by the cloud. Without them the world's pools launch nothing for pending pods.
   */
  customerPools: ((clusterName: string) => PoolSpec[]) | null = null;
  clock: (() => number) | null = null;
  /** Up to which instant the world's Karpenter has reacted, per cluster. */
  private readonly customerKarpenterUpTo = new Map<string, number>();
  private catchingUp = false;

  constructor(private readonly sim: Simulation) {}

  /**
   * The workload as it runs at `t`: with the requests, limits and scheduling fields of the patches made
   * before `t`. Usage shares are rescaled so the pods use what they used before (a patch changes what a
   * pod asks for, not what it needs).
   */
  effectiveWorkload(w: SandboxWorkload, t: number): SandboxWorkload {
    const patch = this.writes.patchAt(w.key, t);
    if (!patch) return w;
    const containers = w.containers.map((c) => {
      const p = patch.containers.get(c.name);
      if (!p) return c;
      const requests = {
        ...c.requests,
        ...(p.requests.cpuMilli !== undefined ? { cpuMilli: p.requests.cpuMilli } : {}),
        ...(p.requests.memoryMiB !== undefined ? { memoryMiB: p.requests.memoryMiB } : {}),
      };
      return {
        ...c,
        requests,
        limits: { ...c.limits, ...p.limits },
        cpuShare:
          c.requests.cpuMilli > 0 ? (c.cpuShare * c.requests.cpuMilli) / requests.cpuMilli : c.cpuShare,
        memoryShare:
          c.requests.memoryMiB > 0
            ? (c.memoryShare * c.requests.memoryMiB) / requests.memoryMiB
            : c.memoryShare,
      };
    });
    return {
      ...w,
      containers,
      requests: {
        ...w.requests,
        cpuMilli: containers.reduce((sum, c) => sum + c.requests.cpuMilli, 0),
        memoryMiB: containers.reduce((sum, c) => sum + c.requests.memoryMiB, 0),
      },
      nodeSelector: patch.nodeSelector ?? w.nodeSelector,
      tolerations: patch.tolerations ?? w.tolerations,
    };
  }

  /**
   * The OOM kills of a pod whose patch left it less memory than it needs (the seeded workload's working set
   * this hour above the patched memory limit, or above the patched request when it has no limit: the
   * sandbox packs nodes to their requests, so a pod above its request is the kernel's first victim under
   * pressure). The first kill {@link patchOomFirstMs} after the patch, then one every
   * {@link patchOomEveryMs}, at most the last 24 hours' worth. Empty when the pod has what it needs.
   */
  patchOomKills(cluster: SandboxCluster, draft: PodDraft, t: number, hour: number): number[] {
    const patch = this.writes.patchAt(draft.seeded.key, t);
    if (!patch || draft.seeded.cron) return [];
    const need = this.sim.podUsage(draft.seeded, cluster, hour, draft.index);
    const starved = draft.workload.containers.some((c, i) => {
      const threshold = c.limits.memoryMiB ?? c.requests.memoryMiB;
      return threshold > 0 && (need.containers[i]?.memoryMiB ?? 0) > threshold;
    });
    if (!starved) return [];
    const first = patch.atMs + patchOomFirstMs;
    if (first > t) return [];
    const skipped = Math.max(0, Math.ceil((t - 24 * HOUR_MS - first) / patchOomEveryMs));
    const out: number[] = [];
    for (let at = first + skipped * patchOomEveryMs; at <= t; at += patchOomEveryMs) out.push(at);
    return out;
  }

  /** The cluster by name or EKS ARN; throws for one the sandbox does not have. */
  cluster(clusterArnOrName: string): SandboxCluster {
    const name = clusterArnOrName.startsWith('arn:')
      ? (clusterArnOrName.split('/').pop() ?? '')
      : clusterArnOrName;
    const cluster = this.sim.cluster(name);
    if (!cluster) throw new Error(`The sandbox has no cluster ${clusterArnOrName}`);
    return cluster;
  }

  /** The cluster as an agent would report it at instant `at`, and what its scheduling left Pending. */
  scheduleAt(clusterArnOrName: string, at: Date): ScheduleOutcome {
    const cluster = this.cluster(clusterArnOrName);
    const sim = this.sim;
    const t = at.getTime();
    this.catchUpCustomerKarpenter(cluster, t);
    const hour = hourOf(t);
    const nodes: SnapshotNode[] = [];
    const pods: SnapshotPod[] = [];
    const events: ClusterSnapshot['events'] = [];
    const windowStart = t - HOUR_MS;
    const runningByWorkload = new Map<string, number>();
    const unplaced: { draft: PodDraft; pod: SchedulablePod }[] = [];
    // One scheduler view per workload: every replica asks for the same.
    const schedulables = new Map<SandboxWorkload, SchedulablePod>();

    // Every group's nodes as filled so far: a pod its own group cannot hold may still fit another's.
    const groupStates: { ng: SandboxNodeGroup; states: NodeState[] }[] = [];
    for (const ng of cluster.nodeGroups) {
      const groupNodes = sim.nodesAt(ng, t);
      const states: NodeState[] = groupNodes.map((node) => ({
        node,
        name: node.name,
        labels: this.nodeLabels(cluster, ng, node),
        // A cordon does not move the pods the snapshot places again: it only keeps new ones off (below).
        taints: ng.taints,
        free: {
          cpuMilli: node.slot.allocatable.cpuMilli,
          memoryMiB: node.slot.allocatable.memoryMiB,
          pods: node.slot.allocatable.pods,
          gpuMilli: node.slot.allocatable.resources['nvidia.com/gpu'] ?? 0,
        },
        allocatableCpuMilli: node.slot.allocatable.cpuMilli,
        usage: { cpuMilli: 0, memoryMiB: 0 },
      }));
      // DaemonSets first: one pod per node.
      for (const state of states) {
        for (const ds of daemonSetsOn(cluster, ng)) {
          pods.push(this.daemonSetPod(ds, state, hour));
        }
      }
      // Then the group's pods, each on the least allocated node that fits: pods a node selector or
      // required node affinity ties to nodes like these first, then the others, each largest first. The
      // placement is recomputed at every instant (no pod keeps its node), and placing the pods with the
      // fewest options first is how it keeps what a real cluster keeps: a pod that could only run here is
      // not pushed out by one that could run elsewhere (which overflows to other groups' nodes, below).
      const drafts = this.podDrafts(cluster, ng, t, hour);
      const tiedByWorkload = new Map<SandboxWorkload, number>();
      const tied = (w: SandboxWorkload) => {
        let rank = tiedByWorkload.get(w);
        if (rank === undefined) {
          rank =
            Object.keys(w.nodeSelector).length > 0 ||
            (schedulingConstraintsOf(w).affinity?.nodeAffinity?.required?.length ?? 0) > 0
              ? 0
              : 1;
          tiedByWorkload.set(w, rank);
        }
        return rank;
      };
      drafts.sort(
        (a, b) =>
          tied(a.workload) - tied(b.workload) ||
          b.workload.requests.cpuMilli - a.workload.requests.cpuMilli ||
          b.workload.requests.memoryMiB - a.workload.requests.memoryMiB ||
          (a.name < b.name ? -1 : 1),
      );
      for (const draft of drafts) {
        const req = draft.workload.requests;
        let best: NodeState | undefined;
        let bestScore = Number.NEGATIVE_INFINITY;
        // The replacement of an evicted pod is still starting: Pending, on no node yet.
        let pod = schedulables.get(draft.workload);
        if (!pod) {
          pod = schedulableOf(draft.workload);
          schedulables.set(draft.workload, pod);
        }
        for (const state of draft.startingUntilMs > t ? [] : states) {
          const f = state.free;
          if (unfitReason(pod, state) !== null) continue;
          const score = (f.cpuMilli - req.cpuMilli) / Math.max(1, state.allocatableCpuMilli);
          if (score > bestScore) {
            bestScore = score;
            best = state;
          }
        }
        if (best) {
          bind(pod, best);
          runningByWorkload.set(draft.workload.key, (runningByWorkload.get(draft.workload.key) ?? 0) + 1);
          pods.push(this.workloadPod(cluster, draft, best, t, hour));
          // A patch that starves the pod of memory: each of its OOM kills in the last hour is an event.
          for (const atMs of this.patchOomKills(cluster, draft, t, hour))
            if (atMs > windowStart)
              events.push({
                reason: 'OOMKilled',
                objectKind: 'Pod',
                objectName: draft.name,
                namespace: draft.workload.namespace,
                at: new Date(atMs).toISOString(),
                count: 1,
              });
        } else if (draft.startingUntilMs > t) pods.push(this.workloadPod(cluster, draft, undefined, t, hour));
        else unplaced.push({ draft, pod });
      }
      groupStates.push({ ng, states });
      // Events of the last hour.
      for (const interruption of sim.interruptionsBetween(ng, windowStart, t)) {
        events.push({
          reason: 'SpotInterruption',
          objectKind: 'Node',
          objectName: interruption.node.name,
          namespace: null,
          at: new Date(interruption.atMs).toISOString(),
          count: 1,
        });
      }
      for (const node of groupNodes) {
        for (const h of [hour - 1, hour]) {
          const event = sim.nodeEventIn(ng, node.slot.index, h);
          if (event && event.atMs > windowStart && event.atMs <= t && event.atMs >= node.launchTimeMs) {
            events.push({
              reason: event.reason,
              objectKind: 'Node',
              objectName: node.name,
              namespace: null,
              at: new Date(event.atMs).toISOString(),
              count: 1,
            });
          }
        }
      }
    }
    // Pods no node of their group could take: kube-scheduler places a pod on any node it fits, so first
    // onto another group's node (its selectors, affinity and that group's taints permitting; a cordoned
    // node takes no new pod), the least allocated first as above.
    const others = groupStates.flatMap(({ states }) =>
      states.filter((s) => !this.writes.isCordoned(cluster.name, s.name, t)),
    );
    const overflow: typeof unplaced = [];
    for (const entry of unplaced) {
      const { draft, pod } = entry;
      let best: NodeState | undefined;
      let bestScore = Number.NEGATIVE_INFINITY;
      for (const state of others) {
        if (unfitReason(pod, state) !== null) continue;
        const score = (state.free.cpuMilli - pod.cpuMilli) / Math.max(1, state.allocatableCpuMilli);
        if (score > bestScore) {
          bestScore = score;
          best = state;
        }
      }
      if (!best) {
        overflow.push(entry);
        continue;
      }
      bind(pod, best);
      runningByWorkload.set(draft.workload.key, (runningByWorkload.get(draft.workload.key) ?? 0) + 1);
      pods.push(this.workloadPod(cluster, draft, best, t, hour));
    }
    for (const { ng, states } of groupStates)
      for (const state of states) nodes.push(this.snapshotNode(cluster, ng, state, t, hour));
    // Then onto the nodes Spot Optimizer's pools launched, where they fit (a cordoned launched node takes
    // none), else Pending.
    const launched: Placeable[] = this.pools.nodesAt(cluster.name, t).map((n) => ({
      name: n.name,
      labels: n.labels,
      taints: [
        ...n.taints,
        ...(this.writes.isCordoned(cluster.name, n.name, t)
          ? [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' as const }]
          : []),
      ],
      free: { ...n.allocatable, gpuMilli: 0 },
      allocatableCpuMilli: n.allocatable.cpuMilli,
      usage: { cpuMilli: 0, memoryMiB: 0 },
    }));
    const pending: PendingForPools[] = [];
    const podsOnLaunched = new Map<string, number>();
    for (const { draft, pod } of overflow) {
      const host = launched.find((n) => unfitReason(pod, n) === null);
      if (host) {
        bind(pod, host);
        podsOnLaunched.set(host.name, (podsOnLaunched.get(host.name) ?? 0) + 1);
        runningByWorkload.set(draft.workload.key, (runningByWorkload.get(draft.workload.key) ?? 0) + 1);
      } else
        pending.push({
          name: `${draft.workload.namespace}/${draft.name}`,
          cpuMilli: pod.cpuMilli,
          memoryMiB: pod.memoryMiB,
          nodeSelector: pod.nodeSelector,
          requiredNodeAffinity: pod.requiredNodeAffinity,
          tolerations: pod.tolerations,
          nodeGroup: draft.seeded.nodeGroup,
        });
      pods.push(this.workloadPod(cluster, draft, host, t, hour));
    }
    for (const n of this.pools.nodesAt(cluster.name, t)) {
      const state = launched.find((l) => l.name === n.name) as Placeable;
      nodes.push(this.launchedNode(cluster.name, n, state));
    }
    for (const w of cluster.workloads) {
      if (w.oomHourlyProbability === 0) continue;
      // Only pods that run now can have been killed (a pending pod has no container to kill).
      const running = runningByWorkload.get(w.key) ?? 0;
      for (const h of [hour - 1, hour]) {
        for (const oom of sim.oomKills(w, cluster, h)) {
          if (oom.atMs <= windowStart || oom.atMs > t || oom.podIndex >= running) continue;
          events.push({
            reason: 'OOMKilled',
            objectKind: 'Pod',
            objectName: this.podName(cluster, w, oom.podIndex, t),
            namespace: w.namespace,
            at: new Date(oom.atMs).toISOString(),
            count: 1,
          });
        }
      }
    }
    events.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));

    const pdbs: ClusterSnapshot['pdbs'] = cluster.workloads
      .filter((w) => w.pdb)
      .map((w) => {
        const pdb = w.pdb as NonNullable<SandboxWorkload['pdb']>;
        const wanted = sim.replicas(w, cluster, hour);
        const healthy = runningByWorkload.get(w.key) ?? 0;
        return {
          namespace: w.namespace,
          name: pdb.name,
          matchLabels: { 'app.kubernetes.io/name': w.name },
          disruptionsAllowed: Math.max(0, healthy - (wanted - pdb.maxUnavailable)),
        };
      });
    const hpas: ClusterSnapshot['hpas'] = cluster.workloads
      .filter((w) => w.hpa)
      .map((w) => {
        const hpa = w.hpa as NonNullable<SandboxWorkload['hpa']>;
        return {
          namespace: w.namespace,
          name: w.name,
          target: { kind: w.kind, name: w.name },
          metrics: hpa.metrics,
          minReplicas: hpa.minReplicas,
          maxReplicas: hpa.maxReplicas,
        };
      });
    const churn = clusterHour(sim, cluster, hour, false).podChurn;
    const controlPlane = sim.controlPlane(cluster, hour, nodes.length, churn);
    const snapshot: ClusterSnapshot = {
      schemaVersion: 1,
      clusterName: cluster.name,
      capturedAt: at.toISOString(),
      kubernetesVersion: cluster.kubernetesVersion,
      source: 'sandbox',
      nodes,
      pods,
      pdbs,
      hpas,
      events,
      controlPlane: {
        latencyP99Ms: controlPlane.latencyP99Ms,
        requestsPerMinute: controlPlane.requestsPerMinute,
        errorRatio: controlPlane.errorRatio,
      },
    };
    return { snapshot, pending, podsOnLaunched };
  }

  /** The cluster as an agent would report it at instant `at`. */
  snapshotAt(clusterArnOrName: string, at: Date): ClusterSnapshot {
    return this.scheduleAt(clusterArnOrName, at).snapshot;
  }

  /**
   * The sandbox's Karpenter at `at` for the NodePools Spot Optimizer applied to the cluster: launches
   * nodes for the pods left Pending and removes the empty ones (`karpenter-pools.ts`). Returns what it
   * launched.
   */
  karpenterTick(clusterName: string, at: Date): LaunchedNode[] {
    const cluster = this.cluster(clusterName);
    const { pending, podsOnLaunched } = this.scheduleAt(clusterName, at);
    const pools = this.writes.karpenterObjects(cluster.name).filter((m) => m.kind === 'NodePool');
    return this.pools.tick(cluster, pools, pending, podsOnLaunched, at.getTime());
  }

  /**
   * The world's own Karpenter pools react to pending pods within seconds, whatever instant the clock is
   * moved to (ADR 0092): before the cluster is scheduled at `t`, each instant since the last one handled
   * at which pods of a seeded Karpenter pool may have gone Pending (a node of it removed or its limits
   * changed, a CronJob run starting, an evicted pod's replacement starting, a full hour) is replayed
   * {@link karpenterReactionMs} later: the pods then Pending get nodes from the shared provisioner, and
   * the launched nodes that stayed empty past `consolidateAfter` go (checked at those instants, at run
   * ends and when an empty node's `consolidateAfter` runs out). Only from a pool's first change on: the
   * untouched world's pools are sized for their pods by the hour. Nothing beyond the clock's now is
   * replayed, so a change made later is seen in order.
   */
  catchUpCustomerKarpenter(cluster: SandboxCluster, t: number): void {
    if (this.catchingUp || !this.customerPools) return;
    const groups = cluster.nodeGroups.filter((g) => g.kind === 'karpenter');
    if (groups.length === 0) return;
    let first = Number.POSITIVE_INFINITY;
    for (const g of groups) first = Math.min(first, this.sim.changesOf(g)[0]?.atMs ?? first);
    if (!Number.isFinite(first)) return;
    const to = Math.min(t, this.clock?.() ?? t);
    const from = Math.max(this.customerKarpenterUpTo.get(cluster.name) ?? first - 1, first - 1);
    if (to <= from) return;
    const instants = new Set<number>();
    const add = (at: number) => {
      const tick = at + karpenterReactionMs;
      if (tick > from && tick <= to) instants.add(tick);
    };
    for (const g of groups) {
      for (const o of this.sim.changesOf(g)) add(o.atMs);
      for (const w of this.sim.workloadsOf(g)) {
        for (const e of this.writes.evictions(w.key)) add(e.atMs + replacementStartMs);
        if (!w.cron) continue;
        for (const start of this.sim.cronStartsBetween(w, from - HOUR_MS * 25, to)) {
          add(start);
          add(start + w.cron.durationMinutes * 60_000);
        }
      }
    }
    for (let h = Math.ceil(from / HOUR_MS); h * HOUR_MS <= to; h++) add(h * HOUR_MS);
    const queue = [...instants].sort((a, b) => a - b);
    this.catchingUp = true;
    try {
      while (queue.length > 0) {
        const at = queue.shift() as number;
        const specs = this.customerPools(cluster.name);
        const { pending, podsOnLaunched } = this.scheduleAt(cluster.name, new Date(at));
        this.pools.customerTick(cluster, specs, pending, podsOnLaunched, at, (spec) =>
          this.customerNodesLeft(cluster, spec, at),
        );
        const next = this.pools.nextConsolidationMs(cluster.name, specs, at);
        if (next !== null && next <= to && !queue.includes(next)) {
          queue.push(next);
          queue.sort((a, b) => a - b);
        }
      }
    } finally {
      this.catchingUp = false;
    }
    this.customerKarpenterUpTo.set(cluster.name, to);
  }

  /**
   * How many nodes a world pool may still launch at `at`: its size cap (a scaling change's maximum: a
   * hibernated pool's is 0), its `limits.nodes` and `limits.cpu`, less what it runs (seeded and launched).
   */
  private customerNodesLeft(cluster: SandboxCluster, spec: PoolSpec, at: number): number {
    const g = cluster.nodeGroups.find((x) => x.kind === 'karpenter' && x.name === spec.name);
    if (!g) return 0;
    const world = this.sim.nodesAt(g, at);
    const launched = this.pools.nodesAt(cluster.name, at).filter((n) => n.nodePool === spec.name);
    const cap = Math.min(this.sim.scalingAt(g, at).maxSize, spec.maxNodes ?? Number.POSITIVE_INFINITY);
    if (spec.cpuLimitMilli !== null) {
      const usedMilli =
        world.reduce((sum, n) => sum + catalogType(n.slot.instanceType).vcpu * 1000, 0) +
        launched.reduce((sum, n) => sum + catalogType(n.instanceType).vcpu * 1000, 0);
      if (usedMilli >= spec.cpuLimitMilli) return 0;
    }
    return Math.max(0, cap - world.length - launched.length);
  }

  private launchedNode(clusterName: string, n: LaunchedNode, state: Placeable): SnapshotNode {
    return {
      name: n.name,
      annotations: this.writes.nodeAnnotations(clusterName, n.name),
      instanceId: n.instanceId,
      instanceType: n.instanceType,
      capacityType: n.capacityType,
      zone: n.zone,
      nodeGroup: n.nodePool,
      allocatable: { ...n.allocatable, resources: {} },
      labels: { ...n.labels },
      taints: state.taints.map((taint) => ({ ...taint })),
      conditions: { Ready: 'True', MemoryPressure: 'False', DiskPressure: 'False', PIDPressure: 'False' },
      usage: { cpuMilli: round1(state.usage.cpuMilli), memoryMiB: round1(state.usage.memoryMiB) },
      createdAt: new Date(n.launchedAtMs).toISOString(),
    };
  }

  /** The pods a group's workloads want at instant t (replicas now; CronJobs while a run is active). */
  private podDrafts(cluster: SandboxCluster, ng: SandboxNodeGroup, t: number, hour: number): PodDraft[] {
    const drafts: PodDraft[] = [];
    for (const seeded of this.sim.workloadsOf(ng)) {
      const w = this.effectiveWorkload(seeded, t);
      const patchedAt = this.writes.patchAt(w.key, t)?.atMs ?? 0;
      // A patch rolls the pods out: a new ReplicaSet hash, like a roll-out of the workload's own.
      const rollout =
        w.cron || w.kind === 'StatefulSet' ? 0 : Math.max(this.sim.lastRollout(w, cluster, t), patchedAt);
      const evictions = this.writes.evictions(w.key);
      const count = w.cron
        ? this.sim.cronRunAt(w, t) !== null
          ? w.replicas
          : 0
        : this.sim.replicas(w, cluster, hour);
      for (let index = 0; index < count; index++) {
        let name = this.podName(cluster, w, index, t, rollout);
        let startingUntilMs = 0;
        // Each eviction of the pod's name before t replaced it (a StatefulSet's replacement keeps the name).
        for (const e of evictions) {
          if (e.atMs > t || e.podName !== name) continue;
          if (w.kind !== 'StatefulSet') name = `${name.slice(0, -5)}${suffix(5, w.hash, e.atMs, index)}`;
          startingUntilMs = e.atMs + replacementStartMs;
        }
        drafts.push({
          workload: w,
          seeded,
          index,
          name,
          ownerReplicas: w.cron ? null : count,
          startingUntilMs,
        });
      }
    }
    return drafts;
  }

  /** Pod names as the controllers make them (ReplicaSet hash changes with each roll-out). */
  private podName(
    cluster: SandboxCluster,
    w: SandboxWorkload,
    index: number,
    t: number,
    knownRollout?: number,
  ): string {
    if (w.kind === 'StatefulSet') return `${w.name}-${index}`;
    if (w.cron) {
      const run = this.sim.cronRunAt(w, t) ?? t;
      return `${w.name}-${Math.floor(run / 60_000)}-${suffix(5, w.hash, run, index)}`;
    }
    const rollout = knownRollout ?? this.sim.lastRollout(w, cluster, t);
    return `${w.name}-${suffix(10, w.hash, rollout)}-${suffix(5, w.hash, rollout, index)}`;
  }

  private daemonSetPod(ds: SandboxDaemonSet, state: NodeState, hour: number): SnapshotPod {
    const key = hashString(`${ds.namespace}/${ds.name}`);
    const jitter = 0.8 + 0.4 * unit(key, mix(state.node.launchTimeMs, state.node.slot.index), hour);
    const usage = {
      cpuMilli: round1(ds.usage.cpuMilli * jitter),
      memoryMiB: round1(ds.usage.memoryMiB * jitter),
    };
    state.free.cpuMilli -= ds.requests.cpuMilli;
    state.free.memoryMiB -= ds.requests.memoryMiB;
    state.free.pods -= 1;
    state.usage.cpuMilli += usage.cpuMilli;
    state.usage.memoryMiB += usage.memoryMiB;
    return {
      namespace: ds.namespace,
      name: `${ds.name}-${suffix(5, key, state.node.launchTimeMs, state.node.slot.index)}`,
      nodeName: state.node.name,
      phase: 'Running',
      owner: { kind: 'DaemonSet', name: ds.name, replicas: null },
      qosClass: 'Burstable',
      containers: [
        {
          name: ds.name,
          requests: { ...ds.requests, resources: { ...ds.requests.resources } },
          limits: {},
          usage,
          restarts: 0,
          lastTerminationReason: null,
        },
      ],
      pvcNames: [],
      labels: { 'app.kubernetes.io/name': ds.name, 'k8s-app': ds.name },
      annotations: {},
      nodeSelector: {},
      tolerations: [{ operator: 'Exists' }],
      security: daemonSetSecurity(ds.name),
    };
  }

  private workloadPod(
    cluster: SandboxCluster,
    draft: PodDraft,
    placed: Placeable | undefined,
    t: number,
    hour: number,
  ): SnapshotPod {
    const w = draft.workload;
    // Restarts: OOM kills of this pod over the last 24 hours; a patch rolled the pods out, so only the
    // kills since then count (and the kills the patch itself causes when it starves the pod of memory).
    const patchedAt = this.writes.patchAt(w.key, t)?.atMs ?? 0;
    let ooms = placed ? this.patchOomKills(cluster, draft, t, hour).length : 0;
    if (w.oomHourlyProbability > 0 && placed) {
      for (let h = hour - 23; h <= hour; h++)
        for (const oom of this.sim.oomKills(w, cluster, h))
          if (oom.podIndex === draft.index && oom.atMs <= t && oom.atMs >= patchedAt) ooms++;
    }
    const podUsage = placed ? this.sim.podUsage(w, cluster, hour, draft.index) : null;
    if (placed && podUsage) {
      placed.usage.cpuMilli += podUsage.cpuMilli;
      placed.usage.memoryMiB += podUsage.memoryMiB;
    }
    const containers = w.containers.map((c, i) => {
      const u = podUsage?.containers[i];
      const usage = u ? { cpuMilli: u.cpuMilli, memoryMiB: u.memoryMiB } : null;
      return {
        name: c.name,
        // Copies: a consumer may change its snapshot, never the world.
        requests: { ...c.requests, resources: { ...c.requests.resources } },
        limits: { ...c.limits },
        usage,
        restarts: i === 0 ? ooms : 0,
        lastTerminationReason: i === 0 && ooms > 0 ? 'OOMKilled' : null,
      };
    });
    const bestEffort = w.containers.every(
      (c) => c.requests.cpuMilli === 0 && c.requests.memoryMiB === 0 && c.limits.memoryMiB === undefined,
    );
    const guaranteed = w.containers.every(
      (c) => c.limits.cpuMilli === c.requests.cpuMilli && c.limits.memoryMiB === c.requests.memoryMiB,
    );
    return {
      namespace: w.namespace,
      name: draft.name,
      nodeName: placed ? placed.name : null,
      phase: placed ? 'Running' : 'Pending',
      owner: { kind: w.kind, name: w.name, replicas: draft.ownerReplicas },
      qosClass: bestEffort ? 'BestEffort' : guaranteed ? 'Guaranteed' : 'Burstable',
      containers,
      pvcNames: w.kind === 'StatefulSet' ? w.pvcs.filter((p) => p.endsWith(`-${draft.index}`)) : [...w.pvcs],
      labels: { ...w.labels },
      annotations: { ...w.annotations },
      nodeSelector: { ...w.nodeSelector },
      tolerations: w.tolerations.map((t) => ({ ...t })),
      ...schedulingConstraintsOf(w),
      security: workloadSecurity(w),
    };
  }

  /** The labels EKS, Karpenter and the kubelet set on a group's node. */
  private nodeLabels(
    cluster: SandboxCluster,
    ng: SandboxNodeGroup,
    node: SandboxNode,
  ): Record<string, string> {
    const slot = node.slot;
    const labels: Record<string, string> = {
      'kubernetes.io/arch': kubernetesArchitecture(slot.architecture),
      'kubernetes.io/os': 'linux',
      'kubernetes.io/hostname': node.name,
      'node.kubernetes.io/instance-type': slot.instanceType,
      'topology.kubernetes.io/region': cluster.region,
      'topology.kubernetes.io/zone': slot.zone,
      ...ng.labels,
    };
    if (ng.kind === 'managed') {
      labels['eks.amazonaws.com/nodegroup'] = ng.name;
      labels['eks.amazonaws.com/capacityType'] = slot.capacityType === 'spot' ? 'SPOT' : 'ON_DEMAND';
    } else if (ng.kind === 'karpenter') {
      labels['karpenter.sh/nodepool'] = ng.name;
      labels['karpenter.sh/capacity-type'] = slot.capacityType;
      labels['karpenter.k8s.aws/instance-family'] = slot.family;
      labels['karpenter.k8s.aws/instance-category'] = instanceCategory(slot.family);
      labels['karpenter.sh/registered'] = 'true';
    } else {
      labels['node.kubernetes.io/lifecycle'] = slot.capacityType === 'spot' ? 'spot' : 'normal';
    }
    if (ng.role === 'gpu') labels['nvidia.com/gpu.present'] = 'true';
    return labels;
  }

  private snapshotNode(
    cluster: SandboxCluster,
    ng: SandboxNodeGroup,
    state: NodeState,
    t: number,
    hour: number,
  ): SnapshotNode {
    const { node } = state;
    const slot = node.slot;
    // A copy: a consumer may change its snapshot, never the scheduler's view.
    const labels = { ...state.labels };
    // Conditions: a pressure event in the last 15 minutes is still in force.
    const conditions: Record<string, 'True' | 'False' | 'Unknown'> = {
      Ready: 'True',
      MemoryPressure: 'False',
      DiskPressure: 'False',
      PIDPressure: 'False',
    };
    for (const h of [hour - 1, hour]) {
      const event = this.sim.nodeEventIn(ng, slot.index, h);
      if (!event || event.atMs > t || event.atMs <= t - 15 * 60_000 || event.atMs < node.launchTimeMs)
        continue;
      if (event.reason === 'NodeNotReady') conditions.Ready = 'Unknown';
      else conditions[event.reason] = 'True';
    }
    const capacityCpu = catalogType(slot.instanceType).vcpu * 1000;
    return {
      name: node.name,
      annotations: this.writes.nodeAnnotations(cluster.name, node.name),
      instanceId: node.instanceId,
      instanceType: slot.instanceType,
      capacityType: slot.capacityType,
      zone: slot.zone,
      nodeGroup: ng.name,
      allocatable: {
        cpuMilli: slot.allocatable.cpuMilli,
        memoryMiB: slot.allocatable.memoryMiB,
        pods: slot.allocatable.pods,
        resources: { ...slot.allocatable.resources },
      },
      labels,
      taints: [
        ...ng.taints.map((taint) => ({ ...taint })),
        // kubectl cordon: the node controller adds this taint to an unschedulable node.
        ...(this.writes.isCordoned(cluster.name, node.name, t)
          ? [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' as const }]
          : []),
      ],
      conditions,
      usage: {
        cpuMilli: round1(Math.min(capacityCpu, state.usage.cpuMilli)),
        memoryMiB: round1(state.usage.memoryMiB),
      },
      // The kubelet registers about a minute after the instance launches.
      createdAt: new Date(node.launchTimeMs + 60_000).toISOString(),
    };
  }

  // -------------------------------------------------------------------------------------------------
  // History.

  /**
   * Hourly samples for each hour starting in [from, to), oldest first (30 days = 720 samples), with the
   * per-workload figures unless `workloads` is false. See `history.ts`.
   */
  historyHourly(
    clusterArnOrName: string,
    from: Date,
    to: Date,
    options: { workloads?: boolean } = {},
  ): ClusterHourSample[] {
    const cluster = this.cluster(clusterArnOrName);
    const out: ClusterHourSample[] = [];
    for (let h = Math.ceil(from.getTime() / HOUR_MS); h * HOUR_MS < to.getTime(); h++)
      out.push(clusterHour(this.sim, cluster, h, options.workloads ?? true));
    return out;
  }

  /** Per workload and UTC day in [from, to): CPU p50/p95/max per pod, peak memory, OOM kills. */
  workloadDaily(clusterArnOrName: string, from: Date, to: Date): WorkloadDailyPoint[] {
    return workloadDaily(this.sim, this.cluster(clusterArnOrName), from, to);
  }
}

const round1 = (value: number): number => Math.round(value * 10) / 10;

/** How long after pods go Pending the sandbox's Karpenter has launched their node (batching, a launch call). */
export const karpenterReactionMs = 5_000;
