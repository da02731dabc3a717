import {
  CreateScheduleCommand,
  DeleteScheduleCommand,
  ResourceNotFoundException,
  SchedulerClient,
  UpdateScheduleCommand,
} from '@aws-sdk/client-scheduler';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EventBridgeScheduler } from '../src/ports/aws/scheduler';
import type { ScheduleSpec } from '../src/ports/types';

const scheduler = mockClient(SchedulerClient);
const env = {
  SCHEDULE_GROUP_NAME: 'spot-optimizer-test',
  STATE_MACHINE_ARN_PREFIX: 'arn:aws:states:us-east-1:111122223333:stateMachine:spot-optimizer-test-',
  SCHEDULER_ROLE_ARN: 'arn:aws:iam::111122223333:role/scheduler',
};
const saved: Record<string, string | undefined> = {};

beforeAll(() => {
  for (const [k, v] of Object.entries(env)) {
    saved[k] = process.env[k];
    process.env[k] = v;
  }
});
afterAll(() => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  scheduler.restore();
});
beforeEach(() => scheduler.reset());

const spec: ScheduleSpec = {
  name: 'discovery-acct-1',
  expression: 'rate(15 minutes)',
  timeZone: 'UTC',
  target: { workflow: 'discovery', input: { orgId: 'org-1', accountId: 'acct-1' } },
};

describe('EventBridgeScheduler', () => {
  it('updates the schedule and passes the start date, so a new rate() does not fire at once', async () => {
    scheduler.on(UpdateScheduleCommand).resolves({});
    const startAt = new Date('2026-05-04T10:15:00.000Z');
    await new EventBridgeScheduler(new SchedulerClient({})).upsertSchedule({ ...spec, startAt });
    const [call] = scheduler.commandCalls(UpdateScheduleCommand);
    expect(call?.args[0].input).toMatchObject({
      Name: 'discovery-acct-1',
      GroupName: 'spot-optimizer-test',
      ScheduleExpression: 'rate(15 minutes)',
      ScheduleExpressionTimezone: 'UTC',
      StartDate: startAt,
      ActionAfterCompletion: 'NONE',
      Target: {
        Arn: `${env.STATE_MACHINE_ARN_PREFIX}discovery`,
        RoleArn: env.SCHEDULER_ROLE_ARN,
        Input: JSON.stringify(spec.target.input),
      },
    });
    expect(scheduler.commandCalls(CreateScheduleCommand)).toHaveLength(0);
  });

  it('creates the schedule, with the same start date, when it does not exist yet', async () => {
    scheduler.on(UpdateScheduleCommand).rejects(
      new ResourceNotFoundException({
        Message: 'Schedule not found',
        message: 'Schedule not found',
        $metadata: {},
      }),
    );
    scheduler.on(CreateScheduleCommand).resolves({ ScheduleArn: 'arn:aws:scheduler:::schedule/x' });
    const startAt = new Date('2026-05-04T10:15:00.000Z');
    await new EventBridgeScheduler(new SchedulerClient({})).upsertSchedule({ ...spec, startAt });
    expect(scheduler.commandCalls(CreateScheduleCommand)[0]?.args[0].input).toMatchObject({
      Name: 'discovery-acct-1',
      StartDate: startAt,
    });
  });

  it('leaves StartDate out without a start, and deletes one-time schedules after they fire', async () => {
    scheduler.on(UpdateScheduleCommand).resolves({});
    await new EventBridgeScheduler(new SchedulerClient({})).upsertSchedule({
      ...spec,
      name: 'wake-1',
      expression: 'at(2026-05-04T08:00:00)',
      timeZone: 'Europe/Berlin',
    });
    const input = scheduler.commandCalls(UpdateScheduleCommand)[0]?.args[0].input;
    expect(input).not.toHaveProperty('StartDate');
    expect(input?.ActionAfterCompletion).toBe('DELETE');
  });

  it('treats deleting a schedule that is already gone as done', async () => {
    scheduler.on(DeleteScheduleCommand).rejects(
      new ResourceNotFoundException({
        Message: 'Schedule not found',
        message: 'Schedule not found',
        $metadata: {},
      }),
    );
    await expect(
      new EventBridgeScheduler(new SchedulerClient({})).deleteSchedule('discovery-acct-1'),
    ).resolves.toBeUndefined();
  });
});
