import { apiContracts } from '@spot/shared';
import { setClusterBudget } from '../../domain/cluster-budget';
import { httpHandler } from '../../http/handler';

/** Sets or clears the cluster's monthly budget (audited before/after); answers the new burndown. */
export const handler = httpHandler(
  {
    auth: 'user',
    contract: apiContracts['PUT /api/client/clusters/{id}/budget'],
    audit: { action: 'cluster.budget.update', resourceType: 'cluster' },
  },
  async ({ caller, path, body, now, audit }) => {
    audit.target = `cluster/${path.id}`;
    const { response, before, accountId } = await setClusterBudget(caller.orgId, path.id, body, now);
    Object.assign(audit, {
      accountId,
      before: { monthlyBudgetUsd: before },
      after: { monthlyBudgetUsd: response.monthlyBudgetUsd },
    });
    return { body: response };
  },
);
