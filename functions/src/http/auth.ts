import { UnauthorizedError } from '@spot/shared';
import { CognitoJwtVerifier, JwtRsaVerifier } from 'aws-jwt-verify';
import type { Jwks } from 'aws-jwt-verify/jwk';
import type { JwtPayload } from 'aws-jwt-verify/jwt-model';
import { optionalEnv, requiredEnv } from '../lib/env';

export interface VerifiedToken {
  userId: string;
  groups: string[];
  accessToken: string;
  /** Issued-at, epoch seconds. */
  issuedAt: number;
}

interface Verifier {
  verify(token: string): Promise<JwtPayload>;
}

let verifier: Verifier | undefined;
let jwksLoaded: Promise<void> | undefined;

/**
 * Access-token verification with aws-jwt-verify. In AWS: CognitoJwtVerifier for the user pool and app
 * client. Locally (JWT_ISSUER set): JwtRsaVerifier for cognito-local's issuer; its JWKS is served over
 * http, which the library's own fetcher refuses, so we fetch it once and hand it over with cacheJwks.
 * cognito-local's access tokens carry no `aud`, so the client is checked through `client_id`.
 */
function getVerifier(): { verifier: Verifier; ready: Promise<void> } {
  if (!verifier) {
    const localIssuer = optionalEnv('JWT_ISSUER');
    const clientId = requiredEnv('COGNITO_CLIENT_ID');
    if (localIssuer) {
      const v = JwtRsaVerifier.create({
        issuer: localIssuer,
        audience: null,
        jwksUri: `${localIssuer}/.well-known/jwks.json`,
        customJwtCheck: ({ payload }) => {
          if (payload.token_use !== 'access') throw new Error('Not an access token');
          if (payload.client_id !== clientId) throw new Error('Token of another client');
        },
      });
      jwksLoaded = fetch(`${localIssuer}/.well-known/jwks.json`)
        .then((r) => r.json() as Promise<Jwks>)
        .then((jwks: Jwks) => v.cacheJwks(jwks));
      verifier = v;
    } else {
      verifier = CognitoJwtVerifier.create({
        userPoolId: requiredEnv('COGNITO_USER_POOL_ID'),
        tokenUse: 'access',
        clientId,
      });
      jwksLoaded = Promise.resolve();
    }
  }
  return { verifier, ready: jwksLoaded ?? Promise.resolve() };
}

export async function verifyAuthorizationHeader(header: string | undefined): Promise<VerifiedToken> {
  const match = header?.match(/^Bearer\s+(\S+)$/i);
  if (!match?.[1]) throw new UnauthorizedError('Sign in first: this request has no bearer token.');
  const token = match[1];
  const { verifier: v, ready } = getVerifier();
  await ready;
  let payload: JwtPayload;
  try {
    payload = await v.verify(token);
  } catch (error) {
    throw new UnauthorizedError(undefined, { cause: error });
  }
  const groups = Array.isArray(payload['cognito:groups']) ? (payload['cognito:groups'] as string[]) : [];
  if (typeof payload.sub !== 'string') throw new UnauthorizedError();
  return {
    userId: payload.sub,
    groups,
    accessToken: token,
    issuedAt: typeof payload.iat === 'number' ? payload.iat : 0,
  };
}

export function resetVerifierForTests(): void {
  verifier = undefined;
  jwksLoaded = undefined;
}
