import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { WorkflowDefinition, WorkflowName } from '@spot/functions/workflows/index';
import { workflows as productWorkflows } from '@spot/functions/workflows/index';
import { describe, expect, it } from 'vitest';
import { defaultPaths } from '../src/paths';
import {
  collectStates,
  LocalStepFunctions,
  localExecutionArn,
  localTaskArn,
  polyfillPromiseWithResolvers,
} from '../src/stepfunctions';

const tasksRoot = resolve(import.meta.dirname, 'fixtures/tasks');

const fixtureWorkflows: WorkflowDefinition[] = [
  {
    name: 'double-then-wait',
    tasks: { Double: 'double' },
    definition: (taskArn) => ({
      StartAt: 'Double',
      States: {
        Double: { Type: 'Task', Resource: taskArn('Double'), ResultPath: '$.doubled', Next: 'LongWait' },
        LongWait: { Type: 'Wait', Seconds: 86_400, Next: 'Done' },
        Done: { Type: 'Pass', End: true },
      },
    }),
  },
  {
    name: 'caught-failure',
    tasks: { Explode: 'fail' },
    definition: (taskArn) => ({
      StartAt: 'Explode',
      States: {
        Explode: {
          Type: 'Task',
          Resource: taskArn('Explode'),
          Retry: [{ ErrorEquals: ['States.TaskFailed'], IntervalSeconds: 30, MaxAttempts: 1 }],
          Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Failed' }],
          End: true,
        },
        Failed: { Type: 'Fail', Error: 'FixtureFailed', Cause: 'caught and failed' },
      },
    }),
  },
  {
    name: 'uncaught-failure',
    tasks: { Explode: 'fail' },
    definition: (taskArn) => ({
      StartAt: 'Explode',
      States: { Explode: { Type: 'Task', Resource: taskArn('Explode'), End: true } },
    }),
  },
  {
    name: 'map-of-doubles',
    tasks: { DoubleEach: 'double' },
    definition: (taskArn) => ({
      StartAt: 'Each',
      States: {
        Each: {
          Type: 'Map',
          ItemsPath: '$.items',
          ItemProcessor: {
            ProcessorConfig: { Mode: 'INLINE' },
            StartAt: 'DoubleEach',
            States: { DoubleEach: { Type: 'Task', Resource: taskArn('DoubleEach'), End: true } },
          },
          End: true,
        },
      },
    }),
  },
  {
    name: 'slow',
    tasks: { Sleep: 'slow' },
    definition: (taskArn) => ({
      StartAt: 'Sleep',
      States: { Sleep: { Type: 'Task', Resource: taskArn('Sleep'), End: true } },
    }),
  },
  {
    name: 'missing-task',
    tasks: {},
    definition: (taskArn) => ({
      StartAt: 'Orphan',
      States: { Orphan: { Type: 'Task', Resource: taskArn('Orphan'), End: true } },
    }),
  },
];

const runner = (options: Partial<ConstructorParameters<typeof LocalStepFunctions>[0]> = {}) =>
  new LocalStepFunctions({
    workflows: fixtureWorkflows,
    tasksRoot,
    waitTimeMs: 0,
    retryIntervalMs: 0,
    ...options,
  });
const start = (
  sfn: LocalStepFunctions,
  name: string,
  input: Record<string, unknown>,
  executionName?: string,
) => sfn.startExecution(name as WorkflowName, input, executionName);

