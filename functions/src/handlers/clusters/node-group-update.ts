import { apiContracts } from '@spot/shared';
import { updateNodeGroup } from '../../domain/cluster-detail';
import { httpHandler } from '../../http/handler';

/** A person sets a node group's min/max and spot mode through the cloud port (audited before/after). */
export const handler = httpHandler(
  {
    auth: 'user',
    contract: apiContracts['PUT /api/client/clusters/{id}/node-groups/{groupId}'],
    audit: { action: 'cluster.node-group.update', resourceType: 'node-group' },
  },
  async ({ caller, path, body, audit }) => {
    audit.target = `cluster/${path.id}/node-group/${path.groupId}`;
    const { response, accountId } = await updateNodeGroup(caller.orgId, path.id, path.groupId, body);
    Object.assign(audit, { accountId, before: response.before, after: response.after });
    return { body: response };
  },
);
