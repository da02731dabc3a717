import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { PolicyGrant, ProductResources } from './types';

/**
 * The Cognito calls of the auth routes, on the product's user pool only. SignUp, ConfirmSignUp,
 * InitiateAuth and GlobalSignOut are also callable without credentials; granting them keeps the policy a
 * complete list of what the functions do.
 */
export const identityActions = [
  'cognito-idp:SignUp',
  'cognito-idp:ConfirmSignUp',
  'cognito-idp:AdminAddUserToGroup',
  'cognito-idp:AdminDeleteUser',
  'cognito-idp:InitiateAuth',
  'cognito-idp:GlobalSignOut',
  'cognito-idp:AdminGetUser',
] as const;

export function identity(r: ProductResources): PolicyGrant {
  return {
    statements: [
      new PolicyStatement({ sid: 'Identity', actions: [...identityActions], resources: [r.userPoolArn] }),
    ],
    acknowledgements: [],
  };
}
