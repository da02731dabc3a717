import {
  type DashboardQuery,
  type DashboardResponse,
  type ItemKeys,
  NotFoundError,
  type ResourceGapQuery,
  type ResourceGapResponse,
  type ScanProgress,
} from '@spot/shared';
import {
  buildDashboard,
  buildResourceGap,
  type ClusterSeriesInput,
  type DashboardClusterInput,
  dashboardFromBase,
  decodeCard,
  decodePacking,
  encodePacking,
  seriesAttribute,
} from '@spot/shared/dashboard/index';
import type { z } from 'zod';
import { accountsOfOrgQuery, cloudAccountEntity, cloudAccountKey } from '../data/entities/cloud-account';
import { clusterEntity, clusterKey } from '../data/entities/cluster';
import { cardsOfOrgQuery, clusterCardEntity, clusterCardKey } from '../data/entities/cluster-card';
import { clusterSeriesEntity, clusterSeriesKey, seriesOfOrgQuery } from '../data/entities/cluster-series';
import { discoveryProgressEntity } from '../data/entities/discovery-progress';
import { type Condition, getItem, getRaw, type KeyQuery, queryRaw, where } from '../data/repository';
import { cardOf } from './cluster-card';
import { fleetBaseFromDigests } from './dashboard-fleet';
import { scanProgressOf } from './discovery/progress';

/**
 * The read-only dashboard: reads only precomputed data with projections (the dashboard route each
 * cluster's card, a small item holding a JSON string of the summary parts the widgets show; the Resource
 * Gap route each cluster's series item), then aggregates in `shared/src/dashboard`. Keys are built from
 * the caller's organization, so another organization's cluster or account id is simply not found (404).
 */

type Item = Record<string, unknown>;

const accountProjection = ['entity', 'accountId', 'name'];
/** The accounts' names and status, and their scans' counts (the progress items share their Query). */
const accountsAndScansProjection = [
  ...accountProjection,
  'status',
  'completedAt',
  'clustersFound',
  'clustersCollected',
  'clustersFailed',
];

interface AccountsInScope {
  names: Map<string, string>;
  /** The progress of each account scanning now. */
  scans: Map<string, ScanProgress>;
}

/** One Query of the organization's accounts (pattern 6), which reads their discovery progress too. */
async function accountsAndScans(orgId: string): Promise<AccountsInScope> {
  const items = await queryRaw(accountsOfOrgQuery(orgId), { projection: accountsAndScansProjection });
  const accounts = items.filter((i) => i.entity === cloudAccountEntity.name);
  const progress = new Map(
    items
      .filter((i) => i.entity === discoveryProgressEntity.name)
      .map((i) => [
        String(i.accountId),
        discoveryProgressEntity.schema
          .pick({ completedAt: true, clustersFound: true, clustersCollected: true, clustersFailed: true })
          .parse(i),
      ]),
  );
  const scans = new Map<string, ScanProgress>();
  for (const a of accounts) {
    const scan = scanProgressOf(String(a.status), progress.get(String(a.accountId)) ?? null);
    if (scan) scans.set(String(a.accountId), scan);
  }
  return { names: new Map(accounts.map((a) => [String(a.accountId), String(a.name)])), scans };
}

/** Only this account's items (cards and series carry `accountId`). */
const accountFilter = (accountId: string | undefined): { filter?: Condition } =>
  accountId ? { filter: where.eq('accountId', accountId) } : {};

type ClusterItem = z.infer<typeof clusterEntity.schema>;

/** Where one kind of per-cluster dashboard item lives: the card (dashboard) or the series (Resource Gap). */
interface ItemKind {
  entity: string;
  key: (orgId: string, clusterId: string) => ItemKeys;
  query: (orgId: string) => KeyQuery & { skPrefix: string };
}
const cardItems: ItemKind = { entity: clusterCardEntity.name, key: clusterCardKey, query: cardsOfOrgQuery };
const seriesItems: ItemKind = {
  entity: clusterSeriesEntity.name,
  key: clusterSeriesKey,
  query: seriesOfOrgQuery,
};

/**
 * The items of one kind in scope (projected), or 404 for a cluster or an account the organization does
 * not have. One Query of the organization's items of that kind, or one GetItem for a cluster. A cluster
 * with no such item yet (discovered seconds ago, not collected) is read from its Cluster item when asked
 * for by id (`cluster`), and is absent from the fleet views until its first collection.
 */
