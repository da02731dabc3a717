import { apiContracts } from '@spot/shared';
import { verifyAuditTrail } from '../../domain/audit-query';
import { httpHandler } from '../../http/handler';

/** The whole chain walked: valid, or the first broken link. */
export const handler = httpHandler(
  { auth: 'user', contract: apiContracts['GET /api/client/audit/verify'] },
  async ({ caller, now }) => ({ body: await verifyAuditTrail(caller.orgId, now) }),
);
