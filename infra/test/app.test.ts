import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { routeKey, routes } from '@spot/functions/routes';
import { workflows } from '@spot/functions/workflows/index';
import { tableDefinition } from '@spot/shared/data/table';
import { agentChartRouteKey } from '@spot/shared/model/cluster-onboarding';
import { contentSecurityPolicy, securityHeadersOf } from '@spot/shared/model/security-headers';
import { passwordPolicy } from '@spot/shared/model/user';
import { Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import type { Asset } from 'aws-cdk-lib/aws-s3-assets';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSpotOptimizerApp, type SpotOptimizerApp } from '../src/app';
import type { ProductFunction } from '../src/constructs/product-function';
import { repoRoot } from '../src/paths';
import { edgeRegion, managedRuleGroups, rateLimits } from '../src/stacks/edge-security-stack';
import {
  cdkJsonContext,
  readValidationReport,
  removeTempOutdirs,
  tempOutdir,
  unacknowledgedFindings,
} from './support/synth';
import { actionsOf, asArray, flatten, type Json, type Statement, statementsOfRole } from './support/template';

// Synthesized apps and their bundles take about 1 GB of temp space per file.
afterAll(removeTempOutdirs);

// One synthesis of the whole app (all functions bundled with esbuild) shared by every assertion below.
let spot: SpotOptimizerApp;
let assembly: CloudAssembly;
const templates = {} as Record<keyof SpotOptimizerApp['stacks'], Template>;

beforeAll(() => {
  // An empty web dist keeps this test independent of whether someone has built the SPA. A region other
  // than us-east-1 (as most deployments) so the web ACL reference crosses regions.
  spot = createSpotOptimizerApp({
    outdir: tempOutdir('app'),
    context: {
      ...cdkJsonContext(),
      stage: 'test',
      region: 'eu-west-1',
      notificationSender: 'alerts@notices.example.com',
    },
    webDistDir: tempOutdir('no-web-build'),
  });
  // Throws with the full report if cdk-nag (or CloudFormation validation) finds an unacknowledged error.
  assembly = spot.app.synth();
  for (const [name, stack] of Object.entries(spot.stacks)) {
    templates[name as keyof typeof templates] = Template.fromStack(stack);
  }
  routeTemplates = [...spot.stacks.api.routeStacks.values()].map((s) => Template.fromStack(s));
});

/** The API's route functions are in nested stacks (ADR 0048): their templates, and what they hold together. */
let routeTemplates: Template[] = [];
const routeResources = (type: string) =>
  routeTemplates.flatMap((t) => Object.values(t.findResources(type))) as { Properties: Json }[];
const templateOf = (construct: IConstruct) => Template.fromStack(Stack.of(construct));

const logicalId = (construct: IConstruct) => {
  const child = construct.node.defaultChild ?? construct;
  return Stack.of(construct).getLogicalId(child as never);
};

/** What each need adds to a function's role, written out here rather than derived from the policies. */
const expectedActionsByNeed: Record<string, string[]> = {
  'table-write': [
    'dynamodb:PutItem',
    'dynamodb:UpdateItem',
    'dynamodb:DeleteItem',
    'dynamodb:BatchWriteItem',
    'dynamodb:ConditionCheckItem',
  ],
  identity: [
    'cognito-idp:SignUp',
    'cognito-idp:ConfirmSignUp',
    'cognito-idp:AdminAddUserToGroup',
    'cognito-idp:AdminDeleteUser',
    'cognito-idp:InitiateAuth',
    'cognito-idp:GlobalSignOut',
    'cognito-idp:AdminGetUser',
  ],
  workflows: ['states:StartExecution'],
  schedules: [
    'scheduler:CreateSchedule',
    'scheduler:UpdateSchedule',
    'scheduler:DeleteSchedule',
    'scheduler:GetSchedule',
    'iam:PassRole',
  ],
  secrets: ['kms:GenerateDataKey', 'kms:Decrypt'],
  'customer-cloud': ['sts:AssumeRole'],
  'audit-exports': ['s3:PutObject', 's3:AbortMultipartUpload', 's3:GetObject'],
  'send-email': ['ses:SendEmail'],
  'app-url': ['ssm:GetParameter'],
};
const baseActions = [
  'logs:CreateLogStream',
  'logs:PutLogEvents',
  'xray:PutTraceSegments',
  'xray:PutTelemetryRecords',
  'dynamodb:GetItem',
  'dynamodb:Query',
  'dynamodb:BatchGetItem',
];
const expectedActions = (needs: readonly string[]) =>
  new Set([...baseActions, ...needs.flatMap((n) => expectedActionsByNeed[n] ?? [`unknown need ${n}`])]);

