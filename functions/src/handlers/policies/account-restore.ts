import { apiContracts } from '@spot/shared';
import { restorePolicyVersion } from '../../domain/policies';
import { httpHandler } from '../../http/handler';

/** Restore: a new version equal to the one named (itself versioned and audited). */
export const handler = httpHandler(
  {
    auth: 'user',
    contract: apiContracts['POST /api/client/accounts/{id}/policy/versions/{version}/restore'],
    audit: { action: 'policy.restore', resourceType: 'policy' },
  },
  async ({ caller, path, now, audit }) => {
    audit.target = `policy/account/${path.id}`;
    audit.accountId = path.id;
    const author = { userId: caller.userId, email: caller.email };
    const scope = { level: 'account', id: path.id } as const;
    const { before, policy } = await restorePolicyVersion(caller.orgId, scope, path.version, author, now);
    Object.assign(audit, { before, after: policy });
    return { body: policy };
  },
);
