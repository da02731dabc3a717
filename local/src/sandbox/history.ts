/**
 * The sandbox's 30-day back-fill, so a new user sees history at once: one `ClusterHourSample` per hour
 * (the KubernetesPort's shape) and per-workload daily figures. Computed from counts, never from full
 * snapshots: an hour of the largest cluster costs well under a millisecond.
 *
 * Per hour and node group: the nodes running at the start of the hour (their types, capacity types,
 * allocatable), the pods' requests (pods beyond the group's capacity count as pending, in proportion),
 * usage = replicas x the per-pod mean of `Simulation.podUsage` plus DaemonSets, interruptions and
 * pressure events from the same hashed draws the snapshots use, so both views agree.
 */
import type { ClusterHourSample, WorkloadHourSample } from '@spot/functions/ports/kubernetes';
import { DAY_MS, HOUR_MS } from './cycles';
import type { Simulation } from './simulation';
import type { SandboxCluster, SandboxDaemonSet, SandboxNodeGroup } from './world';

/** One workload on one UTC day; per-pod figures (sum of its containers). */
export interface WorkloadDailyPoint {
  /** `<namespace>/<kind>/<name>`. */
  workloadKey: string;
  namespace: string;
  kind: string;
  name: string;
  /** YYYY-MM-DD (UTC). */
  day: string;
  /** Median and 95th percentile of the hourly mean CPU per pod, millicores. */
  cpuP50Milli: number;
  cpuP95Milli: number;
  /** Highest CPU of a pod within any hour of the day (from the trace's hourly max), millicores. */
  cpuMaxMilli: number;
  /** Peak working set of a pod, MiB. */
  memoryPeakMiB: number;
  oomKills: number;
  /** What a pod requests, for comparison. */
  requestCpuMilli: number;
  requestMemoryMiB: number;
}

export function daemonSetsOn(cluster: SandboxCluster, ng: SandboxNodeGroup): SandboxDaemonSet[] {
  return cluster.daemonSets.filter((ds) => !ds.roles || ds.roles.includes(ng.role));
}

/**
 * One hour of a cluster.
 * - podChurn = pods created + deleted: HPA scale-ups and -downs, roll-outs (new and old pods), CronJob
 *   pods started and finished, pods of reclaimed or removed nodes (deleted and created again),
 *   DaemonSet pods of added and removed nodes.
 * - apiRequestRate is per second (the snapshot's control plane reports per minute).
 */