describe('cdk-nag and synthesis', () => {
  it('has no unacknowledged cdk-nag (or CloudFormation validation) finding, error or warning', () => {
    expect(unacknowledgedFindings(readValidationReport(assembly))).toEqual([]);
  });

  it('has no warning or error annotation on any stack', () => {
    for (const stack of Object.values(spot.stacks)) {
      const annotations = Annotations.fromStack(stack);
      expect(annotations.findWarning('*', Match.anyValue()), stack.stackName).toEqual([]);
      expect(annotations.findError('*', Match.anyValue()), stack.stackName).toEqual([]);
    }
  });

  it('gives every acknowledgement a specific reason', () => {
    const acknowledgements = spot.app.node
      .findAll()
      .flatMap((c) => c.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY))
      .flatMap((m) => Object.entries(m.data as Record<string, string>));
    expect(acknowledgements.length).toBeGreaterThan(0);
    for (const [id, reason] of acknowledgements) {
      expect(reason.length, `${id}: ${reason}`).toBeGreaterThanOrEqual(60);
    }
  });

  it('deploys the stacks in a straight line: data, auth, scheduling, workflows, api, web (after edge)', () => {
    const s = spot.stacks;
    const deps = (stack: Stack) => stack.dependencies.map((d) => d.stackName).sort();
    expect(deps(s.data)).toEqual([]);
    expect(deps(s.auth)).toEqual([]);
    expect(deps(s.scheduling)).toEqual([s.auth.stackName]);
    expect(deps(s.workflows)).toEqual([s.auth.stackName, s.data.stackName, s.scheduling.stackName].sort());
    expect(deps(s.api)).toEqual(
      [s.auth.stackName, s.data.stackName, s.scheduling.stackName, s.workflows.stackName].sort(),
    );
    expect(deps(s.edge)).toEqual([]);
    expect(deps(s.web)).toEqual([s.api.stackName, s.edge.stackName].sort());
  });

  it('meets the WAF (CFR2) and threat protection (COG8) checks instead of acknowledging them', () => {
    const acknowledged = spot.app.node
      .findAll()
      .flatMap((c) => c.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY))
      .flatMap((m) => Object.keys(m.data as Record<string, string>));
    expect(acknowledged.filter((id) => /CFR2|COG8/.test(id))).toEqual([]);
  });
});

describe('data stack', () => {
  it('builds the table from the shared table definition', () => {
    const keySchema = (pk: string, sk: string) => [
      { AttributeName: pk, KeyType: 'HASH' },
      { AttributeName: sk, KeyType: 'RANGE' },
    ];
    templates.data.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: keySchema(tableDefinition.partitionKey, tableDefinition.sortKey),
        SSESpecification: { SSEEnabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        TimeToLiveSpecification: { AttributeName: tableDefinition.timeToLiveAttribute, Enabled: true },
        DeletionProtectionEnabled: true,
        GlobalSecondaryIndexes: tableDefinition.globalSecondaryIndexes.map((gsi) => ({
          IndexName: gsi.indexName,
          KeySchema: keySchema(gsi.partitionKey, gsi.sortKey),
          Projection: { ProjectionType: 'ALL' },
        })),
      }),
    });
    templates.data.resourceCountIs('AWS::DynamoDB::Table', 1);
  });

  it('keeps the secrets key with rotation and retains it', () => {
    templates.data.hasResource('AWS::KMS::Key', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({ EnableKeyRotation: true }),
    });
  });
});

describe('auth stack', () => {
  it('enforces the shared password policy with self sign-up and email as username', () => {
    templates.auth.hasResourceProperties('AWS::Cognito::UserPool', {
      UsernameAttributes: ['email'],
      AutoVerifiedAttributes: ['email'],
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: false },
      Policies: {
        PasswordPolicy: Match.objectLike({
          MinimumLength: passwordPolicy.minLength,
          RequireLowercase: passwordPolicy.requireLowercase,
          RequireUppercase: passwordPolicy.requireUppercase,
          RequireNumbers: passwordPolicy.requireDigits,
          RequireSymbols: passwordPolicy.requireSymbols,
        }),
      },
    });
  });

  it('offers optional TOTP MFA so organization admins can enrol, and no SMS', () => {
    templates.auth.hasResourceProperties('AWS::Cognito::UserPool', {
      MfaConfiguration: 'OPTIONAL',
      EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
    });
  });

  it('is on the Plus plan with threat protection enforced (not audit-only)', () => {
    templates.auth.hasResourceProperties('AWS::Cognito::UserPool', {
      UserPoolTier: 'PLUS',
      UserPoolAddOns: { AdvancedSecurityMode: 'ENFORCED' },
    });
  });

  it('has the groups admin and client', () => {
    templates.auth.hasResourceProperties('AWS::Cognito::UserPoolGroup', { GroupName: 'admin' });
    templates.auth.hasResourceProperties('AWS::Cognito::UserPoolGroup', { GroupName: 'client' });
  });

  it('has one public app client with password and refresh-token auth and no OAuth', () => {
    templates.auth.resourceCountIs('AWS::Cognito::UserPoolClient', 1);
    const client = Object.values(templates.auth.findResources('AWS::Cognito::UserPoolClient'))[0] as {
      Properties: Json;
    };
    expect(client.Properties.GenerateSecret).toBe(false);
    expect(client.Properties.ExplicitAuthFlows).toEqual([
      'ALLOW_USER_PASSWORD_AUTH',
      'ALLOW_REFRESH_TOKEN_AUTH',
    ]);
    expect(client.Properties.AllowedOAuthFlows).toBeUndefined();
  });
});

