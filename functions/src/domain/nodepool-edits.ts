import type { NodePoolEdit } from '@spot/shared';
import { nodePoolEditEntity, nodePoolEditsQuery } from '../data/entities/nodepool-edit';
import { queryAll } from '../data/repository';
import { getAgentCommand } from './agent-commands';

/** The NodePool edits of a cluster with their commands' outcomes so far, by NodePool name. */
export async function nodePoolEditsOf(orgId: string, clusterId: string): Promise<Map<string, NodePoolEdit>> {
  const items = await queryAll(nodePoolEditEntity, nodePoolEditsQuery(orgId, clusterId));
  const out = new Map<string, NodePoolEdit>();
  await Promise.all(
    items.map(async (e) => {
      // A command expires a week after its result: the edit stays, its outcome is then unknown.
      const c = await getAgentCommand(orgId, clusterId, e.commandId).catch(() => null);
      out.set(e.nodePool, {
        nodePool: e.nodePool,
        capacityTypes: e.capacityTypes,
        nodesLimit: e.nodesLimit,
        managedBySpotOptimizer: e.managedBySpotOptimizer,
        editedAt: e.editedAt,
        editedBy: e.editedBy,
        command: {
          id: e.commandId,
          status: c?.status ?? null,
          outcome: c?.outcome ?? null,
          reason: c?.reason ?? null,
        },
      });
    }),
  );
  return out;
}
