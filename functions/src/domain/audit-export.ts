import { createHash, randomUUID } from 'node:crypto';
import {
  type AuditExportClaims,
  type AuditExportInput,
  type AuditExportVerifyInput,
  type AuditExportVerifyResponse,
  AuditExportWriter,
  auditExportClaimsSchema,
  auditExportMaxBytes,
  type ChainedRecord,
  canonicalJson,
  DomainError,
  verifyAuditExportDocument,
} from '@spot/shared';
import {
  auditByTimeRangeQuery,
  auditRecordBody,
  auditRecordEntity,
  auditRecordKey,
  auditRecordsQuery,
} from '../data/entities/audit-record';
import { getRaw, queryPages, queryRaw } from '../data/repository';
import type { ExportStoragePort, ExportUpload, KeyServicePort } from '../ports';
import { sha256Hex } from './audit';
import { signDetached, verifyDetached } from './signature';

/** An export larger than one response can carry: the person narrows the range. */
export class AuditExportTooLargeError extends DomainError {
  constructor() {
    super(
      'AUDIT_EXPORT_TOO_LARGE',
      `This range holds more than ${auditExportMaxBytes / 1024 / 1024} MiB of audit records, too much for one response: export a shorter range, or ask for a download link (delivery "link" or "auto").`,
      422,
      { field: 'to' },
    );
    this.name = 'AuditExportTooLargeError';
  }
}

interface AuditExportBase {
  format: AuditExportInput['format'];
  fileName: string;
  contentType: string;
  bytes: number;
  sha256: string;
  signature: string;
  claims: AuditExportClaims;
}
/** An export in the response (it fits), or stored behind a download URL (ADR 0029). */
export type AuditExportFile =
  | (AuditExportBase & { delivery: 'inline'; text: string })
  | (AuditExportBase & { delivery: 'link'; url: string; expiresAt: string });

/** How long a stored export can be downloaded (the bucket deletes it after a day anyway). */
export const exportLinkSeconds = 3600;

/** The first or last sequence number of the records created in [from, to) (time index, one item). */
async function edgeSeq(orgId: string, from: string, to: string, newestFirst: boolean) {
  const [edge] = await queryRaw(auditByTimeRangeQuery(orgId, from, to), {
    limit: 1,
    pageSize: 1,
    newestFirst,
    projection: ['seq'],
  });
  return typeof edge?.seq === 'number' ? edge.seq : undefined;
}

/**
 * Where the rendered chunks go: kept in memory while the file fits in a response, then (or from the
 * start, for `link`) streamed to export storage, so memory never holds more than one response's worth
 * plus one upload part, whatever the file's size. Hashes every byte on the way.
 */
class ExportSink {
  private readonly hash = createHash('sha256');
  private chunks: string[] = [];
  private upload: ExportUpload | undefined;
  bytes = 0;

  constructor(
    private readonly delivery: AuditExportInput['delivery'],
    private readonly open: () => Promise<ExportUpload>,
  ) {}

  get stored() {
    return this.upload !== undefined;
  }

  async emit(chunk: string) {
    this.bytes += Buffer.byteLength(chunk, 'utf8');
    this.hash.update(chunk, 'utf8');
    if (this.upload) return this.upload.write(chunk);
    this.chunks.push(chunk);
    if (this.delivery === 'link' || this.bytes > auditExportMaxBytes) {
      if (this.delivery === 'inline') throw new AuditExportTooLargeError();
      this.upload = await this.open();
      for (const c of this.chunks) await this.upload.write(c);
      this.chunks = [];
    }
  }

  async finish(): Promise<{ sha256: string; text: string | null }> {
    if (this.upload) await this.upload.complete();
    return { sha256: this.hash.digest('hex'), text: this.upload ? null : this.chunks.join('') };
  }

  async abort() {
    await this.upload?.abort().catch(() => undefined);
  }
}

/**
 * The organization's records created in [from, to) as CSV or JSON, in chain order, rendered and hashed
 * chunk by chunk as the pages arrive. The export is the contiguous chain segment from the first to the
 * last record of the range (a record appended late by a slow writer may sit inside it with a timestamp a
 * few milliseconds outside), so its links can be re-checked end to end. Signed with the claims (org,
 * range, checksum, the segment covered) inside the signature, so `verifyAuditExport` needs only the file.
 * A file larger than a response can carry is streamed to export storage and answered with a link.
 */
