import { apiContracts } from '@spot/shared';
import { wakeCluster } from '../../domain/hibernation-run';
import { httpHandler } from '../../http/handler';

/** "Wake up now" for some hours or until an instant; the schedule is left as it is. */
export const handler = httpHandler(
  {
    auth: 'user',
    contract: apiContracts['POST /api/client/clusters/{id}/hibernation/wake'],
    audit: { action: 'hibernation.wake-now', resourceType: 'cluster' },
  },
  async ({ caller, path, body, now, audit }) => {
    audit.target = `cluster/${path.id}`;
    const actor = { kind: 'user', userId: caller.userId, email: caller.email } as const;
    const run = await wakeCluster(caller.orgId, path.id, body, actor, now);
    Object.assign(audit, { accountId: run.accountId, before: run.before, after: run.after });
    return { body: run.response };
  },
);
