import { routes as productRoutes, type RouteDefinition } from '@spot/functions/routes';
import { workflows as productWorkflows, type WorkflowDefinition } from '@spot/functions/workflows/index';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ConfigError, readConfig } from './config';
import { bundleFunctions, functionEntry } from './constructs/function-bundles';
import { names } from './naming';
import { defaultWebDistDir, functionsSourceDir } from './paths';
import type { ProductResources } from './policies';
import { ApiStack } from './stacks/api-stack';
import { AuthStack } from './stacks/auth-stack';
import { DataStack } from './stacks/data-stack';
import { EdgeSecurityStack, edgeRegion } from './stacks/edge-security-stack';
import { SchedulingStack } from './stacks/scheduling-stack';
import { WebStack } from './stacks/web-stack';
import { auditStreamModules, WorkflowsStack } from './stacks/workflows-stack';

export interface SpotOptimizerAppOptions {
  /** Cloud assembly directory; the CLI passes its own through the environment when unset. */
  readonly outdir?: string;
  /** CDK context (e.g. cdk.json's); `stage` selects the deployment. */
  readonly context?: Record<string, unknown>;
  /** The route table and workflows to deploy; the product's by default. */
  readonly routes?: readonly RouteDefinition[];
  readonly workflows?: readonly WorkflowDefinition[];
  /** Where `handlers/` and `tasks/` live; `functions/src` by default. */
  readonly functionsSourceDir?: string;
  /** The SPA build to deploy; `web/dist` by default, skipped when it has no index.html. */
  readonly webDistDir?: string;
}

/**
 * The whole product as one CDK app, with cdk-nag AwsSolutions checks run at synthesis. Stacks form a
 * straight line (data -> auth -> scheduling -> workflows -> api -> web), so there is no reference cycle
 * and `cdk deploy --all` deploys them in that order; the edge stack (the CloudFront web ACL, pinned to
 * us-east-1) deploys before web, which reads the ACL's ARN across regions.
 */
export function createSpotOptimizerApp(options: SpotOptimizerAppOptions = {}) {
  const app = new App({
    ...(options.outdir ? { outdir: options.outdir } : {}),
    ...(options.context ? { context: options.context } : {}),
  });
  const config = readConfig(app);
  const n = names(config.stage);
  const env = config.env;
  if (env.region === undefined) {
    throw new ConfigError(
      'The app needs a region (the web stack reads the web ACL ARN from us-east-1): run it through the CDK CLI, which sets CDK_DEFAULT_REGION from the profile, or pass -c region=eu-west-1.',
    );
  }
  const routes = options.routes ?? productRoutes;
  const workflows = options.workflows ?? productWorkflows;
  const sourceDir = options.functionsSourceDir ?? functionsSourceDir;
  const workflowNames = workflows.map((w) => w.name);
  // Every function's bundle in one esbuild run before any stack asks for one (ADR 0036).
  bundleFunctions([
    ...routes.map((r) => functionEntry.route(sourceDir, r.handler)),
    ...workflows.flatMap((w) => Object.values(w.tasks).map((m) => functionEntry.task(sourceDir, m))),
    ...Object.values(auditStreamModules).map((m) => functionEntry.stream(sourceDir, m)),
  ]);

  const data = new DataStack(app, n.stacks.data, {
    env,
    names: n,
    description: 'Spot Optimizer: DynamoDB table and the KMS key for customer secrets',
  });
  const auth = new AuthStack(app, n.stacks.auth, {
    env,
    names: n,
    description: 'Spot Optimizer: Cognito user pool, groups and app client',
  });
  const scheduling = new SchedulingStack(app, n.stacks.scheduling, {
    env,
    names: n,
    workflowNames,
    description: 'Spot Optimizer: EventBridge Scheduler group and the role schedules run as',
  });
  scheduling.addStackDependency(auth);

  const resources: ProductResources = {
    names: n,
    table: data.table,
    userPoolId: auth.userPool.userPoolId,
    userPoolArn: auth.userPool.userPoolArn,
    userPoolClientId: auth.userPoolClient.userPoolClientId,
    secretsKey: data.secretsKey,
    schedulerRole: scheduling.schedulerRole,
    workflowNames,
    ...(config.notificationSender ? { notificationSender: config.notificationSender } : {}),
    agentImageRepository: config.agentImageRepository,
  };

  const workflowsStack = new WorkflowsStack(app, n.stacks.workflows, {
    env,
    resources,
    workflows,
    functionsSourceDir: sourceDir,
    description: 'Spot Optimizer: Step Functions state machines and their task functions',
  });
  const api = new ApiStack(app, n.stacks.api, {
    env,
    resources,
    userPool: auth.userPool,
    userPoolClient: auth.userPoolClient,
    routes,
    functionsSourceDir: sourceDir,
    description: 'Spot Optimizer: HTTP API with one Lambda function per route',
  });
  // The API starts executions by computed ARN, not by reference: deploy the state machines first anyway.
  api.addStackDependency(workflowsStack);

  const edge = new EdgeSecurityStack(app, n.stacks.edge, {
    env: { ...(env.account ? { account: env.account } : {}), region: edgeRegion },
    names: n,
    description:
      'Spot Optimizer: WAF web ACL of the CloudFront distribution (managed rules, per-IP rate limits)',
  });

  const web = new WebStack(app, n.stacks.web, {
    env,
    // The web ACL lives in us-east-1; the web stack may not (a weak reference: Fn::GetStackOutput).
    crossRegionReferences: true,
    webAclArn: edge.webAcl.attrArn,
    names: n,
    apiDomainName: api.apiDomainName,
    webDistDir: options.webDistDir ?? defaultWebDistDir,
    ...(config.domainName ? { domainName: config.domainName } : {}),
    ...(config.certificateArn ? { certificateArn: config.certificateArn } : {}),
    description: 'Spot Optimizer: SPA bucket and the CloudFront distribution in front of it and the API',
  });

  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));

  return {
    app,
    config,
    names: n,
    stacks: { data, auth, scheduling, workflows: workflowsStack, api, edge, web },
  };
}

export type SpotOptimizerApp = ReturnType<typeof createSpotOptimizerApp>;
