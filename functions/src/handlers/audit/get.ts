import { apiContracts } from '@spot/shared';
import { getAuditRecord } from '../../domain/audit-query';
import { httpHandler } from '../../http/handler';

/** One record and its before/after diff (the drawer). */
export const handler = httpHandler(
  { auth: 'user', contract: apiContracts['GET /api/client/audit/{id}'] },
  async ({ caller, path }) => ({ body: await getAuditRecord(caller.orgId, path.id) }),
);
