import { z } from 'zod';
import { HOURS_PER_MONTH, type UnitPrices } from './cost';
import { maxOf, percentile } from './stats';

/**
 * Rightsizing of container requests (KRR-style percentiles, VPA's OOM rule, HPA-aware):
 *   cpu     = max(10 m, ceil(p95(CPU usage samples, millicores) x (1 + headroom)))
 *   memory  = max(64 MiB, ceil(peak working set (MiB) x (1 + headroom)))
 *             after an OOM kill: max(that, used + 100 MiB, used x 1.2) with used = max(peak, memory at kill)
 *   saving  = ((cpuNow - cpu) / 1000 x USD per vCPU-h + (memNow - mem) / 1024 x USD per GiB-h) x 730 x replicas
 * A resource an HPA scales on keeps its request (changing it moves the HPA's utilization target). A
 * recommendation is applied only when its monthly saving exceeds the policy's severity threshold.
 */

export const CPU_FLOOR_MILLI = 10;
export const MEMORY_FLOOR_MIB = 64;
/** VPA's OOM bump: at least +100 MiB and at least x 1.2 of the memory in use at the kill. */
export const OOM_MIN_BUMP_MIB = 100;
export const OOM_BUMP_RATIO = 1.2;
export const CPU_USAGE_PERCENTILE = 0.95;

export const rightsizingPolicySchema = z.object({
  /** Safety buffer on top of usage, percent (UI slider 10-50, default 20). */
  headroomPercent: z.number().min(0).max(100).default(20),
  /** Apply only when the monthly saving exceeds this many USD (UI "Severity threshold"). */
  severityThresholdMonthlyUsd: z.number().nonnegative().finite().default(10),
});
export type RightsizingPolicy = z.infer<typeof rightsizingPolicySchema>;

export const hpaResources = ['cpu', 'memory'] as const;

export const containerUsageSchema = z.object({
  namespace: z.string().min(1),
  workload: z.string().min(1),
  container: z.string().min(1),
  replicas: z.number().int().positive(),
  cpuRequestMilli: z.number().nonnegative().finite(),
  memoryRequestMiB: z.number().nonnegative().finite(),
  /** CPU usage samples over the look-back (typically 14 days), millicores. */
  cpuUsageMilli: z.array(z.number().nonnegative().finite()),
  /** Working-set memory samples over the look-back, MiB. */
  memoryWorkingSetMiB: z.array(z.number().nonnegative().finite()),
  /** OOM kills in the look-back: the container's memory limit (or request when unlimited) at the kill, MiB. */
  oomKills: z.array(z.object({ memoryAtKillMiB: z.number().nonnegative().finite() })).default([]),
  /** Resources an HPA of the workload scales on (resource metrics `cpu` / `memory`). */
  hpaScaledResources: z.array(z.enum(hpaResources)).default([]),
});
export type ContainerUsage = z.infer<typeof containerUsageSchema>;

export type ResourceSkip = 'hpa-scaled' | 'no-samples' | null;

export interface CpuRecommendation {
  currentMilli: number;
  recommendedMilli: number;
  p95Milli: number | null;
  floorApplied: boolean;
  skipped: ResourceSkip;
}

export interface MemoryRecommendation {
  currentMiB: number;
  recommendedMiB: number;
  peakMiB: number | null;
  /** The OOM-bumped value when an OOM kill raised the recommendation, else `null`. */
  oomBumpMiB: number | null;
  floorApplied: boolean;
  skipped: ResourceSkip;
}

export type RightsizingStatus = 'apply' | 'below-threshold' | 'no-change';

export interface ContainerRecommendation {
  namespace: string;
  workload: string;
  container: string;
  replicas: number;
  cpu: CpuRecommendation;
  memory: MemoryRecommendation;
  /** Positive = cheaper; negative = the recommendation raises requests (under-provisioned). USD/month. */
  monthlySavingUsd: number;
  status: RightsizingStatus;
}

/** CPU request (millicores) = max(10, ceil(p95 x (1 + headroom))); see the module comment. */
export function recommendCpuMilli(samplesMilli: readonly number[], headroomPercent: number): number | null {
  const p95 = percentile(samplesMilli, CPU_USAGE_PERCENTILE);
  if (p95 === null) return null;
  return Math.max(CPU_FLOOR_MILLI, Math.ceil(p95 * (1 + headroomPercent / 100)));
}

/**
 * Memory request (MiB) = max(64, ceil(peak x (1 + headroom)), OOM bump) where, if OOM kills happened,
 * used = max(peak, memory at each kill) and bump = ceil(max(used + 100, used x 1.2)).
 */
