/**
 * The sandbox's Karpenter for the NodePools Spot Optimizer applies (ADR 0042). Seeded Karpenter groups stay
 * the world's slots (`simulation.ts`), and their Pending pods get nodes here too, from the pool as it is
 * live (`customerTick`, replayed at the instants pods may go Pending: ADR 0092); a NodePool applied
 * through the agent with Spot Optimizer's mark is a pool of its own here, and it acts as Karpenter would:
 *
 * - on each tick (the sandbox agent's command poll, and right after an apply) the pods the scheduler
 *   left Pending are handed to the shared provisioner (`provisionPendingPods`): the cheapest type the
 *   pool's requirements allow that fits, spot first, by the pool's strategy annotation, priced from the
 *   sandbox's price book and spot market; the node is Ready at once (a simplification: real nodes take
 *   about a minute);
 * - spot capacity can be made to run out per pool (`setSpotShortage`, the sandbox control route): a spot
 *   launch then fails with InsufficientInstanceCapacity and, when the pool allows on-demand, the node is
 *   launched on-demand instead (an event says so);
 * - a pool's `spec.limits.nodes` caps how many nodes it runs: pods beyond it stay Pending (ADR 0079);
 * - a launched node that holds no pod for the pool's `consolidateAfter` is terminated (WhenEmpty), and
 *   deleting the pool terminates its nodes: their cost stops from that instant.
 *
 * Kept in memory, like the agents' other writes.
 */

import { carriesSpotOptimizerMark } from '@spot/shared/karpenter/marker';
import { type LaunchOffering, type PendingPod, provisionPendingPods } from '@spot/shared/karpenter/provision';
import type { KarpenterManifest } from '@spot/shared/model/agent-command';
import { loadCatalog } from '@spot/shared/pricing/catalog';
import { eksAllocatable, kubernetesArchitecture } from '@spot/shared/pricing/index';
import type { NodeRequirement } from '@spot/shared/templates/karpenter';
import { sandboxOnDemandUsd, sandboxSpotUsd, spotAdvice } from './prices';
import { hashString, hexId, mix } from './random';

export interface LaunchedNode {
  name: string;
  instanceId: string;
  nodePool: string;
  instanceType: string;
  family: string;
  capacityType: 'spot' | 'on-demand';
  zone: string;
  labels: Record<string, string>;
  allocatable: { cpuMilli: number; memoryMiB: number; pods: number };
  hourlyPriceUsd: number;
  fellBackToOnDemand: boolean;
  launchedAtMs: number;
  terminatedAtMs: number | null;
  emptySinceMs: number | null;
  /** The pool's taints, on the node as Karpenter sets them. */
  taints: { key: string; value?: string; effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute' }[];
  /** Launched for one of the world's own (customer) NodePools rather than one Spot Optimizer applied. */
  customer: boolean;
}

export interface PoolEvent {
  reason: 'Launched' | 'InsufficientInstanceCapacity' | 'SpotFallbackToOnDemand' | 'Consolidated' | 'Deleted';
  objectName: string;
  atMs: number;
  message: string;
}

/** A pod the scheduler left Pending, as the provisioner sees it. */
export type PendingForPools = PendingPod & {
  readonly tolerations: readonly { key?: string; operator?: string }[];
  /** The node group (pool) the pod's workload is seeded on. */
  readonly nodeGroup?: string;
};

export interface PoolSpec {
  name: string;
  requirements: NodeRequirement[];
  labels: Record<string, string>;
  taints: LaunchedNode['taints'];
  strategy: 'lowest-cost' | 'capacity-optimized';
  consolidateAfterMs: number;
  /** `spec.limits.nodes`; null: no node limit. */
  maxNodes: number | null;
  /** `spec.limits.cpu` in millicores; null: none (or not a quantity). */
  cpuLimitMilli: number | null;
}

const durationMs = (text: unknown): number => {
  const m = typeof text === 'string' ? /^(\d+)(s|m|h)$/.exec(text) : null;
  if (!m) return 0;
  return Number(m[1]) * { s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 's' | 'm' | 'h'];
};

/** A Kubernetes CPU quantity (`64`, `500m`) in millicores, else null. */
function cpuMilliOf(quantity: unknown): number | null {
  const m =
    typeof quantity === 'number' || typeof quantity === 'string'
      ? /^(\d+(?:\.\d+)?)(m?)$/.exec(String(quantity))
      : null;
  if (!m) return null;
  return m[2] === 'm' ? Number(m[1]) : Math.round(Number(m[1]) * 1000);
}

/** What the sandbox reads of an applied NodePool (the rest of the manifest is kept as applied). */
export function poolSpecOf(manifest: KarpenterManifest): PoolSpec {
  const spec = manifest.spec as {
    template?: {
      metadata?: { labels?: Record<string, string> };
      spec?: { requirements?: NodeRequirement[]; taints?: LaunchedNode['taints'] };
    };
    disruption?: { consolidateAfter?: string };
    limits?: { nodes?: unknown; cpu?: unknown };
  };
  const nodes = Number(spec.limits?.nodes ?? Number.NaN);
  const annotations = (manifest.metadata as { annotations?: Record<string, string> }).annotations ?? {};
  return {
    name: manifest.metadata.name,
    requirements: spec.template?.spec?.requirements ?? [],
    labels: spec.template?.metadata?.labels ?? {},
    taints: (spec.template?.spec?.taints ?? []).map((t) => ({ ...t })),
    strategy:
      annotations['spot-optimizer.io/provisioning-strategy'] === 'lowest-cost'
        ? 'lowest-cost'
        : 'capacity-optimized',
    consolidateAfterMs: durationMs(spec.disruption?.consolidateAfter),
    maxNodes: Number.isInteger(nodes) && nodes >= 0 ? nodes : null,
    cpuLimitMilli: cpuMilliOf(spec.limits?.cpu),
  };
}

export class SandboxKarpenterPools {
  private readonly launched = new Map<string, LaunchedNode[]>();
  private readonly shortages = new Map<string, Set<string> | 'all'>();
  private readonly events = new Map<string, PoolEvent[]>();

