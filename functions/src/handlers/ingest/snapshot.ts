import { apiContracts } from '@spot/shared';
import { ingest } from '../../domain/ingest';
import { httpHandler } from '../../http/handler';

/**
 * Agent pushes (heartbeats and snapshots), authenticated by the per-cluster agent token. Only what changes
 * the agent's connection is audited (first contact, a new agent version, a refused push): one record per
 * push would bury people's actions in the chain.
 */
export const handler = httpHandler(
  {
    auth: 'agent',
    contract: apiContracts['POST /api/ingest/snapshots'],
    audit: { action: 'cluster.agent.push', resourceType: 'cluster' },
  },
  async ({ caller, body, now, audit }) => {
    const result = await ingest(caller, body, now, ({ clusterName, after }) =>
      Object.assign(audit, {
        orgId: caller.orgId,
        target: `cluster/${caller.clusterId}`,
        actorName: clusterName ? `Agent of ${clusterName}` : 'In-cluster agent',
        after,
      }),
    );
    return { statusCode: result.statusCode, body: result.body };
  },
);
