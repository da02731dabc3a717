import { apiContracts } from '@spot/shared';
import { signOut } from '../../domain/session';
import { httpHandler } from '../../http/handler';
import { port } from '../../ports';

/** Revokes the session: its refresh token in Cognito, and the user's earlier access tokens at this API. */
export const handler = httpHandler(
  {
    auth: 'user',
    contract: apiContracts['POST /api/auth/signout'],
    audit: { action: 'session.signout', resourceType: 'user' },
  },
  async ({ caller, body, audit, now }) => {
    audit.target = `user/${caller.userId}`;
    await signOut(caller, body.refreshToken, port('identity'), now);
    return { statusCode: 204 };
  },
);