  /** Spot capacity of a pool (`*`: every pool of the cluster) runs out for these types, or all; null restores it. */
  setSpotShortage(cluster: string, pool: string, types: readonly string[] | 'all' | null): void {
    const key = `${cluster}/${pool}`;
    if (types === null) this.shortages.delete(key);
    else this.shortages.set(key, types === 'all' ? 'all' : new Set(types));
  }

  private shortageOf(cluster: string, pool: string): Set<string> | 'all' {
    const own = this.shortages.get(`${cluster}/${pool}`) ?? this.shortages.get(`${cluster}/*`);
    return own ?? new Set();
  }

  /** The launched nodes of the cluster running at `atMs`. */
  nodesAt(cluster: string, atMs: number): LaunchedNode[] {
    return (this.launched.get(cluster) ?? []).filter(
      (n) => n.launchedAtMs <= atMs && (n.terminatedAtMs === null || n.terminatedAtMs > atMs),
    );
  }

  /** Every node ever launched for the cluster (terminated ones keep their end). */
  history(cluster: string): readonly LaunchedNode[] {
    return this.launched.get(cluster) ?? [];
  }

  eventsBetween(cluster: string, fromMs: number, toMs: number): PoolEvent[] {
    return (this.events.get(cluster) ?? []).filter((e) => e.atMs > fromMs && e.atMs <= toMs);
  }

  /** What the launched nodes cost over [fromMs, toMs), USD: each node's price x the hours it ran. */
  costUsd(cluster: string, fromMs: number, toMs: number): number {
    let usd = 0;
    for (const n of this.history(cluster)) {
      const start = Math.max(fromMs, n.launchedAtMs);
      const end = Math.min(toMs, n.terminatedAtMs ?? toMs);
      if (end > start) usd += (n.hourlyPriceUsd * (end - start)) / 3_600_000;
    }
    return usd;
  }

  private event(cluster: string, e: PoolEvent): void {
    const list = this.events.get(cluster) ?? [];
    list.push(e);
    if (list.length > 500) list.splice(0, list.length - 500);
    this.events.set(cluster, list);
  }

  /** One launched node's Node object was deleted (the optimizer's delete-node): its instance goes. */
  removeNode(cluster: string, node: string, atMs: number): boolean {
    const found = this.nodesAt(cluster, atMs).find((n) => n.name === node);
    if (!found) return false;
    found.terminatedAtMs = atMs;
    this.event(cluster, { reason: 'Deleted', objectName: node, atMs, message: `Node ${node} was deleted` });
    return true;
  }

  /** The pool was deleted: Karpenter's finalizer terminates its nodes. */
  removePool(cluster: string, pool: string, atMs: number): void {
    for (const n of this.nodesAt(cluster, atMs))
      if (n.nodePool === pool) {
        n.terminatedAtMs = atMs;
        this.event(cluster, {
          reason: 'Deleted',
          objectName: n.name,
          atMs,
          message: `NodePool ${pool} was deleted`,
        });
      }
  }

