import { apiContracts } from '@spot/shared';
import { bulkAction } from '../../domain/cluster-registry';
import { httpHandler } from '../../http/handler';

/**
 * One action on each selected cluster. Audited per cluster by the domain (one record per cluster, its
 * outcome its own), not once per request by the middleware: a bulk request is many changes.
 */
export const handler = httpHandler(
  { auth: 'user', contract: apiContracts['POST /api/client/clusters/bulk'] },
  async ({ caller, body, now, requestId, sourceIp, userAgent }) => ({
    body: await bulkAction(
      caller.orgId,
      body,
      { userId: caller.userId, email: caller.email, requestId, sourceIp, userAgent },
      now,
    ),
  }),
);
