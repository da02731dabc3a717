/** Amazon States Language, loosely typed: the definitions are validated by asl-validator in tests. */
export type AslDefinition = Record<string, unknown> & { StartAt: string; States: Record<string, unknown> };

export interface WorkflowDefinition {
  /** Used in resource names (`<name>` state machine) and by the workflow port. */
  readonly name: string;
  /** Task state name -> task handler module under `functions/src/tasks/` exporting `handler`. */
  readonly tasks: Readonly<Record<string, string>>;
  /** Builds the ASL; `taskArn(state)` is a Lambda ARN in AWS and a placeholder locally. */
  readonly definition: (taskArn: (taskState: string) => string) => AslDefinition;
}
