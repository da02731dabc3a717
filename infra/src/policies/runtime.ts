import { ArnFormat, Stack } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { wildcardResourceAck } from './nag';
import type { PolicyGrant } from './types';

/**
 * What every function needs to run: write to its own log group (streams are created by Lambda with
 * generated names). X-Ray permissions are added by the Lambda construct itself for active tracing.
 */
export function runtime(scope: Construct, logGroupName: string): PolicyGrant {
  const ownLogStreams = Stack.of(scope).formatArn({
    service: 'logs',
    resource: 'log-group',
    resourceName: `${logGroupName}:log-stream:*`,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
  return {
    statements: [
      new PolicyStatement({
        sid: 'OwnLogGroup',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [ownLogStreams],
      }),
    ],
    acknowledgements: [
      wildcardResourceAck(
        scope,
        ownLogStreams,
        "Lambda names its log streams at run time; the wildcard covers only the streams of this function's own log group.",
      ),
    ],
  };
}
