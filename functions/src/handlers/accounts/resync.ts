import { apiContracts } from '@spot/shared';
import { resyncAccount } from '../../domain/accounts';
import { httpHandler } from '../../http/handler';

/** Re-Sync: a fresh discovery now; the account is `scanning` until the workflow finishes. */
export const handler = httpHandler(
  {
    auth: 'user',
    contract: apiContracts['POST /api/client/accounts/{id}/resync'],
    audit: { action: 'account.resync', resourceType: 'cloud-account' },
  },
  async ({ caller, path, now, audit }) => {
    Object.assign(audit, { target: `cloud-account/${path.id}`, accountId: path.id });
    const result = await resyncAccount(caller.orgId, path.id, now);
    Object.assign(audit, { before: result.before, after: result.after });
    return { statusCode: 202, body: result.account };
  },
);
