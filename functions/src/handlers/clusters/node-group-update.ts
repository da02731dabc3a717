import { apiContracts } from '@spot/shared';
import { updateNodeGroup } from '../../domain/cluster-detail';
import { httpHandler } from '../../http/handler';

/**
 * A person sets a node group's min/max and spot mode through the cloud port, or a NodePool's node limit
 * and capacity types through the cluster's agent (ADR 0079); audited before/after either way.
 */
export const handler = httpHandler(
  {
    auth: 'user',
    contract: apiContracts['PUT /api/client/clusters/{id}/node-groups/{groupId}'],
    audit: { action: 'cluster.node-group.update', resourceType: 'node-group' },
  },
  async ({ caller, path, body, audit, now }) => {
    audit.target = `cluster/${path.id}/node-group/${path.groupId}`;
    const { response, accountId } = await updateNodeGroup(
      caller.orgId,
      path.id,
      path.groupId,
      body,
      caller.email,
      now,
    );
    const after = response.nodePool
      ? { ...response.after, nodePool: response.nodePool, command: response.nodePool.command.id }
      : response.after;
    Object.assign(audit, { accountId, before: response.before, after });
    return { body: response };
  },
);
