import { z } from 'zod';
import { runScheduledConsolidation } from '../../domain/consolidation-schedule';
import { taskHandler } from '../task';

/** The cluster's consolidation schedule fired: start a run, or record why not (ADR 0044). */
export const handler = taskHandler(
  'consolidation/scheduled',
  z.object({ orgId: z.string().min(1), clusterId: z.string().min(1) }),
  async (input, now) => runScheduledConsolidation(input.orgId, input.clusterId, now),
);
