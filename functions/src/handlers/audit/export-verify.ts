import { apiContracts } from '@spot/shared';
import { verifyAuditExport } from '../../domain/audit-export';
import { httpHandler } from '../../http/handler';
import { port } from '../../ports';

/** Re-verifies a downloaded export with its signature (an auditor's check; nothing is written). */
export const handler = httpHandler(
  {
    auth: 'user',
    contract: apiContracts['POST /api/client/audit/exports/verify'],
    audit: { action: 'audit.export.verify', resourceType: 'audit-log' },
  },
  async ({ caller, body, audit }) => {
    const result = await verifyAuditExport(caller.orgId, body, port('keyService'));
    audit.target = 'audit-log/export';
    audit.after = { valid: result.valid, sha256: result.sha256, covers: result.claims?.covers ?? null };
    return { body: result };
  },
);
