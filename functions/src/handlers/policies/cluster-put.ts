import { apiContracts } from '@spot/shared';
import { savePolicy } from '../../domain/policies';
import { httpHandler } from '../../http/handler';

/** Save: only from the version the caller read (409 with the current policy otherwise). */
export const handler = httpHandler(
  {
    auth: 'user',
    contract: apiContracts['PUT /api/client/clusters/{id}/policy'],
    audit: { action: 'policy.update', resourceType: 'policy' },
  },
  async ({ caller, path, body, now, audit }) => {
    audit.target = `policy/cluster/${path.id}`;
    const author = { userId: caller.userId, email: caller.email };
    const { before, policy } = await savePolicy(
      caller.orgId,
      { level: 'cluster', id: path.id },
      body,
      author,
      now,
    );
    Object.assign(audit, { before, after: policy });
    return { body: policy };
  },
);