describe('api stack', () => {
  it('has one function per route and one API route per route', () => {
    expect([...spot.stacks.api.functions.keys()].sort()).toEqual(routes.map(routeKey).sort());
    expect(routeResources('AWS::Lambda::Function')).toHaveLength(routes.length);
    templates.api.resourceCountIs('AWS::Lambda::Function', 0);
    templates.api.resourceCountIs('AWS::ApiGatewayV2::Route', routes.length);
    for (const route of routes) {
      templates.api.hasResourceProperties('AWS::ApiGatewayV2::Route', {
        RouteKey: routeKey(route),
        AuthorizationType: route.auth === 'public' || route.auth === 'agent' ? 'NONE' : 'JWT',
      });
    }
  });

  it('keeps every stack, nested ones included, 10 routes (70 resources) below CloudFormation’s 500', () => {
    const all = [...Object.entries(templates), ...routeTemplates.map((t, i) => [`routes ${i}`, t] as const)];
    for (const [name, template] of all) {
      const count = Object.keys(template.toJSON().Resources ?? {}).length;
      expect(count, `${name}: ${count} resources`).toBeLessThanOrEqual(430);
    }
  });

  it('checks tokens of non-public routes with a JWT authorizer on the user pool client', () => {
    templates.api.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
    });
  });

  it('runs every function on Node.js 24 arm64 with 512 MB, active tracing and the product environment', () => {
    const fns = routeResources('AWS::Lambda::Function');
    expect(fns).toHaveLength(routes.length);
    for (const fn of fns) {
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        MemorySize: 512,
        TracingConfig: { Mode: 'Active' },
      });
      const env = (fn.Properties.Environment as { Variables: Json }).Variables;
      for (const name of [
        'TABLE_NAME',
        'COGNITO_USER_POOL_ID',
        'COGNITO_CLIENT_ID',
        'STATE_MACHINE_ARN_PREFIX',
        'KMS_KEY_ID',
        'APP_URL_PARAMETER',
        'NOTIFY_SENDER',
      ]) {
        expect(env[name], `${fn.Properties.Description}: ${name}`).toBeDefined();
      }
      expect(env.NODE_OPTIONS).toBe('--enable-source-maps');
      // The agent image the served manifest and chart name: the public default without -c agentImageRepository.
      expect(env.AGENT_IMAGE_REPOSITORY).toBe('ghcr.io/spot-optimizer/spot-optimizer-agent');
    }
  });

  it('uses the route timeout or 10 s', () => {
    for (const route of routes) {
      const fn = spot.stacks.api.functions.get(routeKey(route));
      expect(fn?.function.timeout?.toSeconds(), routeKey(route)).toBe(route.timeoutSeconds ?? 10);
    }
  });

  it('throttles each rate-limited route at the stage with the route table’s gateway limits', () => {
    const limited = routes.filter((r) => r.rateLimit);
    expect(limited.map(routeKey)).toEqual(
      expect.arrayContaining(['POST /api/auth/signup', 'POST /api/auth/token', 'POST /api/ingest/snapshots']),
    );
    const expected = Object.fromEntries(
      limited.map((r) => [
        routeKey(r),
        {
          ThrottlingRateLimit: r.rateLimit?.gateway.requestsPerSecond,
          ThrottlingBurstLimit: r.rateLimit?.gateway.burst,
        },
      ]),
    );
    templates.api.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
      RouteSettings: expected,
    });
    // A route's setting replaces the stage default for it: no limited route may be looser than the rest.
    for (const r of limited) expect(r.rateLimit?.gateway.requestsPerSecond).toBeLessThanOrEqual(50);
    // The stage waits for the routes its settings name.
    const [stage] = Object.values(templates.api.findResources('AWS::ApiGatewayV2::Stage')) as {
      DependsOn?: string[];
    }[];
    expect(stage?.DependsOn?.length ?? 0).toBeGreaterThanOrEqual(limited.length);
  });

  it('logs access to a log group', () => {
    templates.api.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('requestId') },
    });
  });
});

