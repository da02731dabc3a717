import type { z } from 'zod';
import { parseSummaryView } from '../dashboard/summary-view';
import type { ClusterListItem } from '../model/cluster';
import {
  type ClusterEnvironment,
  latestAgentVersion,
  type RegistryFindings,
  type RegistryRow,
  type RegistryTrend,
  type registryFieldsShape,
  registryRowSchema,
  registryTrendSchema,
} from '../model/cluster-registry';
import { eksVersionStatus } from './eks-versions';
import { findingChecks } from './findings';
import { healthScore } from './health';

/** What a registry row is built from: the Cluster item's fields (the summary as stored). */
export interface RegistryRowInput {
  clusterId: string;
  name: string;
  accountId: string;
  region: string;
  kubernetesVersion: string;
  status?: string | null;
  tags?: Record<string, string>;
  nodeCount: number;
  podCount?: number;
  monthlyRunRateUsd: number;
  summary?: unknown;
  collection?: { status: string; reason: string | null; source: string | null } | null;
  agent?: { lastHeartbeatAt: string | null; lastSnapshotAt: string | null; version: string | null } | null;
  lastSyncedAt?: string | null;
  /** The Compliance & Drift tab's findings at the last snapshot (`registryFindingsOf`). */
  findings?: RegistryFindings | null;
}

const zonesOf = (summary: unknown): string[] => {
  const zones = (summary as { capacity?: { zones?: unknown } } | null)?.capacity?.zones;
  return Array.isArray(zones) ? zones.filter((z): z is string => typeof z === 'string') : [];
};

const sourceOf = (summary: unknown): string | null => {
  const source = (summary as { source?: unknown } | null)?.source;
  return typeof source === 'string' ? source : null;
};

const stabilityLevelOf = (summary: unknown): string | null => {
  const level = (summary as { stability?: { level?: unknown } } | null)?.stability?.level;
  return typeof level === 'string' ? level : null;
};

/**
 * The snapshot's control-plane error ratio as the summary stored it (`controlPlane.errorRatio`, ADR 0086);
 * `null` from an agent older than the field or a summary written before it.
 */
const errorRatioOf = (summary: unknown): number | null => {
  const ratio = (summary as { controlPlane?: { errorRatio?: unknown } } | null)?.controlPlane?.errorRatio;
  return typeof ratio === 'number' && Number.isFinite(ratio) ? ratio : null;
};

/** The stored row of a cluster: its identity and the summary's figures the grid and status bar show. */
export function registryRowOf(c: RegistryRowInput): RegistryRow {
  const s = parseSummaryView(c.summary);
  return {
    clusterId: c.clusterId,
    name: c.name,
    accountId: c.accountId,
    region: c.region,
    zones: zonesOf(c.summary),
    kubernetesVersion: c.kubernetesVersion,
    status: c.status ?? null,
    tags: c.tags ?? {},
    nodeCount: c.nodeCount,
    podCount: c.podCount ?? 0,
    vcpu: s ? s.capacity.cpuMilli / 1000 : null,
    memoryGiB: s ? s.capacity.memoryMiB / 1024 : null,
    monthlyRunRateUsd: c.monthlyRunRateUsd,
    potentialSavingsMonthlyUsd: s?.savings?.totalMonthlyUsd ?? null,
    efficiencyScore: s?.efficiency?.score ?? null,
    efficiencyGrade: s?.efficiency?.grade ?? null,
    stabilityIndex: s?.stability?.index ?? null,
    stabilityLevel: stabilityLevelOf(c.summary),
    spotReadinessScore: s?.spot?.scoreByCount ?? null,
    apiLatencyP99Ms: s?.stability?.latency.p99Ms ?? null,
    latencyObjectiveP99Ms: s?.stability?.latency.objectiveP99Ms ?? 1000,
    pressureEventsPerNodeDay: s?.stability?.pressure.eventsPerNodeDay ?? null,
    collection: c.collection ? { status: c.collection.status, reason: c.collection.reason } : null,
    source: sourceOf(c.summary) ?? c.collection?.source ?? null,
    agent: c.agent ?? null,
    lastSyncedAt: c.lastSyncedAt ?? null,
    findings: c.findings ?? null,
    apiErrorRatio: errorRatioOf(c.summary),
  };
}

/** One completed hour of a cluster's history, as the trend reads it. */
export interface TrendHour {
  /** Start of the hour, ISO 8601 UTC. */
  hour: string;
  nodesByCapacityType: Record<string, number>;
  hourlyCostUsd: number;
  podCount?: number | null;
}

const hourMs = 3_600_000;
/** A week's cost is compared only when at least this share of its hours has a rollup. */
const weekCoverage = 0.9;

/**
 * The row's history: nodes per hour over the 24 completed hours before `now`'s hour, and the cost of the
 * last 7 days (168 completed hours) against the 7 before (the sum of the hours' `hourlyCostUsd`; `null`
 * for a week with rollups for less than 90 % of its hours).
 */
