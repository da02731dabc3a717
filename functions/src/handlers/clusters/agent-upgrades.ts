import { apiContracts } from '@spot/shared';
import { listAgentUpgrades } from '../../domain/agent-commands';
import { httpHandler } from '../../http/handler';

/** The cluster's agent upgrades and the agent's answers (the registry's bulk Upgrade agent queues them). */
export const handler = httpHandler(
  { auth: 'user', contract: apiContracts['GET /api/client/clusters/{id}/agent-upgrades'] },
  async ({ caller, path }) => ({ body: await listAgentUpgrades(caller.orgId, path.id) }),
);