async function itemsInScope(
  orgId: string,
  kind: ItemKind,
  query: DashboardQuery,
  attributes: readonly string[],
  accountExists: () => Promise<boolean>,
): Promise<{ items: Item[]; cluster: ClusterItem | null }> {
  const projection = ['entity', 'accountId', ...attributes];
  // A 404 never echoes the id: the answer for another organization's id is the same as for a made-up one.
  if (query.clusterId) {
    const item = await getRaw(kind.key(orgId, query.clusterId), { projection });
    if (item?.entity === kind.entity) {
      if (query.accountId && item.accountId !== query.accountId)
        throw new NotFoundError('The cluster (in the chosen account)');
      return { items: [item], cluster: null };
    }
    const cluster = await getItem(clusterEntity, clusterKey(orgId, query.clusterId));
    if (!cluster) throw new NotFoundError('The cluster');
    if (query.accountId && cluster.accountId !== query.accountId)
      throw new NotFoundError('The cluster (in the chosen account)');
    return { items: [], cluster };
  }
  const [items, exists] = await Promise.all([
    queryRaw(kind.query(orgId), { projection, ...accountFilter(query.accountId) }),
    query.accountId ? accountExists() : Promise.resolve(true),
  ]);
  const found = items.filter((i) => i.entity === kind.entity);
  if (!exists && found.length === 0) throw new NotFoundError('The cloud account');
  return { items: found, cluster: null };
}

/** The clusters in scope from their cards (a cluster's page; an organization without digests). */
async function clustersFromCards(
  orgId: string,
  query: DashboardQuery,
  accounts: Promise<AccountsInScope>,
): Promise<DashboardClusterInput[]> {
  const found = await itemsInScope(orgId, cardItems, query, ['card'], async () =>
    (await accounts).names.has(query.accountId as string),
  );
  const encoded = found.items.map((i) => (typeof i.card === 'string' ? i.card : null));
  if (found.cluster) encoded.push(cardOf(found.cluster));
  const { names } = await accounts;
  return encoded.flatMap((e) => {
    const card = decodeCard(e);
    return card ? [{ ...card, accountName: names.get(card.accountId) ?? null }] : [];
  });
}

/**
 * `GET /api/client/dashboard`: every widget's figures for the clusters in scope. A cluster's page reads
 * its card; the fleet and an account read the digests (ADR 0062), kept in memory while their shards'
 * counters stand (ADR 0064), or the cards while there are none.
 */
export async function getDashboard(
  orgId: string,
  query: DashboardQuery,
  now: Date,
  /** `cards`: the pre-digest read, for the tests and the benchmark that compare the two (the route never). */
  options: { read?: 'digests' | 'cards' } = {},
): Promise<DashboardResponse> {
  const accounts = accountsAndScans(orgId);
  // Settled even when the read below throws first (a 404): no unhandled rejection.
  accounts.catch(() => undefined);
  const scansInScope = async () =>
    [...(await accounts).scans]
      .filter(([accountId]) => !query.accountId || accountId === query.accountId)
      .map(([, s]) => s);
  if (!query.clusterId && options.read !== 'cards') {
    const base = await fleetBaseFromDigests(orgId, query.accountId, async () => (await accounts).names);
    if (base === 'notFound') throw new NotFoundError('The cloud account');
    // The fleet views show the scans in scope (one account's, or all).
    if (base) return dashboardFromBase(base, await scansInScope(), now);
  }
  const clusters = await clustersFromCards(orgId, query, accounts);
  // A cluster's page shows its figures, no scan.
  return buildDashboard({
    clusters,
    scope: { accountId: query.accountId ?? null, clusterId: query.clusterId ?? null },
    scans: query.clusterId ? [] : await scansInScope(),
    now,
  });
}

/**
 * `GET /api/client/dashboard/resource-gap`: capacity, requests and usage of one resource over a range, and
 * the bin-packing figures, all from the series items (the cards are not read).
 */
export async function getResourceGap(
  orgId: string,
  query: ResourceGapQuery,
  now: Date,
): Promise<ResourceGapResponse> {
  const attribute = seriesAttribute(query.range, query.resource);
  const accountExists = async () =>
    (await getRaw(cloudAccountKey(orgId, query.accountId as string), { projection: accountProjection }))
      ?.entity === 'CloudAccount';
  const found = await itemsInScope(
    orgId,
    seriesItems,
    query,
    ['latest', 'packing', attribute],
    accountExists,
  );
  const series: ClusterSeriesInput[] = found.items.map((s) => ({
    encoded: typeof s[attribute] === 'string' && s[attribute] !== '' ? (s[attribute] as string) : null,
    latest: typeof s.latest === 'string' ? s.latest : null,
    packing: decodePacking(typeof s.packing === 'string' ? s.packing : null),
  }));
  // A cluster asked for by id and not collected yet: no series, its estimate (if any) from its summary.
  if (found.cluster)
    series.push({
      encoded: null,
      latest: null,
      packing: decodePacking(encodePacking(cardOf(found.cluster))),
    });
  return buildResourceGap({ range: query.range, resource: query.resource, series, now });
}
