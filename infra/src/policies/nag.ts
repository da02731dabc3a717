import type { Acknowledgment } from 'aws-cdk-lib';
import { Stack } from 'aws-cdk-lib';
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference.js';
import type { Construct } from 'constructs';

/**
 * Acknowledgement of AwsSolutions-IAM5 for one wildcard resource. cdk-nag v3 names each finding
 * `AwsSolutions-IAM5[Resource::<flattened ARN>]`; flattening with cdk-nag's own function keeps the id in
 * step with what the rule reports whether the stack has a concrete account/region or pseudo parameters.
 */
export function wildcardResourceAck(scope: Construct, arn: string, reason: string): Acknowledgment {
  const flattened = flattenCfnReference(Stack.of(scope).resolve(arn));
  return { id: `AwsSolutions-IAM5[Resource::${flattened}]`, reason };
}
