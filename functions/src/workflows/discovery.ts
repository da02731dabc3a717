import type { WorkflowDefinition } from './types';

/**
 * Discovery of one cloud account. The foundation version loads the account and marks it active; the
 * discovery issue adds the region Map, inventory and summaries. The CDK workflows stack and the local
 * runner both build the state machine from `definition`, so they run the same states.
 */
export const discoveryWorkflow: WorkflowDefinition = {
  name: 'discovery',
  tasks: {
    LoadAccount: 'discovery/load-account',
    CompleteDiscovery: 'discovery/complete',
    FailDiscovery: 'discovery/fail',
  },
  definition: (taskArn) => ({
    Comment: 'Discover the inventory of one connected cloud account',
    StartAt: 'LoadAccount',
    States: {
      LoadAccount: {
        Type: 'Task',
        Resource: taskArn('LoadAccount'),
        ResultPath: '$.account',
        Retry: [{ ErrorEquals: ['States.TaskFailed'], IntervalSeconds: 2, MaxAttempts: 2, BackoffRate: 2 }],
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'FailDiscovery' }],
        Next: 'CompleteDiscovery',
      },
      CompleteDiscovery: {
        Type: 'Task',
        Resource: taskArn('CompleteDiscovery'),
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'FailDiscovery' }],
        End: true,
      },
      FailDiscovery: {
        Type: 'Task',
        Resource: taskArn('FailDiscovery'),
        Next: 'DiscoveryFailed',
      },
      DiscoveryFailed: { Type: 'Fail', Error: 'DiscoveryFailed', Cause: 'See the account status reason' },
    },
  }),
};