describe('least privilege', () => {
  const functionsWithStatements = () => [
    ...routes.map((route) => {
      const fn = spot.stacks.api.functions.get(routeKey(route));
      if (!fn) throw new Error(`No function for ${routeKey(route)}`);
      return {
        name: routeKey(route),
        fn,
        statements: statementsOfRole(templateOf(fn.role), logicalId(fn.role)),
      };
    }),
    ...[...spot.stacks.workflows.workflows.entries()].flatMap(([workflow, deployed]) =>
      [...deployed.tasks.entries()].map(([state, fn]) => ({
        name: `${workflow}/${state}`,
        fn,
        statements: statementsOfRole(templates.workflows, logicalId(fn.role)),
      })),
    ),
  ];

  it('grants each function exactly its table read, runtime and declared needs', () => {
    for (const { name, fn, statements } of functionsWithStatements()) {
      expect([...actionsOf(statements)].sort(), name).toEqual([...expectedActions(fn.needs)].sort());
    }
  });

  it('never uses a wildcard resource for DynamoDB, and "*" only for X-Ray', () => {
    for (const { name, statements } of functionsWithStatements()) {
      for (const statement of statements) {
        const resources = asArray(statement.Resource).map(flatten);
        const actions = asArray(statement.Action);
        if (actions.some((a) => a.startsWith('dynamodb:'))) {
          expect(
            resources.filter((r) => r.includes('*')),
            name,
          ).toEqual([]);
        }
        if (resources.includes('*')) {
          expect(
            actions.every((a) => a.startsWith('xray:')),
            `${name}: ${actions.join(',')}`,
          ).toBe(true);
        }
        expect(
          actions.filter((a) => a.includes('*')),
          name,
        ).toEqual([]);
      }
    }
  });

  it('lets the consolidation tasks assume the customer role and write the table, nothing else (ADR 0040)', () => {
    const tasks = functionsWithStatements().filter((f) => f.name.startsWith('consolidation/'));
    expect(tasks.map((t) => t.name).sort()).toEqual(['consolidation/Advance', 'consolidation/Stop']);
    for (const { name, statements } of tasks) {
      const actions = actionsOf(statements);
      expect(actions.has('sts:AssumeRole'), name).toBe(true);
      expect(actions.has('dynamodb:PutItem'), name).toBe(true);
      expect(
        [...actions].some((a) => a.startsWith('scheduler:') || a.startsWith('ses:')),
        name,
      ).toBe(false);
    }
  });

  it('lets the scheduled consolidation task start runs and remove its schedule, never reach the customer (ADR 0044)', () => {
    const [task] = functionsWithStatements().filter((f) => f.name.startsWith('consolidation-schedule/'));
    expect(task?.name).toBe('consolidation-schedule/Start');
    const actions = actionsOf(task?.statements ?? []);
    expect(actions.has('states:StartExecution')).toBe(true);
    expect(actions.has('scheduler:DeleteSchedule')).toBe(true);
    expect(actions.has('sts:AssumeRole')).toBe(false);
  });

  it('keeps the health function read-only and lets sign-up call Cognito SignUp', () => {
    const byName = new Map(functionsWithStatements().map((f) => [f.name, actionsOf(f.statements)]));
    const health = byName.get('GET /api/health');
    expect(health?.has('dynamodb:GetItem')).toBe(true);
    expect(health?.has('dynamodb:PutItem')).toBe(false);
    expect([...(health ?? [])].some((a) => a.startsWith('cognito-idp:'))).toBe(false);
    expect(byName.get('POST /api/auth/signup')?.has('cognito-idp:SignUp')).toBe(true);
    expect(byName.get('POST /api/auth/signup')?.has('dynamodb:PutItem')).toBe(true);
  });

  it('lets only functions that need workflows start executions, and only of the product state machines', () => {
    for (const { name, fn, statements } of functionsWithStatements()) {
      const start = statements.filter((s) => asArray(s.Action).includes('states:StartExecution'));
      if (!fn.needs.includes('workflows')) {
        expect(start, name).toEqual([]);
      }
      for (const s of start) {
        for (const arn of asArray(s.Resource).map(flatten)) {
          expect(arn).toMatch(new RegExp(`:stateMachine:${spot.names.stateMachineNamePrefix}[a-z-]+$`));
        }
      }
    }
  });

  it('scopes customer role assumption to roles named SpotOptimizer*', () => {
    for (const { statements } of functionsWithStatements()) {
      for (const s of statements.filter((st) => asArray(st.Action).includes('sts:AssumeRole'))) {
        expect(asArray(s.Resource).map(flatten)).toEqual([
          expect.stringMatching(/:iam::\*:role\/SpotOptimizer\*$/),
        ]);
      }
    }
  });

  it('lets the notice task email only from the sender and read only the app URL parameter', () => {
    const notify = spot.stacks.workflows.workflows.get('hibernation-notify')?.tasks.get('Notify');
    if (!notify) throw new Error('No hibernation-notify task');
    const statements = statementsOfRole(templates.workflows, logicalId(notify.role));
    const ses = statements.filter((s) => asArray(s.Action).includes('ses:SendEmail'));
    expect(ses).toHaveLength(1);
    expect(asArray(ses[0]?.Resource).map(flatten).sort()).toEqual([
      expect.stringMatching(/:ses:eu-west-1:.*:identity\/alerts@notices\.example\.com$/),
      expect.stringMatching(/:ses:eu-west-1:.*:identity\/notices\.example\.com$/),
    ]);
    expect(ses[0]?.Condition).toEqual({ StringEquals: { 'ses:FromAddress': 'alerts@notices.example.com' } });
    const ssm = statements.filter((s) => asArray(s.Action).includes('ssm:GetParameter'));
    expect(asArray(ssm[0]?.Resource).map(flatten)).toEqual([
      expect.stringMatching(/:ssm:eu-west-1:.*:parameter\/spot-optimizer\/test\/app-url$/),
    ]);
    // No other function may send email.
    for (const { name, statements: other } of functionsWithStatements())
      if (name !== 'hibernation-notify/Notify')
        expect(actionsOf(other).has('ses:SendEmail'), name).toBe(false);
  });
});

describe('logs', () => {
  it('gives every log group in every stack a retention of one year', () => {
    for (const [name, template] of Object.entries(templates)) {
      for (const [id, group] of Object.entries(template.findResources('AWS::Logs::LogGroup'))) {
        expect((group as { Properties: Json }).Properties.RetentionInDays, `${name}/${id}`).toBe(365);
      }
    }
  });

  it('points every function at its own log group', () => {
    for (const template of [...routeTemplates, templates.workflows]) {
      const groups = template.findResources('AWS::Logs::LogGroup');
      for (const fn of Object.values(template.findResources('AWS::Lambda::Function')) as {
        Properties: Json;
      }[]) {
        const ref = (fn.Properties.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
        expect(groups[ref], String(fn.Properties.Description)).toBeDefined();
      }
    }
  });
});

describe('audit exports bucket', () => {
  it('is encrypted, private, SSL-only and forgets exports after a day', () => {
    templates.data.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: Match.objectLike({}),
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LifecycleConfiguration: {
        Rules: [
          Match.objectLike({
            ExpirationInDays: 1,
            AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
          }),
        ],
      },
    });
    templates.data.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: Match.objectLike({
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      }),
    });
  });
});

