import { z } from 'zod';
import { advanceRightsizingRun } from '../../domain/rightsizing-run';
import { taskHandler } from '../task';

/** One step of a workload-patch run (maintenance and the agent checked first); the workflow loops until `done`. */
export const handler = taskHandler(
  'rightsizing/advance',
  z.object({ orgId: z.string().min(1), clusterId: z.string().min(1), runId: z.string().min(1) }),
  async (input, now) => advanceRightsizingRun(input.orgId, input.clusterId, input.runId, now),
);