export function clusterHour(
  sim: Simulation,
  cluster: SandboxCluster,
  hour: number,
  withWorkloads: boolean,
): ClusterHourSample {
  const hourStart = hour * HOUR_MS;
  const hourEnd = hourStart + HOUR_MS;
  const totals = {
    capacityCpuMilli: 0,
    requestedCpuMilli: 0,
    usedCpuMilli: 0,
    capacityMemoryMiB: 0,
    requestedMemoryMiB: 0,
    usedMemoryMiB: 0,
  };
  const nodeMix = new Map<string, ClusterHourSample['nodes'][number]>();
  const workloads: WorkloadHourSample[] = [];
  const daemonSetSamples = new Map<SandboxDaemonSet, WorkloadHourSample>();
  let churn = 0;
  let pressureEvents = 0;
  let spotInterruptions = 0;
  let nodeCount = 0;
  // Roll-outs happen in office hours only: elsewhere the (comparatively costly) lookup is skipped.
  const office = sim.hour(cluster, hour).office > 0 || sim.hour(cluster, hour - 1).office > 0;
  for (const ng of cluster.nodeGroups) {
    const n = sim.nodesInHour(ng, hour);
    const previous = sim.nodesInHour(ng, hour - 1);
    nodeCount += n;
    let interrupted = 0;
    for (let i = 0; i < n; i++) {
      const slot = sim.slot(ng, i);
      totals.capacityCpuMilli += slot.allocatable.cpuMilli;
      totals.capacityMemoryMiB += slot.allocatable.memoryMiB;
      const key = `${slot.instanceType}|${slot.capacityType}`;
      const mix = nodeMix.get(key);
      if (mix) mix.count++;
      else nodeMix.set(key, { instanceType: slot.instanceType, capacityType: slot.capacityType, count: 1 });
      if (sim.interruptionIn(ng, slot, hour) !== null) interrupted++;
      if (sim.nodeEventIn(ng, i, hour) !== null) pressureEvents++;
    }
    spotInterruptions += interrupted;
    const daemonSets = daemonSetsOn(cluster, ng);
    for (const ds of daemonSets) {
      totals.requestedCpuMilli += ds.requests.cpuMilli * n;
      totals.requestedMemoryMiB += ds.requests.memoryMiB * n;
      totals.usedCpuMilli += ds.usage.cpuMilli * n;
      totals.usedMemoryMiB += ds.usage.memoryMiB * n;
    }
    churn += daemonSets.length * Math.abs(n - previous);
    const needed = sim.neededNodes(ng, hour);
    const scheduledShare = n === 0 ? 0 : needed <= n ? 1 : n / needed;
    for (const w of sim.workloadsOf(ng)) {
      const replicas = sim.replicas(w, cluster, hour);
      if (w.cron) {
        const runMs = w.cron.durationMinutes * 60_000;
        const started = sim.cronStartsBetween(w, hourStart, hourEnd).length;
        const finished = sim.cronStartsBetween(w, hourStart - runMs, hourEnd - runMs).length;
        churn += (started + finished) * w.replicas;
      } else {
        churn += Math.abs(replicas - sim.replicas(w, cluster, hour - 1));
        if (office) churn += 2 * replicas * sim.rollouts(w, cluster, hourStart, hourEnd).length;
      }
      if (replicas === 0) continue;
      totals.requestedCpuMilli += scheduledShare * replicas * w.requests.cpuMilli;
      totals.requestedMemoryMiB += scheduledShare * replicas * w.requests.memoryMiB;
      const { cpuMilli: cpu, cpuMaxMilli: cpuMax, memoryMiB: memory } = sim.podUsage(w, cluster, hour, null);
      totals.usedCpuMilli += scheduledShare * replicas * cpu;
      totals.usedMemoryMiB += scheduledShare * replicas * memory;
      if (withWorkloads && scheduledShare > 0)
        workloads.push({
          namespace: w.namespace,
          kind: w.kind,
          name: w.name,
          replicas: Math.max(1, Math.round(replicas * scheduledShare)),
          cpuMilli: round1(cpu),
          cpuMaxMilli: round1(cpuMax),
          memoryPeakMiB: round1(memory),
          oomKills: w.oomHourlyProbability > 0 ? sim.oomKills(w, cluster, hour).length : 0,
        });
    }
    if (withWorkloads && n > 0)
      for (const ds of daemonSets) {
        // A DaemonSet on several node groups is one workload: its replicas add up.
        const existing = daemonSetSamples.get(ds);
        if (existing) existing.replicas += n;
        else
          daemonSetSamples.set(ds, {
            namespace: ds.namespace,
            kind: 'DaemonSet',
            name: ds.name,
            replicas: n,
            cpuMilli: ds.usage.cpuMilli,
            cpuMaxMilli: round1(ds.usage.cpuMilli * 1.5),
            memoryPeakMiB: ds.usage.memoryMiB,
            oomKills: 0,
          });
      }
    // Pods of reclaimed and removed nodes are deleted and created again elsewhere.
    const podsPerNode = n > 0 ? sim.demand(ng, hour).pods / n : 0;
    churn += 2 * Math.round((interrupted + Math.max(0, previous - n)) * podsPerNode);
  }
  const controlPlane = sim.controlPlane(cluster, hour, nodeCount, churn);
  return {
    hour: new Date(hourStart).toISOString(),
    capacityCpuMilli: Math.round(totals.capacityCpuMilli),
    requestedCpuMilli: Math.round(totals.requestedCpuMilli),
    usedCpuMilli: Math.round(totals.usedCpuMilli),
    capacityMemoryMiB: Math.round(totals.capacityMemoryMiB),
    requestedMemoryMiB: Math.round(totals.requestedMemoryMiB),
    usedMemoryMiB: Math.round(totals.usedMemoryMiB),
    nodes: [...nodeMix.values()],
    podChurn: churn,
    apiRequestRate: Math.round((controlPlane.requestsPerMinute / 60) * 100) / 100,
    apiLatencyP99Ms: controlPlane.latencyP99Ms,
    pressureEvents,
    spotInterruptions,
    workloads: daemonSetSamples.size ? [...workloads, ...daemonSetSamples.values()] : workloads,
  };
}

/** Per workload and UTC day in [from, to): p50/p95 of the hourly means, max of the hourly maxima. */
export function workloadDaily(
  sim: Simulation,
  cluster: SandboxCluster,
  from: Date,
  to: Date,
): WorkloadDailyPoint[] {
  const out: WorkloadDailyPoint[] = [];
  const firstDay = Math.floor(from.getTime() / DAY_MS);
  const lastDay = Math.ceil(to.getTime() / DAY_MS);
  for (const w of cluster.workloads) {
    for (let d = firstDay; d < lastDay; d++) {
      const cpu: number[] = [];
      let cpuMax = 0;
      let memoryPeak = 0;
      let ooms = 0;
      for (let h = d * 24; h < d * 24 + 24; h++) {
        if (h * HOUR_MS < from.getTime() || h * HOUR_MS >= to.getTime()) continue;
        if (sim.replicas(w, cluster, h) === 0) continue;
        const usage = sim.podUsage(w, cluster, h, null);
        const cpuHour = usage.cpuMilli;
        const cpuMaxHour = usage.cpuMaxMilli;
        const memoryHour = usage.memoryMiB;
        cpu.push(cpuHour);
        cpuMax = Math.max(cpuMax, cpuMaxHour);
        memoryPeak = Math.max(memoryPeak, memoryHour);
        if (w.oomHourlyProbability > 0) ooms += sim.oomKills(w, cluster, h).length;
      }
      if (cpu.length === 0) continue;
      cpu.sort((a, b) => a - b);
      out.push({
        workloadKey: w.key,
        namespace: w.namespace,
        kind: w.kind,
        name: w.name,
        day: new Date(d * DAY_MS).toISOString().slice(0, 10),
        cpuP50Milli: round1(quantile(cpu, 0.5)),
        cpuP95Milli: round1(quantile(cpu, 0.95)),
        cpuMaxMilli: round1(cpuMax),
        memoryPeakMiB: round1(memoryPeak),
        oomKills: ooms,
        requestCpuMilli: w.requests.cpuMilli,
        requestMemoryMiB: w.requests.memoryMiB,
      });
    }
  }
  return out;
}

/** Linear-interpolated quantile of sorted values. */
function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  const a = sorted[low] ?? 0;
  const b = sorted[high] ?? a;
  return a + (b - a) * (position - low);
}

const round1 = (value: number): number => Math.round(value * 10) / 10;
