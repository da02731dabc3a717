import { apiContracts } from '@spot/shared';
import { adoptClusters } from '../../domain/cluster-onboarding';
import { httpHandler } from '../../http/handler';

/**
 * Adopts several clusters of one scan. Audited per cluster by the domain (one `cluster.add` record each,
 * its outcome its own), not once per request by the middleware: one request, many changes.
 */
export const handler = httpHandler(
  { auth: 'user', contract: apiContracts['POST /api/client/clusters/adopt'] },
  async ({ caller, body, now, requestId, sourceIp, userAgent }) => ({
    body: await adoptClusters(
      caller.orgId,
      body,
      { userId: caller.userId, email: caller.email, requestId, sourceIp, userAgent },
      now,
    ),
  }),
);
