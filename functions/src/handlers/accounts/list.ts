import { listAccounts } from '../../domain/accounts';
import { httpHandler } from '../../http/handler';

export const handler = httpHandler({ auth: 'user' }, async ({ caller }) => ({
  body: { items: await listAccounts(caller.orgId) },
}));
