import { retryTransient } from './retry';
import type { WorkflowDefinition } from './types';

/**
 * A cluster's consolidation schedule fired (ADR 0044): one task checks the effective policy (automation
 * on), maintenance mode and a run in flight right then, and either starts the `consolidation` workflow
 * (the same start as the Start button) or audits the skip with its reason.
 */
export const consolidationScheduleWorkflow: WorkflowDefinition = {
  name: 'consolidation-schedule',
  tasks: { Start: 'consolidation/scheduled' },
  definition: (taskArn) => ({
    Comment: 'Start a scheduled consolidation run of one cluster, or record why it was skipped',
    StartAt: 'Start',
    States: {
      Start: {
        Type: 'Task',
        Resource: taskArn('Start'),
        Parameters: { 'orgId.$': '$.orgId', 'clusterId.$': '$.clusterId' },
        TimeoutSeconds: 60,
        Retry: retryTransient({ intervalSeconds: 5, maxAttempts: 3 }),
        End: true,
      },
    },
  }),
};
