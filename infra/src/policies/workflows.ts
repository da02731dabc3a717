import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { stateMachineArns } from '../naming';
import type { PolicyGrant, ProductResources } from './types';

/** Start executions of the product's state machines, named one by one (ARNs computed, no wildcard). */
export function workflows(scope: Construct, r: ProductResources): PolicyGrant {
  return {
    statements: [
      new PolicyStatement({
        sid: 'StartWorkflows',
        actions: ['states:StartExecution'],
        resources: stateMachineArns(scope, r.names, r.workflowNames),
      }),
    ],
    acknowledgements: [],
  };
}
