import { apiContracts } from '@spot/shared';
import { replaceKubeconfig } from '../../domain/cluster-kubeconfig';
import { httpHandler } from '../../http/handler';

/**
 * Sets or replaces the kubeconfig the collector reads the cluster with (ADR 0065): validated, stored
 * sealed, audited with the server and kind of credential before and after (never the file).
 */
export const handler = httpHandler(
  {
    auth: 'user',
    contract: apiContracts['PUT /api/client/clusters/{id}/kubeconfig'],
    audit: { action: 'cluster.kubeconfig.replace', resourceType: 'cluster' },
  },
  async ({ caller, path, body, now, audit }) => {
    audit.target = `cluster/${path.id}`;
    const result = await replaceKubeconfig(caller.orgId, caller.userId, path.id, body.kubeconfig, now);
    Object.assign(audit, { accountId: result.accountId, before: result.before, after: result.after });
    return { body: result.body };
  },
);
