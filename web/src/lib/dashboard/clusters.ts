import type { DashboardClusterRow, DashboardEfficiency } from '@spot/shared';
import { efficiencyGradeScale, efficiencyGrades } from '@spot/shared/savings/efficiency';
import { formatNumber, formatPercent, formatUsd, formatUsdPerHour } from '../format';

type Grade = NonNullable<DashboardEfficiency['grade']>;

/** A grade's rank for sorting, best first; no grade sorts last. */
export const gradeRank = (grade: Grade | null): number =>
  grade ? efficiencyGrades.indexOf(grade) : efficiencyGrades.length;

const haystack = (row: DashboardClusterRow): string =>
  [
    row.name,
    row.clusterId,
    row.region,
    row.kubernetesVersion,
    row.accountName ?? '',
    ...Object.entries(row.tags).map(([k, v]) => `${k}=${v}`),
  ]
    .join(' ')
    .toLowerCase();

/**
 * The rows matching a search: every word of the query must appear in the name, id, region, Kubernetes
 * version, account name or a `key=value` tag (case-insensitive). An empty query keeps every row.
 */
export function searchClusters(rows: readonly DashboardClusterRow[], query: string): DashboardClusterRow[] {
  const words = query.trim().toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return [...rows];
  return rows.filter((row) => {
    const text = haystack(row);
    return words.every((w) => text.includes(w));
  });
}

/** Compares Kubernetes versions numerically ("1.9" before "1.30"). */
export function compareVersions(a: string, b: string): number {
  const pa = a.replace(/^v/, '').split(/[.-]/);
  const pb = b.replace(/^v/, '').split(/[.-]/);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = Number(pa[i] ?? 0);
    const y = Number(pb[i] ?? 0);
    if (Number.isNaN(x) || Number.isNaN(y)) {
      const c = (pa[i] ?? '').localeCompare(pb[i] ?? '');
      if (c !== 0) return c;
    } else if (x !== y) return x - y;
  }
  return 0;
}

export type ClusterSortKey = 'name' | 'region' | 'version' | 'nodes' | 'runRate' | 'grade' | 'savings';

/** Ascending comparators of the table's sortable columns (the table flips them for descending). */
export const clusterComparators: Record<
  ClusterSortKey,
  (a: DashboardClusterRow, b: DashboardClusterRow) => number
> = {
  name: (a, b) => a.name.localeCompare(b.name),
  region: (a, b) => a.region.localeCompare(b.region) || a.name.localeCompare(b.name),
  version: (a, b) => compareVersions(a.kubernetesVersion, b.kubernetesVersion),
  nodes: (a, b) => a.nodeCount - b.nodeCount,
  runRate: (a, b) => a.monthlyRunRateUsd - b.monthlyRunRateUsd,
  // Ascending = best first; an ungraded cluster after F.
  grade: (a, b) =>
    gradeRank(a.efficiency.grade) - gradeRank(b.efficiency.grade) ||
    (b.efficiency.score ?? -1) - (a.efficiency.score ?? -1),
  savings: (a, b) => a.potentialSavingsMonthlyUsd - b.potentialSavingsMonthlyUsd,
};

export interface TooltipLine {
  label: string;
  value: string;
}

/** The inputs behind an efficiency grade, one line each, for the grade's tooltip. */
export function efficiencyTooltipLines(efficiency: DashboardEfficiency): TooltipLine[] {
  const lines: TooltipLine[] = [];
  if (efficiency.basis === 'unavailable' || efficiency.score === null) {
    lines.push({ label: 'Grade', value: 'not graded: no usage metrics (metrics-server) from this cluster' });
  } else {
    lines.push({
      label: 'Score',
      value: `${formatPercent(efficiency.score, 1)}${efficiency.grade ? ` (grade ${efficiency.grade})` : ''}`,
    });
  }
  lines.push(
    { label: 'CPU utilization', value: formatPercent(efficiency.cpuUtilization, 1) },
    { label: 'Memory utilization', value: formatPercent(efficiency.memoryUtilization, 1) },
    {
      label: 'Cost weight',
      value: `${formatUsdPerHour(efficiency.totalHourlyCostUsd)} (${formatUsd(efficiency.totalHourlyCostUsd * 730)}/month)`,
    },
    { label: 'Nodes graded', value: formatNumber(efficiency.nodeCount) },
    {
      label: 'Basis',
      value: efficiency.basis === 'metrics-server' ? 'used / allocatable (metrics-server)' : 'unavailable',
    },
  );
  return lines;
}

/** "A ≥ 80%, B ≥ 65%, …": the savings engine's grading scale, shown under the tooltip's figures. */
export const gradeScale = `${efficiencyGradeScale()} (cost-weighted mean of CPU and memory)`;
