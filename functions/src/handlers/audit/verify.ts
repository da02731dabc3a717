import { apiContracts } from '@spot/shared';
import { verifyAuditTrail } from '../../domain/audit-query';
import { httpHandler } from '../../http/handler';
import { port } from '../../ports';

/** The whole chain walked (from the retention checkpoint, if any): valid, or the first broken link. */
export const handler = httpHandler(
  { auth: 'user', contract: apiContracts['GET /api/client/audit/verify'] },
  async ({ caller, now }) => ({ body: await verifyAuditTrail(caller.orgId, now, port('keyService')) }),
);
