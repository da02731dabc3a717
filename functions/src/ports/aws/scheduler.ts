import {
  CreateScheduleCommand,
  DeleteScheduleCommand,
  ResourceNotFoundException,
  SchedulerClient,
  UpdateScheduleCommand,
} from '@aws-sdk/client-scheduler';
import { requiredEnv } from '../../lib/env';
import type { SchedulerPort, ScheduleSpec } from '../types';

/** EventBridge Scheduler in the product's group; every target starts one of the product's state machines. */
export class EventBridgeScheduler implements SchedulerPort {
  constructor(private readonly client = new SchedulerClient({})) {}

  async upsertSchedule(spec: ScheduleSpec): Promise<void> {
    const input = {
      Name: spec.name,
      GroupName: requiredEnv('SCHEDULE_GROUP_NAME'),
      ScheduleExpression: spec.expression,
      ScheduleExpressionTimezone: spec.timeZone,
      FlexibleTimeWindow: { Mode: 'OFF' as const },
      // One-time schedules delete themselves once fired, so the group holds only what is pending.
      ActionAfterCompletion: spec.expression.startsWith('at(') ? ('DELETE' as const) : ('NONE' as const),
      // UpdateSchedule replaces the whole schedule: an update without StartDate starts a rate() over now.
      ...(spec.startAt ? { StartDate: spec.startAt } : {}),
      Target: {
        Arn: `${requiredEnv('STATE_MACHINE_ARN_PREFIX')}${spec.target.workflow}`,
        RoleArn: requiredEnv('SCHEDULER_ROLE_ARN'),
        Input: JSON.stringify(spec.target.input),
      },
    };
    try {
      await this.client.send(new UpdateScheduleCommand(input));
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error;
      await this.client.send(new CreateScheduleCommand(input));
    }
  }

  async deleteSchedule(name: string): Promise<void> {
    try {
      await this.client.send(
        new DeleteScheduleCommand({ Name: name, GroupName: requiredEnv('SCHEDULE_GROUP_NAME') }),
      );
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error;
    }
  }
}
