import { type ExemptionPolicy, exemptionReasonOf } from '../cluster';
import { type UnitPrices, unitPricesFromNodes } from '../cost';
import {
  type ContainerUsage,
  type RightsizingPolicy,
  type RightsizingReport,
  rightsizeContainers,
} from '../rightsizing';
import type { ModelWorkload } from '../snapshot-model';
import { type PricedNode, sum, type WorkloadRef } from './common';
import type { WorkloadFigures, WorkloadUsage } from './types';

/** The cluster's unit prices (`unitPricesFromNodes`, USD per vCPU-hour and per GiB-hour) over its priced nodes. */
export function clusterUnitPrices(priced: readonly PricedNode[]): UnitPrices {
  return unitPricesFromNodes(
    priced
      .filter((n) => n.allocatableCpuMilli > 0 && n.allocatableMemoryMiB > 0)
      .map((n) => ({
        hourlyPriceUsd: n.price.hourlyPriceUsd,
        allocatableCpuMilli: n.allocatableCpuMilli,
        allocatableMemoryMiB: n.allocatableMemoryMiB,
      })),
  );
}

/**
 * A workload as one container per replica for `rightsizeContainers`: requests divided by the replicas
 * (at least 1), CPU samples = the daily p95s then today's samples (millicores), memory samples = the daily
 * peaks then today's peak (MiB); without stored usage, the snapshot's usage per replica. Each OOM kill is
 * recorded at the first pod's memory limit (else the request per replica).
 */
export function containerUsageOf(w: ModelWorkload, usage: WorkloadUsage | undefined): ContainerUsage {
  const replicas = Math.max(1, w.pods.length);
  const cpu = [...(usage?.days.map((d) => d.cpuP95Milli) ?? []), ...(usage?.todayCpuMilli ?? [])];
  const mem = [
    ...(usage?.days.map((d) => d.memoryPeakMiB) ?? []),
    ...(usage?.todayMemoryPeakMiB !== null && usage?.todayMemoryPeakMiB !== undefined
      ? [usage.todayMemoryPeakMiB]
      : []),
  ];
  if (cpu.length === 0 && w.usedCpuMilli !== null) cpu.push(w.usedCpuMilli / replicas);
  if (mem.length === 0 && w.usedMemoryMiB !== null) mem.push(w.usedMemoryMiB / replicas);
  const ooms = sum(usage?.days.map((d) => d.oomKills) ?? []) + (usage?.todayOomKills ?? 0);
  const limitPerReplica = w.pods[0]?.memoryLimitMiB ?? w.requestMemoryMiB / replicas;
  return {
    namespace: w.namespace,
    workload: w.key,
    container: '*',
    replicas,
    cpuRequestMilli: w.requestCpuMilli / replicas,
    memoryRequestMiB: w.requestMemoryMiB / replicas,
    cpuUsageMilli: cpu,
    memoryWorkingSetMiB: mem,
    oomKills: Array.from({ length: ooms }, () => ({ memoryAtKillMiB: limitPerReplica })),
    hpaScaledResources: w.hpaScaledResources,
  };
}

/** Rightsizing of the managed workloads (not exempt by namespace or label), at the cluster's unit prices. */
export function rightsizeWorkloads(
  workloads: readonly ModelWorkload[],
  usage: ReadonlyMap<string, WorkloadUsage>,
  policy: { exemptions: ExemptionPolicy; rightsizing: RightsizingPolicy },
  unit: UnitPrices,
): { report: RightsizingReport; workloadCount: number } {
  const containers = workloads
    .filter(
      (w) =>
        exemptionReasonOf(
          w.namespace,
          w.pods.map((p) => p.labels),
          policy.exemptions,
        ) === null,
    )
    .map((w) => containerUsageOf(w, usage.get(w.key)));
  return {
    report: rightsizeContainers(containers, policy.rightsizing, unit),
    workloadCount: containers.length,
  };
}

/** The per-workload recommendation of `report` (workloads with samples for CPU or memory). */
export function workloadRightsizing(report: RightsizingReport): Map<string, WorkloadFigures['rightsizing']> {
  const out = new Map<string, WorkloadFigures['rightsizing']>();
  for (const rec of report.containers) {
    if (rec.cpu.skipped === 'no-samples' && rec.memory.skipped === 'no-samples') continue;
    out.set(rec.workload, {
      recommendedCpuMilli: rec.cpu.recommendedMilli,
      recommendedMemoryMiB: rec.memory.recommendedMiB,
      monthlySavingUsd: rec.monthlySavingUsd,
      status: rec.status,
    });
  }
  return out;
}

/** The summary's rightsizing section: totals, the policy's figures and the 10 largest `apply` savings. */
export function rightsizingSectionOf(
  report: RightsizingReport,
  workloadCount: number,
  policy: RightsizingPolicy,
  describe: (key: string) => WorkloadRef,
) {
  return {
    monthlySavingUsd: report.monthlySavingUsd,
    applyCount: report.applyCount,
    belowThresholdCount: report.belowThresholdCount,
    workloadCount,
    headroomPercent: policy.headroomPercent,
    severityThresholdMonthlyUsd: policy.severityThresholdMonthlyUsd,
    top: report.containers
      .filter((c) => c.status === 'apply')
      .sort((a, b) => b.monthlySavingUsd - a.monthlySavingUsd)
      .slice(0, 10)
      .map((c) => ({
        ...describe(c.workload),
        cpuRequestMilli: c.cpu.currentMilli,
        recommendedCpuMilli: c.cpu.recommendedMilli,
        memoryRequestMiB: c.memory.currentMiB,
        recommendedMemoryMiB: c.memory.recommendedMiB,
        monthlySavingUsd: c.monthlySavingUsd,
      })),
  };
}