export function registryTrendOf(hours: readonly TrendHour[], now: Date): RegistryTrend {
  const currentHour = Math.floor(now.getTime() / hourMs) * hourMs;
  const byHour = new Map<number, TrendHour>();
  for (const h of hours) {
    const t = Date.parse(h.hour);
    if (Number.isFinite(t) && t < currentHour) byHour.set(Math.floor(t / hourMs) * hourMs, h);
  }
  const nodes24h: (number | null)[] = [];
  const pods24h: (number | null)[] = [];
  for (let i = 24; i >= 1; i--) {
    const h = byHour.get(currentHour - i * hourMs);
    nodes24h.push(h ? Object.values(h.nodesByCapacityType).reduce((s, n) => s + n, 0) : null);
    pods24h.push(typeof h?.podCount === 'number' ? h.podCount : null);
  }
  const weekCost = (weeksBack: number): number | null => {
    let sum = 0;
    let seen = 0;
    for (let i = 1; i <= 168; i++) {
      const h = byHour.get(currentHour - (weeksBack * 168 + i) * hourMs);
      if (h) {
        sum += h.hourlyCostUsd;
        seen++;
      }
    }
    return seen >= 168 * weekCoverage ? Math.round(sum * 100) / 100 : null;
  };
  return { nodes24h, pods24h, costLast7dUsd: weekCost(0), costPrev7dUsd: weekCost(1) };
}

/** `environment`/`env`/`stage` tag (any case) first, else a word of the name; null when neither says. */
export function environmentOf(tags: Record<string, string>, name: string): ClusterEnvironment | null {
  const tag = Object.entries(tags).find(([k]) => /^(environment|env|stage)$/i.test(k))?.[1];
  for (const text of [tag, name]) {
    if (!text) continue;
    const t = text.toLowerCase();
    if (/(^|[^a-z])(prod|production|prd)([^a-z]|$)/.test(t)) return 'prod';
    if (/(^|[^a-z])(staging|stage|stg|preprod|uat)([^a-z]|$)/.test(t)) return 'staging';
    if (/(^|[^a-z])(dev|development|test|qa|sandbox)([^a-z]|$)/.test(t)) return 'dev';
  }
  return null;
}

type RegistryFields = { [K in keyof typeof registryFieldsShape]: z.infer<(typeof registryFieldsShape)[K]> };

/** Agent versions compared as numbers (`0.10.0` > `0.9.0`); true when `version` is older than `than`. */
function olderVersion(version: string, than: string): boolean {
  const a = version.split('.').map(Number);
  const b = than.split('.').map(Number);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d < 0;
  }
  return false;
}

/**
 * The registry's derived fields of a row at `now`: environment, the version's support status, the health
 * score, the compliance checks, savings as a share of the run rate and the week-over-week cost change.
 */
export function registryFieldsOf(
  row: RegistryRow,
  trend: RegistryTrend | null,
  realizedMonthlyUsd: number | null,
  now: Date,
): RegistryFields {
  const eks = eksVersionStatus(row.kubernetesVersion, now.toISOString().slice(0, 10));
  const contacts = [row.agent?.lastHeartbeatAt, row.agent?.lastSnapshotAt, row.lastSyncedAt].filter(
    (t): t is string => typeof t === 'string',
  );
  // ISO times of one format compare as text: the latest is the largest.
  const lastContactAt = contacts.length ? ([...contacts].sort().at(-1) ?? null) : null;
  const health = healthScore(
    {
      apiLatencyP99Ms: row.apiLatencyP99Ms,
      latencyObjectiveP99Ms: row.latencyObjectiveP99Ms,
      apiErrorRatio: row.apiErrorRatio,
      lastContactAt,
    },
    now,
  );
  const checks: RegistryFields['compliance']['checks'] = [];
  if (eks.status === 'end-of-life' || eks.status === 'extended-support')
    checks.push({
      rule: 'kubernetes-supported',
      kind: 'violation',
      message: `Kubernetes ${row.kubernetesVersion} is past the end of standard support (${eks.endOfStandardSupport}); upgrade to ${eks.latestVersion}.`,
    });
  if (row.collection?.status === 'error')
    checks.push({
      rule: 'collection-ok',
      kind: 'violation',
      message: `The last collection failed: ${row.collection.reason ?? 'no reason given'}.`,
    });
  if (row.source === 'agent' && (health.minutesSinceContact === null || health.minutesSinceContact > 120))
    checks.push({
      rule: 'agent-reporting',
      kind: 'violation',
      message: 'The agent has not reported for over 2 hours: check its pod in the spot-optimizer namespace.',
    });
  if (row.agent?.version && olderVersion(row.agent.version, latestAgentVersion))
    checks.push({
      rule: 'agent-current',
      kind: 'drift',
      message: `The agent runs ${row.agent.version}; ${latestAgentVersion} is current (Upgrade agent).`,
    });
  // The Compliance & Drift tab's findings: a failing scan rule is a violation, a forbidden type drift.
  checks.push(...findingChecks(row.findings));
  const status = checks.some((c) => c.kind === 'violation')
    ? 'violations'
    : checks.length
      ? 'drift'
      : 'compliant';
  const last = trend?.costLast7dUsd ?? null;
  const prev = trend?.costPrev7dUsd ?? null;
  return {
    apiLatencyP99Ms: row.apiLatencyP99Ms,
    latencyObjectiveP99Ms: row.latencyObjectiveP99Ms,
    apiErrorRatio: row.apiErrorRatio,
    pressureEventsPerNodeDay: row.pressureEventsPerNodeDay,
    provider: 'eks',
    environment: environmentOf(row.tags, row.name),
    eks,
    nodes24h: trend?.nodes24h ?? [],
    pods24h: trend?.pods24h ?? [],
    realizedSavingsMonthlyUsd: realizedMonthlyUsd,
    savingsPct: savingsAchievedPct(realizedMonthlyUsd, row.potentialSavingsMonthlyUsd),
    costTrendPct:
      last !== null && prev !== null && prev > 0 ? Math.round((1000 * (last - prev)) / prev) / 10 : null,
    health,
    compliance: { status, checks },
  };
}

