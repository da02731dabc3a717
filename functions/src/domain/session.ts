import { userProfileKey } from '../data/entities/user-profile';
import { updateItem } from '../data/repository';
import type { Caller } from '../http/handler';
import type { IdentityPort } from '../ports';

/**
 * Sign-out: Cognito revokes the session's refresh token, and the profile records the instant so this API
 * refuses every access token of the user issued before it (they would otherwise stay valid until expiry).
 */
export async function signOut(
  caller: Caller,
  refreshToken: string | undefined,
  identity: IdentityPort,
  now: Date,
) {
  if (refreshToken) await identity.signOut(refreshToken);
  await updateItem(userProfileKey(caller.userId), {
    set: { tokensRevokedBefore: Math.floor(now.getTime() / 1000) },
  });
}
