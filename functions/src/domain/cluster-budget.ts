import { type ClusterBudgetInput, type ClusterBudgetResponse, NotFoundError } from '@spot/shared';
import { costBurndown } from '@spot/shared/cluster-detail/burndown';
import { clusterKey } from '../data/entities/cluster';
import { clusterRollupEntity, clusterRollupsQuery } from '../data/entities/cluster-rollup';
import { isConditionalCheckFailed, queryAll, updateItem, where } from '../data/repository';
import { loadCluster } from './clusters';

/**
 * The cluster's monthly budget and its cost burndown (ADR 0052): the budget is a field of the Cluster
 * item; the spend is the hourly rollups of the current UTC month (each is the cost of its hour).
 */

async function burndownOf(orgId: string, clusterId: string, budget: number | null, now: Date) {
  const monthStart = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)).toISOString();
  const hours = await queryAll(clusterRollupEntity, clusterRollupsQuery(orgId, clusterId, monthStart));
  return costBurndown(
    clusterId,
    budget,
    hours.map((h) => ({ hour: h.hour, hourlyCostUsd: h.hourlyCostUsd })),
    now,
  );
}

/** `GET /api/client/clusters/{id}/budget`. */
export async function clusterBudget(
  orgId: string,
  clusterId: string,
  now: Date,
): Promise<ClusterBudgetResponse> {
  const cluster = await loadCluster(orgId, clusterId);
  return burndownOf(orgId, clusterId, cluster.monthlyBudgetUsd, now);
}

/** `PUT /api/client/clusters/{id}/budget`: sets (or clears) the budget; answers the burndown against it. */
export async function setClusterBudget(
  orgId: string,
  clusterId: string,
  input: ClusterBudgetInput,
  now: Date,
): Promise<{ response: ClusterBudgetResponse; before: number | null; accountId: string }> {
  const cluster = await loadCluster(orgId, clusterId);
  // Only if the cluster is still there: a budget must not recreate a deleted cluster as a stub item.
  try {
    await updateItem(
      clusterKey(orgId, clusterId),
      { set: { monthlyBudgetUsd: input.monthlyBudgetUsd } },
      { condition: where.itemExists() },
    );
  } catch (error) {
    if (isConditionalCheckFailed(error)) throw new NotFoundError('The cluster');
    throw error;
  }
  return {
    response: await burndownOf(orgId, clusterId, input.monthlyBudgetUsd, now),
    before: cluster.monthlyBudgetUsd,
    accountId: cluster.accountId,
  };
}
