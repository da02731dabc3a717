/**
 * The local Step Functions: runs the product's state machines, built from the same `definition` the CDK
 * app deploys, with aws-local-stepfunctions. Each Task state runs the task module's `handler` in this
 * process instead of invoking a Lambda function; Wait states are shortened for local use.
 *
 * `startExecution` returns at once with the execution ARN and the run continues in the background, as
 * with StartExecution in AWS; executions are kept in memory for `describeExecution`/`listExecutions`.
 */
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { WorkflowPort } from '@spot/functions/ports/types';
import type { AslDefinition, WorkflowDefinition, WorkflowName } from '@spot/functions/workflows/index';
import type { StateMachine } from 'aws-local-stepfunctions';
import { WorkflowError } from './errors';
import { defaultPaths } from './paths';

/** aws-local-stepfunctions calls Promise.withResolvers (Node >= 22); Node 20 lacks it. */
export function polyfillPromiseWithResolvers(): void {
  const P = Promise as PromiseConstructor & { withResolvers?: unknown };
  if (typeof P.withResolvers === 'function') return;
  Object.defineProperty(Promise, 'withResolvers', {
    configurable: true,
    writable: true,
    value: function withResolvers<T>() {
      let resolvePromise!: (value: T | PromiseLike<T>) => void;
      let rejectPromise!: (reason?: unknown) => void;
      const promise = new Promise<T>((res, rej) => {
        resolvePromise = res;
        rejectPromise = rej;
      });
      return { promise, resolve: resolvePromise, reject: rejectPromise };
    },
  });
}

export const localAccountId = '000000000000';
export const localTaskArn = (state: string) => `arn:aws:lambda:local:${localAccountId}:function:${state}`;
export const localStateMachineArn = (workflow: string) =>
  `arn:aws:states:local:${localAccountId}:stateMachine:${workflow}`;
export const localExecutionArn = (workflow: string, name: string) =>
  `arn:aws:states:local:${localAccountId}:execution:${workflow}:${name}`;

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED';

export interface ExecutionRecord {
  executionArn: string;
  workflow: string;
  name: string;
  status: ExecutionStatus;
  input: Record<string, unknown>;
  output?: unknown;
  /** For FAILED: the error name (a Fail state's `Error`, or the thrown error's name) and cause. */
  error?: { error: string; cause: string };
  startDate: string;
  stopDate?: string;
}

type TaskModule = { handler: (input: unknown) => unknown };
type TaskHandlers = Record<string, (input: unknown) => Promise<unknown>>;
interface PreparedWorkflow {
  asl: AslDefinition;
  machine: StateMachine;
  handlers: TaskHandlers;
}

export interface LocalStepFunctionsOptions {
  /** The workflows that can be started (default: the product's `workflows`). */
  workflows?: readonly WorkflowDefinition[];
  /** Directory of the task modules (default `functions/src/tasks`). */
  tasksRoot?: string;
  /** Every Wait state pauses this long, in ms (default 1000); `'real'` keeps the definition's waits. */
  waitTimeMs?: number | 'real';
  /** Every Retry pauses this long, in ms; omitted keeps the definition's intervals and backoff. */
  retryIntervalMs?: number;
  log?: (message: string) => void;
  /**
   * Wraps the handler of each Task state (fault injection: the hardening suite makes a state throw to
   * check that every execution still ends in a final state with a reason). Omitted: the handlers as is.
   */
  wrapTask?: (
    state: string,
    run: (input: unknown) => Promise<unknown>,
  ) => (input: unknown) => Promise<unknown>;
}

export class LocalStepFunctions implements WorkflowPort {
  private readonly executions = new Map<string, ExecutionRecord>();
  private readonly done = new Map<string, Promise<ExecutionRecord>>();
  private readonly modules = new Map<string, Promise<TaskModule>>();
  private readonly prepared = new Map<string, Promise<PreparedWorkflow>>();
  private readonly log: (message: string) => void;
  private workflowList: readonly WorkflowDefinition[] | undefined;
  private readonly finishedListeners = new Set<(record: ExecutionRecord) => void>();

  constructor(private readonly options: LocalStepFunctionsOptions = {}) {
    polyfillPromiseWithResolvers();
    this.log = options.log ?? (() => {});
    this.workflowList = options.workflows;
  }

