import {
  CognitoIdentityProviderClient,
  InitiateAuthCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { UnauthorizedError } from '@spot/shared';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { handler as tokenHandler } from '../src/handlers/auth/token';
import { logSink } from '../src/lib/logger';
import { configurePorts, resetPorts } from '../src/ports';
import { CognitoIdentity } from '../src/ports/aws/cognito';

const cognito = mockClient(CognitoIdentityProviderClient);
const identity = () => new CognitoIdentity({ userPoolId: 'us-east-1_test', clientId: 'client-1' });

const signInEvent = (body: unknown): APIGatewayProxyEventV2 =>
  ({
    version: '2.0',
    routeKey: 'POST /api/auth/token',
    rawPath: '/api/auth/token',
    rawQueryString: '',
    headers: { 'content-type': 'application/json', 'user-agent': 'vitest' },
    body: JSON.stringify(body),
    isBase64Encoded: false,
    requestContext: {
      requestId: 'req-1',
      http: { method: 'POST', path: '/api/auth/token', sourceIp: '203.0.113.7', userAgent: 'vitest' },
    },
  }) as unknown as APIGatewayProxyEventV2;
const context = { awsRequestId: 'aws-1', getRemainingTimeInMillis: () => 10_000 } as unknown as Context;

const lines: string[] = [];
beforeEach(() => {
  cognito.reset();
  lines.length = 0;
  logSink.write = (line) => {
    lines.push(line);
  };
  configurePorts({ identity: identity(), clock: { now: () => new Date('2026-12-05T08:00:00Z') } });
});
afterEach(() => resetPorts());
afterAll(() => cognito.restore());

/**
 * The user pool offers TOTP (ADR 0022) but the sign-in route has no challenge step yet: an enrolled
 * account gets a challenge instead of tokens. That must be a 401 saying what to do, never a 500 or a
 * message naming Cognito's challenge.
 */
describe('sign-in against a directory that answers a challenge', () => {
  it('answers an authenticator-app challenge with a 401 that says what to do', async () => {
    cognito.on(InitiateAuthCommand).resolves({ ChallengeName: 'SOFTWARE_TOKEN_MFA', Session: 'session-xyz' });
    const res = (await tokenHandler(
      signInEvent({ email: 'admin@example.com', password: 'Correct-horse-1' }),
      context,
    )) as APIGatewayProxyStructuredResultV2;
    expect(res.statusCode).toBe(401);
    const body = JSON.parse(String(res.body)) as { code: string; message: string };
    expect(body.code).toBe('UNAUTHORIZED');
    expect(body.message).toMatch(/authenticator app/);
    expect(body.message).toMatch(/Ask support/);
    expect(String(res.body)).not.toMatch(/SOFTWARE_TOKEN_MFA|session-xyz|Cognito/i);
    expect(lines.join('\n')).not.toContain('session-xyz');
    expect(cognito.commandCalls(InitiateAuthCommand)[0]?.args[0].input).toMatchObject({
      AuthFlow: 'USER_PASSWORD_AUTH',
      AuthParameters: { USERNAME: 'admin@example.com' },
    });
  });

  it.each([
    ['SMS_MFA', /authenticator app/],
    ['EMAIL_OTP', /authenticator app/],
    ['SELECT_MFA_TYPE', /authenticator app/],
    ['MFA_SETUP', /authenticator app/],
    ['NEW_PASSWORD_REQUIRED', /set a new password/],
    ['CUSTOM_CHALLENGE', /not supported yet/],
  ] as const)('maps the %s challenge to a 401 with its own message', async (challenge, message) => {
    cognito.on(InitiateAuthCommand).resolves({ ChallengeName: challenge, Session: 's' });
    const error = await identity()
      .signIn('admin@example.com', 'Correct-horse-1')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnauthorizedError);
    expect((error as UnauthorizedError).statusCode).toBe(401);
    expect((error as UnauthorizedError).message).toMatch(message);
    expect((error as UnauthorizedError).message).not.toContain(challenge);
  });

  it('still hands over the tokens when there is no challenge', async () => {
    cognito.on(InitiateAuthCommand).resolves({
      AuthenticationResult: { AccessToken: 'a.b.c', IdToken: 'i.d.t', RefreshToken: 'r', ExpiresIn: 3600 },
    });
    await expect(identity().signIn('admin@example.com', 'Correct-horse-1')).resolves.toEqual({
      accessToken: 'a.b.c',
      idToken: 'i.d.t',
      refreshToken: 'r',
      expiresIn: 3600,
    });
  });
});
