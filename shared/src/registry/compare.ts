import { canonicalJson } from '../model/canonical-json';
import type { ClusterListItem } from '../model/cluster';
import type { CompareClustersResponse } from '../model/cluster-registry';
import type { Policy } from '../model/policy';
import { leavesOf } from '../policy/merge';

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

/**
 * What a cluster is set up with beyond its registry row, read by the compare route: the node template it
 * is held to (its effective policy's, else the organization's default), its effective policy with the
 * version of each level merged, and its hibernation schedule.
 */
export interface CompareSettings {
  nodeTemplate: { name: string; via: 'policy' | 'default' } | null;
  policy: { policy: Policy; versions: { organization: number; account: number; cluster: number } };
  hibernation: {
    configured: boolean;
    enabled: boolean;
    timeZone: string;
    /** 7 days (Monday first) of 48 half-hours, true where the cluster is awake. */
    weeklyGrid: readonly (readonly boolean[])[];
  };
}

const dayNames = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'] as const;
const slotTime = (slot: number) =>
  `${String(Math.floor(slot / 2)).padStart(2, '0')}:${slot % 2 ? '30' : '00'}`;

/** One day's awake half-hours as ranges: "07:00–20:00", "all day" or "asleep". */
function dayText(day: readonly boolean[]): string {
  if (day.every(Boolean)) return 'all day';
  const ranges: string[] = [];
  for (let s = 0; s < day.length; s++) {
    if (!day[s] || (s > 0 && day[s - 1])) continue;
    let e = s;
    while (e < day.length && day[e]) e++;
    ranges.push(`${slotTime(s)}–${e === day.length ? '24:00' : slotTime(e)}`);
  }
  return ranges.length ? ranges.join(', ') : 'asleep';
}

/**
 * The weekly grid in words, consecutive days with the same hours joined ("Mon–Fri 07:00–20:00; Sat–Sun
 * asleep"). Two different grids never read the same, so the row's `differs` is the grid's.
 */
export function weeklyGridText(grid: readonly (readonly boolean[])[]): string {
  const days = grid.map(dayText);
  const parts: string[] = [];
  for (let d = 0; d < days.length; ) {
    let e = d;
    while (e + 1 < days.length && days[e + 1] === days[d]) e++;
    parts.push(`${dayNames[d]}${e > d ? `–${dayNames[e]}` : ''} ${days[d]}`);
    d = e + 1;
  }
  return parts.join('; ');
}

function hibernationText(h: CompareSettings['hibernation']): string {
  if (!h.configured) return 'Not set (always awake)';
  if (!h.enabled) return `Off (${h.timeZone})`;
  return `On, ${h.timeZone}: ${weeklyGridText(h.weeklyGrid)}`;
}

function levelsText(v: CompareSettings['policy']['versions']): string {
  const levels = [
    v.organization ? `organization v${v.organization}` : '',
    v.account ? `account v${v.account}` : '',
    v.cluster ? `cluster v${v.cluster}` : '',
  ].filter(Boolean);
  return levels.length ? levels.join(' + ') : "product's defaults";
}

/**
 * Each cluster's policy: the levels merged and, where the effective policies differ, the value of each
 * field that differs (all of them: a shortened list could read the same for two different policies).
 */
function policyTexts(settings: readonly CompareSettings[]): string[] {
  const leaves = settings.map((s) => new Map(leavesOf(s.policy.policy)));
  const paths = [...new Set(leaves.flatMap((l) => [...l.keys()]))].sort();
  const differing = paths.filter((p) => new Set(leaves.map((l) => canonicalJson(l.get(p) ?? null))).size > 1);
  return settings.map((s, i) => {
    const fields = differing.map((p) => `${p} = ${canonicalJson(leaves[i]?.get(p) ?? null)}`);
    return [levelsText(s.policy.versions), ...fields].join('; ');
  });
}

/** The rows of the settings, after the registry's configuration rows. */
function settingsRows(settings: readonly CompareSettings[]) {
  return [
    {
      key: 'nodeTemplate',
      label: 'Node template',
      values: settings.map((s) =>
        s.nodeTemplate
          ? `${s.nodeTemplate.name}${s.nodeTemplate.via === 'default' ? " (organization's default)" : ''}`
          : 'None',
      ),
    },
    { key: 'policy', label: 'Policy', values: policyTexts(settings) },
    {
      key: 'hibernation',
      label: 'Hibernation schedule',
      values: settings.map((s) => hibernationText(s.hibernation)),
    },
  ];
}

/**
 * The clusters side by side, one row per setting or figure, `differs` when they are not all equal.
 * `settings` (one per item, same order) adds the node template, policy and hibernation rows.
 */
export function compareClusters(
  items: readonly ClusterListItem[],
  settings?: readonly CompareSettings[],
): CompareClustersResponse {
  const row = (key: string, label: string, group: 'configuration' | 'figures', values: string[]) => ({
    key,
    label,
    group,
    values,
    differs: new Set(values).size > 1,
  });
  const configuration = rows
    .filter((r) => r.group === 'configuration')
    .map((r) => row(r.key, r.label, r.group, items.map(r.value)));
  const extra = settings
    ? settingsRows(settings).map((r) => row(r.key, r.label, 'configuration', r.values))
    : [];
  const figures = rows
    .filter((r) => r.group === 'figures')
    .map((r) => row(r.key, r.label, r.group, items.map(r.value)));
  return {
    clusters: items.map((c) => ({ id: c.id, name: c.name })),
    rows: [...configuration, ...extra, ...figures],
  };
}