  async startExecution(
    workflow: WorkflowName,
    input: Record<string, unknown>,
    name?: string,
  ): Promise<{ executionArn: string }> {
    const definition = (await this.workflows()).find((w) => w.name === workflow);
    if (!definition) {
      throw new WorkflowError('STATE_MACHINE_DOES_NOT_EXIST', `No workflow named ${workflow}`);
    }
    const executionName = name ?? randomUUID();
    if (!/^[A-Za-z0-9_-]{1,80}$/.test(executionName)) {
      throw new WorkflowError(
        'INVALID_NAME',
        `Execution name "${executionName}" must be 1-80 of A-Z a-z 0-9 _ -`,
      );
    }
    const executionArn = localExecutionArn(workflow, executionName);
    const existing = this.executions.get(executionArn);
    if (existing) {
      // StartExecution is idempotent for a running execution with the same name and input.
      if (existing.status === 'RUNNING' && JSON.stringify(existing.input) === JSON.stringify(input)) {
        return { executionArn };
      }
      throw new WorkflowError('EXECUTION_ALREADY_EXISTS', `Execution ${executionArn} already exists`);
    }

    const { asl, machine, handlers } = await this.prepare(definition);

    const startDate = new Date().toISOString();
    const record: ExecutionRecord = {
      executionArn,
      workflow,
      name: executionName,
      status: 'RUNNING',
      input: structuredClone(input),
      startDate,
    };
    this.executions.set(executionArn, record);
    const overrides = this.overrides(asl, handlers);
    const execution = machine.run(structuredClone(input) as never, {
      overrides,
      context: {
        Execution: {
          Id: executionArn,
          Name: executionName,
          Input: structuredClone(input) as never,
          StartTime: startDate,
        },
        StateMachine: { Id: localStateMachineArn(workflow), Name: workflow },
      },
    });
    this.log(`workflow ${workflow} started: ${executionName}`);
    const finished = execution.result.then(
      (output) => {
        record.status = 'SUCCEEDED';
        record.output = output;
        record.stopDate = new Date().toISOString();
        this.log(`workflow ${workflow} succeeded: ${executionName}`);
        this.notifyFinished(record);
        return { ...record };
      },
      (err: unknown) => {
        record.status = 'FAILED';
        record.error = describeFailure(err);
        record.stopDate = new Date().toISOString();
        this.log(
          `workflow ${workflow} failed: ${executionName}: ${record.error.error}: ${record.error.cause}`,
        );
        this.notifyFinished(record);
        return { ...record };
      },
    );
    this.done.set(executionArn, finished);
    return { executionArn };
  }

  /**
   * Calls `listener` with each execution that stops from now on (the local stack reacts to finished
   * discoveries with it). Returns the function that removes the listener.
   */
  onExecutionFinished(listener: (record: ExecutionRecord) => void): () => void {
    this.finishedListeners.add(listener);
    return () => this.finishedListeners.delete(listener);
  }

