import { z } from 'zod';
import { httpHandler } from '../../http/handler';
import { port } from '../../ports';

const body = z.object({
  refreshToken: z.string().min(20, 'Send the refresh token you received at sign-in.'),
});

export const handler = httpHandler({ auth: 'public', body }, async ({ body }) => {
  const { accessToken, idToken, expiresIn } = await port('identity').refresh(body.refreshToken);
  return { body: { accessToken, idToken, expiresIn } };
});
