import { z } from 'zod';
import { runHibernation, skipScheduledRunInMaintenance } from '../../domain/hibernation-run';
import { maintenanceOf } from '../../domain/maintenance';
import { taskHandler } from '../task';

/**
 * The scheduler's run for one cluster: bring it to what the schedule wants now, then re-arm. A cluster in
 * maintenance mode is left as it is (the skip and its reason are audited; ADR 0037).
 */
export const handler = taskHandler(
  'hibernation/transition',
  z.object({ orgId: z.string().min(1), clusterId: z.string().min(1) }),
  async (input, now) => {
    const maintenance = await maintenanceOf(input.orgId, input.clusterId, true);
    if (maintenance.enabled) {
      const skip = await skipScheduledRunInMaintenance(input.orgId, input.clusterId, maintenance, now);
      return { clusterId: input.clusterId, status: 'skipped', reason: skip.reason, actions: 0 };
    }
    const run = await runHibernation(input.orgId, input.clusterId, now, { kind: 'system' });
    return {
      clusterId: input.clusterId,
      status: run.response.status.state,
      actions: run.response.actions.length,
    };
  },
);
