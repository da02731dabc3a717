import { z } from 'zod';
import { orgPk } from './organization';

/**
 * Discovered inventory. Every key starts with the organization, so a read can only ever reach the
 * caller's own items, and every item carries its source account for the global account filter.
 *
 * Partitions:
 * - `ORG#<orgId>`: the clusters (`CLUSTER#<clusterId>`) and their dashboard cards (`CARD#<clusterId>`) and
 *   series (`SERIES#<clusterId>`), beside the organization's other top-level items;
 * - `ORG#<orgId>#ACCOUNT#<accountId>`: what discovery found in one cloud account, outside Kubernetes
 *   (`REGION#`, `INSTANCE#<region>#`, `ASG#<region>#`);
 * - `ORG#<orgId>#CLUSTER#<clusterId>`: one cluster's node groups, nodes and workloads;
 * - `…#ROLLUP` / `…#WLROLLUP`: its time series, expiring through TTL.
 */
export const clusterPk = (orgId: string, clusterId: string) => `${orgPk(orgId)}#CLUSTER#${clusterId}`;
export const accountInventoryPk = (orgId: string, accountId: string) =>
  `${orgPk(orgId)}#ACCOUNT#${accountId}`;
const dayS = 86_400;
/** Time series are kept 35 days: the 30 days the screens show plus a margin for late rollups. */
export const timeSeriesRetentionDays = 35;
export const expiresFrom = (iso: string) =>
  Math.floor(Date.parse(iso) / 1000) + timeSeriesRetentionDays * dayS;

export const capacityTypeSchema = z.enum(['on-demand', 'spot']);
export const tagsSchema = z.record(z.string(), z.string());
/** Where a price came from: the savings engine's sources, or `unknown` (shown as such, never as $0). */
export const inventoryPriceSourceSchema = z.enum(['live-on-demand', 'live-spot', 'catalog', 'unknown']);

/** Node groups, nodes and workloads of one cluster share a partition: one query per kind, or one for all. */
export const clusterChildrenQuery = (
  orgId: string,
  clusterId: string,
  kind?: 'NODEGROUP' | 'NODE' | 'WORKLOAD',
) => ({
  pk: clusterPk(orgId, clusterId),
  ...(kind ? { skPrefix: `${kind}#` } : {}),
});
