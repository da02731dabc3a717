import {
  AdminAddUserToGroupCommand,
  AdminDeleteUserCommand,
  CognitoIdentityProviderClient,
  ConfirmSignUpCommand,
  InitiateAuthCommand,
  RevokeTokenCommand,
  SignUpCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { ConflictError, UnauthorizedError, ValidationError } from '@spot/shared';
import type { AuthTokens, IdentityPort } from '../types';

const errorName = (e: unknown) => (e && typeof e === 'object' ? (e as { name?: string }).name : undefined);

/**
 * The user directory on Cognito. The same adapter talks to cognito-local in the local stack (`endpoint`),
 * where `autoConfirmCode` confirms sign-ups at once with cognito-local's fixed code.
 */
/** What the directory answers for a refresh token that is not (or no longer) valid. */
const refusedTokenErrors = new Set([
  'NotAuthorizedException',
  'InvalidParameterException',
  'UnsupportedTokenTypeException',
]);

/**
 * Cognito answers a challenge instead of tokens when the account needs one more step. The product's
 * sign-in has no challenge step yet (ADR 0022), so each gets a 401 that says what the person can do,
 * instead of a vague failure; the challenge's internal name is never shown.
 */
const mfaChallengeMessage =
  'This account uses an authenticator app (multi-factor authentication), which this sign-in does not support yet. Ask support to reset multi-factor authentication for your account, then sign in with your password.';
const challengeMessages: Record<string, string> = {
  SOFTWARE_TOKEN_MFA: mfaChallengeMessage,
  SMS_MFA: mfaChallengeMessage,
  EMAIL_OTP: mfaChallengeMessage,
  SELECT_MFA_TYPE: mfaChallengeMessage,
  MFA_SETUP: mfaChallengeMessage,
  NEW_PASSWORD_REQUIRED:
    'This account must set a new password before it can sign in. Ask support to reset the password.',
};
const otherChallengeMessage = 'This account needs a sign-in step that is not supported yet. Contact support.';

export class CognitoIdentity implements IdentityPort {
  private readonly client: CognitoIdentityProviderClient;

  constructor(
    private readonly config: {
      userPoolId: string;
      clientId: string;
      endpoint?: string;
      autoConfirmCode?: string;
    },
  ) {
    this.client = new CognitoIdentityProviderClient(
      config.endpoint
        ? {
            endpoint: config.endpoint,
            region: 'us-east-1',
            credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
          }
        : {},
    );
  }

  async createUser(email: string, password: string, group: 'admin' | 'client') {
    let userId: string;
    try {
      const out = await this.client.send(
        new SignUpCommand({
          ClientId: this.config.clientId,
          Username: email,
          Password: password,
          UserAttributes: [{ Name: 'email', Value: email }],
        }),
      );
      if (!out.UserSub) throw new Error('SignUp returned no user id');
      userId = out.UserSub;
    } catch (error) {
      switch (errorName(error)) {
        case 'UsernameExistsException':
          throw new ConflictError(
            'EMAIL_TAKEN',
            'An account with this email already exists. Sign in instead.',
            {
              cause: error,
            },
          );
        case 'InvalidPasswordException':
          throw new ValidationError('The password does not meet the password policy.', undefined, {
            cause: error,
          });
        default:
          throw error;
      }
    }
    await this.client.send(
      new AdminAddUserToGroupCommand({
        UserPoolId: this.config.userPoolId,
        Username: email,
        GroupName: group,
      }),
    );
    if (this.config.autoConfirmCode) {
      await this.confirmUser(email, this.config.autoConfirmCode);
      return { userId, confirmationRequired: false };
    }
    return { userId, confirmationRequired: true };
  }

  async confirmUser(email: string, code: string) {
    try {
      await this.client.send(
        new ConfirmSignUpCommand({ ClientId: this.config.clientId, Username: email, ConfirmationCode: code }),
      );
    } catch (error) {
      if (errorName(error) === 'CodeMismatchException' || errorName(error) === 'ExpiredCodeException') {
        throw new ValidationError(
          'The confirmation code is wrong or has expired. Check the latest email.',
          undefined,
          {
            cause: error,
          },
        );
      }
      throw error;
    }
  }

  async deleteUser(email: string) {
    try {
      await this.client.send(
        new AdminDeleteUserCommand({ UserPoolId: this.config.userPoolId, Username: email }),
      );
    } catch (error) {
      if (errorName(error) !== 'UserNotFoundException') throw error;
    }
  }

  async signIn(email: string, password: string): Promise<AuthTokens> {
    return this.initiate('USER_PASSWORD_AUTH', { USERNAME: email, PASSWORD: password });
  }

  async refresh(refreshToken: string): Promise<AuthTokens> {
    return this.initiate('REFRESH_TOKEN_AUTH', { REFRESH_TOKEN: refreshToken });
  }

  async signOut(refreshToken: string) {
    try {
      await this.client.send(new RevokeTokenCommand({ ClientId: this.config.clientId, Token: refreshToken }));
    } catch (error) {
      // A refresh token the directory does not know (mistyped, expired or already revoked) cannot start a
      // session anyway: signing out of it is done, not a failure.
      if (!refusedTokenErrors.has(errorName(error) ?? '')) throw error;
    }
  }

  private async initiate(flow: 'USER_PASSWORD_AUTH' | 'REFRESH_TOKEN_AUTH', params: Record<string, string>) {
    try {
      const out = await this.client.send(
        new InitiateAuthCommand({ AuthFlow: flow, ClientId: this.config.clientId, AuthParameters: params }),
      );
      if (out.ChallengeName) {
        throw new UnauthorizedError(challengeMessages[out.ChallengeName] ?? otherChallengeMessage);
      }
      const r = out.AuthenticationResult;
      if (!r?.AccessToken || !r.IdToken) throw new UnauthorizedError('Sign-in did not complete. Try again.');
      return {
        accessToken: r.AccessToken,
        idToken: r.IdToken,
        refreshToken: r.RefreshToken,
        expiresIn: r.ExpiresIn ?? 3600,
      };
    } catch (error) {
      switch (errorName(error)) {
        case 'NotAuthorizedException':
        case 'UserNotFoundException':
        // cognito-local answers a wrong password with InvalidPasswordException; Cognito with
        // NotAuthorizedException. Both must look exactly like an unknown email (no account oracle).
        case 'InvalidPasswordException':
          throw new UnauthorizedError(
            flow === 'REFRESH_TOKEN_AUTH' ? undefined : 'The email or password is wrong.',
            { cause: error },
          );
        case 'UserNotConfirmedException':
          throw new UnauthorizedError('Confirm your email first with the code we sent you.', {
            cause: error,
          });
        default:
          throw error;
      }
    }
  }
}
