import { auditByTimeQuery, auditRecordEntity } from '../data/entities/audit-record';
import { queryAll } from '../data/repository';

/** The organization's newest audit records first (the Audit Logs screen pages and filters later). */
export async function listAuditRecords(orgId: string, limit: number) {
  const records = await queryAll(auditRecordEntity, auditByTimeQuery(orgId), { limit, newestFirst: true });
  return records.map(({ orgId: _org, ...r }) => r);
}