  /**
   * One provisioning and consolidation pass at `atMs` for the NodePools Spot Optimizer applied: launches
   * nodes for the pending pods each managed pool admits, and terminates the pools' nodes that stayed
   * empty past `consolidateAfter`. `podsOnNode` counts the workload pods the scheduler placed on each
   * launched node now. The nodes of the world's own pools are {@link customerTick}'s.
   */
  tick(
    cluster: { name: string; region: string; zones: readonly string[] },
    pools: readonly KarpenterManifest[],
    pending: readonly PendingForPools[],
    podsOnNode: ReadonlyMap<string, number>,
    atMs: number,
  ): LaunchedNode[] {
    const specs = pools
      .filter((m) => m.kind === 'NodePool' && carriesSpotOptimizerMark(labelsOf(m)))
      .map(poolSpecOf);
    this.consolidate(cluster.name, specs, podsOnNode, atMs, false);
    // The pool's node limit (ADR 0079): what it may still launch beside the nodes it runs.
    return this.launch(cluster, specs, pending, atMs, false, (spec) =>
      spec.maxNodes === null
        ? undefined
        : Math.max(
            0,
            spec.maxNodes - this.nodesAt(cluster.name, atMs).filter((n) => n.nodePool === spec.name).length,
          ),
    );
  }

  /**
   * The same pass for the world's own Karpenter NodePools (the customer's, as the API server has them
   * now, edits applied): their pods left Pending get the cheapest fitting type the live pool allows
   * (ADR 0092). `nodesLeft` is how many nodes each pool may still launch (its limits and size, its
   * seeded nodes counted), undefined for no limit.
   */
  customerTick(
    cluster: { name: string; region: string; zones: readonly string[] },
    specs: readonly PoolSpec[],
    pending: readonly PendingForPools[],
    podsOnNode: ReadonlyMap<string, number>,
    atMs: number,
    nodesLeft: (spec: PoolSpec) => number | undefined,
  ): LaunchedNode[] {
    this.consolidate(cluster.name, specs, podsOnNode, atMs, true);
    return this.launch(cluster, specs, pending, atMs, true, nodesLeft);
  }

  /** Terminates the nodes (of managed or of customer pools) that stayed empty past their pool's consolidateAfter. */
  private consolidate(
    cluster: string,
    specs: readonly PoolSpec[],
    podsOnNode: ReadonlyMap<string, number>,
    atMs: number,
    customer: boolean,
  ): void {
    for (const n of this.nodesAt(cluster, atMs)) {
      if (n.customer !== customer) continue;
      const spec = specs.find((s) => s.name === n.nodePool);
      if ((podsOnNode.get(n.name) ?? 0) > 0) n.emptySinceMs = null;
      else n.emptySinceMs ??= atMs;
      if (!spec) this.removePool(cluster, n.nodePool, atMs);
      else if (n.emptySinceMs !== null && atMs - n.emptySinceMs >= spec.consolidateAfterMs) {
        n.terminatedAtMs = atMs;
        this.event(cluster, {
          reason: 'Consolidated',
          objectName: n.name,
          atMs,
          message: 'the node was empty',
        });
      }
    }
  }

  /** When the next consolidation check of a customer pool's empty node is due (after `atMs`), if any. */
  nextConsolidationMs(cluster: string, specs: readonly PoolSpec[], atMs: number): number | null {
    let next: number | null = null;
    for (const n of this.nodesAt(cluster, atMs)) {
      if (!n.customer || n.emptySinceMs === null) continue;
      const due = n.emptySinceMs + (specs.find((s) => s.name === n.nodePool)?.consolidateAfterMs ?? 0);
      if (due > atMs && (next === null || due < next)) next = due;
    }
    return next;
  }

