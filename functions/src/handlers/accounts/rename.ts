import { apiContracts } from '@spot/shared';
import { renameAccount } from '../../domain/accounts';
import { httpHandler } from '../../http/handler';

export const handler = httpHandler(
  {
    auth: 'user',
    contract: apiContracts['PATCH /api/client/accounts/{id}'],
    audit: { action: 'account.rename', resourceType: 'cloud-account' },
  },
  async ({ caller, path, body, now, audit }) => {
    Object.assign(audit, { target: `cloud-account/${path.id}`, accountId: path.id });
    const result = await renameAccount(caller.orgId, path.id, body.name, now);
    Object.assign(audit, { before: result.before, after: result.after });
    return { body: result.account };
  },
);
