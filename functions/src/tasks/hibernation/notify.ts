import { z } from 'zod';
import { sendSleepNotice } from '../../domain/hibernation-notify';
import { taskHandler } from '../task';

/** The notice schedule's run for one cluster and one sleep: send it once, then re-arm for the next. */
export const handler = taskHandler(
  'hibernation/notify',
  z.object({ orgId: z.string().min(1), clusterId: z.string().min(1), transitionAt: z.iso.datetime() }),
  async (input, now) => sendSleepNotice(input.orgId, input.clusterId, input.transitionAt, now),
);
