import type { RoutePermission } from '@spot/functions/routes';
import { type Duration, Validations } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Code, Function as LambdaFunction, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { exportsBucketName, stateMachineArnPrefix } from '../naming';
import { grantsFor, type ProductResources } from '../policies';
import { runtime } from '../policies/runtime';
import { bundleDirOf } from './function-bundles';

/**
 * Log retention of every function, the API access log and the state machines. One year: the product's
 * users are security and FinOps teams whose audits (SOC 2, ISO 27001) ask for twelve months of
 * operational evidence, and at this product's volume a year of logs costs cents a month.
 */
export const logRetention = RetentionDays.ONE_YEAR;

export interface ProductFunctionProps {
  /** Absolute path of the TypeScript module exporting `handler`. */
  readonly entry: string;
  readonly description: string;
  /** Explicit, readable name: `/spot-optimizer/<stage>/api/auth-signup`. */
  readonly logGroupName: string;
  readonly timeout: Duration;
  /** Exactly what the function may touch beyond reading the table. */
  readonly needs: readonly RoutePermission[];
  readonly resources: ProductResources;
}

/**
 * One Lambda function of the product (an API route or a workflow task) with its own log group and its own
 * least-privilege role: table read, plus one policy statement group per declared need, nothing else.
 * Every function gets the same environment, so a handler never depends on which construct built it.
 */
export class ProductFunction extends Construct {
  readonly function: LambdaFunction;
  readonly role: Role;
  readonly logGroup: LogGroup;
  readonly needs: readonly RoutePermission[];

  constructor(scope: Construct, id: string, props: ProductFunctionProps) {
    super(scope, id);
    const r = props.resources;
    this.needs = props.needs;

    this.logGroup = new LogGroup(this, 'LogGroup', {
      logGroupName: props.logGroupName,
      retention: logRetention,
    });

    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Runs ${props.description}`,
    });
    const grants = [runtime(this, props.logGroupName), ...grantsFor(this, r, props.needs)];
    // Into the role's one default policy, which active tracing adds X-Ray to as well: a separate policy
    // per function cost one CloudFormation resource per route, and the API stack is bounded at 500.
    for (const statement of grants.flatMap((g) => g.statements)) this.role.addToPrincipalPolicy(statement);
    const permissions = this.role.node.tryFindChild('DefaultPolicy');
    if (!permissions) throw new Error('The role has no default policy: aws-cdk-lib changed');
    for (const ack of grants.flatMap((g) => g.acknowledgements)) {
      Validations.of(this).acknowledge(ack);
    }

    this.function = new LambdaFunction(this, 'Function', {
      // Bundled with every other function in one esbuild run (function-bundles.ts, ADR 0036).
      code: Code.fromAsset(bundleDirOf(props.entry)),
      handler: 'index.handler',
      description: props.description,
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: 512,
      timeout: props.timeout,
      tracing: Tracing.ACTIVE,
      role: this.role,
      logGroup: this.logGroup,
      environment: {
        TABLE_NAME: r.table.tableName,
        COGNITO_USER_POOL_ID: r.userPoolId,
        COGNITO_CLIENT_ID: r.userPoolClientId,
        STATE_MACHINE_ARN_PREFIX: stateMachineArnPrefix(this, r.names),
        KMS_KEY_ID: r.secretsKey.keyArn,
        SCHEDULE_GROUP_NAME: r.names.scheduleGroupName,
        SCHEDULER_ROLE_ARN: r.schedulerRole.roleArn,
        AUDIT_EXPORTS_BUCKET: exportsBucketName(this, r.names),
        APP_URL_PARAMETER: r.names.appUrlParameterName,
        AGENT_IMAGE_REPOSITORY: r.agentImageRepository,
        ...(r.notificationSender ? { NOTIFY_SENDER: r.notificationSender } : {}),
        NODE_OPTIONS: '--enable-source-maps',
      },
    });
    // Create the function after its permissions, so its first invocation cannot meet a half-built role.
    this.function.node.addDependency(permissions);

    // Active tracing adds xray:PutTraceSegments/PutTelemetryRecords to the role's default policy. The
    // acknowledgement names the literal `*` resource only (any other wildcard has an id of its own and is
    // still reported), and no grant above uses `*` (infra/test/app.test.ts checks it).
    Validations.of(permissions).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'X-Ray statement added for active tracing (xray:PutTraceSegments, xray:PutTelemetryRecords): these actions support no resource-level permissions.',
    });
  }
}
