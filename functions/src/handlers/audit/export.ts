import { apiContracts } from '@spot/shared';
import { exportAudit } from '../../domain/audit-export';
import { httpHandler } from '../../http/handler';
import { port } from '../../ports';

/** The records of a range as a signed CSV or JSON file; the export itself is audited with its checksum. */
export const handler = httpHandler(
  {
    auth: 'user',
    contract: apiContracts['POST /api/client/audit/exports'],
    audit: { action: 'audit.export', resourceType: 'audit-log' },
  },
  async ({ caller, body, now, audit }) => {
    audit.target = `audit-log/${body.from}..${body.to}`;
    const file = await exportAudit(caller.orgId, body, port('keyService'), now);
    const { covers } = file.claims;
    audit.after = { format: file.format, sha256: file.sha256, covers };
    return {
      file: {
        contentType: file.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json',
        text: file.text,
        fileName: `audit-${body.from.slice(0, 10)}-${body.to.slice(0, 10)}.${file.format}`,
      },
      headers: {
        'x-content-sha256': file.sha256,
        'x-audit-signature': file.signature,
        'x-audit-covers': covers.lastSeq ? `${covers.firstSeq}-${covers.lastSeq} ${covers.lastHash}` : '',
      },
    };
  },
);
