import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { db, tableName } from '../data/client';
import { userProfileKey } from '../data/entities/user-profile';
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
  await db().send(
    new UpdateCommand({
      TableName: tableName(),
      Key: userProfileKey(caller.userId),
      UpdateExpression: 'SET tokensRevokedBefore = :t',
      ExpressionAttributeValues: { ':t': Math.floor(now.getTime() / 1000) },
    }),
  );
}
