import { apiContracts } from '@spot/shared';
import { addCluster } from '../../domain/cluster-onboarding';
import { httpHandler } from '../../http/handler';

/** Add Cluster: adopt a discovered cluster or register one by kubeconfig (stored sealed, never returned). */
export const handler = httpHandler(
  {
    auth: 'user',
    contract: apiContracts['POST /api/client/clusters'],
    audit: { action: 'cluster.add', resourceType: 'cluster' },
  },
  async ({ caller, body, now, audit }) => {
    audit.accountId = body.accountId;
    const result = await addCluster(caller.orgId, caller.userId, body, now);
    Object.assign(audit, { target: `cluster/${result.body.clusterId}`, after: result.audit });
    return { statusCode: 201, body: result.body };
  },
);
