import { userProfileKey } from '../data/entities/user-profile';
import { updateItem } from '../data/repository';
import type { Caller } from '../http/handler';
import type { IdentityPort } from '../ports';

/**
 * Sign-out: the profile records the instant so this API refuses every access token of the user issued
 * before it (they would otherwise stay valid until expiry), then Cognito revokes the session's refresh
 * token. In that order, so a directory failure never leaves the access token usable.
 */
export async function signOut(
  caller: Caller,
  refreshToken: string | undefined,
  identity: IdentityPort,
  now: Date,
) {
  await updateItem(userProfileKey(caller.userId), {
    set: { tokensRevokedBefore: Math.floor(now.getTime() / 1000) },
  });
  if (refreshToken) await identity.signOut(refreshToken);
}
