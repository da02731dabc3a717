import { customerRoleNamePrefix } from '@spot/shared/model/customer-permissions';
import { Aws } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { wildcardResourceAck } from './nag';
import type { PolicyGrant } from './types';

/** Assume the roles customers create with the onboarding template (and only roles named like them). */
export function customerCloud(scope: Construct): PolicyGrant {
  const customerRoles = `arn:${Aws.PARTITION}:iam::*:role/${customerRoleNamePrefix}*`;
  return {
    statements: [
      new PolicyStatement({
        sid: 'AssumeCustomerRoles',
        actions: ['sts:AssumeRole'],
        resources: [customerRoles],
      }),
    ],
    acknowledgements: [
      wildcardResourceAck(
        scope,
        customerRoles,
        'Customer accounts are connected at run time, so their ids cannot be listed; the role name prefix limits this to roles made by the onboarding template, whose trust policies require the per-connection External ID.',
      ),
    ],
  };
}
