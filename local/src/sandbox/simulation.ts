/**
 * The sandbox in motion: everything that changes with time, computed from the static world, the instant
 * asked about, and the scaling changes the product made (the only state). Nothing steps forward: each
 * question ("which nodes run at t?", "how much CPU did this workload use in hour H?") is answered on its
 * own, so the clock can jump, histories can be back-filled in any order, and a restart changes nothing.
 *
 * - Load: the cluster's daily/weekly curve in its team's time zone (`cycles.ts`) x a real VM trace.
 * - Replicas: HPAs follow the load within [min, max]; CronJobs run on their schedule (UTC).
 * - Nodes: an autoscaled group has ceil(requests / (per-node capacity x packing target)) nodes within
 *   [min, max], evaluated per hour; static groups keep their size. A group's i-th node is a "slot" with
 *   a fixed type, zone and capacity type; its identity (instance id, name, launch time) changes when the
 *   slot is filled again after a scale-down, when its periodic replacement (AMI roll-out / Karpenter
 *   drift) comes, or when a spot interruption hits it.
 * - Interruptions: each spot slot has an hourly hazard from its advisor bucket; hour H of slot i is hit
 *   when hash(group, i, H) < hazard, at a hashed minute of that hour.
 * - Scaling changes: from the moment of a change its desired size holds, as an ASG's desired capacity
 *   holds until a scaling policy moves it. The load model plays the cluster autoscaler. After a size set
 *   by UpdateAutoScalingGroup it follows its pods within the new [min, max] from the next hour (the
 *   autoscaler launches for pending pods and removes idle nodes, so a size off the pods' need does not
 *   last). After a named removal of a drained node (TerminateInstanceInAutoScalingGroup with decrement,
 *   a Karpenter node deleted) the pods already run elsewhere, nothing is pending for the autoscaler to
 *   react to, so the group keeps that node fewer: from the next hour it moves from the held size by as
 *   many nodes as its pods' need moved since; a Karpenter pool, which provisions for pending pods by
 *   itself, follows its pods' need from the next hour (within the hour, the sandbox's Karpenter launches
 *   nodes for its Pending pods: `karpenter-pools.ts`, ADR 0092). Desired 0 stays empty until the next change (a hibernated
 *   group is not woken by its pending pods).
 * - Named removals: a change may vacate slots (TerminateInstanceInAutoScalingGroup of one instance, a
 *   Karpenter node deleted): a vacated slot never runs again, so the group's nodes are its first
 *   `desired` slots that are not vacated, and the other nodes keep their identity, as in AWS.
 */

import {
  DAY_MS,
  environmentLoad,
  HOUR_MS,
  hourOf,
  type LocalTime,
  localTime,
  officePresence,
} from './cycles';
import { sandboxSpotUsd } from './prices';
import { hexId, mix, unit3, unit4 } from './random';
import { traceHourIndex, type UtilizationTrace, utilizationTraces } from './traces';
import {
  type NodeSlot,
  nodeSlot,
  type SandboxCluster,
  type SandboxNodeGroup,
  type SandboxWorkload,
  type SandboxWorld,
} from './world';

/** A change of a node group's scaling made through the port (UpdateAutoScalingGroup / UpdateNodegroupConfig). */
export interface ScalingOverride {
  nodeGroupKey: string;
  atMs: number;
  minSize: number;
  desiredSize: number;
  maxSize: number;
  /** Slots whose node this change removed by name (they stay vacated from then on). */
  vacatedSlots?: readonly number[];
}

export interface OverrideSource {
  /** The group's changes, oldest first. */
  overridesFor(nodeGroupKey: string): readonly ScalingOverride[];
}

/** One running node (EC2 instance) of a group at an instant. */
export interface SandboxNode {
  nodeGroup: SandboxNodeGroup;
  slot: NodeSlot;
  instanceId: string;
  /** Kubernetes node name = EC2 private DNS name. */
  name: string;
  privateIp: string;
  launchTimeMs: number;
}

export interface SpotInterruption {
  nodeGroup: SandboxNodeGroup;
  slot: number;
  atMs: number;
  /** The node that was reclaimed. */
  node: SandboxNode;
}

export interface NodeEvent {
  reason: 'MemoryPressure' | 'DiskPressure' | 'PIDPressure' | 'NodeNotReady';
  atMs: number;
}

interface HourContext {
  local: LocalTime;
  load: number;
  office: number;
}

