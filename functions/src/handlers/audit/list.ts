import { apiContracts } from '@spot/shared';
import { listAuditRecords } from '../../domain/audit-query';
import { httpHandler } from '../../http/handler';
import { port } from '../../ports';

/** A page of the organization's trail, newest first, filtered on the server; the cursor is signed. */
export const handler = httpHandler(
  { auth: 'user', contract: apiContracts['GET /api/client/audit'] },
  async ({ caller, query }) => ({ body: await listAuditRecords(caller.orgId, query, port('keyService')) }),
);
