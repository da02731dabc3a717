import { apiContracts } from '@spot/shared';
import { exportAudit } from '../../domain/audit-export';
import { httpHandler } from '../../http/handler';
import { port } from '../../ports';

/**
 * The records of a range as a signed CSV or JSON file: in the response when it fits (200), otherwise
 * stored and linked (201, ADR 0029). The export itself is audited with its checksum.
 */
export const handler = httpHandler(
  {
    auth: 'user',
    contract: apiContracts['POST /api/client/audit/exports'],
    audit: { action: 'audit.export', resourceType: 'audit-log' },
  },
  async ({ caller, body, now, audit }) => {
    audit.target = `audit-log/${body.from}..${body.to}`;
    const file = await exportAudit(
      caller.orgId,
      body,
      { keys: port('keyService'), storage: () => port('exportStorage') },
      now,
    );
    const { covers } = file.claims;
    audit.after = {
      format: file.format,
      sha256: file.sha256,
      covers,
      bytes: file.bytes,
      delivery: file.delivery,
    };
    const headers = {
      'x-content-sha256': file.sha256,
      'x-audit-signature': file.signature,
      'x-audit-covers': covers.lastSeq ? `${covers.firstSeq}-${covers.lastSeq} ${covers.lastHash}` : '',
    };
    if (file.delivery === 'link')
      return {
        statusCode: 201,
        headers: { ...headers, location: file.url },
        body: {
          url: file.url,
          expiresAt: file.expiresAt,
          fileName: file.fileName,
          contentType: file.contentType,
          bytes: file.bytes,
          sha256: file.sha256,
          signature: file.signature,
          covers,
        },
      };
    return { file: { contentType: file.contentType, text: file.text, fileName: file.fileName }, headers };
  },
);
