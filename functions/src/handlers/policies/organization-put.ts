import { apiContracts } from '@spot/shared';
import { savePolicy } from '../../domain/policies';
import { httpHandler } from '../../http/handler';

/** Save: only from the version the caller read (409 with the current policy otherwise). */
export const handler = httpHandler(
  {
    auth: 'user',
    contract: apiContracts['PUT /api/client/policy'],
    audit: { action: 'policy.update', resourceType: 'policy' },
  },
  async ({ caller, body, now, audit }) => {
    audit.target = 'policy/organization';
    const author = { userId: caller.userId, email: caller.email };
    const { before, policy } = await savePolicy(caller.orgId, { level: 'organization' }, body, author, now);
    Object.assign(audit, { before, after: policy });
    return { body: policy };
  },
);