/** Node pressure/NotReady events per node-hour, by environment (rare: ~1 per 100 node-days in prod). */
const pressureHourlyProbability = { prod: 0.0004, staging: 0.0006, dev: 0.0009 } as const;
const pressureReasons: readonly [NodeEvent['reason'], number][] = [
  ['MemoryPressure', 0.55],
  ['DiskPressure', 0.3],
  ['PIDPressure', 0.05],
  ['NodeNotReady', 0.1],
];
/** Salts that keep the hashed draws of different questions independent. */
const SALT = {
  interruption: 0x5107,
  interruptionMinute: 0x5108,
  pressure: 0x9e01,
  pressureMinute: 0x9e02,
  pressureReason: 0x9e03,
  oom: 0x0f01,
  oomMinute: 0x0f02,
  rollout: 0x5011,
  rolloutHour: 0x5012,
  jitter: 0x1117,
} as const;

export class Simulation {
  readonly traces: readonly UtilizationTrace[];
  private readonly clusterByName = new Map<string, SandboxCluster>();
  private readonly clusterOfGroup = new Map<string, SandboxCluster>();
  private readonly groupByKey = new Map<string, SandboxNodeGroup>();
  private readonly workloadsOfGroup = new Map<string, SandboxWorkload[]>();
  private readonly slots = new Map<string, NodeSlot[]>();
  private readonly hourContexts = new Map<string, Map<number, HourContext>>();
  private readonly demands = new Map<string, Map<number, Demand>>();
  private readonly groupUsages = new Map<string, GroupUsage>();
  private readonly staticDemands = new Map<string, Demand>();
  private readonly pressureProbability = new Map<SandboxNodeGroup, number>();

  constructor(
    readonly world: SandboxWorld,
    private readonly overrides: OverrideSource,
  ) {
    this.traces = utilizationTraces();
    for (const cluster of world.clusters) {
      this.clusterByName.set(cluster.name, cluster);
      for (const ng of cluster.nodeGroups) {
        this.groupByKey.set(ng.key, ng);
        this.clusterOfGroup.set(ng.key, cluster);
        this.workloadsOfGroup.set(
          ng.key,
          cluster.workloads.filter((w) => w.nodeGroup === ng.name),
        );
      }
    }
  }

  cluster(name: string): SandboxCluster | undefined {
    return this.clusterByName.get(name);
  }

  clusterOf(ng: SandboxNodeGroup): SandboxCluster {
    const cluster = this.clusterOfGroup.get(ng.key);
    if (!cluster) throw new Error(`node group ${ng.key} has no cluster`);
    return cluster;
  }

  nodeGroup(key: string): SandboxNodeGroup | undefined {
    return this.groupByKey.get(key);
  }

  workloadsOf(ng: SandboxNodeGroup): readonly SandboxWorkload[] {
    return this.workloadsOfGroup.get(ng.key) ?? [];
  }

  /** The static facts of a group's i-th node (cached). */
  slot(ng: SandboxNodeGroup, index: number): NodeSlot {
    let list = this.slots.get(ng.key);
    if (!list) {
      list = [];
      this.slots.set(ng.key, list);
    }
    while (list.length <= index) list.push(nodeSlot(ng, list.length));
    return list[index] as NodeSlot;
  }

  // -------------------------------------------------------------------------------------------------
  // Load and workloads.

  /** Local time, load and office presence of hour H (evaluated at the middle of the hour). */
  hour(cluster: SandboxCluster, hour: number): HourContext {
    let perCluster = this.hourContexts.get(cluster.key);
    if (!perCluster) {
      perCluster = new Map();
      this.hourContexts.set(cluster.key, perCluster);
    }
    const hit = perCluster.get(hour);
    if (hit) return hit;
    const local = localTime(hour * HOUR_MS + HOUR_MS / 2, cluster.timeZone);
    const value = {
      local,
      load: environmentLoad(cluster.env, local, cluster.hash),
      office: officePresence(cluster.env, local),
    };
    if (perCluster.size > 20_000) perCluster.clear();
    perCluster.set(hour, value);
    return value;
  }

  /** Replicas a Deployment/StatefulSet wants in hour H (HPA: peak x load, within [min, max]). */
  replicas(w: SandboxWorkload, cluster: SandboxCluster, hour: number): number {
    if (w.cron) return this.cronActiveInHour(w, hour) ? w.replicas : 0;
    if (!w.hpa) return w.replicas;
    const wanted = Math.ceil(w.replicas * this.hour(cluster, hour).load);
    return Math.min(w.hpa.maxReplicas, Math.max(w.hpa.minReplicas, wanted));
  }

