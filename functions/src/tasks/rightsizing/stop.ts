import { stopRightsizingRun } from '../../domain/rightsizing-run';
import { runStopInputSchema, runStopReason } from '../run-stop';
import { taskHandler } from '../task';

/** The workflow's catch: an unexpected failure stops the run, each open step closed with the reason. */
export const handler = taskHandler('rightsizing/stop', runStopInputSchema, async (input, now) =>
  stopRightsizingRun(input.orgId, input.clusterId, input.runId, runStopReason(input.error), now),
);
