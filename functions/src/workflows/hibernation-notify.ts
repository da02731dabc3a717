import { retryTransient } from './retry';
import type { WorkflowDefinition } from './types';

/**
 * One hibernation notice, started by the cluster's notice schedule (EventBridge Scheduler `at()`, 30
 * minutes before a sleep): a single task that checks the sleep is still the next one, claims the notice
 * (so a duplicated or late delivery sends nothing twice), sends it by email and to Slack with each
 * recipient's Snooze link, and re-arms the notice schedule for the sleep after. A retry after the claim
 * finds it and sends nothing (at most once: a lost notice is better than a repeated one).
 */
export const hibernationNotifyWorkflow: WorkflowDefinition = {
  name: 'hibernation-notify',
  tasks: { Notify: 'hibernation/notify' },
  definition: (taskArn) => ({
    Comment: 'Send the notice of a cluster’s next sleep, then re-arm the notice schedule',
    StartAt: 'Notify',
    States: {
      Notify: {
        Type: 'Task',
        Resource: taskArn('Notify'),
        Parameters: {
          'orgId.$': '$.orgId',
          'clusterId.$': '$.clusterId',
          'transitionAt.$': '$.transitionAt',
        },
        TimeoutSeconds: 120,
        Retry: retryTransient({ intervalSeconds: 5, maxAttempts: 3 }),
        End: true,
      },
    },
  }),
};