  /** Start of the CronJob run that is active at `timeMs`, or null. */
  cronRunAt(w: SandboxWorkload, timeMs: number): number | null {
    const cron = w.cron;
    if (!cron) return null;
    const durationMs = cron.durationMinutes * 60_000;
    if (cron.everyHours === 1) {
      for (const h of [hourOf(timeMs), hourOf(timeMs) - 1]) {
        const start = h * HOUR_MS + cron.minute * 60_000;
        if (start <= timeMs && timeMs < start + durationMs) return start;
      }
      return null;
    }
    const day = Math.floor(timeMs / DAY_MS);
    for (const d of [day, day - 1]) {
      const start = d * DAY_MS + cron.hourUtc * HOUR_MS + cron.minute * 60_000;
      if (start <= timeMs && timeMs < start + durationMs) return start;
    }
    return null;
  }

  /** Run starts of a CronJob within [fromMs, toMs). */
  cronStartsBetween(w: SandboxWorkload, fromMs: number, toMs: number): number[] {
    const cron = w.cron;
    if (!cron) return [];
    const out: number[] = [];
    if (cron.everyHours === 1) {
      for (let h = hourOf(fromMs) - 1; h <= hourOf(toMs); h++) {
        const start = h * HOUR_MS + cron.minute * 60_000;
        if (start >= fromMs && start < toMs) out.push(start);
      }
    } else {
      for (let d = Math.floor(fromMs / DAY_MS) - 1; d <= Math.floor(toMs / DAY_MS); d++) {
        const start = d * DAY_MS + cron.hourUtc * HOUR_MS + cron.minute * 60_000;
        if (start >= fromMs && start < toMs) out.push(start);
      }
    }
    return out;
  }

  /** Whether a CronJob run overlaps hour H. */
  cronActiveInHour(w: SandboxWorkload, hour: number): boolean {
    const cron = w.cron;
    if (!cron) return false;
    const from = hour * HOUR_MS;
    const to = from + HOUR_MS;
    const durationMs = cron.durationMinutes * 60_000;
    if (cron.everyHours === 1) return true;
    for (let d = Math.floor(from / DAY_MS) - 1; d <= Math.floor(from / DAY_MS); d++) {
      const start = d * DAY_MS + cron.hourUtc * HOUR_MS + cron.minute * 60_000;
      if (start < to && start + durationMs > from) return true;
    }
    return false;
  }

  /**
   * Per-pod load of a workload in hour H (1 = its peak): the cluster's load, or for an HPA the load per
   * replica after scaling (near 1 while the HPA can follow, lower when it sits at its minimum).
   */
  intensity(w: SandboxWorkload, cluster: SandboxCluster, hour: number): number {
    if (w.cron) return 1;
    const load = this.hour(cluster, hour).load;
    if (!w.hpa) return load;
    const replicas = this.replicas(w, cluster, hour);
    return replicas > 0 ? Math.min(1.2, (w.replicas * load) / replicas) : 0;
  }

  /**
   * Usage of one pod of a workload in hour H, per container and summed: CPU mean and max (millicores),
   * memory working set (MiB). `podIndex` null gives the mean pod (no per-pod jitter).
   *   cpu    = request x cpuShare x intensity x traceCpuShape(h) x podJitter       (<= CPU limit)
   *   cpuMax = cpu x tracePeakRatio(h)
   *   memory = request x memoryShare x (0.75 + 0.25 x min(1, intensity)) x traceMemoryShape(h) x podJitter
   * BestEffort containers (no requests) use a small fixed amount.
   */
  podUsage(w: SandboxWorkload, cluster: SandboxCluster, hour: number, podIndex: number | null): PodUsage {
    const trace = this.traces[w.trace % this.traces.length] as UtilizationTrace;
    const ctx = this.hour(cluster, hour);
    const index = traceHourIndex(ctx.local.hourOfWeek, ctx.local.week, w.traceWeekShift);
    const jitter = podIndex === null ? 1 : 0.85 + 0.3 * unit4(w.hash, podIndex, hour, SALT.jitter);
    const intensity = this.intensity(w, cluster, hour);
    const cpuShape = trace.cpuShape[index] ?? 1;
    const peakRatio = trace.cpuPeakRatio[index] ?? 1;
    const memoryFactor = (0.75 + 0.25 * Math.min(1, intensity)) * (trace.memoryShape[index] ?? 1) * jitter;
    const total: PodUsage = { cpuMilli: 0, cpuMaxMilli: 0, memoryMiB: 0, containers: [] };
    for (const container of w.containers) {
      let usage: ContainerUsage;
      if (container.requests.cpuMilli === 0 && container.requests.memoryMiB === 0) {
        usage = {
          cpuMilli: round1(8 * jitter),
          cpuMaxMilli: round1(20 * jitter),
          memoryMiB: round1(48 * jitter),
        };
      } else {
        const cpuLimit = container.limits.cpuMilli ?? Number.POSITIVE_INFINITY;
        const cpu = Math.min(
          cpuLimit,
          container.requests.cpuMilli * container.cpuShare * intensity * cpuShape * jitter,
        );
        let memory = container.requests.memoryMiB * container.memoryShare * memoryFactor;
        if (container.limits.memoryMiB !== undefined)
          memory = Math.min(memory, container.limits.memoryMiB * 0.99);
        usage = {
          cpuMilli: round1(cpu),
          cpuMaxMilli: round1(Math.min(cpuLimit, cpu * peakRatio)),
          memoryMiB: round1(memory),
        };
      }
      total.containers.push(usage);
      total.cpuMilli += usage.cpuMilli;
      total.cpuMaxMilli += usage.cpuMaxMilli;
      total.memoryMiB += usage.memoryMiB;
    }
    return total;
  }

