import { Stack, type StackProps } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { ScheduleGroup } from 'aws-cdk-lib/aws-scheduler';
import type { Construct } from 'constructs';
import { type Names, stateMachineArns } from '../naming';

export interface SchedulingStackProps extends StackProps {
  readonly names: Names;
  readonly workflowNames: readonly string[];
}

/**
 * EventBridge Scheduler: the schedule group the functions create per-cluster schedules in, and the role
 * the scheduler assumes to start the product's state machines. The state machine ARNs are computed from
 * their names, so this stack deploys before the workflows stack without referencing it.
 */
export class SchedulingStack extends Stack {
  readonly scheduleGroup: ScheduleGroup;
  readonly schedulerRole: Role;

  constructor(scope: Construct, id: string, props: SchedulingStackProps) {
    super(scope, id, props);

    this.scheduleGroup = new ScheduleGroup(this, 'Group', {
      scheduleGroupName: props.names.scheduleGroupName,
    });

    this.schedulerRole = new Role(this, 'SchedulerRole', {
      description: 'Assumed by EventBridge Scheduler to start Spot Optimizer state machines',
      // Only schedules of this account may use the role (confused-deputy protection).
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
    });
    this.schedulerRole.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'StartWorkflows',
        actions: ['states:StartExecution'],
        resources: stateMachineArns(this, props.names, props.workflowNames),
      }),
    );
  }
}