  private launch(
    cluster: { name: string; region: string; zones: readonly string[] },
    specs: readonly PoolSpec[],
    pending: readonly PendingForPools[],
    atMs: number,
    customer: boolean,
    nodesLeft: (spec: PoolSpec) => number | undefined,
  ): LaunchedNode[] {
    const out: LaunchedNode[] = [];
    let left = [...pending];
    for (const spec of specs) {
      if (left.length === 0) break;
      // A managed pool carries no taints: every pending pod may go, as far as its selectors allow. A
      // customer pool takes the pods seeded on it (they tolerate its taints).
      const candidates = customer ? left.filter((p) => p.nodeGroup === spec.name) : left;
      if (candidates.length === 0) continue;
      const result = provisionPendingPods({
        pods: candidates,
        requirements: spec.requirements,
        poolLabels: { ...spec.labels, 'karpenter.sh/nodepool': spec.name },
        offerings: offeringsFor(
          spec.requirements,
          cluster.region,
          cluster.zones[0] ?? `${cluster.region}a`,
          atMs,
        ),
        strategy: spec.strategy,
        spotShortage: this.shortageOf(cluster.name, spec.name),
        nodesLeft: nodesLeft(spec),
      });
      const placed = new Set<string>();
      for (const launch of result.launches) {
        const list = this.launched.get(cluster.name) ?? [];
        const index = list.length;
        const h = mix(hashString(cluster.name), hashString(spec.name), index, atMs);
        const zone = cluster.zones[index % Math.max(1, cluster.zones.length)] ?? `${cluster.region}a`;
        const type = loadCatalog().instanceType(launch.instanceType);
        const family = type?.family ?? launch.instanceType.split('.')[0] ?? '';
        const ip = `10.${64 + (h % 64)}.${(h >>> 8) % 256}.${4 + ((h >>> 16) % 250)}`;
        const name = `ip-${ip.replaceAll('.', '-')}.${cluster.region}.compute.internal`;
        const alloc = type ? eksAllocatable(type) : { cpuMilli: 0, memoryMiB: 0, pods: 0 };
        const node: LaunchedNode = {
          name,
          instanceId: `i-${hexId(17, h, index)}`,
          nodePool: spec.name,
          instanceType: launch.instanceType,
          family,
          capacityType: launch.capacityType,
          zone,
          labels: {
            ...spec.labels,
            'karpenter.sh/nodepool': spec.name,
            'karpenter.sh/capacity-type': launch.capacityType,
            'karpenter.k8s.aws/instance-family': family,
            'karpenter.k8s.aws/instance-size': type?.size ?? '',
            'node.kubernetes.io/instance-type': launch.instanceType,
            'kubernetes.io/arch': kubernetesArchitecture(type?.architectures[0] ?? 'x86_64'),
            'kubernetes.io/os': 'linux',
            'kubernetes.io/hostname': name,
            'topology.kubernetes.io/region': cluster.region,
            'topology.kubernetes.io/zone': zone,
            'karpenter.sh/registered': 'true',
          },
          allocatable: { cpuMilli: alloc.cpuMilli, memoryMiB: alloc.memoryMiB, pods: alloc.pods },
          hourlyPriceUsd: launch.hourlyPriceUsd,
          fellBackToOnDemand: launch.fellBackToOnDemand,
          launchedAtMs: atMs,
          terminatedAtMs: null,
          emptySinceMs: null,
          taints: spec.taints.map((t) => ({ ...t })),
          customer,
        };
        list.push(node);
        this.launched.set(cluster.name, list);
        out.push(node);
        for (const p of launch.pods) placed.add(p);
        if (launch.fellBackToOnDemand) {
          this.event(cluster.name, {
            reason: 'InsufficientInstanceCapacity',
            objectName: name,
            atMs,
            message: `spot capacity for the types that fit ran out in NodePool ${spec.name}`,
          });
          this.event(cluster.name, {
            reason: 'SpotFallbackToOnDemand',
            objectName: name,
            atMs,
            message: `launched ${launch.instanceType} on-demand instead of spot`,
          });
        }
        this.event(cluster.name, {
          reason: 'Launched',
          objectName: name,
          atMs,
          message: `${launch.capacityType} ${launch.instanceType} for ${launch.pods.length} pending pod(s)`,
        });
      }
      for (const u of result.unplaced)
        if (u.reason.startsWith('InsufficientInstanceCapacity'))
          this.event(cluster.name, {
            reason: 'InsufficientInstanceCapacity',
            objectName: u.pod,
            atMs,
            message: u.reason,
          });
      left = left.filter((p) => !placed.has(p.name));
    }
    return out;
  }
}

const labelsOf = (m: KarpenterManifest) => (m.metadata as { labels?: Record<string, string> }).labels ?? {};

/**
 * The offerings a pool may launch in the region: every catalog type of the families the pool names (all
 * families when it names none), on-demand from the sandbox price book and spot from its market; what
 * the requirements do not allow is filtered by the provisioner.
 */
function offeringsFor(
  requirements: readonly NodeRequirement[],
  region: string,
  zone: string,
  atMs: number,
): LaunchOffering[] {
  const families = requirements.find(
    (r) => r.key === 'karpenter.k8s.aws/instance-family' && r.operator === 'In',
  );
  const out: LaunchOffering[] = [];
  for (const type of loadCatalog().instanceTypes) {
    if (families && !families.values.includes(type.family)) continue;
    if (type.gpu) continue;
    const onDemand = sandboxOnDemandUsd(type.name, region);
    if (onDemand === undefined) continue;
    const alloc = eksAllocatable(type);
    const base = {
      instanceType: type.name,
      family: type.family,
      size: type.size,
      arch: kubernetesArchitecture(type.architectures[0] ?? 'x86_64'),
      allocatable: { cpuMilli: alloc.cpuMilli, memoryMiB: alloc.memoryMiB, pods: alloc.pods },
    };
    out.push({ ...base, capacityType: 'on-demand', hourlyPriceUsd: onDemand, interruptionBucket: null });
    const spot = sandboxSpotUsd(type.name, zone, atMs);
    if (spot !== undefined)
      out.push({
        ...base,
        capacityType: 'spot',
        hourlyPriceUsd: spot,
        interruptionBucket: spotAdvice(type.name, region)?.bucket ?? null,
      });
  }
  return out;
}
