import { apiContracts } from '@spot/shared';
import { requestClusterSync } from '../../domain/cluster-sync';
import { httpHandler } from '../../http/handler';

/**
 * Sync Now on the cluster page (ADR 0076): the agent is asked for a snapshot, or the account's discovery
 * starts. Audited with who asked; a click that finds a sync pending is audited as such (nothing new asked).
 */
export const handler = httpHandler(
  {
    auth: 'user',
    contract: apiContracts['POST /api/client/clusters/{id}/sync'],
    audit: { action: 'cluster.sync', resourceType: 'cluster' },
  },
  async ({ caller, path, now, audit }) => {
    audit.target = `cluster/${path.id}`;
    const { response, changed, accountId } = await requestClusterSync(
      caller.orgId,
      path.id,
      caller.email,
      now,
    );
    Object.assign(audit, {
      accountId,
      after: {
        via: response.via,
        requestedAt: response.requestedAt,
        requested: changed,
        alreadyRequested: response.alreadyRequested,
      },
    });
    return { statusCode: 202, body: response };
  },
);
