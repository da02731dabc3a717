import { apiContracts } from '@spot/shared';
import { scanClusters } from '../../domain/cluster-onboarding';
import { httpHandler } from '../../http/handler';

/** Add Cluster, auto-discovery: the account's EKS clusters in the regions that are not managed yet. */
export const handler = httpHandler(
  {
    auth: 'user',
    contract: apiContracts['POST /api/client/accounts/{id}/cluster-scan'],
    audit: { action: 'cluster.scan', resourceType: 'cloud-account' },
  },
  async ({ caller, path, body, audit }) => {
    Object.assign(audit, { target: `cloud-account/${path.id}`, accountId: path.id });
    const result = await scanClusters(caller.orgId, path.id, body.regions);
    audit.after = { regions: body.regions, unmanaged: result.items.length, managed: result.managedCount };
    return { body: result };
  },
);
