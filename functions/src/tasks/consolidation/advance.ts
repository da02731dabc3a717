import { z } from 'zod';
import { advanceConsolidationRun } from '../../domain/consolidation-run';
import { taskHandler } from '../task';

/** One step of a consolidation run (maintenance checked first); the workflow loops until `done`. */
export const handler = taskHandler(
  'consolidation/advance',
  z.object({ orgId: z.string().min(1), clusterId: z.string().min(1), runId: z.string().min(1) }),
  async (input, now) => advanceConsolidationRun(input.orgId, input.clusterId, input.runId, now),
);
