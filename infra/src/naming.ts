import { ArnFormat, Stack } from 'aws-cdk-lib';
import type { Construct } from 'constructs';

/**
 * Every physical name of the app, derived from the stage in one place. Names that other stacks (or the
 * functions at run time) must know are computed from strings, never from cross-stack references, so the
 * stacks deploy in a straight line: data -> auth -> scheduling -> workflows -> api -> web.
 */
export function names(stage: string) {
  const stackPrefix = `SpotOptimizer-${stage}`;
  const slug = `spot-optimizer-${stage}`;
  return {
    stacks: {
      data: `${stackPrefix}-Data`,
      auth: `${stackPrefix}-Auth`,
      scheduling: `${stackPrefix}-Scheduling`,
      workflows: `${stackPrefix}-Workflows`,
      api: `${stackPrefix}-Api`,
      web: `${stackPrefix}-Web`,
      /** The CloudFront web ACL, always in us-east-1 (ADR 0022). */
      edge: `${stackPrefix}-Edge`,
    },
    /** State machine `<prefix><workflow.name>`; functions get the ARN prefix as STATE_MACHINE_ARN_PREFIX. */
    stateMachineNamePrefix: `${stackPrefix}-Workflows-`,
    /** Per stage, so two stages can share an account without CloudFormation name clashes. */
    scheduleGroupName: slug,
    logGroupPrefix: `/spot-optimizer/${stage}`,
    /** Step Functions log groups under /aws/vendedlogs/ keep the logs resource policy small. */
    stateMachineLogGroupPrefix: `/aws/vendedlogs/states/${slug}`,
    apiName: slug,
    userPoolName: slug,
    secretsKeyAlias: `alias/${slug}-secrets`,
    /**
     * SSM parameter holding the web app's address (`https://...`), written by the web stack, which
     * deploys after the functions that put it in links (hibernation notices' Snooze links).
     */
    appUrlParameterName: `/spot-optimizer/${stage}/app-url`,
    /** Audit exports bucket `<prefix>-<account>-<region>`: bucket names are global. */
    exportsBucketPrefix: `${slug}-audit-exports`,
  } as const;
}

export type Names = ReturnType<typeof names>;

/** `arn:<partition>:states:<region>:<account>:stateMachine:<prefix>`, resolved in the consuming stack. */
export function stateMachineArnPrefix(scope: Construct, n: Names): string {
  return Stack.of(scope).formatArn({
    service: 'states',
    resource: 'stateMachine',
    resourceName: n.stateMachineNamePrefix,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}

/** ARNs of the given workflows' state machines, computed without referencing the workflows stack. */
export function stateMachineArns(scope: Construct, n: Names, workflowNames: readonly string[]): string[] {
  return workflowNames.map((name) =>
    Stack.of(scope).formatArn({
      service: 'states',
      resource: 'stateMachine',
      resourceName: `${n.stateMachineNamePrefix}${name}`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    }),
  );
}

/** `auth/signup` -> `auth-signup`: a handler or task module as a name segment. */
export const moduleSlug = (module: string) => module.replace(/[^A-Za-z0-9]+/g, '-');

/** The audit exports bucket's name, resolved in the consuming stack (no cross-stack reference). */
export function exportsBucketName(scope: Construct, n: Names): string {
  const stack = Stack.of(scope);
  return `${n.exportsBucketPrefix}-${stack.account}-${stack.region}`;
}

/** The app URL parameter's ARN (`names().appUrlParameterName` starts with a slash, which the ARN drops). */
export function appUrlParameterArn(scope: Construct, n: Names): string {
  return Stack.of(scope).formatArn({
    service: 'ssm',
    resource: 'parameter',
    resourceName: n.appUrlParameterName.replace(/^\//, ''),
    arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
  });
}