  /** OOM kills of a workload in hour H: pod index and instant of each (rare; only OOM-prone workloads). */
  oomKills(w: SandboxWorkload, cluster: SandboxCluster, hour: number): { podIndex: number; atMs: number }[] {
    if (w.oomHourlyProbability === 0) return [];
    const replicas = this.replicas(w, cluster, hour);
    const p = w.oomHourlyProbability * Math.min(1, this.intensity(w, cluster, hour));
    const out: { podIndex: number; atMs: number }[] = [];
    for (let i = 0; i < replicas; i++) {
      if (unit4(w.hash, i, hour, SALT.oom) < p)
        out.push({
          podIndex: i,
          atMs: hour * HOUR_MS + Math.floor(unit4(w.hash, i, hour, SALT.oomMinute) * HOUR_MS),
        });
    }
    return out;
  }

  /** Roll-out instants of a workload within [fromMs, toMs): office days, 10:00-17:00 local. */
  rollouts(w: SandboxWorkload, cluster: SandboxCluster, fromMs: number, toMs: number): number[] {
    if (w.rolloutsPerDay === 0 || w.cron) return [];
    const out: number[] = [];
    for (let d = Math.floor(fromMs / DAY_MS) - 1; d <= Math.floor(toMs / DAY_MS); d++) {
      if (unit3(w.hash, d, SALT.rollout) >= w.rolloutsPerDay) continue;
      const noon = this.hour(cluster, (d * DAY_MS + 12 * HOUR_MS) / HOUR_MS).local;
      if (noon.weekday >= 6) continue;
      // The hour context is taken at hh:30: its local hour minus 12.5 is the zone's offset that day.
      const offsetHours = noon.hour - 12.5;
      const localHour = 10 + unit3(w.hash, d, SALT.rolloutHour) * 7;
      const at = d * DAY_MS + Math.round((localHour - offsetHours) * HOUR_MS);
      if (at >= fromMs && at < toMs) out.push(at);
    }
    return out;
  }

  /** The latest roll-out at or before `timeMs` (within 60 days), else the workload's creation. */
  lastRollout(w: SandboxWorkload, cluster: SandboxCluster, timeMs: number): number {
    const list = this.rollouts(w, cluster, timeMs - 60 * DAY_MS, timeMs + 1);
    return list[list.length - 1] ?? cluster.createdAtMs + (w.hash % 1000) * 60_000;
  }

  // -------------------------------------------------------------------------------------------------
  // Node counts.

  /** What the pods of a group request in hour H (cached; does not depend on scaling changes). */
  demand(ng: SandboxNodeGroup, hour: number): Demand {
    let perGroup = this.demands.get(ng.key);
    if (!perGroup) {
      perGroup = new Map();
      this.demands.set(ng.key, perGroup);
    }
    const hit = perGroup.get(hour);
    if (hit) return hit;
    const cluster = this.clusterOf(ng);
    const demand: Demand = { ...this.staticDemand(ng) };
    for (const w of this.workloadsOf(ng)) {
      if (!w.hpa && !w.cron) continue;
      const replicas = this.replicas(w, cluster, hour);
      if (replicas === 0) continue;
      demand.cpuMilli += replicas * w.requests.cpuMilli;
      demand.memoryMiB += replicas * w.requests.memoryMiB;
      demand.gpuMilli += replicas * (w.requests.resources['nvidia.com/gpu'] ?? 0);
      demand.pods += replicas;
    }
    if (perGroup.size > 5_000) perGroup.clear();
    perGroup.set(hour, demand);
    return demand;
  }

