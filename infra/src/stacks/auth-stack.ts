import { passwordPolicy, userRoles } from '@spot/shared/model/user';
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import {
  AccountRecovery,
  FeaturePlan,
  Mfa,
  StandardThreatProtectionMode,
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
 * policy, the groups `admin` and `client`, and one public app client for the API's auth routes. The Plus
 * plan's threat protection blocks sign-ins with leaked credentials and scores risky ones; MFA with an
 * authenticator app (TOTP) is optional, so organization admins can enrol (ADR 0022).
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
      mfa: Mfa.OPTIONAL,
      // TOTP only: SMS costs per message and needs an SNS role; email codes need SES.
      mfaSecondFactor: { otp: true, sms: false },
      featurePlan: FeaturePlan.PLUS,
      standardThreatProtectionMode: StandardThreatProtectionMode.FULL_FUNCTION,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.userPool).acknowledge({
      id: 'AwsSolutions-COG2',
      reason:
        'MFA is optional (TOTP), not required: every customer engineer signs up by self-service and the SPA has no enrolment screen yet, so required MFA would lock every new user out. Organization admins can enrol; threat protection (Plus, enforced) blocks leaked credentials for everyone.',
    });

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
