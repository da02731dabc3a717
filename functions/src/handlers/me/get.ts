import { describeCaller } from '../../domain/me';
import { httpHandler } from '../../http/handler';

export const handler = httpHandler({ auth: 'user' }, async ({ caller }) => ({
  body: await describeCaller(caller),
}));
