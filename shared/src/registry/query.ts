import type { ClusterListItem, ListClustersQuery } from '../model/cluster';
import type { RegistrySortField } from '../model/cluster-registry';

/**
 * Filtering, sorting and paging the registry in memory: the organization's rows are read by one Query
 * (at most a few thousand small items) and every sort and filter runs here, the same code for any column
 * (ADR 0045). Order: the sort column, nulls last in both directions, then the cluster id (a total order,
 * so a cursor names one position).
 */

type SortValue = string | number | null;

const complianceRank = { compliant: 0, drift: 1, violations: 2 } as const;

/** `1.29` -> 1029, so versions sort as numbers (1.9 < 1.10). */
function versionRank(version: string): number | null {
  const m = /^v?(\d+)\.(\d+)/.exec(version);
  return m ? Number(m[1]) * 1000 + Number(m[2]) : null;
}

export function sortValue(item: ClusterListItem, field: RegistrySortField): SortValue {
  switch (field) {
    case 'id':
      return item.id;
    case 'name':
      return item.name.toLowerCase();
    case 'region':
      return item.region;
    case 'kubernetesVersion':
      return versionRank(item.kubernetesVersion);
    case 'nodeCount':
      return item.nodeCount;
    case 'podCount':
      return item.podCount;
    case 'monthlyRunRateUsd':
      return item.monthlyRunRateUsd;
    case 'savingsPct':
      return item.savingsPct;
    case 'costTrendPct':
      return item.costTrendPct;
    case 'healthScore':
      return item.health.score;
    case 'compliance':
      return complianceRank[item.compliance.status];
  }
}

/** A position in an ordering: the sort value and the cluster id of the last item of a page. */
export interface RegistryPosition {
  value: SortValue;
  id: string;
}

function compareValues(a: SortValue, b: SortValue, dir: 'asc' | 'desc'): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  const c = a < b ? -1 : 1;
  return dir === 'asc' ? c : -c;
}

/** Negative when `a` comes before `b` in the order of `field`/`dir` (nulls last, ties by id). */
export function comparePositions(a: RegistryPosition, b: RegistryPosition, dir: 'asc' | 'desc'): number {
  return compareValues(a.value, b.value, dir) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

type Filters = Pick<
  ListClustersQuery,
  'accountId' | 'region' | 'tag' | 'q' | 'environment' | 'health' | 'provider' | 'topSpenders'
>;

/** The ids of the top 10 % spenders by monthly run rate (at least one when there is any cluster). */
export function topSpenderIds(items: readonly ClusterListItem[]): Set<string> {
  const k = Math.ceil(items.length * 0.1);
  return new Set(
    [...items]
      .sort((a, b) => b.monthlyRunRateUsd - a.monthlyRunRateUsd || (a.id < b.id ? -1 : 1))
      .slice(0, k)
      .map((i) => i.id),
  );
}

/**
 * The items matching every filter given. The search `q` matches part of the name, the id, a tag key or
 * value, or the region, in any case. `topSpenders` is taken among the items of the account filter (the
 * organization's spend, not the page's), before the other filters.
 */
export function filterRegistry(items: readonly ClusterListItem[], f: Filters): ClusterListItem[] {
  const inAccount = f.accountId ? items.filter((i) => i.accountId === f.accountId) : [...items];
  const top = f.topSpenders ? topSpenderIds(inAccount) : null;
  const [tagKey, ...tagRest] = f.tag ? f.tag.split('=') : [];
  const tagValue = tagRest.length ? tagRest.join('=') : undefined;
  const q = f.q?.toLowerCase();
  return inAccount.filter(
    (i) =>
      (!f.region || i.region === f.region) &&
      (tagKey === undefined ||
        (tagKey in i.tags && (tagValue === undefined || i.tags[tagKey] === tagValue))) &&
      (!q ||
        i.name.toLowerCase().includes(q) ||
        i.id.toLowerCase().includes(q) ||
        i.region.toLowerCase().includes(q) ||
        Object.entries(i.tags).some(
          ([k, v]) => k.toLowerCase().includes(q) || v.toLowerCase().includes(q),
        )) &&
      (!f.environment || i.environment === f.environment) &&
      (!f.health || i.health.status === f.health) &&
      (!f.provider || i.provider === f.provider) &&
      (!top || top.has(i.id)),
  );
}

/** The items in the order of `field`/`dir`. */
export function sortRegistry(
  items: readonly ClusterListItem[],
  field: RegistrySortField,
  dir: 'asc' | 'desc',
): ClusterListItem[] {
  return items
    .map((item) => ({ item, pos: { value: sortValue(item, field), id: item.id } }))
    .sort((a, b) => comparePositions(a.pos, b.pos, dir))
    .map((x) => x.item);
}

/** Up to `limit` sorted items after `after` (from the start without it), and the last one's position. */
export function pageAfter(
  sorted: readonly ClusterListItem[],
  field: RegistrySortField,
  dir: 'asc' | 'desc',
  after: RegistryPosition | null,
  limit: number,
): { items: ClusterListItem[]; last: RegistryPosition | null; hasMore: boolean } {
  const start = after
    ? sorted.findIndex((i) => comparePositions({ value: sortValue(i, field), id: i.id }, after, dir) > 0)
    : 0;
  const from = start === -1 ? sorted.length : start;
  const items = sorted.slice(from, from + limit);
  const lastItem = items.at(-1);
  return {
    items,
    last: lastItem ? { value: sortValue(lastItem, field), id: lastItem.id } : null,
    hasMore: from + limit < sorted.length,
  };
}