describe('audit stream functions', () => {
  const streams = () => Object.entries(spot.stacks.workflows.auditStreams);
  const streamActions = [
    'dynamodb:DescribeStream',
    'dynamodb:GetRecords',
    'dynamodb:GetShardIterator',
    'dynamodb:ListStreams',
  ];

  it('gives the table a stream with new and old images', () => {
    templates.data.hasResourceProperties('AWS::DynamoDB::Table', {
      StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
    });
  });

  it('feeds each function from the stream, filtered, batched, retried, with an on-failure queue', () => {
    templates.workflows.resourceCountIs('AWS::Lambda::EventSourceMapping', 2);
    for (const [name, stream] of streams()) {
      const mapping = Object.values(
        templates.workflows.findResources('AWS::Lambda::EventSourceMapping'),
      ).find((m) =>
        JSON.stringify((m as { Properties: Json }).Properties.FunctionName).includes(
          logicalId(stream.fn.function),
        ),
      ) as { Properties: Json } | undefined;
      expect(mapping, name).toBeDefined();
      expect(mapping?.Properties, name).toMatchObject({
        StartingPosition: 'TRIM_HORIZON',
        BatchSize: 100,
        MaximumBatchingWindowInSeconds: 5,
        MaximumRetryAttempts: 5,
        BisectBatchOnFunctionError: true,
      });
      const filters = JSON.stringify(mapping?.Properties.FilterCriteria);
      expect(filters).toContain(name === 'siem' ? 'INSERT' : 'REMOVE');
      expect(filters).toContain('AuditRecord');
      expect(JSON.stringify(mapping?.Properties.DestinationConfig)).toContain(
        logicalId(stream.deadLetterQueue),
      );
    }
  });

  it('encrypts the dead-letter queues and refuses plain HTTP to them', () => {
    for (const [, stream] of streams()) {
      const queue = templates.workflows.findResources('AWS::SQS::Queue')[
        logicalId(stream.deadLetterQueue)
      ] as {
        Properties: Json;
      };
      expect(queue.Properties.KmsMasterKeyId).toBe('alias/aws/sqs');
      expect(queue.Properties.MessageRetentionPeriod).toBe(14 * 86_400);
    }
    templates.workflows.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: Match.objectLike({
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      }),
    });
  });

  it('grants each exactly its needs, the stream read and (SIEM only) sending to its own queue', () => {
    for (const [name, stream] of streams()) {
      const statements = statementsOfRole(templates.workflows, logicalId(stream.fn.role));
      const expected = new Set([
        ...expectedActions(stream.fn.needs),
        ...streamActions,
        'sqs:SendMessage',
        'sqs:GetQueueAttributes',
        'sqs:GetQueueUrl',
      ]);
      expect([...actionsOf(statements)].sort(), name).toEqual([...expected].sort());
      for (const statement of statements) {
        const resources = asArray(statement.Resource).map(flatten);
        const actions = asArray(statement.Action);
        if (resources.includes('*'))
          expect(
            actions.every((a) => a.startsWith('xray:') || a === 'dynamodb:ListStreams'),
            `${name}: ${actions.join(',')}`,
          ).toBe(true);
      }
    }
    expect([...spot.stacks.workflows.auditStreams.siem.fn.needs].sort()).toEqual([
      'customer-cloud',
      'secrets',
      'table-write',
    ]);
  });
});

describe('workflows stack', () => {
  it('deploys each workflow with the same definition the local runner executes', () => {
    for (const workflow of workflows) {
      const deployed = spot.stacks.workflows.workflows.get(workflow.name);
      if (!deployed) throw new Error(`Workflow ${workflow.name} not deployed`);
      const machine = templates.workflows.findResources('AWS::StepFunctions::StateMachine')[
        logicalId(deployed.stateMachine)
      ] as { Properties: Json };
      // Task ARNs become `<FunctionLogicalId.Arn>`; everything else must be the shared definition verbatim.
      const deployedDefinition = JSON.parse(flatten(machine.Properties.DefinitionString));
      const expected = workflow.definition((state) => {
        const task = deployed.tasks.get(state);
        if (!task) throw new Error(`No task function for ${state}`);
        return `<${logicalId(task.function)}.Arn>`;
      });
      expect(deployedDefinition).toEqual(expected);
      expect(machine.Properties).toMatchObject({
        StateMachineName: `${spot.names.stateMachineNamePrefix}${workflow.name}`,
        LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: true },
        TracingConfiguration: { Enabled: true },
      });
    }
  });

  it('runs the discovery states', () => {
    const definitions = Object.values(
      templates.workflows.findResources('AWS::StepFunctions::StateMachine'),
    ).map((m) => flatten((m as { Properties: Json }).Properties.DefinitionString));
    const discovery = definitions.find((d) => d.includes('"LoadAccount"'));
    for (const state of ['LoadAccount', 'CompleteDiscovery', 'FailDiscovery', 'DiscoveryFailed']) {
      expect(discovery).toContain(`"${state}"`);
    }
  });

  it('lets each state machine invoke exactly its task functions', () => {
    for (const deployed of spot.stacks.workflows.workflows.values()) {
      const role = deployed.stateMachine.role.node.defaultChild as never;
      const statements: Statement[] = statementsOfRole(
        templates.workflows,
        Stack.of(deployed.stateMachine).getLogicalId(role),
      );
      const invoke = statements.filter((s) => asArray(s.Action).includes('lambda:InvokeFunction'));
      const resources = invoke.flatMap((s) => asArray(s.Resource).map(flatten)).sort();
      expect(resources).toEqual(
        [...deployed.tasks.values()].map((t) => `<${logicalId(t.function)}.Arn>`).sort(),
      );
    }
  });

  it('gives the API functions the prefix that names the state machines', () => {
    const [fn] = routeResources('AWS::Lambda::Function');
    if (!fn) throw new Error('no route function');
    const prefix = flatten(
      (fn.Properties.Environment as { Variables: Json }).Variables.STATE_MACHINE_ARN_PREFIX,
    );
    expect(prefix).toMatch(new RegExp(`:states:.+:stateMachine:${spot.names.stateMachineNamePrefix}$`));
  });
});