describe('LocalStepFunctions', () => {
  it('polyfills Promise.withResolvers', () => {
    polyfillPromiseWithResolvers();
    const { promise, resolve: done } = (
      Promise as unknown as { withResolvers<T>(): { promise: Promise<T>; resolve(v: T): void } }
    ).withResolvers<number>();
    done(3);
    return expect(promise).resolves.toBe(3);
  });

  it('runs Task states with the local task modules and shortens Wait states', async () => {
    const sfn = runner();
    const started = Date.now();
    const { executionArn } = await start(sfn, 'double-then-wait', { value: 21 }, 'run-1');
    expect(executionArn).toBe('arn:aws:states:local:000000000000:execution:double-then-wait:run-1');
    const record = await sfn.waitForExecution(executionArn);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(record.status).toBe('SUCCEEDED');
    expect(record.output).toEqual({ value: 21, doubled: { value: 42 } });
    expect(record.stopDate).toBeDefined();
    expect(sfn.describeExecution(executionArn)?.status).toBe('SUCCEEDED');
  });

  it('returns at once and runs in the background', async () => {
    const sfn = runner();
    const { executionArn } = await start(sfn, 'slow', { ms: 300 });
    expect(executionArn).toMatch(/^arn:aws:states:local:000000000000:execution:slow:[0-9a-f-]{36}$/);
    expect(sfn.describeExecution(executionArn)?.status).toBe('RUNNING');
    expect(sfn.listExecutions({ status: 'RUNNING' })).toHaveLength(1);
    expect((await sfn.waitForExecution(executionArn)).status).toBe('SUCCEEDED');
    expect(sfn.listExecutions({ status: 'RUNNING' })).toHaveLength(0);
  });

  it('reports a Fail state reached through Catch with its Error and Cause', async () => {
    const sfn = runner();
    const { executionArn } = await start(sfn, 'caught-failure', {});
    const record = await sfn.waitForExecution(executionArn);
    expect(record.status).toBe('FAILED');
    expect(record.error).toEqual({ error: 'FixtureFailed', cause: 'caught and failed' });
  });

  it('reports an uncaught task error with its name and message', async () => {
    const sfn = runner();
    const record = await sfn.waitForExecution((await start(sfn, 'uncaught-failure', {})).executionArn);
    expect(record.status).toBe('FAILED');
    expect(record.error).toEqual({ error: 'FixtureTaskError', cause: 'the fixture task failed' });
  });

  it('runs Task states inside Map states', async () => {
    const sfn = runner();
    const record = await sfn.waitForExecution(
      (await start(sfn, 'map-of-doubles', { items: [{ value: 1 }, { value: 2 }, { value: 3 }] }))
        .executionArn,
    );
    expect(record.status).toBe('SUCCEEDED');
    expect(record.output).toEqual([{ value: 2 }, { value: 4 }, { value: 6 }]);
  });

  it('is idempotent for a running execution with the same name and input, and refuses a reused name', async () => {
    const sfn = runner();
    const first = await start(sfn, 'slow', { ms: 200 }, 'same-name');
    const again = await start(sfn, 'slow', { ms: 200 }, 'same-name');
    expect(again.executionArn).toBe(first.executionArn);
    await expect(start(sfn, 'slow', { ms: 1 }, 'same-name')).rejects.toMatchObject({
      code: 'EXECUTION_ALREADY_EXISTS',
    });
    await sfn.waitForExecution(first.executionArn);
    await expect(start(sfn, 'slow', { ms: 200 }, 'same-name')).rejects.toMatchObject({
      code: 'EXECUTION_ALREADY_EXISTS',
    });
  });

  it('refuses unknown workflows, invalid names and Task states without a task module', async () => {
    const sfn = runner();
    await expect(start(sfn, 'nope', {})).rejects.toMatchObject({ code: 'STATE_MACHINE_DOES_NOT_EXIST' });
    await expect(start(sfn, 'slow', { ms: 1 }, 'bad name!')).rejects.toMatchObject({ code: 'INVALID_NAME' });
    await expect(start(sfn, 'missing-task', {})).rejects.toMatchObject({ code: 'TASK_WITHOUT_HANDLER' });
    expect(sfn.listExecutions()).toHaveLength(0);
  });

  it('lists executions by workflow', async () => {
    const sfn = runner();
    const a = await start(sfn, 'slow', { ms: 1 });
    await start(sfn, 'double-then-wait', { value: 1 });
    await sfn.idle();
    expect(sfn.listExecutions({ workflow: 'slow' }).map((r) => r.executionArn)).toEqual([a.executionArn]);
    expect(sfn.listExecutions()).toHaveLength(2);
  });

  it('prepares every workflow ahead (warm), so that a first run loads nothing; a broken one is only logged', async () => {
    const prepared: string[] = [];
    const logs: string[] = [];
    const sfn = runner({
      wrapTask: (state, run) => {
        prepared.push(state);
        return run;
      },
      log: (m) => logs.push(m),
    });
    await sfn.warm();
    expect([...prepared].sort()).toEqual(['Double', 'DoubleEach', 'Explode', 'Explode', 'Sleep']);
    expect(logs.filter((l) => l.startsWith('workflow not prepared ahead'))).toEqual([
      expect.stringContaining('Orphan'),
    ]);
    const { executionArn } = await start(sfn, 'double-then-wait', { value: 2 });
    expect((await sfn.waitForExecution(executionArn)).output).toEqual({ value: 2, doubled: { value: 4 } });
    expect(prepared).toHaveLength(5);
  });

  it('builds ARNs the way the port documents them', () => {
    expect(localTaskArn('LoadAccount')).toBe('arn:aws:lambda:local:000000000000:function:LoadAccount');
    expect(localExecutionArn('discovery', 'x')).toBe(
      'arn:aws:states:local:000000000000:execution:discovery:x',
    );
  });
});

describe('the product workflows run locally', () => {
  it.each(productWorkflows.map((w) => [w.name, w] as const))(
    '%s: every Task state has a task module that exists',
    (_name, workflow) => {
      const asl = workflow.definition(localTaskArn);
      for (const state of collectStates(asl, 'Task')) {
        const module = workflow.tasks[state];
        expect(module, `Task state ${state}`).toBeDefined();
        expect(existsSync(join(defaultPaths.tasksRoot, `${module}.ts`)), `${module}.ts`).toBe(true);
      }
    },
  );
});
