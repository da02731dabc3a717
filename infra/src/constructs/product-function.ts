import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { RoutePermission } from '@spot/functions/routes';
import { type Duration, Validations } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { LogLevel, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { exportsBucketName, stateMachineArnPrefix } from '../naming';
import { lockFile, repoRoot } from '../paths';
import { grantsFor, type ProductResources } from '../policies';
import { runtime } from '../policies/runtime';

/**
 * Log retention of every function, the API access log and the state machines. One year: the product's
 * users are security and FinOps teams whose audits (SOC 2, ISO 27001) ask for twelve months of
 * operational evidence, and at this product's volume a year of logs costs cents a month.
 */
export const logRetention = RetentionDays.ONE_YEAR;

/**
 * HiGHS's WebAssembly (the packer's LP solver, loaded by `shared/src/packing/highs.ts`). esbuild inlines
 * the `highs` module into the bundle but not the binary it reads at run time: Emscripten's loader looks
 * for `highs.wasm` in the directory of the running script, i.e. next to the bundle's `index.mjs`.
 */
export const highsWasmPath = createRequire(join(repoRoot, 'shared', 'package.json')).resolve('highs/runtime');

/**
 * Shell commands run after esbuild: copy `highs.wasm` next to the bundle when the bundle contains the
 * loader (only functions that can pack: discovery's CollectCluster, the ingestion route, ...). The other
 * functions stay 3.5 MB smaller. Without the file the packer falls back to its heuristic plan, silently
 * worse, so the infra test asserts the file is there.
 */
export const copyHighsWasm = (outputDir: string) => [
  `if grep -q highs.wasm "${outputDir}/index.mjs"; then cp "${highsWasmPath}" "${outputDir}/highs.wasm"; fi`,
];

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
  readonly function: NodejsFunction;
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

    this.function = new NodejsFunction(this, 'Function', {
      entry: props.entry,
      handler: 'handler',
      description: props.description,
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: 512,
      timeout: props.timeout,
      tracing: Tracing.ACTIVE,
      role: this.role,
      logGroup: this.logGroup,
      projectRoot: repoRoot,
      depsLockFilePath: lockFile,
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
        ...(r.notificationSender ? { NOTIFY_SENDER: r.notificationSender } : {}),
        NODE_OPTIONS: '--enable-source-maps',
      },
      bundling: {
        forceDockerBundling: false,
        format: OutputFormat.ESM,
        target: 'node24',
        minify: true,
        sourceMap: true,
        // Stack traces keep file and line numbers; the sources themselves stay out of the artifact.
        sourcesContent: false,
        mainFields: ['module', 'main'],
        // Bundled CommonJS dependencies may call require() for Node built-ins, which ESM lacks.
        banner:
          "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
        // The Node.js 24 runtime ships AWS SDK v3; leaving it out keeps bundles small and cold starts fast.
        externalModules: ['@aws-sdk/*'],
        // esbuild's per-bundle size table adds nothing to a synth log of fifteen functions.
        logLevel: LogLevel.ERROR,
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (_inputDir, outputDir) => copyHighsWasm(outputDir),
        },
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