describe('function bundles', () => {
  /** The directory of a function's staged code in the cloud assembly. */
  const bundleDir = (fn: ProductFunction) => {
    const code = fn.function.node.tryFindChild('Code') as Asset | undefined;
    if (!code) throw new Error(`${fn.node.path} has no code asset: aws-cdk-lib changed`);
    return isAbsolute(code.assetPath) ? code.assetPath : join(assembly.directory, code.assetPath);
  };
  const task = (workflow: string, state: string) => {
    const fn = spot.stacks.workflows.workflows.get(workflow)?.tasks.get(state);
    if (!fn) throw new Error(`No task ${workflow}/${state}`);
    return fn;
  };
  const route = (key: string) => {
    const fn = spot.stacks.api.functions.get(key);
    if (!fn) throw new Error(`No route ${key}`);
    return fn;
  };

  it('ship the WebAssembly of HiGHS next to the bundle wherever the packer is bundled', () => {
    // Discovery's CollectCluster and the ingestion route apply snapshots, which run the packer.
    for (const fn of [task('discovery', 'CollectCluster'), route('POST /api/ingest/snapshots')]) {
      const dir = bundleDir(fn);
      expect(readFileSync(join(dir, 'index.mjs'), 'utf8')).toContain('highs.wasm');
      expect(readFileSync(join(dir, 'highs.wasm')).subarray(0, 4)).toEqual(
        Buffer.from([0x00, 0x61, 0x73, 0x6d]),
      );
    }
  });

  it('leave it out of functions that never pack', () => {
    const dir = bundleDir(route('POST /api/auth/signup'));
    expect(readFileSync(join(dir, 'index.mjs'), 'utf8')).not.toContain('highs.wasm');
    expect(existsSync(join(dir, 'highs.wasm'))).toBe(false);
  });

  it("ship the agent's manifest beside the function that serves it, and only there (ADR 0071)", () => {
    const dir = bundleDir(route('GET /api/agent/manifest.yaml'));
    expect(readFileSync(join(dir, 'spot-optimizer-agent.yaml'), 'utf8')).toBe(
      readFileSync(join(repoRoot, 'agent', 'manifests', 'agent.yaml'), 'utf8'),
    );
    expect(existsSync(join(bundleDir(route('POST /api/auth/signup')), 'spot-optimizer-agent.yaml'))).toBe(
      false,
    );
  });

  it("ship the agent's Helm chart beside the function that packs it, every file as in the repository (ADR 0075)", () => {
    const dir = join(bundleDir(route(agentChartRouteKey)), 'spot-optimizer-agent-chart');
    const chart = join(repoRoot, 'agent', 'helm', 'spot-optimizer-agent');
    const filesOf = (root: string) =>
      readdirSync(root, { recursive: true, encoding: 'utf8' })
        .filter((path) => statSync(join(root, path)).isFile())
        .sort();
    expect(filesOf(dir)).toEqual(filesOf(chart));
    expect(filesOf(dir)).toContain('Chart.yaml');
    for (const path of filesOf(chart))
      expect(readFileSync(join(dir, path)).equals(readFileSync(join(chart, path))), path).toBe(true);
    // The manifest's function does not read the chart, nor the chart's the manifest.
    expect(
      existsSync(join(bundleDir(route('GET /api/agent/manifest.yaml')), 'spot-optimizer-agent-chart')),
    ).toBe(false);
    expect(existsSync(join(bundleDir(route(agentChartRouteKey)), 'spot-optimizer-agent.yaml'))).toBe(false);
  });
});

describe('scheduling stack', () => {
  it('creates the product schedule group and a scheduler role that can only start the state machines', () => {
    templates.scheduling.hasResourceProperties('AWS::Scheduler::ScheduleGroup', {
      Name: spot.names.scheduleGroupName,
    });
    const roleId = logicalId(spot.stacks.scheduling.schedulerRole);
    templates.scheduling.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({
            Principal: { Service: 'scheduler.amazonaws.com' },
            Condition: { StringEquals: { 'aws:SourceAccount': Match.anyValue() } },
          }),
        ],
      },
    });
    expect([...actionsOf(statementsOfRole(templates.scheduling, roleId))]).toEqual(['states:StartExecution']);
  });
});

