import { z } from 'zod';
import { clamp } from './stats';

/**
 * Efficiency score: how much of what is paid for is used, weighted by what each node costs.
 *   u_cpu(n) = clamp(cpuUsedMilli / cpuAllocatableMilli, 0, 1), u_mem(n) likewise with MiB
 *   cpuUtilization    = sum(price(n) x u_cpu(n)) / sum(price(n))
 *   memoryUtilization = sum(price(n) x u_mem(n)) / sum(price(n))
 *   score             = (cpuUtilization + memoryUtilization) / 2
 * Grades: A >= 0.80, B >= 0.65, C >= 0.50, D >= 0.35, else F.
 */

export const efficiencyGrades = ['A', 'B', 'C', 'D', 'F'] as const;
export type EfficiencyGrade = (typeof efficiencyGrades)[number];

/** Lower bound (inclusive, fraction) of each grade, best first. */
export const gradeThresholds: readonly { grade: EfficiencyGrade; minScore: number }[] = [
  { grade: 'A', minScore: 0.8 },
  { grade: 'B', minScore: 0.65 },
  { grade: 'C', minScore: 0.5 },
  { grade: 'D', minScore: 0.35 },
  { grade: 'F', minScore: Number.NEGATIVE_INFINITY },
];

/**
 * The grading scale in words, from {@link gradeThresholds}: "A ≥ 80%, B ≥ 65%, C ≥ 50%, D ≥ 35%, else F"
 * (each bound is the score fraction x 100).
 */
export function efficiencyGradeScale(): string {
  const bounded = gradeThresholds.filter((t) => Number.isFinite(t.minScore));
  const last = gradeThresholds.at(-1)?.grade ?? 'F';
  return `${bounded.map((t) => `${t.grade} ≥ ${Math.round(t.minScore * 100)}%`).join(', ')}, else ${last}`;
}

/** Grade of a score (fraction): A >= 0.80, B >= 0.65, C >= 0.50, D >= 0.35, else F. */
export function efficiencyGrade(score: number): EfficiencyGrade {
  for (const t of gradeThresholds) if (score >= t.minScore) return t.grade;
  return 'F';
}

export const nodeUtilizationSchema = z.object({
  hourlyPriceUsd: z.number().nonnegative().finite(),
  cpuUsedMilli: z.number().nonnegative().finite(),
  cpuAllocatableMilli: z.number().positive().finite(),
  memoryUsedMiB: z.number().nonnegative().finite(),
  memoryAllocatableMiB: z.number().positive().finite(),
});
export type NodeUtilization = z.infer<typeof nodeUtilizationSchema>;

export interface EfficiencyResult {
  /** (cpuUtilization + memoryUtilization) / 2 in [0, 1]; `null` with no nodes or zero total cost. */
  score: number | null;
  grade: EfficiencyGrade | null;
  /** Cost-weighted CPU utilization in [0, 1] (tooltip input). */
  cpuUtilization: number | null;
  /** Cost-weighted memory utilization in [0, 1] (tooltip input). */
  memoryUtilization: number | null;
  /** The weight: sum of node hourly prices, USD/h. */
  totalHourlyCostUsd: number;
  nodeCount: number;
}

function result(
  cpuWeighted: number,
  memWeighted: number,
  totalHourlyCostUsd: number,
  nodeCount: number,
): EfficiencyResult {
  if (totalHourlyCostUsd <= 0) {
    return {
      score: null,
      grade: null,
      cpuUtilization: null,
      memoryUtilization: null,
      totalHourlyCostUsd,
      nodeCount,
    };
  }
  const cpuUtilization = cpuWeighted / totalHourlyCostUsd;
  const memoryUtilization = memWeighted / totalHourlyCostUsd;
  const score = (cpuUtilization + memoryUtilization) / 2;
  return {
    score,
    grade: efficiencyGrade(score),
    cpuUtilization,
    memoryUtilization,
    totalHourlyCostUsd,
    nodeCount,
  };
}

/** Efficiency of one cluster from its nodes (see the module comment for the formula; fractions, USD/h). */
export function clusterEfficiency(nodes: readonly NodeUtilization[]): EfficiencyResult {
  let cpu = 0;
  let mem = 0;
  let weight = 0;
  for (const n of nodes) {
    weight += n.hourlyPriceUsd;
    cpu += n.hourlyPriceUsd * clamp(n.cpuUsedMilli / n.cpuAllocatableMilli, 0, 1);
    mem += n.hourlyPriceUsd * clamp(n.memoryUsedMiB / n.memoryAllocatableMiB, 0, 1);
  }
  return result(cpu, mem, weight, nodes.length);
}

/**
 * Fleet efficiency across clusters, weighted by each cluster's total hourly cost:
 *   cpuUtilization = sum(cost(c) x cpuUtilization(c)) / sum(cost(c)), memory likewise, score = their mean.
 * Equal to `clusterEfficiency` over all nodes of all clusters. Clusters with a null score are skipped.
 */
export function fleetEfficiency(clusters: readonly EfficiencyResult[]): EfficiencyResult {
  let cpu = 0;
  let mem = 0;
  let weight = 0;
  let nodeCount = 0;
  for (const c of clusters) {
    if (c.cpuUtilization === null || c.memoryUtilization === null) continue;
    weight += c.totalHourlyCostUsd;
    cpu += c.totalHourlyCostUsd * c.cpuUtilization;
    mem += c.totalHourlyCostUsd * c.memoryUtilization;
    nodeCount += c.nodeCount;
  }
  return result(cpu, mem, weight, nodeCount);
}