  /** Requests of the workloads whose replicas never change (no HPA, not a CronJob). */
  private staticDemand(ng: SandboxNodeGroup): Demand {
    let demand = this.staticDemands.get(ng.key);
    if (!demand) {
      demand = { cpuMilli: 0, memoryMiB: 0, pods: 0, gpuMilli: 0 };
      for (const w of this.workloadsOf(ng)) {
        if (w.hpa || w.cron) continue;
        demand.cpuMilli += w.replicas * w.requests.cpuMilli;
        demand.memoryMiB += w.replicas * w.requests.memoryMiB;
        demand.gpuMilli += w.replicas * (w.requests.resources['nvidia.com/gpu'] ?? 0);
        demand.pods += w.replicas;
      }
      this.staticDemands.set(ng.key, demand);
    }
    return demand;
  }

  /** Nodes the group's pods need in hour H at its packing target (before min/max). */
  neededNodes(ng: SandboxNodeGroup, hour: number): number {
    const d = this.demand(ng, hour);
    const cap = ng.podCapacityPerNode;
    const pack = ng.packingTarget;
    const gpuPerNode = cap.resources['nvidia.com/gpu'] ?? 0;
    return Math.ceil(
      Math.max(
        d.cpuMilli / Math.max(1, cap.cpuMilli * pack),
        d.memoryMiB / Math.max(1, cap.memoryMiB * pack),
        d.pods / Math.max(1, cap.pods),
        gpuPerNode > 0 ? d.gpuMilli / gpuPerNode : 0,
      ) - 1e-9,
    );
  }

  /** The group's scaling changes, oldest first. */
  changesOf(ng: SandboxNodeGroup): readonly ScalingOverride[] {
    return this.overrides.overridesFor(ng.key);
  }

  /** The group's latest scaling change at or before `timeMs`. */
  overrideAt(ng: SandboxNodeGroup, timeMs: number): ScalingOverride | undefined {
    const list = this.overrides.overridesFor(ng.key);
    let found: ScalingOverride | undefined;
    for (const o of list) {
      if (o.atMs <= timeMs) found = o;
      else break;
    }
    return found;
  }

  /** min / desired / max of a group at an instant, scaling changes included. */
  scalingAt(ng: SandboxNodeGroup, timeMs: number): { minSize: number; desiredSize: number; maxSize: number } {
    const o = this.overrideAt(ng, timeMs);
    return {
      minSize: o?.minSize ?? ng.minSize,
      desiredSize: this.desiredAt(ng, timeMs),
      maxSize: o?.maxSize ?? ng.maxSize,
    };
  }

  /** Number of running nodes of a group at an instant. */
  desiredAt(ng: SandboxNodeGroup, timeMs: number): number {
    const hour = hourOf(timeMs);
    const o = this.overrideAt(ng, timeMs);
    if (!o) {
      if (!ng.autoscaled) return ng.fixedSize;
      return clamp(this.neededNodes(ng, hour), ng.minSize, ng.maxSize);
    }
    const changedIn = hourOf(o.atMs);
    if (o.desiredSize === 0 || !ng.autoscaled || changedIn === hour) return o.desiredSize;
    // Karpenter provisions for pending pods within a minute: a pool a deleted node left short for its
    // pods (a CronJob burst later in the day) is back at its pods' need from the next hour, as after a
    // size set by hand. An ASG launches nothing for pending pods without a cluster autoscaler's request.
    if (!o.vacatedSlots?.length || ng.kind === 'karpenter')
      return clamp(this.neededNodes(ng, hour), o.minSize, o.maxSize);
    // A drained node removed by name: the held size, moved by the change of the pods' need since.
    const moved = o.desiredSize + this.neededNodes(ng, hour) - this.neededNodes(ng, changedIn);
    return clamp(moved, o.minSize, o.maxSize);
  }

  /** Slots of a group vacated by named removals at or before `timeMs`. */
  vacatedAt(ng: SandboxNodeGroup, timeMs: number): ReadonlySet<number> {
    const out = new Set<number>();
    for (const o of this.overrides.overridesFor(ng.key)) {
      if (o.atMs > timeMs) break;
      for (const slot of o.vacatedSlots ?? []) out.add(slot);
    }
    return out;
  }

