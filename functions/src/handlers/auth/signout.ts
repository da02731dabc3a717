import { httpHandler } from '../../http/handler';
import { port } from '../../ports';

/** Revokes every token of the session (Cognito global sign-out). */
export const handler = httpHandler(
  { auth: 'user', audit: { action: 'session.signout', resourceType: 'user' } },
  async ({ caller, audit }) => {
    audit.target = `user/${caller.userId}`;
    await port('identity').signOut(caller.accessToken);
    return { statusCode: 204 };
  },
);
