import { passwordPolicy, userRoles } from '@spot/shared/model/user';
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import {
  AccountRecovery,
  FeaturePlan,
  Mfa,
  UserPool,
  type UserPoolClient,
  VerificationEmailStyle,
} from 'aws-cdk-lib/aws-cognito';
import type { Construct } from 'constructs';
import type { Names } from '../naming';

export interface AuthStackProps extends StackProps {
  readonly names: Names;
}

/**
 * Sign-up and sign-in: a user pool with self sign-up and email as the username, the shared password
 * policy, the groups `admin` and `client`, and one public app client for the API's auth routes.
 */
export class AuthStack extends Stack {
  readonly userPool: UserPool;
  readonly userPoolClient: UserPoolClient;

  constructor(scope: Construct, id: string, props: AuthStackProps) {
    super(scope, id, props);

    this.userPool = new UserPool(this, 'UserPool', {
      userPoolName: props.names.userPoolName,
      selfSignUpEnabled: true,
      signInAliases: { email: true },
      signInCaseSensitive: false,
      autoVerify: { email: true },
      userVerification: { emailStyle: VerificationEmailStyle.CODE },
      standardAttributes: { email: { required: true, mutable: true } },
      passwordPolicy: {
        minLength: passwordPolicy.minLength,
        requireLowercase: passwordPolicy.requireLowercase,
        requireUppercase: passwordPolicy.requireUppercase,
        requireDigits: passwordPolicy.requireDigits,
        requireSymbols: passwordPolicy.requireSymbols,
        tempPasswordValidity: Duration.days(3),
      },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      mfa: Mfa.OFF,
      featurePlan: FeaturePlan.ESSENTIALS,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.userPool).acknowledge(
      {
        id: 'AwsSolutions-COG2',
        reason:
          'MFA is not offered yet: the sign-in route implements USER_PASSWORD_AUTH without an MFA challenge step. Planned with TOTP once the SPA has an MFA enrolment screen.',
      },
      {
        id: 'AwsSolutions-COG8',
        reason:
          'Threat protection needs the Plus feature plan, billed per monthly active user; the product stays on Essentials (email sign-up, enforced password policy) until it has paying users. API throttling limits credential stuffing meanwhile.',
      },
    );

    for (const role of userRoles) {
      this.userPool.addGroup(`Group-${role}`, {
        groupName: role,
        description: `Spot Optimizer ${role} users`,
      });
    }

    this.userPoolClient = this.userPool.addClient('ApiClient', {
      userPoolClientName: 'spot-optimizer-api',
      generateSecret: false,
      // The API signs users in with USER_PASSWORD_AUTH and refresh tokens; no hosted UI, no OAuth redirects.
      authFlows: { userPassword: true },
      disableOAuth: true,
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(30),
    });

    new CfnOutput(this, 'UserPoolId', { value: this.userPool.userPoolId });
    new CfnOutput(this, 'UserPoolClientId', { value: this.userPoolClient.userPoolClientId });
  }
}
