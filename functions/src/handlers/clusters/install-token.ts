import { apiContracts } from '@spot/shared';
import { issueInstallToken } from '../../domain/cluster-onboarding';
import { httpHandler } from '../../http/handler';

/** A one-hour, single-use install token for the agent and the commands that use it (shown once). */
export const handler = httpHandler(
  {
    auth: 'user',
    contract: apiContracts['POST /api/client/clusters/{id}/install-token'],
    audit: { action: 'cluster.install-token.issue', resourceType: 'cluster' },
  },
  async ({ caller, path, now, audit }) => {
    audit.target = `cluster/${path.id}`;
    const result = await issueInstallToken(caller.orgId, path.id, caller.userId, now);
    audit.after = result.audit;
    return { statusCode: 201, body: result.body };
  },
);
