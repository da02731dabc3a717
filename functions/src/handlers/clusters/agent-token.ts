import { apiContracts } from '@spot/shared';
import { issueAgentToken } from '../../domain/clusters';
import { httpHandler } from '../../http/handler';

/** A new agent token for the cluster (shown once); the previous one stops working. */
export const handler = httpHandler(
  {
    auth: 'user',
    contract: apiContracts['POST /api/client/clusters/{id}/agent-token'],
    audit: { action: 'cluster.agent-token.issue', resourceType: 'cluster' },
  },
  async ({ caller, path, now, audit }) => {
    audit.target = `cluster/${path.id}`;
    const result = await issueAgentToken(caller.orgId, path.id, caller.userId, now);
    audit.after = result.audit.after;
    return { statusCode: 201, body: result.body };
  },
);