  private notifyFinished(record: ExecutionRecord): void {
    for (const listener of this.finishedListeners) {
      try {
        listener(structuredClone(record));
      } catch (err) {
        this.log(`execution listener failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }

  async isExecutionRunning(executionArn: string): Promise<boolean> {
    // After a restart the map is empty: what ran before is not running any more.
    return this.executions.get(executionArn)?.status === 'RUNNING';
  }

  describeExecution(executionArn: string): ExecutionRecord | undefined {
    const record = this.executions.get(executionArn);
    return record && structuredClone(record);
  }

  listExecutions(filter: { workflow?: string; status?: ExecutionStatus } = {}): ExecutionRecord[] {
    return [...this.executions.values()]
      .filter((r) => (filter.workflow ? r.workflow === filter.workflow : true))
      .filter((r) => (filter.status ? r.status === filter.status : true))
      .map((r) => structuredClone(r));
  }

  /** Resolves with the final record once the execution has stopped (tests, e2e). */
  async waitForExecution(executionArn: string): Promise<ExecutionRecord> {
    const finished = this.done.get(executionArn);
    if (!finished) throw new WorkflowError('EXECUTION_DOES_NOT_EXIST', `No execution ${executionArn}`);
    return finished;
  }

  /**
   * Prepares every workflow ahead of its first run (loads its task modules, validates its definition), as
   * deploying the state machines and their functions does in AWS. Without it the first run of each
   * workflow in a fresh process paid seconds of module loading: a Connect waited for it before discovery
   * started. Failures are left to the first run, which prepares again and reports them.
   */
  async warm(): Promise<void> {
    const results = await Promise.allSettled((await this.workflows()).map((w) => this.prepare(w)));
    for (const r of results)
      if (r.status === 'rejected')
        this.log(
          `workflow not prepared ahead: ${r.reason instanceof Error ? r.reason.message : String(r.reason)}`,
        );
  }

  /** Resolves once no execution is running (used when the stack stops). */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.done.values()]);
  }

  /**
   * The validated state machine and task handlers of a workflow, built once: validating a definition
   * takes aws-local-stepfunctions about half a second, every run after that is immediate.
   */
  private prepare(definition: WorkflowDefinition): Promise<PreparedWorkflow> {
    let prepared = this.prepared.get(definition.name);
    if (!prepared) {
      prepared = (async () => {
        const asl = definition.definition(localTaskArn);
        const handlers = await this.taskHandlers(definition, asl);
        const sfn = await import('aws-local-stepfunctions');
        const machine = new sfn.StateMachine(asl as never, {
          validationOptions: { checkArn: true, checkPaths: true },
        });
        return { asl, machine, handlers };
      })();
      prepared.catch(() => this.prepared.delete(definition.name));
      this.prepared.set(definition.name, prepared);
    }
    return prepared;
  }

  private async workflows(): Promise<readonly WorkflowDefinition[]> {
    if (!this.workflowList) {
      // Imported on first use so that the stack starts without loading the functions package.
      const mod = await import('@spot/functions/workflows/index');
      this.workflowList = mod.workflows;
    }
    return this.workflowList;
  }

  /** One local handler per Task state; refuses a definition with a Task that has no task module. */
  private async taskHandlers(definition: WorkflowDefinition, asl: AslDefinition): Promise<TaskHandlers> {
    const taskStates = collectStates(asl, 'Task');
    const missing = taskStates.filter((state) => !(state in definition.tasks));
    if (missing.length) {
      throw new WorkflowError(
        'TASK_WITHOUT_HANDLER',
        `Workflow ${definition.name}: Task state(s) ${missing.join(', ')} have no entry in \`tasks\`; locally they would call AWS Lambda.`,
      );
    }
    const handlers: TaskHandlers = {};
    for (const state of taskStates) {
      const modulePath = definition.tasks[state] as string;
      // Loaded before the run starts, so a broken module fails startExecution, not a state.
      const mod = await this.loadTask(modulePath);
      const run = async (input: unknown) => mod.handler(input);
      handlers[state] = this.options.wrapTask ? this.options.wrapTask(state, run) : run;
    }
    return handlers;
  }

  private loadTask(modulePath: string): Promise<TaskModule> {
    let loading = this.modules.get(modulePath);
    if (!loading) {
      const file = resolve(this.options.tasksRoot ?? defaultPaths.tasksRoot, `${modulePath}.ts`);
      loading = import(pathToFileURL(file).href).then((mod: Partial<TaskModule>) => {
        if (typeof mod.handler !== 'function') {
          throw new WorkflowError('TASK_WITHOUT_HANDLER', `${file} does not export a handler function`);
        }
        return mod as TaskModule;
      });
      loading.catch(() => this.modules.delete(modulePath));
      this.modules.set(modulePath, loading);
    }
    return loading;
  }

  private overrides(asl: AslDefinition, handlers: TaskHandlers) {
    const waitTimeMs = this.options.waitTimeMs ?? 1_000;
    const waitTimeOverrides =
      waitTimeMs === 'real'
        ? undefined
        : Object.fromEntries(collectStates(asl, 'Wait').map((s) => [s, waitTimeMs]));
    const retryMs = this.options.retryIntervalMs;
    const retryIntervalOverrides =
      retryMs === undefined
        ? undefined
        : Object.fromEntries(collectRetryingStates(asl).map((s) => [s, retryMs]));
    return {
      taskResourceLocalHandlers: handlers as never,
      ...(waitTimeOverrides ? { waitTimeOverrides } : {}),
      ...(retryIntervalOverrides ? { retryIntervalOverrides } : {}),
    };
  }
}

type StateNode = {
  Type?: string;
  Retry?: unknown;
  Iterator?: unknown;
  ItemProcessor?: unknown;
  Branches?: unknown;
};

function nestedMachines(state: StateNode): { States?: Record<string, unknown> }[] {
  const nested: { States?: Record<string, unknown> }[] = [];
  if (state.Iterator && typeof state.Iterator === 'object') nested.push(state.Iterator as never);
  if (state.ItemProcessor && typeof state.ItemProcessor === 'object')
    nested.push(state.ItemProcessor as never);
  if (Array.isArray(state.Branches)) nested.push(...(state.Branches as never[]));
  return nested;
}

function walkStates(
  machine: { States?: Record<string, unknown> },
  visit: (name: string, state: StateNode) => void,
) {
  for (const [name, raw] of Object.entries(machine.States ?? {})) {
    const state = (raw ?? {}) as StateNode;
    visit(name, state);
    for (const nested of nestedMachines(state)) walkStates(nested, visit);
  }
}

/** Names of the states of `type`, including those inside Map and Parallel states. */
export function collectStates(asl: AslDefinition, type: string): string[] {
  const names: string[] = [];
  walkStates(asl, (name, state) => {
    if (state.Type === type) names.push(name);
  });
  return names;
}

function collectRetryingStates(asl: AslDefinition): string[] {
  const names: string[] = [];
  walkStates(asl, (name, state) => {
    if (Array.isArray(state.Retry)) names.push(name);
  });
  return names;
}

/** The error name and cause as Step Functions reports them (`Error`/`Cause` of the failing state). */
function describeFailure(err: unknown): { error: string; cause: string } {
  const inner = err instanceof Error && err.cause instanceof Error ? err.cause : err;
  if (inner instanceof Error) return { error: inner.name, cause: inner.message };
  return { error: 'States.Runtime', cause: String(inner) };
}
