import { z } from 'zod';
import { listAuditRecords } from '../../domain/audit-query';
import { httpHandler } from '../../http/handler';

const query = z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) });

export const handler = httpHandler({ auth: 'user', query }, async ({ caller, query }) => ({
  body: { items: await listAuditRecords(caller.orgId, query.limit) },
}));
