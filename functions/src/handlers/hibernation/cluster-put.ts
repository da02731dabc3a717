import { apiContracts } from '@spot/shared';
import { saveHibernation } from '../../domain/hibernation';
import { armAfterSave } from '../../domain/hibernation-run';
import { httpHandler } from '../../http/handler';

/** Save from the version read (409 with the current schedule otherwise), then re-arm the cluster's schedule. */
export const handler = httpHandler(
  {
    auth: 'user',
    contract: apiContracts['PUT /api/client/clusters/{id}/hibernation'],
    audit: { action: 'hibernation.update', resourceType: 'hibernation-schedule' },
  },
  async ({ caller, path, body, now, audit }) => {
    audit.target = `cluster/${path.id}/hibernation`;
    const author = { userId: caller.userId, email: caller.email };
    const saved = await saveHibernation(caller.orgId, path.id, body, author, now);
    audit.accountId = saved.cluster.accountId;
    Object.assign(audit, { before: saved.before, after: saved.view });
    await armAfterSave(
      caller.orgId,
      path.id,
      saved.engineInput,
      saved.runtime,
      saved.view.notifications,
      now,
    );
    return { body: saved.view };
  },
);
