import { apiContracts } from '@spot/shared';
import { disconnectAccount } from '../../domain/accounts';
import { httpHandler } from '../../http/handler';

/** Removes the account with its AWS account claim and stored secret; its audit records stay. */
export const handler = httpHandler(
  {
    auth: 'user',
    contract: apiContracts['DELETE /api/client/accounts/{id}'],
    audit: { action: 'account.disconnect', resourceType: 'cloud-account' },
  },
  async ({ caller, path, audit }) => {
    Object.assign(audit, { target: `cloud-account/${path.id}`, accountId: path.id });
    const result = await disconnectAccount(caller.orgId, path.id);
    Object.assign(audit, { before: result.before, after: null });
    return { statusCode: 204 };
  },
);
