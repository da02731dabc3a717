import { apiContracts } from '@spot/shared';
import { resumeAfterMaintenance } from '../../domain/hibernation-run';
import { setMaintenance } from '../../domain/maintenance';
import { httpHandler } from '../../http/handler';

/** Maintenance mode on or off (audited before/after); off arms a hibernation run to catch up (ADR 0037). */
export const handler = httpHandler(
  {
    auth: 'user',
    contract: apiContracts['PUT /api/client/clusters/{id}/maintenance'],
    audit: { action: 'cluster.maintenance.update', resourceType: 'cluster' },
  },
  async ({ caller, path, body, now, audit }) => {
    audit.target = `cluster/${path.id}`;
    const result = await setMaintenance(caller.orgId, path.id, body, { email: caller.email }, now);
    Object.assign(audit, { accountId: result.accountId, before: result.before, after: result.after });
    if (result.before.enabled && !result.after.enabled)
      await resumeAfterMaintenance(caller.orgId, path.id, now);
    return { body: result.response };
  },
);
