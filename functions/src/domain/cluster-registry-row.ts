import type { RegistryRowInput, TrendHour } from '@spot/shared/registry/index';
import {
  decodeRegistryRow,
  encodeRegistryIndexEntry,
  encodeRegistryIndexTrend,
  encodeRegistryRow,
  registryRowOf,
  registryTrendOf,
} from '@spot/shared/registry/index';
import { registryIndexAttribute, registryIndexShardKey } from '../data/entities/cluster-registry-index';
import { clusterRegistryRowEntity, clusterRegistryRowKey } from '../data/entities/cluster-registry-row';
import { attributesOf, transactUpdate, transactWrite } from '../data/repository';
import type { PlannedTransactItem } from '../data/write-plan';

/**
 * The registry row's writes (ADR 0045), planned beside the dashboard card's: its own module so the
 * discovery plan only adds items to the transactions it already writes. Every write of a row also sets
 * the cluster's entry in its registry index shard (ADR 0053), in the same transaction: the list filters
 * and sorts the index, so the two must never tell different stories.
 */

type Ids = { orgId: string; clusterId: string; accountId: string };

/** The row of a cluster as stored (`shared/src/registry/row.ts`), a JSON string. */
export const registryRowText = (cluster: RegistryRowInput) => encodeRegistryRow(registryRowOf(cluster));

/** The hourly trend of a cluster from its rollups, a JSON string. */
export const registryTrendText = (hours: readonly TrendHour[], now: Date) =>
  JSON.stringify(registryTrendOf(hours, now));

/** The index entry of a row text (the text is the one just encoded: it decodes). */
function entryOf(row: string): string | null {
  const decoded = decodeRegistryRow(row);
  return decoded ? encodeRegistryIndexEntry(decoded) : null;
}

/** The shard update setting a cluster's index attributes (`setIfAbsent` for discovery's first write). */
function indexUpdate(
  ids: Ids,
  attributes: Record<string, string | null>,
  onlyIfAbsent = false,
): PlannedTransactItem {
  const set = Object.fromEntries(Object.entries(attributes).filter(([, v]) => v !== null));
  return {
    update: registryIndexShardKey(ids.orgId, ids.clusterId),
    spec: onlyIfAbsent ? { setIfAbsent: set } : { set },
  };
}

/** The whole item (row and trend) and its index entry: written when the rollups were read. */
export function registryRowPut(ids: Ids, row: string, trend: string): PlannedTransactItem[] {
  const trendIndex = (() => {
    try {
      return encodeRegistryIndexTrend(JSON.parse(trend));
    } catch {
      return null;
    }
  })();
  return [
    { put: clusterRegistryRowEntity.toItem({ ...ids, row, trend }) },
    indexUpdate(ids, {
      [registryIndexAttribute.entry(ids.clusterId)]: entryOf(row),
      [registryIndexAttribute.trend(ids.clusterId)]: trendIndex,
    }),
  ];
}

/**
 * The row only (the trend stays as the last hourly write left it) and its index entry; creates the item
 * when there is none, with the entity's attributes, so a cluster is listed from its first write on.
 */
export function registryRowUpdate(ids: Ids, row: string, onlyIfAbsent = false): PlannedTransactItem[] {
  const { trend: _trend, ...fields } = attributesOf(
    clusterRegistryRowEntity.toItem({ ...ids, row, trend: null }),
  );
  return [
    {
      update: clusterRegistryRowKey(ids.orgId, ids.clusterId),
      spec: onlyIfAbsent ? { setIfAbsent: fields } : { set: fields },
    },
    indexUpdate(ids, { [registryIndexAttribute.entry(ids.clusterId)]: entryOf(row) }, onlyIfAbsent),
  ];
}

/**
 * The row rewritten from a Cluster item as it now is (a new cluster at discovery): `onlyIfAbsent` leaves
 * an existing row and entry alone (discovery knows no figures a snapshot wrote).
 */
export async function refreshRegistryRow(cluster: RegistryRowInput & Ids, onlyIfAbsent = false) {
  await transactWrite(
    registryRowUpdate(cluster, registryRowText(cluster), onlyIfAbsent).map((i) => {
      const { update, spec } = i as { update: ReturnType<typeof clusterRegistryRowKey>; spec: object };
      return transactUpdate(update, spec);
    }),
  );
}

/**
 * A realized saving recorded on one of the cluster's actions, added to its registry row and index entry
 * (in the transaction that closes the action), so "% savings achieved" counts it (ADR 0053).
 */
export function realizedSavingAdd(ids: { orgId: string; clusterId: string }, monthlyUsd: number) {
  return [
    transactUpdate(clusterRegistryRowKey(ids.orgId, ids.clusterId), {
      add: { realizedMonthlyUsd: monthlyUsd },
    }),
    transactUpdate(registryIndexShardKey(ids.orgId, ids.clusterId), {
      add: { [registryIndexAttribute.realized(ids.clusterId)]: monthlyUsd },
    }),
  ];
}

/** The removal of a cluster's index attributes (the row item itself is deleted with the cluster). */
export const registryIndexRemoval = (ids: { orgId: string; clusterId: string }) => ({
  key: registryIndexShardKey(ids.orgId, ids.clusterId),
  spec: {
    remove: [
      registryIndexAttribute.entry(ids.clusterId),
      registryIndexAttribute.trend(ids.clusterId),
      registryIndexAttribute.realized(ids.clusterId),
    ],
  },
});

/**
 * The organization's whole index as shard items, from its rows (the registry fixture writes these with
 * its rows in one go; a live index is only ever updated attribute by attribute, as above).
 */
export function registryIndexShardItems(
  orgId: string,
  rows: readonly { clusterId: string; row: string; trend: string | null; realizedMonthlyUsd?: number }[],
): Record<string, unknown>[] {
  const shards = new Map<string, Record<string, unknown>>();
  for (const r of rows) {
    const key = registryIndexShardKey(orgId, r.clusterId);
    // Keyed by the whole key: the data layer alone reads key attributes (data-boundary test).
    const id = JSON.stringify(key);
    const shard = shards.get(id) ?? { ...key };
    shards.set(id, shard);
    shard[registryIndexAttribute.entry(r.clusterId)] = entryOf(r.row);
    if (r.trend)
      shard[registryIndexAttribute.trend(r.clusterId)] = encodeRegistryIndexTrend(JSON.parse(r.trend));
    if (r.realizedMonthlyUsd !== undefined)
      shard[registryIndexAttribute.realized(r.clusterId)] = r.realizedMonthlyUsd;
  }
  return [...shards.values()];
}
