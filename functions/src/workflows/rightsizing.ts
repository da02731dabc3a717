import { retryTransient } from './retry';
import type { WorkflowDefinition } from './types';

/**
 * One workload-patch run of one cluster (rightsizing and spot rules, ADR 0043), started by
 * `POST .../rightsizing {dryRun:false}` with the execution named after the run id:
 *
 *   Advance -> done? -> (no) Wait 60 s -> Advance ...   (yes) Done
 *
 * The same loop over steps stored in DynamoDB as the consolidation workflow (ADR 0040): `Advance` checks
 * maintenance mode and the agent, starts patches (policy re-checked right before each), reads the agent's
 * outcomes, watches resized workloads and rolls them back; the payload is ids only. An unexpected failure
 * goes to `Stop`, which closes the open steps with the reason.
 */
const ids = { 'orgId.$': '$.orgId', 'clusterId.$': '$.clusterId', 'runId.$': '$.runId' };
/** A rollout and its OOM kills take minutes; the agent polls every 15 s. */
const pollSeconds = 60;
/** 90 workloads, 3 at a time, each patched then watched 30 minutes: about 15 hours at most. */
const runTimeoutSeconds = 24 * 3600;

export const rightsizingWorkflow: WorkflowDefinition = {
  name: 'rightsizing',
  tasks: { Advance: 'rightsizing/advance', Stop: 'rightsizing/stop' },
  definition: (taskArn) => ({
    Comment:
      'Patch the workloads of one rightsizing and spot-rule plan, watch each rollout, roll back on a rise of OOM kills',
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
        Default: 'WaitForRollout',
      },
      WaitForRollout: { Type: 'Wait', Seconds: pollSeconds, Next: 'Advance' },
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
        Error: 'Rightsizing.Stopped',
        Cause: 'The run stopped on an unexpected failure',
      },
      Done: { Type: 'Succeed' },
    },
  }),
};
