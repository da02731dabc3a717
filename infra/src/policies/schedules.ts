import { ArnFormat, Stack } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { wildcardResourceAck } from './nag';
import type { PolicyGrant, ProductResources } from './types';

export const scheduleActions = [
  'scheduler:CreateSchedule',
  'scheduler:UpdateSchedule',
  'scheduler:DeleteSchedule',
  'scheduler:GetSchedule',
] as const;

/**
 * Manage schedules in the product's group only, and hand the scheduler its role (PassRole limited to
 * that role and to EventBridge Scheduler as the receiving service).
 */
export function schedules(scope: Construct, r: ProductResources): PolicyGrant {
  const schedulesInGroup = Stack.of(scope).formatArn({
    service: 'scheduler',
    resource: 'schedule',
    resourceName: `${r.names.scheduleGroupName}/*`,
    arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
  });
  return {
    statements: [
      new PolicyStatement({ sid: 'Schedules', actions: [...scheduleActions], resources: [schedulesInGroup] }),
      new PolicyStatement({
        sid: 'PassSchedulerRole',
        actions: ['iam:PassRole'],
        resources: [r.schedulerRole.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
      }),
    ],
    acknowledgements: [
      wildcardResourceAck(
        scope,
        schedulesInGroup,
        'Schedule names are created at run time (one per cluster transition); the wildcard is confined to the product schedule group.',
      ),
    ],
  };
}
