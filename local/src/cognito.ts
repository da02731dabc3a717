/**
 * cognito-local: the user pool of the local stack. It runs as a child `node` process whose working
 * directory is its data directory (it keeps its JSON database in `./.cognito/db`), with a fixed
 * confirmation code (`CODE`) so sign-up can be confirmed without email.
 *
 * Like dynamodb.ts, this module is imported by the vitest globalSetup: the AWS SDK is only imported
 * inside the functions that call cognito-local's API.
 */

import { spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import type { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { passwordPolicy } from '@spot/shared/model/user';
import { ServiceStartError } from './errors';
import { type ManagedProcess, manage, waitUntilReady } from './processes';
import { readStackState, updateStackState } from './stack-state';

export interface CognitoLocalOptions {
  port: number;
  /** cognito-local's working directory; its database goes to `<dataDir>/.cognito/db`. */
  dataDir: string;
  /** The confirmation code every sign-up gets (cognito-local's `CODE`). */
  code: string;
  echo?: boolean;
  readyTimeoutMs?: number;
}

export interface CognitoLocal {
  readonly endpoint: string;
  readonly process: ManagedProcess;
  stop(): Promise<void>;
}

export const cognitoHost = '127.0.0.1';

/** Path of cognito-local's start script, resolved from this package (no `npx`, no shell). */
export function cognitoLocalStartScript(): string {
  return createRequire(import.meta.url).resolve('cognito-local/lib/bin/start.js');
}

/** Starts cognito-local and resolves once `GET /health` answers 200. */
export async function startCognitoLocal(options: CognitoLocalOptions): Promise<CognitoLocal> {
  const cwd = resolve(options.dataDir);
  mkdirSync(cwd, { recursive: true });
  const child = spawn(process.execPath, [cognitoLocalStartScript()], {
    cwd,
    detached: false,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      PORT: String(options.port),
      HOST: cognitoHost,
      CODE: options.code,
      // cognito-local uses the AWS SDK v2, which prints an end-of-support notice at start.
      AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE: '1',
    },
  });
  const proc = manage('cognito-local', child, { echo: options.echo ?? false });
  const endpoint = `http://${cognitoHost}:${options.port}`;
  try {
    await waitUntilReady(proc, {
      probe: async () => {
        const response = await fetch(`${endpoint}/health`, { signal: AbortSignal.timeout(1_000) });
        await response.arrayBuffer();
        return response.ok;
      },
      // A service starting on a busy 2-core machine beside a running browser tier has taken over 30 s.
      timeoutMs: options.readyTimeoutMs ?? 120_000,
    });
  } catch (err) {
    await proc.stop();
    throw err;
  }
  return { endpoint, process: proc, stop: () => proc.stop() };
}

export interface UserPoolInfo {
  userPoolId: string;
  clientId: string;
  /** `http://127.0.0.1:<port>/<poolId>`: cognito-local signs tokens with this issuer. */
  issuer: string;
  jwksUrl: string;
}

export const userGroups = ['admin', 'client'] as const;

async function client(endpoint: string): Promise<CognitoIdentityProviderClient> {
  const sdk = await import('@aws-sdk/client-cognito-identity-provider');
  return new sdk.CognitoIdentityProviderClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}

function isNotFound(err: unknown): boolean {
  return (
    err instanceof Error && (err.name === 'ResourceNotFoundException' || err.name === 'UserNotFoundException')
  );
}

/** The issuer and JWKS URL cognito-local uses for a pool (its discovery document hardcodes port 9229). */
export function poolUrls(endpoint: string, userPoolId: string): Pick<UserPoolInfo, 'issuer' | 'jwksUrl'> {
  const issuer = `${endpoint.replace(/\/$/, '')}/${userPoolId}`;
  return { issuer, jwksUrl: `${issuer}/.well-known/jwks.json` };
}

/**
 * Creates a user pool shaped like the AWS one: email as the user name, the shared password policy, an
 * app client for USER_PASSWORD_AUTH + REFRESH_TOKEN_AUTH without a secret, groups `admin` and `client`.
 */
export async function createUserPool(endpoint: string, poolName: string): Promise<UserPoolInfo> {
  const sdk = await import('@aws-sdk/client-cognito-identity-provider');
  const cognito = await client(endpoint);
  try {
    const pool = await cognito.send(
      new sdk.CreateUserPoolCommand({
        PoolName: poolName,
        UsernameAttributes: ['email'],
        AutoVerifiedAttributes: ['email'],
        Policies: {
          PasswordPolicy: {
            MinimumLength: passwordPolicy.minLength,
            RequireLowercase: passwordPolicy.requireLowercase,
            RequireUppercase: passwordPolicy.requireUppercase,
            RequireNumbers: passwordPolicy.requireDigits,
            RequireSymbols: passwordPolicy.requireSymbols,
          },
        },
      }),
    );
    const userPoolId = pool.UserPool?.Id;
    if (!userPoolId) throw new ServiceStartError('cognito-local', 'CreateUserPool returned no pool id');
    const appClient = await cognito.send(
      new sdk.CreateUserPoolClientCommand({
        UserPoolId: userPoolId,
        ClientName: `${poolName}-web`,
        GenerateSecret: false,
        ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
      }),
    );
    const clientId = appClient.UserPoolClient?.ClientId;
    if (!clientId) throw new ServiceStartError('cognito-local', 'CreateUserPoolClient returned no client id');
    await ensureGroups(cognito, userPoolId);
    return { userPoolId, clientId, ...poolUrls(endpoint, userPoolId) };
  } finally {
    cognito.destroy();
  }
}

async function ensureGroups(cognito: CognitoIdentityProviderClient, userPoolId: string): Promise<void> {
  const sdk = await import('@aws-sdk/client-cognito-identity-provider');
  // ListGroups, not GetGroup: cognito-local 5.3 answers GetGroup with a 500 while a pool has no group.
  const existing = await cognito.send(new sdk.ListGroupsCommand({ UserPoolId: userPoolId }));
  const names = new Set((existing.Groups ?? []).map((g) => g.GroupName));
  for (const group of userGroups) {
    if (names.has(group)) continue;
    await cognito.send(
      new sdk.CreateGroupCommand({
        UserPoolId: userPoolId,
        GroupName: group,
        Description: group === 'admin' ? 'Platform administrators' : 'Users of client organizations',
      }),
    );
  }
}

/**
 * The stack's user pool: reused when `<stateFile>` names one that cognito-local still has (a restart),
 * created otherwise (first start, or a wiped cognito data directory) and recorded in the state file.
 */
export async function ensureUserPool(
  endpoint: string,
  options: { stateFile: string; poolName?: string },
): Promise<UserPoolInfo & { created: boolean }> {
  const state = readStackState(options.stateFile);
  if (state.userPoolId && state.clientId) {
    const sdk = await import('@aws-sdk/client-cognito-identity-provider');
    const cognito = await client(endpoint);
    try {
      await cognito.send(new sdk.DescribeUserPoolCommand({ UserPoolId: state.userPoolId }));
      await cognito.send(
        new sdk.DescribeUserPoolClientCommand({ UserPoolId: state.userPoolId, ClientId: state.clientId }),
      );
      await ensureGroups(cognito, state.userPoolId);
      return {
        userPoolId: state.userPoolId,
        clientId: state.clientId,
        ...poolUrls(endpoint, state.userPoolId),
        created: false,
      };
    } catch (err) {
      if (!isNotFound(err)) throw err;
    } finally {
      cognito.destroy();
    }
  }
  const pool = await createUserPool(endpoint, options.poolName ?? 'spot-optimizer-local');
  // A new pool has none of the old users: forget the old admin too.
  updateStackState(options.stateFile, {
    userPoolId: pool.userPoolId,
    clientId: pool.clientId,
    admin: undefined,
  });
  return { ...pool, created: true };
}

export const adminEmail = 'admin@spot.local';

export interface AdminUser {
  /** The user's `sub`: the subject of its tokens. */
  userId: string;
  email: string;
  password: string;
  created: boolean;
}

/**
 * The platform administrator of the local stack: signed up, confirmed with the fixed code and put in the
 * `admin` group (SignUp + ConfirmSignUp + AdminAddUserToGroup, all supported by cognito-local 5.3). The
 * generated password is kept in the state file so it can be printed at every start.
 */
export async function ensureAdminUser(
  endpoint: string,
  options: { userPoolId: string; clientId: string; code: string; stateFile: string; email?: string },
): Promise<AdminUser> {
  const email = options.email ?? adminEmail;
  const sdk = await import('@aws-sdk/client-cognito-identity-provider');
  const cognito = await client(endpoint);
  try {
    const state = readStackState(options.stateFile);
    const known = state.admin?.email === email ? state.admin : undefined;
    let userId: string | undefined;
    try {
      const user = await cognito.send(
        new sdk.AdminGetUserCommand({ UserPoolId: options.userPoolId, Username: email }),
      );
      userId = user.UserAttributes?.find((a) => a.Name === 'sub')?.Value ?? user.Username;
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    const exists = userId !== undefined;
    if (userId !== undefined && known) {
      await addToAdminGroup(cognito, options.userPoolId, email);
      return { userId, email, password: known.password, created: false };
    }
    const password = generatePassword();
    if (exists) {
      // The user exists but its password was lost with the state file: set a new one.
      await cognito.send(
        new sdk.AdminSetUserPasswordCommand({
          UserPoolId: options.userPoolId,
          Username: email,
          Password: password,
          Permanent: true,
        }),
      );
    } else {
      const signUp = await cognito.send(
        new sdk.SignUpCommand({
          ClientId: options.clientId,
          Username: email,
          Password: password,
          UserAttributes: [{ Name: 'email', Value: email }],
        }),
      );
      await cognito.send(
        new sdk.ConfirmSignUpCommand({
          ClientId: options.clientId,
          Username: email,
          ConfirmationCode: options.code,
        }),
      );
      userId = signUp.UserSub;
    }
    if (userId === undefined) throw new ServiceStartError('cognito-local', `no user id for ${email}`);
    await addToAdminGroup(cognito, options.userPoolId, email);
    updateStackState(options.stateFile, { admin: { email, password } });
    return { userId, email, password, created: true };
  } finally {
    cognito.destroy();
  }
}

async function addToAdminGroup(cognito: CognitoIdentityProviderClient, userPoolId: string, email: string) {
  const sdk = await import('@aws-sdk/client-cognito-identity-provider');
  const groups = await cognito.send(
    new sdk.AdminListGroupsForUserCommand({ UserPoolId: userPoolId, Username: email }),
  );
  if (groups.Groups?.some((g) => g.GroupName === 'admin')) return;
  await cognito.send(
    new sdk.AdminAddUserToGroupCommand({ UserPoolId: userPoolId, Username: email, GroupName: 'admin' }),
  );
}

const LOWER = 'abcdefghijkmnopqrstuvwxyz';
const UPPER = 'ABCDEFGHJKLMNPQRSTUVWXYZ';
const DIGITS = '23456789';
const SYMBOLS = '!#%+-=?@^_';

/**
 * A random password meeting {@link passwordPolicy} (20 characters, each class present; look-alike
 * characters left out so it can be typed from the banner).
 */
export function generatePassword(length = 20): string {
  const all = LOWER + UPPER + DIGITS + SYMBOLS;
  const pick = (set: string) => set.charAt(randomInt(set.length));
  const chars = [pick(LOWER), pick(UPPER), pick(DIGITS), pick(SYMBOLS)];
  while (chars.length < Math.max(length, passwordPolicy.minLength)) chars.push(pick(all));
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j] as string, chars[i] as string];
  }
  return chars.join('');
}
