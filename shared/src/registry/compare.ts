import type { ClusterListItem } from '../model/cluster';
import type { CompareClustersResponse } from '../model/cluster-registry';

const usd = (v: number | null) => (v === null ? '—' : `$${Math.round(v).toLocaleString('en-US')}/mo`);
const num = (v: number | null, unit = '') => (v === null ? '—' : `${Math.round(v * 10) / 10}${unit}`);

type Row = {
  key: string;
  label: string;
  group: 'configuration' | 'figures';
  value: (c: ClusterListItem) => string;
};

const rows: readonly Row[] = [
  { key: 'region', label: 'Region', group: 'configuration', value: (c) => c.region },
  {
    key: 'zones',
    label: 'Availability zones',
    group: 'configuration',
    value: (c) => c.zones.join(', ') || '—',
  },
  {
    key: 'kubernetesVersion',
    label: 'Kubernetes version',
    group: 'configuration',
    value: (c) => c.kubernetesVersion,
  },
  { key: 'versionStatus', label: 'Version support', group: 'configuration', value: (c) => c.eks.status },
  { key: 'environment', label: 'Environment', group: 'configuration', value: (c) => c.environment ?? '—' },
  { key: 'accountId', label: 'Account', group: 'configuration', value: (c) => c.accountId },
  { key: 'source', label: 'Data source', group: 'configuration', value: (c) => c.source ?? '—' },
  {
    key: 'agentVersion',
    label: 'Agent version',
    group: 'configuration',
    value: (c) => c.agent?.version ?? '—',
  },
  {
    key: 'tags',
    label: 'Tags',
    group: 'configuration',
    value: (c) =>
      Object.entries(c.tags)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => `${k}=${v}`)
        .join(', ') || '—',
  },
  { key: 'nodeCount', label: 'Nodes', group: 'figures', value: (c) => String(c.nodeCount) },
  { key: 'podCount', label: 'Pods', group: 'figures', value: (c) => String(c.podCount) },
  { key: 'vcpu', label: 'vCPU', group: 'figures', value: (c) => num(c.vcpu) },
  { key: 'memoryGiB', label: 'Memory (GiB)', group: 'figures', value: (c) => num(c.memoryGiB) },
  {
    key: 'monthlyRunRateUsd',
    label: 'Monthly cost',
    group: 'figures',
    value: (c) => usd(c.monthlyRunRateUsd),
  },
  {
    key: 'potentialSavings',
    label: 'Potential savings',
    group: 'figures',
    value: (c) => usd(c.potentialSavingsMonthlyUsd),
  },
  { key: 'efficiency', label: 'Efficiency grade', group: 'figures', value: (c) => c.efficiencyGrade ?? '—' },
  {
    key: 'health',
    label: 'Health score',
    group: 'figures',
    value: (c) => `${c.health.score} (${c.health.status})`,
  },
  { key: 'compliance', label: 'Compliance', group: 'figures', value: (c) => c.compliance.status },
  { key: 'spot', label: 'Spot readiness', group: 'figures', value: (c) => num(c.spotReadinessScore) },
];

/** The clusters side by side, one row per setting or figure, `differs` when they are not all equal. */
export function compareClusters(items: readonly ClusterListItem[]): CompareClustersResponse {
  return {
    clusters: items.map((c) => ({ id: c.id, name: c.name })),
    rows: rows.map((r) => {
      const values = items.map(r.value);
      return {
        key: r.key,
        label: r.label,
        group: r.group,
        values,
        differs: new Set(values).size > 1,
      };
    }),
  };
}