describe('edge security stack', () => {
  const webAcl = () => {
    const acls = Object.values(templates.edge.findResources('AWS::WAFv2::WebACL')) as { Properties: Json }[];
    expect(acls).toHaveLength(1);
    return acls[0]?.Properties as {
      Scope: string;
      DefaultAction: Json;
      Rules: {
        Name: string;
        Priority: number;
        Action?: Json;
        OverrideAction?: Json;
        Statement: {
          ManagedRuleGroupStatement?: { VendorName: string; Name: string; RuleActionOverrides?: Json[] };
          RateBasedStatement?: { Limit: number; AggregateKeyType: string; ScopeDownStatement?: Json };
        };
      }[];
    };
  };

  it('lives in us-east-1 whatever the deployment region, as CloudFront requires', () => {
    expect(edgeRegion).toBe('us-east-1');
    expect(spot.stacks.edge.region).toBe('us-east-1');
    expect(spot.stacks.web.region).toBe('eu-west-1');
    expect(webAcl().Scope).toBe('CLOUDFRONT');
  });

  it('runs the IP reputation, common and known-bad-inputs managed rule groups, each blocking', () => {
    const acl = webAcl();
    expect(acl.DefaultAction).toEqual({ Allow: {} });
    const managed = acl.Rules.filter((r) => r.Statement.ManagedRuleGroupStatement);
    expect(managed.map((r) => r.Statement.ManagedRuleGroupStatement?.Name).sort()).toEqual(
      [
        'AWSManagedRulesAmazonIpReputationList',
        'AWSManagedRulesCommonRuleSet',
        'AWSManagedRulesKnownBadInputsRuleSet',
      ].sort(),
    );
    expect([...managedRuleGroups].sort()).toEqual(
      managed.map((r) => r.Statement.ManagedRuleGroupStatement?.Name).sort(),
    );
    for (const rule of managed) {
      expect(rule.Statement.ManagedRuleGroupStatement?.VendorName, rule.Name).toBe('AWS');
      // `None` keeps each group's own block actions; `Count` would turn the whole group into a monitor.
      expect(rule.OverrideAction, rule.Name).toEqual({ None: {} });
    }
    const overrides = managed.flatMap(
      (r) => r.Statement.ManagedRuleGroupStatement?.RuleActionOverrides ?? [],
    );
    // Only the 8 KB body limit counts instead of blocking: snapshots are larger; the handlers cap bodies.
    expect(overrides).toEqual([{ Name: 'SizeRestrictions_BODY', ActionToUse: { Count: {} } }]);
    expect(new Set(acl.Rules.map((r) => r.Priority)).size).toBe(acl.Rules.length);
  });

  it('blocks floods per IP, tighter on the sign-in and sign-up routes', () => {
    const rate = webAcl().Rules.filter((r) => r.Statement.RateBasedStatement);
    expect(rate).toHaveLength(2);
    for (const rule of rate) {
      expect(rule.Action, rule.Name).toEqual({ Block: {} });
      expect(rule.Statement.RateBasedStatement?.AggregateKeyType).toBe('IP');
    }
    const auth = rate.find((r) => r.Statement.RateBasedStatement?.ScopeDownStatement);
    expect(auth?.Statement.RateBasedStatement).toMatchObject({
      Limit: rateLimits.authPerIp,
      ScopeDownStatement: {
        ByteMatchStatement: { SearchString: '/api/auth/', PositionalConstraint: 'STARTS_WITH' },
      },
    });
    // Evaluated before the managed groups, so a flood is cut off before costlier rules run.
    const managedPriorities = webAcl()
      .Rules.filter((r) => r.Statement.ManagedRuleGroupStatement)
      .map((r) => r.Priority);
    for (const rule of rate) expect(rule.Priority).toBeLessThan(Math.min(...managedPriorities));
  });

  it('logs to an aws-waf-logs-* group with the Authorization header redacted', () => {
    templates.edge.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: `aws-waf-logs-${spot.names.apiName}`,
    });
    templates.edge.hasResourceProperties('AWS::WAFv2::LoggingConfiguration', {
      ResourceArn: { 'Fn::GetAtt': ['WebAcl', 'Arn'] },
      LogDestinationConfigs: [Match.anyValue()],
      RedactedFields: [{ SingleHeader: { Name: 'authorization' } }],
    });
    const logging = Object.values(templates.edge.findResources('AWS::WAFv2::LoggingConfiguration'))[0] as {
      Properties: { LogDestinationConfigs: Json[] };
    };
    // WAF refuses a log group ARN ending in `:*` (what LogGroup.logGroupArn gives).
    expect(flatten(logging.Properties.LogDestinationConfigs[0])).toMatch(
      new RegExp(`:log-group:aws-waf-logs-${spot.names.apiName}$`),
    );
  });

  it('is attached to the distribution, which serves both the SPA and /api/*', () => {
    const config = (
      Object.values(templates.web.findResources('AWS::CloudFront::Distribution'))[0] as {
        Properties: { DistributionConfig: { WebACLId: Json; CacheBehaviors: Json[] } };
      }
    ).Properties.DistributionConfig;
    // Read across regions from the edge stack's output holding the ACL's ARN.
    const ref = config.WebACLId['Fn::GetStackOutput'] as {
      StackName: string;
      Region: string;
      OutputName: string;
    };
    expect(ref).toMatchObject({ StackName: spot.stacks.edge.stackName, Region: 'us-east-1' });
    expect(templates.edge.toJSON().Outputs[ref.OutputName].Value).toEqual({
      'Fn::GetAtt': ['WebAcl', 'Arn'],
    });
    expect(config.CacheBehaviors.map((b) => b.PathPattern)).toContain('/api/*');
  });
});

