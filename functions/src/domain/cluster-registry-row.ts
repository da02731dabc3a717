import type { RegistryRowInput, TrendHour } from '@spot/shared/registry/index';
import { encodeRegistryRow, registryRowOf, registryTrendOf } from '@spot/shared/registry/index';
import { clusterRegistryRowEntity, clusterRegistryRowKey } from '../data/entities/cluster-registry-row';
import { attributesOf, updateItem } from '../data/repository';
import type { PlannedTransactItem } from '../data/write-plan';

/**
 * The registry row's writes (ADR 0045), planned beside the dashboard card's: its own module so the
 * discovery plan only adds an item to the transactions it already writes.
 */

type Ids = { orgId: string; clusterId: string; accountId: string };

/** The row of a cluster as stored (`shared/src/registry/row.ts`), a JSON string. */
export const registryRowText = (cluster: RegistryRowInput) => encodeRegistryRow(registryRowOf(cluster));

/** The hourly trend of a cluster from its rollups, a JSON string. */
export const registryTrendText = (hours: readonly TrendHour[], now: Date) =>
  JSON.stringify(registryTrendOf(hours, now));

/** The whole item (row and trend): written when the rollups were read. */
export const registryRowPut = (ids: Ids, row: string, trend: string): PlannedTransactItem => ({
  put: clusterRegistryRowEntity.toItem({ ...ids, row, trend }),
});

/**
 * The row only (the trend stays as the last hourly write left it); creates the item when there is none,
 * with the entity's attributes, so a cluster is listed from its first write on.
 */
export function registryRowUpdate(ids: Ids, row: string): PlannedTransactItem {
  const { trend: _trend, ...fields } = attributesOf(
    clusterRegistryRowEntity.toItem({ ...ids, row, trend: null }),
  );
  return { update: clusterRegistryRowKey(ids.orgId, ids.clusterId), spec: { set: fields } };
}

/**
 * The row rewritten from a Cluster item as it now is (an agent heartbeat, a new cluster at discovery):
 * `onlyIfAbsent` leaves an existing row alone (discovery knows no figures a snapshot wrote).
 */
export async function refreshRegistryRow(cluster: RegistryRowInput & Ids, onlyIfAbsent = false) {
  const { update, spec } = registryRowUpdate(cluster, registryRowText(cluster)) as {
    update: ReturnType<typeof clusterRegistryRowKey>;
    spec: { set: Record<string, unknown> };
  };
  await updateItem(update, onlyIfAbsent ? { setIfAbsent: spec.set } : spec);
}