/**
 * The stored text of a row: a JSON array of its values in {@link rowFields} order, after a format
 * version. Positional rather than keyed: 500 rows are read by every registry request, and the keys were
 * half of the bytes DynamoDB had to return (ADR 0045).
 */
const rowFormat = 1;
const rowFields = Object.keys(registryRowSchema.shape) as (keyof RegistryRow)[];

export function encodeRegistryRow(row: RegistryRow): string {
  return JSON.stringify([rowFormat, ...rowFields.map((f) => row[f])]);
}

/**
 * The row a text holds, `null` when unreadable. A row of this format is trusted as written (the hot
 * path: no schema parse); any other shape goes through the tolerant schema, as does a row of this format
 * written before the last fields were added (they are only ever appended: its values are a prefix).
 */
export function decodeRegistryRow(text: string): RegistryRow | null {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return null;
  }
  if (Array.isArray(raw) && raw[0] === rowFormat && raw.length === rowFields.length + 1) {
    const row = Object.fromEntries(rowFields.map((f, i) => [f, raw[i + 1]])) as RegistryRow;
    return typeof row.clusterId === 'string' && typeof row.name === 'string' ? row : null;
  }
  const older =
    Array.isArray(raw) && raw[0] === rowFormat && raw.length < rowFields.length + 1
      ? Object.fromEntries(raw.slice(1).map((v, i) => [rowFields[i], v]))
      : null;
  const parsed = registryRowSchema.safeParse(older ?? (Array.isArray(raw) ? null : raw));
  return parsed.success ? parsed.data : null;
}

function decodeTrend(text: string | null): RegistryTrend | null {
  if (!text) return null;
  try {
    const raw = JSON.parse(text) as Partial<RegistryTrend>;
    if (Array.isArray(raw.nodes24h)) {
      return {
        nodes24h: raw.nodes24h,
        pods24h: Array.isArray(raw.pods24h) ? raw.pods24h : [],
        costLast7dUsd: typeof raw.costLast7dUsd === 'number' ? raw.costLast7dUsd : null,
        costPrev7dUsd: typeof raw.costPrev7dUsd === 'number' ? raw.costPrev7dUsd : null,
      };
    }
    const t = registryTrendSchema.safeParse(raw);
    return t.success ? t.data : null;
  } catch {
    return null;
  }
}

/**
 * "% savings achieved": the optimizer's realized saving (its done actions' `realizedMonthlySavingUsd`, added
 * up) over all there was to save, the realized plus what the savings engine still finds (the potential is
 * measured on the cluster as it now runs, after the actions). 0 when nothing was realized yet; `null`
 * when neither is known.
 */
export function savingsAchievedPct(realizedMonthlyUsd: number | null, potentialMonthlyUsd: number | null) {
  const realized = Math.max(0, realizedMonthlyUsd ?? 0);
  const whole = realized + Math.max(0, potentialMonthlyUsd ?? 0);
  if (realizedMonthlyUsd === null && potentialMonthlyUsd === null) return null;
  return whole > 0 ? Math.round((1000 * realized) / whole) / 10 : 0;
}

/** A stored row (and trend) as the list answers it at `now`; `null` for a row that does not parse. */
export function registryItemOf(
  rowText: string,
  trendText: string | null,
  now: Date,
  realizedMonthlyUsd: number | null = null,
): ClusterListItem | null {
  const row = decodeRegistryRow(rowText);
  if (!row) return null;
  const trend = decodeTrend(trendText);
  const {
    clusterId,
    apiLatencyP99Ms: _l,
    latencyObjectiveP99Ms: _o,
    apiErrorRatio: _e,
    pressureEventsPerNodeDay: _p,
    // Said as compliance checks by `registryFieldsOf`, not answered as they are stored.
    findings: _f,
    ...rest
  } = row;
  return { id: clusterId, ...rest, ...registryFieldsOf(row, trend, realizedMonthlyUsd, now) };
}
