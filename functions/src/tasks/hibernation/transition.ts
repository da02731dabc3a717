import { z } from 'zod';
import { runHibernation } from '../../domain/hibernation-run';
import { taskHandler } from '../task';

/** The scheduler's run for one cluster: bring it to what the schedule wants now, then re-arm. */
export const handler = taskHandler(
  'hibernation/transition',
  z.object({ orgId: z.string().min(1), clusterId: z.string().min(1) }),
  async (input, now) => {
    const run = await runHibernation(input.orgId, input.clusterId, now, { kind: 'system' });
    return {
      clusterId: input.clusterId,
      status: run.response.status.state,
      actions: run.response.actions.length,
    };
  },
);
