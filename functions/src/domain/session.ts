import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { db, tableName } from '../data/client';
import { userProfileKey } from '../data/entities/user-profile';
import type { Caller } from '../http/handler';
import type { IdentityPort } from '../ports';

/**
 * Sign-out everywhere: Cognito revokes the refresh tokens, and the profile records the instant so this
 * API refuses the access tokens issued before it (they would otherwise stay valid until they expire).
 */
export async function signOutEverywhere(caller: Caller, identity: IdentityPort, now: Date): Promise<void> {
  await identity.signOut(caller.accessToken);
  await db().send(
    new UpdateCommand({
      TableName: tableName(),
      Key: userProfileKey(caller.userId),
      UpdateExpression: 'SET tokensRevokedBefore = :t',
      ExpressionAttributeValues: { ':t': Math.floor(now.getTime() / 1000) },
    }),
  );
}
