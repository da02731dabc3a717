import { GetCommand, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import {
  type DashboardQuery,
  type DashboardResponse,
  NotFoundError,
  type ResourceGapQuery,
  type ResourceGapResponse,
} from '@spot/shared';
import {
  buildDashboard,
  buildResourceGap,
  type ClusterSeriesInput,
  type DashboardCard,
  type DashboardClusterInput,
  decodeCard,
  encodeCard,
  seriesAttribute,
} from '@spot/shared/dashboard/index';
import type { z } from 'zod';
import { db, tableName } from '../data/client';
import { accountsOfOrgQuery, cloudAccountKey } from '../data/entities/cloud-account';
import { clusterEntity, clusterKey, clusterSeriesKey, seriesOfOrgQuery } from '../data/entities/inventory';
import { getItem, type KeyQuery } from '../data/repository';

/**
 * The read-only dashboard: reads only precomputed data (each cluster's dashboard item: its card, a JSON
 * string of the summary parts the widgets show, and its series) with projections, then aggregates in
 * `shared/src/dashboard`. Keys are built from
 * the caller's organization, so another organization's cluster or account id is simply not found (404).
 */

type Item = Record<string, unknown>;

/** `a.b.c` paths as a ProjectionExpression with placeholders (`#p0.#p1`), and their names. */
function projection(paths: readonly string[]) {
  const names: Record<string, string> = {};
  const placeholder = new Map<string, string>();
  const expression = paths
    .map((path) =>
      path
        .split('.')
        .map((part) => {
          let p = placeholder.get(part);
          if (!p) {
            p = `#p${placeholder.size}`;
            placeholder.set(part, p);
            names[p] = part;
          }
          return p;
        })
        .join('.'),
    )
    .join(', ');
  return { expression, names };
}

/** Every item of a key query (with pagination), projected, optionally filtered. */
async function queryProjected(
  q: KeyQuery & { skPrefix: string },
  p: { expression: string; names: Record<string, string> },
  filter?: { expression: string; names: Record<string, string>; values: Record<string, unknown> },
): Promise<Item[]> {
  const input: QueryCommandInput = {
    TableName: tableName(),
    ...(q.index ? { IndexName: q.index } : {}),
    KeyConditionExpression: '#kpk = :kpk AND begins_with(#ksk, :ksk)',
    ProjectionExpression: p.expression,
    ...(filter ? { FilterExpression: filter.expression } : {}),
    ExpressionAttributeNames: {
      ...p.names,
      ...(filter?.names ?? {}),
      '#kpk': q.index ? `${q.index}PK` : 'PK',
      '#ksk': q.index ? `${q.index}SK` : 'SK',
    },
    ExpressionAttributeValues: { ':kpk': q.pk, ':ksk': q.skPrefix, ...(filter?.values ?? {}) },
  };
  const items: Item[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const out = await db().send(new QueryCommand({ ...input, ExclusiveStartKey: startKey }));
    items.push(...((out.Items ?? []) as Item[]));
    startKey = out.LastEvaluatedKey;
  } while (startKey);
  return items;
}

async function getProjected(
  key: Record<string, string>,
  p: { expression: string; names: Record<string, string> },
) {
  const out = await db().send(
    new GetCommand({
      TableName: tableName(),
      Key: key,
      ProjectionExpression: p.expression,
      ExpressionAttributeNames: p.names,
    }),
  );
  return out.Item as Item | undefined;
}

const accountProjection = projection(['entity', 'accountId', 'name']);

async function accountNames(orgId: string): Promise<Map<string, string>> {
  const items = await queryProjected(accountsOfOrgQuery(orgId), accountProjection);
  return new Map(
    items.filter((i) => i.entity === 'CloudAccount').map((i) => [String(i.accountId), String(i.name)]),
  );
}

/** Only this account's items (the dashboard items carry `accountId`). */
const accountFilter = (accountId: string | undefined) =>
  accountId
    ? {
        expression: '#f_account = :account',
        names: { '#f_account': 'accountId' },
        values: { ':account': accountId },
      }
    : undefined;

/**
 * The dashboard items in scope (projected), or 404 for a cluster or an account the organization does not
 * have. One Query of the organization's `SERIES#` items, or one GetItem for a cluster. A cluster with no
 * dashboard item yet (discovered seconds ago, not collected) is read from its Cluster item when asked for
 * by id, and is absent from the fleet views until its first collection.
 */
async function itemsInScope(
  orgId: string,
  query: DashboardQuery,
  attributes: readonly string[],
  accountExists: () => Promise<boolean>,
): Promise<{ items: Item[]; fallback: DashboardCard | null }> {
  const p = projection(['entity', 'clusterId', 'accountId', ...attributes]);
  if (query.clusterId) {
    const item = await getProjected(clusterSeriesKey(orgId, query.clusterId), p);
    if (item?.entity === 'ClusterSeries' && typeof item.card === 'string') {
      if (query.accountId && item.accountId !== query.accountId)
        throw new NotFoundError(`The cluster "${query.clusterId}" in account "${query.accountId}"`);
      return { items: [item], fallback: null };
    }
    const cluster = await getItem(clusterEntity, clusterKey(orgId, query.clusterId));
    if (!cluster) throw new NotFoundError(`The cluster "${query.clusterId}"`);
    if (query.accountId && cluster.accountId !== query.accountId)
      throw new NotFoundError(`The cluster "${query.clusterId}" in account "${query.accountId}"`);
    return { items: item ? [item] : [], fallback: decodeCard(cardOfCluster(cluster)) };
  }
  const [items, exists] = await Promise.all([
    queryProjected(seriesOfOrgQuery(orgId), p, accountFilter(query.accountId)),
    query.accountId ? accountExists() : Promise.resolve(true),
  ]);
  const found = items.filter((i) => i.entity === 'ClusterSeries');
  if (!exists && found.length === 0) throw new NotFoundError(`The account "${query.accountId}"`);
  return { items: found, fallback: null };
}

function cardOfCluster(c: z.infer<typeof clusterEntity.schema>): string {
  return encodeCard({
    clusterId: c.clusterId,
    name: c.name,
    accountId: c.accountId,
    region: c.region,
    kubernetesVersion: c.kubernetesVersion,
    nodeCount: c.nodeCount,
    podCount: c.podCount,
    monthlyRunRateUsd: c.monthlyRunRateUsd,
    timeZone: c.timeZone,
    tags: c.tags,
    lastSyncedAt: c.lastSyncedAt,
    collection: { status: c.collection.status, reason: c.collection.reason, source: c.collection.source },
    summary: c.summary,
  });
}

function cardsOf(
  found: { items: Item[]; fallback: DashboardCard | null },
  names: ReadonlyMap<string, string>,
): DashboardClusterInput[] {
  const cards = found.items.flatMap((i) => {
    const card = decodeCard(typeof i.card === 'string' ? i.card : null);
    return card ? [card] : [];
  });
  if (found.fallback) cards.push(found.fallback);
  return cards.map((c) => ({ ...c, accountName: names.get(c.accountId) ?? null }));
}

/** `GET /api/client/dashboard`: every widget's figures for the clusters in scope. */
export async function getDashboard(
  orgId: string,
  query: DashboardQuery,
  now = new Date(),
): Promise<DashboardResponse> {
  const names = accountNames(orgId);
  const found = await itemsInScope(orgId, query, ['card'], async () =>
    (await names).has(query.accountId as string),
  );
  return buildDashboard({
    clusters: cardsOf(found, await names),
    scope: { accountId: query.accountId ?? null, clusterId: query.clusterId ?? null },
    now,
  });
}

/** `GET /api/client/dashboard/resource-gap`: capacity, requests and usage of one resource over a range. */
export async function getResourceGap(
  orgId: string,
  query: ResourceGapQuery,
  now = new Date(),
): Promise<ResourceGapResponse> {
  const attribute = seriesAttribute(query.range, query.resource);
  const accountExists = async () =>
    (await getProjected(cloudAccountKey(orgId, query.accountId as string), accountProjection))?.entity ===
    'CloudAccount';
  const found = await itemsInScope(orgId, query, ['card', 'latest', attribute], accountExists);
  const series: ClusterSeriesInput[] = found.items.map((s) => ({
    encoded: typeof s[attribute] === 'string' && s[attribute] !== '' ? (s[attribute] as string) : null,
    latest: typeof s.latest === 'string' ? s.latest : null,
  }));
  return buildResourceGap({
    range: query.range,
    resource: query.resource,
    series,
    clusters: cardsOf(found, new Map()),
    now,
  });
}