  /** Slot indices of the nodes running at an instant, ascending: the first `desired` not vacated. */
  slotIndicesAt(ng: SandboxNodeGroup, timeMs: number): number[] {
    return activeSlots(this.desiredAt(ng, timeMs), this.vacatedAt(ng, timeMs));
  }

  /** Node count of a group at the start of hour H (what the hourly history uses). */
  nodesInHour(ng: SandboxNodeGroup, hour: number): number {
    return this.desiredAt(ng, hour * HOUR_MS);
  }

  // -------------------------------------------------------------------------------------------------
  // Node identities.

  /** Start of the periodic replacement of slot i that is in force at `timeMs`. */
  private refreshStart(ng: SandboxNodeGroup, index: number, timeMs: number): number {
    const period = ng.refreshPeriodHours * HOUR_MS;
    // Rolling: one node every 4 minutes.
    const phase = ng.refreshPhaseHours * HOUR_MS + index * 240_000;
    const start = Math.floor((timeMs - phase) / period) * period + phase;
    return Math.max(start, ng.createdAtMs);
  }

  /** Whether hour H hits spot slot i with an interruption, and when. */
  interruptionIn(ng: SandboxNodeGroup, slot: NodeSlot, hour: number): number | null {
    return spotInterruptionDraw(ng.hash, slot.index, hour, slot.hourlyHazard);
  }

  /** The running nodes of a group at an instant, in slot order. */
  nodesAt(ng: SandboxNodeGroup, timeMs: number): SandboxNode[] {
    const indices = this.slotIndicesAt(ng, timeMs);
    if (indices.length === 0) return [];
    const lowers: number[] = [];
    let from = timeMs;
    for (const i of indices) {
      const lower = this.refreshStart(ng, i, timeMs);
      lowers.push(lower);
      from = Math.min(from, lower);
    }
    const { points, running } = this.changePoints(ng, from, timeMs);
    const out: SandboxNode[] = [];
    indices.forEach((i, position) => {
      const lower = lowers[position] ?? from;
      let launch = lower;
      for (let k = points.length - 1; k >= 1; k--) {
        const point = points[k] as number;
        if (point <= lower) break;
        if (!(running[k - 1] as ReadonlySet<number>).has(i)) {
          launch = point;
          break;
        }
      }
      const slot = this.slot(ng, i);
      if (slot.hourlyHazard > 0) {
        for (let h = hourOf(timeMs); h >= hourOf(launch); h--) {
          const at = this.interruptionIn(ng, slot, h);
          if (at !== null && at > launch && at <= timeMs) {
            launch = at;
            break;
          }
        }
      }
      out.push(this.identity(ng, slot, launch));
    });
    return out;
  }

  /** Instants at which the group's nodes may change in (fromMs, toMs], with the running slots from each on. */
  private changePoints(
    ng: SandboxNodeGroup,
    fromMs: number,
    toMs: number,
  ): { points: number[]; running: ReadonlySet<number>[] } {
    const set = new Set<number>([fromMs]);
    for (let h = hourOf(fromMs) + 1; h * HOUR_MS <= toMs; h++) set.add(h * HOUR_MS);
    for (const o of this.overrides.overridesFor(ng.key))
      if (o.atMs > fromMs && o.atMs <= toMs) set.add(o.atMs);
    const points = [...set].sort((a, b) => a - b);
    return { points, running: points.map((p) => new Set(this.slotIndicesAt(ng, p))) };
  }

  /** A node's identity: everything about it follows from (group, slot, launch time). */
  identity(ng: SandboxNodeGroup, slot: NodeSlot, launchTimeMs: number): SandboxNode {
    const cluster = this.clusterOf(ng);
    const h = mix(ng.hash, slot.index, launchTimeMs);
    const zoneIndex = Math.max(0, cluster.zones.indexOf(slot.zone));
    // Each zone is a /18; each (group, slot) owns 4 of its addresses, so nodes running at the same time
    // never share an IP (and so a name), while a replacement usually gets a new one.
    const position = Math.max(0, cluster.nodeGroups.indexOf(ng)) * 512 + (slot.index % 512);
    const offset = ((position * 4 + (h % 4)) % 16_128) + 4;
    const privateIp = `10.${cluster.hash % 200}.${zoneIndex * 64 + Math.floor(offset / 256)}.${offset % 256}`;
    const dnsSuffix = ng.region === 'us-east-1' ? 'ec2.internal' : `${ng.region}.compute.internal`;
    return {
      nodeGroup: ng,
      slot,
      instanceId: `i-0${hexId(16, h)}`,
      name: `ip-${privateIp.replaceAll('.', '-')}.${dnsSuffix}`,
      privateIp,
      launchTimeMs,
    };
  }

