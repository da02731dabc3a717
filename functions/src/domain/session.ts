import { isAccessTokenRevoked, reissueDelayMs, tokensRevokedBeforeOf } from '@spot/shared';
import { userProfileEntity, userProfileKey } from '../data/entities/user-profile';
import { getItem, updateItem } from '../data/repository';
import type { Caller } from '../http/handler';
import type { AuthTokens, Clock, IdentityPort } from '../ports';

/**
 * Sign-out: the profile records the revoked second so this API refuses every access token of the user
 * issued up to it (they would otherwise stay valid until expiry), then Cognito revokes the session's
 * refresh token. In that order, so a directory failure never leaves the access token usable.
 */
export async function signOut(
  caller: Caller,
  refreshToken: string | undefined,
  identity: IdentityPort,
  now: Date,
) {
  await updateItem(userProfileKey(caller.userId), {
    set: { tokensRevokedBefore: tokensRevokedBeforeOf(now) },
  });
  if (refreshToken) await identity.signOut(refreshToken);
}

/**
 * Issues a session's tokens (sign-in or refresh) that this API will accept: tokens the directory issues
 * in the very second of the user's last sign-out fall under it (whole-second `iat`), so the request waits
 * for that second to end (under a second) and asks once more.
 */
export async function issueAcceptedTokens(
  issue: () => Promise<AuthTokens>,
  clock: Clock,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
): Promise<AuthTokens> {
  const tokens = await issue();
  const claims = unverifiedClaims(tokens.accessToken);
  if (!claims) return tokens;
  const profile = await getItem(userProfileEntity, userProfileKey(claims.sub));
  const revokedBefore = profile?.tokensRevokedBefore ?? null;
  if (!isAccessTokenRevoked(claims.iat, revokedBefore)) return tokens;
  await sleep(reissueDelayMs(claims.iat, revokedBefore, clock.now()) + 20);
  return issue();
}

/**
 * `sub` and `iat` of an access token the directory has just handed over (so it needs no verification
 * here: every later request verifies it); undefined for anything that does not decode.
 */
function unverifiedClaims(accessToken: string): { sub: string; iat: number } | undefined {
  const payload = accessToken.split('.')[1];
  if (!payload) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    return typeof claims.sub === 'string' && typeof claims.iat === 'number'
      ? { sub: claims.sub, iat: claims.iat }
      : undefined;
  } catch {
    return undefined;
  }
}
