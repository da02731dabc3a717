import { stopConsolidationRun } from '../../domain/consolidation-run';
import { runStopInputSchema, runStopReason } from '../run-stop';
import { taskHandler } from '../task';

/**
 * The workflow's catch: an unexpected failure stops the run, each open step closed with the reason and
 * its node uncordoned, so the cluster is left as it was except for the nodes already removed.
 */
export const handler = taskHandler('consolidation/stop', runStopInputSchema, async (input, now) =>
  stopConsolidationRun(input.orgId, input.clusterId, input.runId, runStopReason(input.error), now),
);