  /** Spot interruptions of a group's nodes in (fromMs, toMs]. */
  interruptionsBetween(ng: SandboxNodeGroup, fromMs: number, toMs: number): SpotInterruption[] {
    if (ng.capacity === 'on-demand') return [];
    const out: SpotInterruption[] = [];
    for (let h = hourOf(fromMs); h <= hourOf(toMs); h++) {
      const candidates = new Set([
        ...this.slotIndicesAt(ng, h * HOUR_MS),
        ...this.slotIndicesAt(ng, Math.min(toMs, h * HOUR_MS + HOUR_MS - 1)),
      ]);
      for (const i of [...candidates].sort((a, b) => a - b)) {
        const slot = this.slot(ng, i);
        const at = this.interruptionIn(ng, slot, h);
        if (at === null || at <= fromMs || at > toMs || !this.slotIndicesAt(ng, at).includes(i)) continue;
        const victim = this.nodesAt(ng, at - 1).find((n) => n.slot.index === i);
        if (victim) out.push({ nodeGroup: ng, slot: i, atMs: at, node: victim });
      }
    }
    return out;
  }

  /** Pressure / NotReady events of node slot i in hour H (rare, by environment). */
  nodeEventIn(ng: SandboxNodeGroup, slotIndex: number, hour: number): NodeEvent | null {
    let probability = this.pressureProbability.get(ng);
    if (probability === undefined) {
      probability = pressureHourlyProbability[this.clusterOf(ng).env];
      this.pressureProbability.set(ng, probability);
    }
    if (unit4(ng.hash, slotIndex, hour, SALT.pressure) >= probability) return null;
    let r = unit4(ng.hash, slotIndex, hour, SALT.pressureReason);
    let reason: NodeEvent['reason'] = 'MemoryPressure';
    for (const [candidate, weight] of pressureReasons) {
      r -= weight;
      reason = candidate;
      if (r < 0) break;
    }
    return {
      reason,
      atMs: hour * HOUR_MS + Math.floor(unit4(ng.hash, slotIndex, hour, SALT.pressureMinute) * HOUR_MS),
    };
  }

  /**
   * Usage and capacity of a group's nodes in hour H: pods' usage (mean per hour, no per-pod jitter) plus
   * DaemonSets, against the allocatable of the nodes running at the start of the hour (cached).
   */
  groupUsage(ng: SandboxNodeGroup, hour: number): GroupUsage {
    const key = `${ng.key}|${hour}|${this.overrides.overridesFor(ng.key).length}`;
    const hit = this.groupUsages.get(key);
    if (hit) return hit;
    const cluster = this.clusterOf(ng);
    const nodes = this.nodesInHour(ng, hour);
    const usage: GroupUsage = {
      nodes,
      usedCpuMilli: 0,
      usedMemoryMiB: 0,
      requestedCpuMilli: 0,
      requestedMemoryMiB: 0,
      capacityCpuMilli: 0,
      capacityMemoryMiB: 0,
    };
    for (const i of this.slotIndicesAt(ng, hour * HOUR_MS)) {
      const slot = this.slot(ng, i);
      usage.capacityCpuMilli += slot.allocatable.cpuMilli;
      usage.capacityMemoryMiB += slot.allocatable.memoryMiB;
    }
    if (nodes > 0) {
      const needed = this.neededNodes(ng, hour);
      const share = needed <= nodes ? 1 : nodes / needed;
      for (const w of this.workloadsOf(ng)) {
        const replicas = this.replicas(w, cluster, hour);
        if (replicas === 0) continue;
        const u = this.podUsage(w, cluster, hour, null);
        usage.usedCpuMilli += share * replicas * u.cpuMilli;
        usage.usedMemoryMiB += share * replicas * u.memoryMiB;
        usage.requestedCpuMilli += share * replicas * w.requests.cpuMilli;
        usage.requestedMemoryMiB += share * replicas * w.requests.memoryMiB;
      }
      for (const ds of cluster.daemonSets) {
        if (ds.roles && !ds.roles.includes(ng.role)) continue;
        usage.usedCpuMilli += nodes * ds.usage.cpuMilli;
        usage.usedMemoryMiB += nodes * ds.usage.memoryMiB;
        usage.requestedCpuMilli += nodes * ds.requests.cpuMilli;
        usage.requestedMemoryMiB += nodes * ds.requests.memoryMiB;
      }
    }
    if (this.groupUsages.size > 100_000) this.groupUsages.clear();
    this.groupUsages.set(key, usage);
    return usage;
  }

