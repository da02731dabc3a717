import { retryTransient } from './retry';
import type { WorkflowDefinition } from './types';

/**
 * One hibernation run of one cluster, started by the cluster's EventBridge Scheduler `at()` schedule:
 * a single task that reads what the schedule wants now, sleeps or wakes the node groups through the
 * cloud port, records and audits it, and re-arms the schedule for the next transition. The run is
 * idempotent, so the retries below (and a duplicated delivery) never scale a group twice.
 */
export const hibernationWorkflow: WorkflowDefinition = {
  name: 'hibernation',
  tasks: { Transition: 'hibernation/transition' },
  definition: (taskArn) => ({
    Comment: 'Sleep or wake one cluster as its hibernation schedule says, then re-arm the schedule',
    StartAt: 'Transition',
    States: {
      Transition: {
        Type: 'Task',
        Resource: taskArn('Transition'),
        Parameters: { 'orgId.$': '$.orgId', 'clusterId.$': '$.clusterId' },
        TimeoutSeconds: 120,
        Retry: retryTransient({ intervalSeconds: 5, maxAttempts: 3 }),
        End: true,
      },
    },
  }),
};
