import type { ClusterListItem } from '../model/cluster';
import type { AlertRule, RegistryAlert, RegistrySummaryResponse } from '../model/cluster-registry';
import { efficiencyGrade } from '../savings/efficiency';

/** Above this p99 (fraction of the objective) a cluster's API server counts as "high latency". */
const highLatencyOfObjective = 1;
/** Node pressure events per node-day from which the pressure alert fires. */
const pressureAlertPerNodeDay = 0.5;
/** Minutes without contact after which an agent counts as silent. */
const silentAfterMinutes = 60;

interface AlertRuleDef {
  rule: AlertRule;
  severity: RegistryAlert['severity'];
  ruleText: string;
  matches: (c: ClusterListItem) => boolean;
  message: (n: number) => string;
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
const clusters = (n: number) => plural(n, 'cluster', 'clusters');
const has = (n: number) => (n === 1 ? 'has' : 'have');

/** The status bar's alert rules, most urgent first; each is shown with its `ruleText`. */
export const registryAlertRules: readonly AlertRuleDef[] = [
  {
    rule: 'api-high-latency',
    severity: 'critical',
    ruleText: 'API server p99 latency above its objective (1000 ms) over the last day',
    matches: (c) =>
      c.health.factors.latency !== null &&
      c.apiLatencyP99Ms !== null &&
      c.apiLatencyP99Ms > c.latencyObjectiveP99Ms * highLatencyOfObjective,
    message: (n) => `${clusters(n)} ${has(n)} API high latency`,
  },
  {
    rule: 'agent-silent',
    severity: 'critical',
    ruleText: `No agent heartbeat nor snapshot for over ${silentAfterMinutes} minutes`,
    matches: (c) =>
      c.source === 'agent' &&
      (c.health.minutesSinceContact === null || c.health.minutesSinceContact > silentAfterMinutes),
    message: (n) => `${clusters(n)} lost contact with the agent`,
  },
  {
    rule: 'collection-failing',
    severity: 'critical',
    ruleText: 'The last collection of Kubernetes data failed',
    matches: (c) => c.collection?.status === 'error',
    message: (n) => `${clusters(n)} cannot be read`,
  },
  {
    rule: 'kubernetes-end-of-life',
    severity: 'critical',
    ruleText: 'Kubernetes version past the end of EKS extended support',
    matches: (c) => c.eks.status === 'end-of-life',
    message: (n) => `${clusters(n)} ${n === 1 ? 'runs' : 'run'} an end-of-life Kubernetes version`,
  },
  {
    rule: 'kubernetes-extended-support',
    severity: 'warning',
    ruleText: 'Kubernetes version in EKS extended support (billed USD 0.60/h instead of 0.10/h)',
    matches: (c) => c.eks.status === 'extended-support',
    message: (n) => `${clusters(n)} ${n === 1 ? 'is' : 'are'} billed for extended support`,
  },
  {
    rule: 'node-pressure',
    severity: 'warning',
    ruleText: `Node pressure events at ${pressureAlertPerNodeDay} per node-day or more`,
    matches: (c) => (c.pressureEventsPerNodeDay ?? 0) >= pressureAlertPerNodeDay,
    message: (n) => `${clusters(n)} ${has(n)} nodes under pressure`,
  },
];

/**
 * The status bar of the clusters given: count, capacity, the run-rate-weighted efficiency (sum of score x
 * run rate / sum of run rate over the clusters with a score) and its grade, the run rate, health counts
 * and the alerts that fire (each with its rule and up to 5 clusters).
 */
export function registrySummary(items: readonly ClusterListItem[]): RegistrySummaryResponse {
  let weighted = 0;
  let weight = 0;
  for (const c of items) {
    if (c.efficiencyScore === null || c.monthlyRunRateUsd <= 0) continue;
    weighted += c.efficiencyScore * c.monthlyRunRateUsd;
    weight += c.monthlyRunRateUsd;
  }
  const efficiencyScore = weight > 0 ? Math.round((weighted / weight) * 1000) / 1000 : null;
  const alerts = registryAlertRules.flatMap((r) => {
    const hit = items.filter(r.matches);
    if (hit.length === 0) return [];
    return [
      {
        rule: r.rule,
        ruleText: r.ruleText,
        severity: r.severity,
        count: hit.length,
        message: r.message(hit.length),
        clusters: hit.slice(0, 5).map((c) => ({ id: c.id, name: c.name })),
      },
    ];
  });
  const round1 = (v: number) => Math.round(v * 10) / 10;
  return {
    clusterCount: items.length,
    vcpu: round1(items.reduce((s, c) => s + (c.vcpu ?? 0), 0)),
    memoryGiB: round1(items.reduce((s, c) => s + (c.memoryGiB ?? 0), 0)),
    efficiencyScore,
    efficiencyGrade: efficiencyScore === null ? null : efficiencyGrade(efficiencyScore),
    monthlyRunRateUsd: Math.round(items.reduce((s, c) => s + c.monthlyRunRateUsd, 0) * 100) / 100,
    healthy: items.filter((c) => c.health.status === 'healthy').length,
    degraded: items.filter((c) => c.health.status === 'degraded').length,
    alerts,
  };
}