  /** Price of a slot's node during hour H: on-demand from the price book, spot from the simulated market. */
  slotHourlyUsd(slot: NodeSlot, hour: number): number {
    if (slot.capacityType === 'on-demand') return slot.onDemandHourlyUsd;
    return sandboxSpotUsd(slot.instanceType, slot.zone, hour * HOUR_MS) ?? slot.onDemandHourlyUsd;
  }

  /**
   * Control plane in hour H: API requests per minute, p99 latency and the share of requests that failed.
   *   requests/min = 10 x nodes + 120 (controllers) + humans (dev 400, staging 250, prod 100 at full office
   *                  presence) + 15 x pods created per minute
   *   p99 ms       = base x (1 + requests/min / 20,000), x 4-12 in a spike hour (1.5 % of hours), <= 5,000
   *   error ratio  = 0.01-0.1 % (a retried 5xx or 429 now and then) x (1 + requests/min / 5,000), plus
   *                  0.5 % per unit of the spike factor above 1 in a spike hour (1.5-5.5 %: the overload
   *                  that slows the API server makes it shed requests too), <= 20 % (ADR 0086)
   */
  controlPlane(
    cluster: SandboxCluster,
    hour: number,
    nodes: number,
    podChurn: number,
  ): { requestsPerMinute: number; latencyP99Ms: number; errorRatio: number } {
    const ctx = this.hour(cluster, hour);
    const humans = { dev: 400, staging: 250, prod: 100 }[cluster.env] * ctx.office;
    const requestsPerMinute = Math.round(10 * nodes + 120 + humans + (15 * podChurn) / 60);
    const spike = unit3(cluster.hash, hour, 0x4c41) < 0.015 ? 4 + 8 * unit3(cluster.hash, hour, 0x4c42) : 1;
    const jitter = 0.85 + 0.3 * unit3(cluster.hash, hour, 0x4c43);
    const latencyP99Ms = Math.min(
      5_000,
      cluster.baseLatencyMs * (1 + requestsPerMinute / 20_000) * jitter * spike,
    );
    const baseline = (0.0001 + 0.0009 * unit3(cluster.hash, hour, 0x4c44)) * (1 + requestsPerMinute / 5_000);
    const errorRatio = Math.min(0.2, baseline + 0.005 * (spike - 1));
    return {
      requestsPerMinute,
      latencyP99Ms: Math.round(latencyP99Ms),
      errorRatio: Math.round(errorRatio * 100_000) / 100_000,
    };
  }
}

/**
 * The interruption draw of one spot position for one hour: hit when hash(group, slot, hour) < the hourly
 * hazard, at a hashed instant of that hour (ms), else null. Independent per hour, so over a month the
 * share of positions interrupted at least once is 1 - exp(-730 x hazard), the advisor bucket's midpoint.
 */
export function spotInterruptionDraw(
  groupHash: number,
  slotIndex: number,
  hour: number,
  hourlyHazard: number,
): number | null {
  if (hourlyHazard <= 0) return null;
  if (unit4(groupHash, slotIndex, hour, SALT.interruption) >= hourlyHazard) return null;
  return hour * HOUR_MS + Math.floor(unit4(groupHash, slotIndex, hour, SALT.interruptionMinute) * HOUR_MS);
}

export interface ContainerUsage {
  cpuMilli: number;
  cpuMaxMilli: number;
  memoryMiB: number;
}

export interface PodUsage extends ContainerUsage {
  /** In the order of the workload's containers. */
  containers: ContainerUsage[];
}

export interface GroupUsage {
  nodes: number;
  usedCpuMilli: number;
  usedMemoryMiB: number;
  requestedCpuMilli: number;
  requestedMemoryMiB: number;
  capacityCpuMilli: number;
  capacityMemoryMiB: number;
}

export interface Demand {
  cpuMilli: number;
  memoryMiB: number;
  pods: number;
  gpuMilli: number;
}

/** The first `desired` slot indices that are not vacated. */
export function activeSlots(desired: number, vacated: ReadonlySet<number>): number[] {
  const out: number[] = [];
  for (let i = 0; out.length < desired; i++) if (!vacated.has(i)) out.push(i);
  return out;
}

const clamp = (value: number, min: number, max: number): number => Math.min(max, Math.max(min, value));
const round1 = (value: number): number => Math.round(value * 10) / 10;
