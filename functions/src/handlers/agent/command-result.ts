import { apiContracts } from '@spot/shared';
import { recordCommandResult } from '../../domain/agent-commands';
import { httpHandler } from '../../http/handler';

/**
 * The agent's outcome of one command. The first result of a command is audited (an action on the
 * customer's cluster); the same result posted again is a 200 no-op and is not.
 */
export const handler = httpHandler(
  {
    auth: 'agent',
    contract: apiContracts['POST /api/agent/commands/{id}/result'],
    audit: { action: 'cluster.command.result', resourceType: 'cluster' },
  },
  async ({ caller, path, body, now, audit }) => {
    const result = await recordCommandResult(caller, path.id, body, now);
    if (result.changed) {
      Object.assign(audit, {
        orgId: caller.orgId,
        target: `cluster/${caller.clusterId}/command/${path.id}`,
        actorName: 'In-cluster agent',
        before: { status: result.before?.status ?? null },
        after: { command: result.view.command, outcome: result.view.outcome, reason: result.view.reason },
      });
    }
    return { body: result.view };
  },
);
