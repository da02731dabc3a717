import { signInInputSchema } from '@spot/shared';
import { httpHandler } from '../../http/handler';
import { port } from '../../ports';

export const handler = httpHandler({ auth: 'public', body: signInInputSchema }, async ({ body }) => ({
  body: await port('identity').signIn(body.email, body.password),
}));
