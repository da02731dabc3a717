import {
  DescribeExecutionCommand,
  ExecutionDoesNotExist,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { requiredEnv } from '../../lib/env';
import type { WorkflowPort } from '../types';

/** Starts executions of the product's state machines (`STATE_MACHINE_ARN_PREFIX` + workflow name). */
export class StepFunctionsWorkflows implements WorkflowPort {
  constructor(private readonly client = new SFNClient({})) {}

  async startExecution(workflow: string, input: Record<string, unknown>, name?: string) {
    const out = await this.client.send(
      new StartExecutionCommand({
        stateMachineArn: `${requiredEnv('STATE_MACHINE_ARN_PREFIX')}${workflow}`,
        input: JSON.stringify(input),
        name,
      }),
    );
    if (!out.executionArn) throw new Error('StartExecution returned no executionArn');
    return { executionArn: out.executionArn };
  }

  async isExecutionRunning(executionArn: string): Promise<boolean> {
    try {
      const out = await this.client.send(new DescribeExecutionCommand({ executionArn }));
      return out.status === 'RUNNING';
    } catch (error) {
      // Executions are kept 90 days after they stop; an unknown one is not running.
      if (error instanceof ExecutionDoesNotExist) return false;
      throw error;
    }
  }
}
