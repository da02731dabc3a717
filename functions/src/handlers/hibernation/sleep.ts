import { apiContracts } from '@spot/shared';
import { sleepCluster } from '../../domain/hibernation-run';
import { httpHandler } from '../../http/handler';

/** "Hibernate now" until the schedule next wakes the cluster; the schedule is left as it is. */
export const handler = httpHandler(
  {
    auth: 'user',
    contract: apiContracts['POST /api/client/clusters/{id}/hibernation/sleep'],
    audit: { action: 'hibernation.sleep-now', resourceType: 'cluster' },
  },
  async ({ caller, path, now, audit }) => {
    audit.target = `cluster/${path.id}`;
    const actor = { kind: 'user', userId: caller.userId, email: caller.email } as const;
    const run = await sleepCluster(caller.orgId, path.id, actor, now);
    Object.assign(audit, { accountId: run.accountId, before: run.before, after: run.after });
    return { body: run.response };
  },
);
