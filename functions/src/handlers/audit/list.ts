import { apiContracts } from '@spot/shared';
import { listAuditRecords } from '../../domain/audit-query';
import { httpHandler } from '../../http/handler';

export const handler = httpHandler(
  { auth: 'user', contract: apiContracts['GET /api/client/audit'] },
  async ({ caller, query }) => ({ body: { items: await listAuditRecords(caller.orgId, query.limit) } }),
);