export async function exportAudit(
  orgId: string,
  input: AuditExportInput,
  ports: { keys: KeyServicePort; storage: () => ExportStoragePort },
  now: Date,
): Promise<AuditExportFile> {
  const from = new Date(input.from).toISOString();
  const to = new Date(input.to).toISOString();
  const fileName = `audit-${input.from.slice(0, 10)}-${input.to.slice(0, 10)}.${input.format}`;
  const contentType = input.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json';
  const key = `audit-exports/${orgId}/${randomUUID()}/${fileName}`;
  const writer = new AuditExportWriter(input.format, {
    organizationId: orgId,
    from,
    to,
    generatedAt: now.toISOString(),
  });
  const sink = new ExportSink(input.delivery ?? 'auto', () => ports.storage().startUpload(key, contentType));
  let result: { sha256: string; text: string | null };
  try {
    await sink.emit(writer.begin());
    const first = await edgeSeq(orgId, from, to, false);
    const last = await edgeSeq(orgId, from, to, true);
    if (first !== undefined && last !== undefined && first <= last) {
      for await (const page of queryPages(auditRecordsQuery(orgId, first, last), { consistent: true })) {
        for (const item of page.items) {
          if (item.entity === auditRecordEntity.name)
            await sink.emit(writer.record(auditRecordBody(item) as ChainedRecord));
        }
      }
    }
    await sink.emit(writer.end());
    result = await sink.finish();
  } catch (error) {
    await sink.abort();
    throw error;
  }
  const claims: AuditExportClaims = {
    v: 1,
    organizationId: orgId,
    format: input.format,
    from,
    to,
    sha256: result.sha256,
    covers: writer.covers,
    signedAt: now.toISOString(),
  };
  const payload = Buffer.from(canonicalJson(claims)).toString('base64url');
  const signature = `${payload}.${await signDetached(`audit-export\n${payload}`, ports.keys)}`;
  const base = {
    format: input.format,
    fileName,
    contentType,
    bytes: sink.bytes,
    sha256: claims.sha256,
    signature,
    claims,
  };
  if (result.text !== null) return { ...base, delivery: 'inline', text: result.text };
  return {
    ...base,
    delivery: 'link',
    url: await ports.storage().downloadUrl(key, fileName, exportLinkSeconds),
    expiresAt: new Date(now.getTime() + exportLinkSeconds * 1000).toISOString(),
  };
}

async function readClaims(orgId: string, signature: string, keys: KeyServicePort) {
  const dot = signature.indexOf('.');
  if (dot <= 0) return null;
  const payload = signature.slice(0, dot);
  if (!(await verifyDetached(`audit-export\n${payload}`, signature.slice(dot + 1), keys))) return null;
  try {
    const claims = auditExportClaimsSchema.parse(
      JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')),
    );
    return claims.organizationId === orgId ? claims : null;
  } catch {
    return null;
  }
}

/**
 * Re-verifies a downloaded export (or, for one too large to upload, its SHA-256): the signature is ours and for the caller's organization, the file's
 * SHA-256 is the signed one, a JSON export's records still chain and cover what was signed, and the last
 * record covered is still the one stored (null once retention removed it). `valid` is about the file.
 */
export async function verifyAuditExport(
  orgId: string,
  input: AuditExportVerifyInput,
  keys: KeyServicePort,
): Promise<AuditExportVerifyResponse> {
  const sha256 =
    input.content !== undefined
      ? createHash('sha256').update(input.content, 'utf8').digest('hex')
      : String(input.sha256);
  const claims = await readClaims(orgId, input.signature, keys);
  const checksum = claims !== null && claims.sha256 === sha256;
  let chain: boolean | null = null;
  let chainReason: string | null = null;
  // Only a file at hand can be re-chained; a checksum alone vouches for the bytes through the signature.
  if (claims?.format === 'json' && input.content !== undefined) {
    const doc = verifyAuditExportDocument(input.content, sha256Hex);
    chain = doc.ok && canonicalJson(doc.covers) === canonicalJson(claims.covers);
    chainReason = doc.reason ?? (chain ? null : 'The records do not match what the signature covers.');
  }
  let matchesStoredChain: boolean | null = null;
  if (claims?.covers.lastSeq) {
    const stored = await getRaw(auditRecordKey(orgId, claims.covers.lastSeq), { consistent: true });
    matchesStoredChain = stored ? stored.hash === claims.covers.lastHash : null;
  }
  const reason = !claims
    ? 'The signature is not one this service made for your organization (edited, truncated or from elsewhere).'
    : !checksum
      ? 'The file was changed after it was exported: its SHA-256 differs from the signed checksum.'
      : chain === false
        ? chainReason
        : null;
  return {
    valid: reason === null,
    reason,
    checks: { signature: claims !== null, checksum, chain, matchesStoredChain },
    sha256,
    claims,
  };
}
