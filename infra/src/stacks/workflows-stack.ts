import type { RoutePermission } from '@spot/functions/routes';
import { auditExpiryFilter, auditInsertFilter } from '@spot/functions/streams/filters';
import type { WorkflowDefinition } from '@spot/functions/workflows/index';
import { Duration, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { DefinitionBody, LogLevel, StateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { AuditStreamFunction } from '../constructs/audit-stream-function';
import { functionEntry } from '../constructs/function-bundles';
import { logRetention, ProductFunction } from '../constructs/product-function';
import { moduleSlug } from '../naming';
import type { ProductResources } from '../policies';

/**
 * What the tasks of each workflow may touch beyond reading the table. Discovery reads the customer's
 * cloud: through an assumed role, or with access keys whose stored secret must be decrypted first.
 */
export const workflowTaskNeeds: Readonly<Record<string, readonly RoutePermission[]>> = {
  // CompleteDiscovery re-arms the account's 15-minute re-sync schedule.
  discovery: ['table-write', 'customer-cloud', 'secrets', 'schedules'],
  // A run scales the customer's node groups (the role's optional write policy) and re-arms its schedule.
  hibernation: ['table-write', 'customer-cloud', 'secrets', 'schedules'],
  // A notice opens the Slack webhook and signs Snooze links (KMS data keys), emails through SES, links to
  // the web app, and re-arms the notice schedule.
  'hibernation-notify': ['table-write', 'secrets', 'schedules', 'send-email', 'app-url'],
  // A consolidation step reads the node's live pods (EKS through the role), enqueues the agent's commands
  // and terminates the drained instance in its ASG (the role's optional write policy). ADR 0040.
  consolidation: ['table-write', 'customer-cloud', 'secrets'],
  // A scheduled run plans from the table and starts the consolidation workflow; automation switched off
  // removes the cluster's schedule. ADR 0044.
  'consolidation-schedule': ['table-write', 'workflows', 'schedules'],
};

/**
 * The table's stream consumers (ADR 0029): SIEM delivery opens destination secrets, writes delivery
 * statuses and writes S3 objects through the customer's role; the expiry function signs checkpoints.
 */
export const auditStreamNeeds = {
  siem: ['table-write', 'secrets', 'customer-cloud'],
  expiry: ['table-write', 'secrets'],
} as const satisfies Record<string, readonly RoutePermission[]>;
const defaultTaskNeeds: readonly RoutePermission[] = ['table-write'];

/** Discovery calls the customer's AWS in every enabled region; the state's Retry covers transient failures. */
const taskTimeout = Duration.minutes(5);

export interface WorkflowsStackProps extends StackProps {
  readonly resources: ProductResources;
  readonly workflows: readonly WorkflowDefinition[];
  /** Directory holding `tasks/<module>.ts`. */
  readonly functionsSourceDir: string;
}

export interface DeployedWorkflow {
  readonly stateMachine: StateMachine;
  /** Task state name -> its function. */
  readonly tasks: ReadonlyMap<string, ProductFunction>;
}

/**
 * One state machine per workflow, built from the same `definition` the local runner executes, with one
 * function per task state; and the background functions fed by the table's stream (audit SIEM delivery
 * and retention checkpoints).
 */
/** The table-stream consumers' modules under `functions/src/streams/`. */
export const auditStreamModules = { siem: 'audit-siem', expiry: 'audit-expiry' } as const;

export class WorkflowsStack extends Stack {
  readonly workflows = new Map<string, DeployedWorkflow>();
  readonly auditStreams: { siem: AuditStreamFunction; expiry: AuditStreamFunction };

  constructor(scope: Construct, id: string, props: WorkflowsStackProps) {
    super(scope, id, props);
    const n = props.resources.names;
    // Lambda filter patterns are plain JSON; the shared ones are deeply readonly.
    const pattern = (p: object) => JSON.parse(JSON.stringify(p)) as Record<string, unknown>;
    this.auditStreams = {
      siem: new AuditStreamFunction(this, 'AuditSiemStream', {
        module: auditStreamModules.siem,
        description: 'audit SIEM streaming (inserted audit records to Datadog, Splunk, S3)',
        logGroupName: `${n.logGroupPrefix}/streams/audit-siem`,
        filter: pattern(auditInsertFilter),
        needs: auditStreamNeeds.siem,
        resources: props.resources,
        table: props.resources.table,
        functionsSourceDir: props.functionsSourceDir,
        sendsDeadLetters: true,
      }),
      expiry: new AuditStreamFunction(this, 'AuditExpiryStream', {
        module: auditStreamModules.expiry,
        description: 'audit retention checkpoint (records removed by TTL)',
        logGroupName: `${n.logGroupPrefix}/streams/audit-expiry`,
        filter: pattern(auditExpiryFilter),
        needs: auditStreamNeeds.expiry,
        resources: props.resources,
        table: props.resources.table,
        functionsSourceDir: props.functionsSourceDir,
        sendsDeadLetters: false,
      }),
    };

    for (const workflow of props.workflows) {
      const tasks = new Map<string, ProductFunction>();
      for (const [state, module] of Object.entries(workflow.tasks)) {
        tasks.set(
          state,
          new ProductFunction(this, `${workflow.name}-${state}`, {
            entry: functionEntry.task(props.functionsSourceDir, module),
            description: `${workflow.name} workflow task ${state} (${module})`,
            logGroupName: `${n.logGroupPrefix}/tasks/${workflow.name}/${moduleSlug(state)}`,
            timeout: taskTimeout,
            needs: workflowTaskNeeds[workflow.name] ?? defaultTaskNeeds,
            resources: props.resources,
          }),
        );
      }

      const taskArn = (state: string) => {
        const task = tasks.get(state);
        if (!task) {
          throw new Error(
            `Workflow ${workflow.name} refers to task state ${state}, which is not in its tasks map`,
          );
        }
        return task.function.functionArn;
      };

      const stateMachine = new StateMachine(this, `${workflow.name}-StateMachine`, {
        stateMachineName: `${n.stateMachineNamePrefix}${workflow.name}`,
        stateMachineType: StateMachineType.STANDARD,
        definitionBody: DefinitionBody.fromString(JSON.stringify(workflow.definition(taskArn))),
        tracingEnabled: true,
        logs: {
          destination: new LogGroup(this, `${workflow.name}-Logs`, {
            logGroupName: `${n.stateMachineLogGroupPrefix}-${workflow.name}`,
            retention: logRetention,
          }),
          level: LogLevel.ALL,
          includeExecutionData: true,
        },
      });
      // Invoke exactly the task functions by ARN; grantInvoke would also allow every version (`arn:*`).
      stateMachine.addToRolePolicy(
        new PolicyStatement({
          sid: 'InvokeTasks',
          actions: ['lambda:InvokeFunction'],
          resources: [...tasks.values()].map((t) => t.function.functionArn),
        }),
      );
      const generatedPolicy = stateMachine.role.node.tryFindChild('DefaultPolicy');
      if (!generatedPolicy) throw new Error('State machine role has no default policy: aws-cdk-lib changed');
      Validations.of(generatedPolicy).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'Statements Step Functions needs for logging (logs:*LogDelivery*, DescribeLogGroups, DescribeResourcePolicies, PutResourcePolicy) and X-Ray tracing, which support no resource-level permissions; the task invoke statement names each function.',
      });
      this.workflows.set(workflow.name, { stateMachine, tasks });
    }
  }
}
