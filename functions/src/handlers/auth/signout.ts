import { z } from 'zod';
import { signOut } from '../../domain/session';
import { httpHandler } from '../../http/handler';
import { port } from '../../ports';

const body = z.object({ refreshToken: z.string().min(20).optional() });

/** Revokes the session: its refresh token in Cognito, and the user's earlier access tokens at this API. */
export const handler = httpHandler(
  { auth: 'user', body, audit: { action: 'session.signout', resourceType: 'user' } },
  async ({ caller, body, audit, now }) => {
    audit.target = `user/${caller.userId}`;
    await signOut(caller, body.refreshToken, port('identity'), now);
    return { statusCode: 204 };
  },
);
