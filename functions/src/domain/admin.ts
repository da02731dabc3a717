import { ConflictError } from '@spot/shared';
import { userProfileEntity, userProfileKey } from '../data/entities/user-profile';
import { getItem, putItem } from '../data/repository';
import type { IdentityPort } from '../ports';

/** Platform administrators belong to no client organization; their profile points here. */
export const platformOrgId = 'platform';

/**
 * Makes `email` a platform administrator: a Cognito user in the `admin` group and a profile pointing at
 * the platform pseudo-organization (so the auth middleware finds it). Idempotent for an existing profile.
 * Used by the local stack at start-up and by `scripts/create-admin.ts` against AWS.
 */
export async function ensurePlatformAdmin(
  identity: IdentityPort,
  email: string,
  password: string,
  now: Date,
): Promise<{ userId: string; created: boolean }> {
  let userId: string;
  try {
    ({ userId } = await identity.createUser(email, password, 'admin'));
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error;
    // Already in the directory: sign in to learn its subject id (the password must match).
    const tokens = await identity.signIn(email, password);
    const payload = JSON.parse(
      Buffer.from(tokens.accessToken.split('.')[1] ?? '', 'base64url').toString('utf8'),
    ) as { sub: string };
    userId = payload.sub;
  }
  if (await getItem(userProfileEntity, userProfileKey(userId))) return { userId, created: false };
  await putItem(userProfileEntity, {
    userId,
    orgId: platformOrgId,
    email,
    role: 'admin',
    createdAt: now.toISOString(),
    tokensRevokedBefore: null,
  });
  return { userId, created: true };
}