export function recommendMemoryMiB(
  samplesMiB: readonly number[],
  headroomPercent: number,
  oomKills: readonly { memoryAtKillMiB: number }[] = [],
): { recommendedMiB: number; peakMiB: number; oomBumpMiB: number | null } | null {
  const peak = maxOf(samplesMiB);
  if (peak === null) return null;
  const fromPeak = Math.ceil(peak * (1 + headroomPercent / 100));
  let oomBumpMiB: number | null = null;
  if (oomKills.length > 0) {
    const used = Math.max(peak, ...oomKills.map((k) => k.memoryAtKillMiB));
    const bump = Math.ceil(Math.max(used + OOM_MIN_BUMP_MIB, used * OOM_BUMP_RATIO));
    if (bump > fromPeak) oomBumpMiB = bump;
  }
  return {
    recommendedMiB: Math.max(MEMORY_FLOOR_MIB, oomBumpMiB ?? fromPeak),
    peakMiB: peak,
    oomBumpMiB,
  };
}

/**
 * Monthly saving (USD/month) of moving a container's requests from current to recommended:
 *   ((cpuNow - cpuNew) / 1000 x cpuCoreHourlyUsd + (memNow - memNew) / 1024 x memoryGiBHourlyUsd) x 730 x replicas
 */
export function requestDeltaMonthlySavingUsd(
  delta: { cpuMilli: number; memoryMiB: number },
  replicas: number,
  prices: UnitPrices,
): number {
  return (
    ((delta.cpuMilli / 1000) * prices.cpuCoreHourlyUsd +
      (delta.memoryMiB / 1024) * prices.memoryGiBHourlyUsd) *
    HOURS_PER_MONTH *
    replicas
  );
}

/** Recommendation for one container under a policy at the cluster's unit prices (see module comment). */
export function recommendContainer(
  usage: ContainerUsage,
  policy: RightsizingPolicy,
  prices: UnitPrices,
): ContainerRecommendation {
  const cpuHpa = usage.hpaScaledResources.includes('cpu');
  const memHpa = usage.hpaScaledResources.includes('memory');

  const cpuNew = cpuHpa ? null : recommendCpuMilli(usage.cpuUsageMilli, policy.headroomPercent);
  const cpuP95 = percentile(usage.cpuUsageMilli, CPU_USAGE_PERCENTILE);
  const cpu: CpuRecommendation = {
    currentMilli: usage.cpuRequestMilli,
    recommendedMilli: cpuNew ?? usage.cpuRequestMilli,
    p95Milli: cpuP95,
    floorApplied:
      cpuNew !== null &&
      cpuP95 !== null &&
      Math.ceil(cpuP95 * (1 + policy.headroomPercent / 100)) < CPU_FLOOR_MILLI,
    skipped: cpuHpa ? 'hpa-scaled' : cpuNew === null ? 'no-samples' : null,
  };

  const memNew = memHpa
    ? null
    : recommendMemoryMiB(usage.memoryWorkingSetMiB, policy.headroomPercent, usage.oomKills);
  const memory: MemoryRecommendation = {
    currentMiB: usage.memoryRequestMiB,
    recommendedMiB: memNew?.recommendedMiB ?? usage.memoryRequestMiB,
    peakMiB: maxOf(usage.memoryWorkingSetMiB),
    oomBumpMiB: memNew?.oomBumpMiB ?? null,
    floorApplied:
      memNew !== null &&
      memNew.oomBumpMiB === null &&
      Math.ceil(memNew.peakMiB * (1 + policy.headroomPercent / 100)) < MEMORY_FLOOR_MIB,
    skipped: memHpa ? 'hpa-scaled' : memNew === null ? 'no-samples' : null,
  };

  const monthlySavingUsd = requestDeltaMonthlySavingUsd(
    {
      cpuMilli: cpu.currentMilli - cpu.recommendedMilli,
      memoryMiB: memory.currentMiB - memory.recommendedMiB,
    },
    usage.replicas,
    prices,
  );
  const changed = cpu.recommendedMilli !== cpu.currentMilli || memory.recommendedMiB !== memory.currentMiB;
  const status: RightsizingStatus = !changed
    ? 'no-change'
    : monthlySavingUsd > policy.severityThresholdMonthlyUsd
      ? 'apply'
      : 'below-threshold';
  return {
    namespace: usage.namespace,
    workload: usage.workload,
    container: usage.container,
    replicas: usage.replicas,
    cpu,
    memory,
    monthlySavingUsd,
    status,
  };
}

export interface RightsizingReport {
  containers: ContainerRecommendation[];
  /** Sum of savings of the `apply` recommendations, USD/month ("Gold bar"). */
  monthlySavingUsd: number;
  applyCount: number;
  belowThresholdCount: number;
}

/** Rightsizing of many containers; the total counts only recommendations above the severity threshold. */
export function rightsizeContainers(
  containers: readonly ContainerUsage[],
  policy: RightsizingPolicy,
  prices: UnitPrices,
): RightsizingReport {
  const recs = containers.map((c) => recommendContainer(c, policy, prices));
  let monthlySavingUsd = 0;
  let applyCount = 0;
  let belowThresholdCount = 0;
  for (const r of recs) {
    if (r.status === 'apply') {
      applyCount += 1;
      monthlySavingUsd += r.monthlySavingUsd;
    } else if (r.status === 'below-threshold') {
      belowThresholdCount += 1;
    }
  }
  return { containers: recs, monthlySavingUsd, applyCount, belowThresholdCount };
}
