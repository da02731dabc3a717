import { retryTransient } from './retry';
import type { WorkflowDefinition } from './types';

/**
 * The re-stamp after a retention change (ADR 0029): a loop of one task that gives the next page of the
 * organization's audit records the TTL the new setting implies, until the last record or until a newer
 * save supersedes this one. A page is idempotent (a record already right is not written), so the retries
 * below and a re-run from the start are harmless; the execution is named after the settings version, so
 * the save that starts it twice starts it once.
 */
export const auditRetentionWorkflow: WorkflowDefinition = {
  name: 'audit-retention',
  tasks: { Restamp: 'audit/restamp' },
  definition: (taskArn) => ({
    Comment: "Re-apply an organization's audit retention (DynamoDB TTL) to its existing records",
    StartAt: 'Restamp',
    States: {
      Restamp: {
        Type: 'Task',
        Resource: taskArn('Restamp'),
        Parameters: { 'orgId.$': '$.orgId', 'version.$': '$.version', 'fromSeq.$': '$.fromSeq' },
        TimeoutSeconds: 120,
        Retry: retryTransient({ intervalSeconds: 5, maxAttempts: 5 }),
        Next: 'More',
      },
      More: {
        Type: 'Choice',
        Choices: [{ Variable: '$.done', BooleanEquals: true, Next: 'Done' }],
        Default: 'Restamp',
      },
      Done: { Type: 'Succeed' },
    },
  }),
};
