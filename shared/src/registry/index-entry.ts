import type { ClusterListItem } from '../model/cluster';
import { type RegistryRow, type RegistryTrend, registryFindingsSchema } from '../model/cluster-registry';
import { registryFieldsOf } from './row';

/**
 * The registry index (ADR 0053): per cluster, the few values every filter, sort and the status bar read,
 * kept in a handful of shard items per organization beside the full rows (ADR 0045). A list request reads
 * the shards (16 items instead of one item per cluster), filters, sorts and pages them in memory, then
 * reads the full rows of the one page it answers. An entry is a positional JSON array (about 0.2 KiB),
 * written in the same transaction as its row.
 */

/** Shards per organization: 500 clusters are about 7 KiB per shard; 16 x 400 KB holds ~25,000 clusters. */
export const registryIndexShards = 16;

/** The shard of a cluster: FNV-1a of its id, so a cluster always lands in the same shard. */
export function registryIndexShardOf(clusterId: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < clusterId.length; i++) {
    h ^= clusterId.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % registryIndexShards;
}

/** Attribute names on a shard item: the entry, the week-over-week costs and the realized saving. */
export const registryIndexAttribute = {
  entry: (clusterId: string) => `r:${clusterId}`,
  trend: (clusterId: string) => `t:${clusterId}`,
  realized: (clusterId: string) => `s:${clusterId}`,
};

const entryFormat = 1;

/** The index entry of a row: what filters, sorts and the status bar need, nothing the grid only shows. */
export function encodeRegistryIndexEntry(row: RegistryRow): string {
  const contacts = [row.agent?.lastHeartbeatAt, row.agent?.lastSnapshotAt, row.lastSyncedAt].filter(
    (t): t is string => typeof t === 'string',
  );
  // ISO times of one format compare as text: the latest is the largest (all health reads of them).
  const lastContactAt = contacts.length ? ([...contacts].sort().at(-1) ?? null) : null;
  return JSON.stringify([
    entryFormat,
    row.name,
    row.accountId,
    row.region,
    row.kubernetesVersion,
    row.tags,
    row.nodeCount,
    row.podCount,
    row.vcpu,
    row.memoryGiB,
    row.monthlyRunRateUsd,
    row.potentialSavingsMonthlyUsd,
    row.efficiencyScore,
    row.apiLatencyP99Ms,
    row.latencyObjectiveP99Ms,
    row.pressureEventsPerNodeDay,
    row.collection?.status ?? null,
    row.source,
    row.agent?.version ?? null,
    lastContactAt,
    // The compliance filter and sort read the Compliance & Drift findings too (ADR 0068). Appended:
    // an entry written before them is one value shorter and reads as having none.
    row.findings,
    // The control-plane error ratio the health score reads (ADR 0086), appended likewise: an older entry
    // reads as not measured.
    row.apiErrorRatio,
  ]);
}

/** The trend's part an entry needs (the week-over-week costs), as stored beside it. */
export const encodeRegistryIndexTrend = (trend: RegistryTrend): string =>
  JSON.stringify([trend.costLast7dUsd, trend.costPrev7dUsd]);

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/**
 * The row an entry stands for, with the grid-only fields empty: every derived field the list filters or
 * sorts by (environment, health, compliance status, savings, trend) comes out as from the full row.
 */
export function rowOfRegistryIndexEntry(clusterId: string, text: string): RegistryRow | null {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return null;
  }
  if (!Array.isArray(raw) || raw[0] !== entryFormat || raw.length < 20) return null;
  const [
    ,
    name,
    accountId,
    region,
    version,
    tags,
    nodeCount,
    podCount,
    vcpu,
    memoryGiB,
    runRate,
    potential,
    efficiency,
    p99,
    objective,
    pressure,
    collectionStatus,
    source,
    agentVersion,
    lastContactAt,
    findings,
    errorRatio,
  ] = raw;
  if (typeof name !== 'string' || typeof accountId !== 'string' || typeof region !== 'string') return null;
  const contact = str(lastContactAt);
  return {
    clusterId,
    name,
    accountId,
    region,
    zones: [],
    kubernetesVersion: str(version) ?? '',
    status: null,
    tags: tags && typeof tags === 'object' && !Array.isArray(tags) ? (tags as Record<string, string>) : {},
    nodeCount: num(nodeCount) ?? 0,
    podCount: num(podCount) ?? 0,
    vcpu: num(vcpu),
    memoryGiB: num(memoryGiB),
    monthlyRunRateUsd: num(runRate) ?? 0,
    potentialSavingsMonthlyUsd: num(potential),
    efficiencyScore: num(efficiency),
    efficiencyGrade: null,
    stabilityIndex: null,
    stabilityLevel: null,
    spotReadinessScore: null,
    apiLatencyP99Ms: num(p99),
    latencyObjectiveP99Ms: num(objective) ?? 1000,
    pressureEventsPerNodeDay: num(pressure),
    collection: typeof collectionStatus === 'string' ? { status: collectionStatus, reason: null } : null,
    source: str(source),
    agent:
      contact || agentVersion
        ? { lastHeartbeatAt: contact, lastSnapshotAt: null, version: str(agentVersion) }
        : null,
    lastSyncedAt: null,
    findings: findings ? (registryFindingsSchema.safeParse(findings).data ?? null) : null,
    apiErrorRatio: num(errorRatio),
  };
}

function trendOfIndex(text: string | null): RegistryTrend | null {
  if (!text) return null;
  try {
    const raw = JSON.parse(text) as unknown;
    return Array.isArray(raw)
      ? { nodes24h: [], pods24h: [], costLast7dUsd: num(raw[0]), costPrev7dUsd: num(raw[1]) }
      : null;
  } catch {
    return null;
  }
}

/**
 * The list item of an index entry at `now`: exact in every field the registry filters, sorts or sums,
 * empty in the fields only the grid shows (the page's rows are read whole afterwards).
 */
export function registryIndexItemOf(
  clusterId: string,
  entryText: string,
  trendText: string | null,
  realizedMonthlyUsd: number | null,
  now: Date,
): ClusterListItem | null {
  const row = rowOfRegistryIndexEntry(clusterId, entryText);
  if (!row) return null;
  const {
    clusterId: id,
    apiLatencyP99Ms: _l,
    latencyObjectiveP99Ms: _o,
    apiErrorRatio: _e,
    pressureEventsPerNodeDay: _p,
    // Said as compliance checks by `registryFieldsOf`, not answered as they are stored.
    findings: _f,
    ...rest
  } = row;
  return { id, ...rest, ...registryFieldsOf(row, trendOfIndex(trendText), realizedMonthlyUsd, now) };
}
