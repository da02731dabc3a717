import { retryTransient } from './retry';
import type { WorkflowDefinition } from './types';

/**
 * One consolidation run of one cluster (ADR 0040), started by `POST .../consolidation {dryRun:false}`
 * with the execution named after the run id (a repeated start is the same execution):
 *
 *   Advance -> done? -> (no) Wait 15 s -> Advance ...   (yes) Done
 *
 * `Advance` moves every node of the current wave one step (cordon + evictions, drain check, terminate,
 * record) and checks maintenance mode first; the run's state lives in DynamoDB (ConsolidationRun and its
 * ClusterActions), so the payload is ids only. Any unexpected failure goes to `Stop`, which closes the open
 * steps with the reason and uncordons their nodes: the run stops on the first one, the cluster consistent.
 */
const ids = { 'orgId.$': '$.orgId', 'clusterId.$': '$.clusterId', 'runId.$': '$.runId' };
/** Between two checks of a drain: an eviction and its replacement pod take seconds to minutes. */
const pollSeconds = 15;
/** A run's drains time out after 15 minutes each; the waves of a large plan take longer. */
const runTimeoutSeconds = 24 * 3600;

export const consolidationWorkflow: WorkflowDefinition = {
  name: 'consolidation',
  tasks: { Advance: 'consolidation/advance', Stop: 'consolidation/stop' },
  definition: (taskArn) => ({
    Comment: 'Drain and remove the nodes of one consolidation plan, a wave at a time',
    StartAt: 'Advance',
    TimeoutSeconds: runTimeoutSeconds,
    States: {
      Advance: {
        Type: 'Task',
        Resource: taskArn('Advance'),
        Parameters: ids,
        ResultPath: '$.step',
        TimeoutSeconds: 120,
        Retry: retryTransient({ intervalSeconds: 5, maxAttempts: 3 }),
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Stop' }],
        Next: 'Finished',
      },
      Finished: {
        Type: 'Choice',
        Choices: [{ Variable: '$.step.done', BooleanEquals: true, Next: 'Done' }],
        Default: 'WaitForDrain',
      },
      WaitForDrain: { Type: 'Wait', Seconds: pollSeconds, Next: 'Advance' },
      Stop: {
        Type: 'Task',
        Resource: taskArn('Stop'),
        Parameters: { ...ids, 'error.$': '$.error' },
        TimeoutSeconds: 120,
        Retry: retryTransient({ intervalSeconds: 5, maxAttempts: 3 }),
        Next: 'Failed',
      },
      Failed: {
        Type: 'Fail',
        Error: 'Consolidation.Stopped',
        Cause: 'The run stopped on an unexpected failure',
      },
      Done: { Type: 'Succeed' },
    },
  }),
};
