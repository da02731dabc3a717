import { apiContracts } from '@spot/shared';
import { pendingCommandsForAgent } from '../../domain/agent-commands';
import { httpHandler } from '../../http/handler';

/** The agent's poll in write mode: its cluster's commands to run now, each leased to it (ADR 0037). */
export const handler = httpHandler(
  { auth: 'agent', contract: apiContracts['GET /api/agent/commands'] },
  async ({ caller, now }) => ({ body: await pendingCommandsForAgent(caller, now) }),
);
