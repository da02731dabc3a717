import { accountPathSchema, getAccount } from '../../domain/accounts';
import { httpHandler } from '../../http/handler';

export const handler = httpHandler({ auth: 'user', path: accountPathSchema }, async ({ caller, path }) => ({
  body: await getAccount(caller.orgId, path.id),
}));