describe('web stack', () => {
  it('keeps every bucket private, encrypted and SSL-only', () => {
    const buckets = templates.web.findResources('AWS::S3::Bucket');
    expect(Object.keys(buckets)).toHaveLength(2);
    for (const bucket of Object.values(buckets) as { Properties: Json }[]) {
      expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      expect(bucket.Properties.BucketEncryption).toBeDefined();
    }
    const policies = Object.values(templates.web.findResources('AWS::S3::BucketPolicy')) as {
      Properties: Json;
    }[];
    expect(policies).toHaveLength(2);
    for (const policy of policies) {
      const statements = (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement;
      expect(statements).toContainEqual(
        expect.objectContaining({
          Effect: 'Deny',
          Action: 's3:*',
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        }),
      );
    }
  });

  it('serves the site through origin access control and /api/* from the HTTP API', () => {
    templates.web.resourceCountIs('AWS::CloudFront::OriginAccessControl', 1);
    const distribution = Object.values(templates.web.findResources('AWS::CloudFront::Distribution'))[0] as {
      Properties: { DistributionConfig: Json };
    };
    const config = distribution.Properties.DistributionConfig as {
      DefaultCacheBehavior: Json;
      CacheBehaviors: Json[];
      CustomErrorResponses?: unknown[];
      Logging?: Json;
    };
    expect(config.CacheBehaviors.map((b) => b.PathPattern)).toEqual(['/api/*']);
    // SPA routing is a viewer-request function on the S3 behaviour only, not an error-page mapping,
    // so a 403/404 from the API reaches the browser unchanged.
    expect(config.CustomErrorResponses).toBeUndefined();
    expect(config.DefaultCacheBehavior.FunctionAssociations).toEqual([
      expect.objectContaining({ EventType: 'viewer-request' }),
    ]);
    expect(config.CacheBehaviors[0]?.FunctionAssociations).toBeUndefined();
    expect(config.Logging).toBeDefined();
  });

  it('sends the security headers policy on every behaviour', () => {
    const policyId = logicalId(spot.stacks.web.responseHeadersPolicy);
    const config = (
      Object.values(templates.web.findResources('AWS::CloudFront::Distribution'))[0] as {
        Properties: { DistributionConfig: { DefaultCacheBehavior: Json; CacheBehaviors: Json[] } };
      }
    ).Properties.DistributionConfig;
    for (const behavior of [config.DefaultCacheBehavior, ...config.CacheBehaviors]) {
      expect(behavior.ResponseHeadersPolicyId).toEqual({ Ref: policyId });
    }
    templates.web.hasResourceProperties('AWS::CloudFront::ResponseHeadersPolicy', {
      ResponseHeadersPolicyConfig: Match.objectLike({
        SecurityHeadersConfig: {
          ContentSecurityPolicy: { ContentSecurityPolicy: contentSecurityPolicy, Override: true },
          ContentTypeOptions: { Override: true },
          FrameOptions: { FrameOption: 'DENY', Override: true },
          ReferrerPolicy: { ReferrerPolicy: 'strict-origin-when-cross-origin', Override: true },
          StrictTransportSecurity: Match.objectLike({
            AccessControlMaxAgeSec: 63072000,
            IncludeSubdomains: true,
          }),
        },
      }),
    });
    expect(contentSecurityPolicy).toContain("connect-src 'self'");
    expect(contentSecurityPolicy).toContain("frame-ancestors 'none'");
  });

  it('serves a CSP without inline or eval scripts, HSTS of at least a year and no framing (as synthesized)', () => {
    const [policy] = Object.values(templates.web.findResources('AWS::CloudFront::ResponseHeadersPolicy')) as {
      Properties: { ResponseHeadersPolicyConfig: { SecurityHeadersConfig: Json; CustomHeadersConfig: Json } };
    }[];
    const headers = policy?.Properties.ResponseHeadersPolicyConfig.SecurityHeadersConfig as {
      ContentSecurityPolicy: { ContentSecurityPolicy: string };
      StrictTransportSecurity: { AccessControlMaxAgeSec: number; IncludeSubdomains: boolean };
      FrameOptions: { FrameOption: string };
    };
    const directives = new Map(
      headers.ContentSecurityPolicy.ContentSecurityPolicy.split(';').map((d) => {
        const [name = '', ...values] = d.trim().split(/\s+/);
        return [name, values] as const;
      }),
    );
    const scripts = directives.get('script-src') ?? directives.get('default-src') ?? [];
    expect(scripts).toEqual(["'self'"]);
    expect(scripts.join(' ')).not.toMatch(/unsafe-inline|unsafe-eval|\*|data:|http:/);
    expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
    expect(directives.get('object-src')).toEqual(["'none'"]);
    expect(directives.has('upgrade-insecure-requests')).toBe(true);
    expect(headers.StrictTransportSecurity.AccessControlMaxAgeSec).toBeGreaterThanOrEqual(365 * 24 * 3600);
    expect(headers.StrictTransportSecurity.IncludeSubdomains).toBe(true);
    expect(headers.FrameOptions.FrameOption).toBe('DENY');
    // The same values the local gateway sends (one module): CloudFront's policy writes exactly these.
    const https = securityHeadersOf({ https: true });
    expect(headers.ContentSecurityPolicy.ContentSecurityPolicy).toBe(https['content-security-policy']);
    expect(https['strict-transport-security']).toBe(
      `max-age=${headers.StrictTransportSecurity.AccessControlMaxAgeSec}; includeSubDomains`,
    );
    expect(policy?.Properties.ResponseHeadersPolicyConfig.CustomHeadersConfig).toEqual({
      Items: [
        { Header: 'Permissions-Policy', Value: https['permissions-policy'], Override: true },
        { Header: 'Cross-Origin-Opener-Policy', Value: https['cross-origin-opener-policy'], Override: true },
      ],
    });
  });

  it('publishes the site address in the SSM parameter the notice links read', () => {
    templates.web.hasResourceProperties('AWS::SSM::Parameter', {
      Name: '/spot-optimizer/test/app-url',
      Type: 'String',
      Value: Match.objectLike({ 'Fn::Join': Match.anyValue() }),
    });
    const [param] = Object.values(templates.web.findResources('AWS::SSM::Parameter')) as {
      Properties: Json;
    }[];
    expect(flatten(param?.Properties.Value)).toMatch(/^https:\/\/<Distribution.*\.DomainName>$/);
  });

  it('skips the site deployment when there is no web build', () => {
    expect(spot.stacks.web.deploysSite).toBe(false);
    templates.web.resourceCountIs('Custom::CDKBucketDeployment', 0);
  });
});
