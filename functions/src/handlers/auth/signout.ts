import { signOutEverywhere } from '../../domain/session';
import { httpHandler } from '../../http/handler';
import { port } from '../../ports';

/** Revokes every token of the user (Cognito global sign-out plus our own revocation instant). */
export const handler = httpHandler(
  { auth: 'user', audit: { action: 'session.signout', resourceType: 'user' } },
  async ({ caller, audit, now }) => {
    audit.target = `user/${caller.userId}`;
    await signOutEverywhere(caller, port('identity'), now);
    return { statusCode: 204 };
  },
);
