import { createHash } from 'node:crypto';
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
import type { KeyServicePort } from '../ports';
import { sha256Hex } from './audit';
import { signDetached, verifyDetached } from './signature';

/** An export larger than one response can carry: the person narrows the range. */
export class AuditExportTooLargeError extends DomainError {
  constructor() {
    super(
      'AUDIT_EXPORT_TOO_LARGE',
      `This range holds more than ${auditExportMaxBytes / 1024 / 1024} MiB of audit records: export a shorter range (for example one month at a time).`,
      422,
      { field: 'to' },
    );
    this.name = 'AuditExportTooLargeError';
  }
}

export interface AuditExportFile {
  format: AuditExportInput['format'];
  text: string;
  sha256: string;
  signature: string;
  claims: AuditExportClaims;
}

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
 * The organization's records created in [from, to) as CSV or JSON, in chain order, rendered and hashed
 * chunk by chunk as the pages arrive. The export is the contiguous chain segment from the first to the
 * last record of the range (a record appended late by a slow writer may sit inside it with a timestamp a
 * few milliseconds outside), so its links can be re-checked end to end. Signed with the claims (org,
 * range, checksum, the segment covered) inside the signature, so `verifyAuditExport` needs only the file.
 */
export async function exportAudit(
  orgId: string,
  input: AuditExportInput,
  keys: KeyServicePort,
  now: Date,
): Promise<AuditExportFile> {
  const from = new Date(input.from).toISOString();
  const to = new Date(input.to).toISOString();
  const writer = new AuditExportWriter(input.format, {
    organizationId: orgId,
    from,
    to,
    generatedAt: now.toISOString(),
  });
  const hash = createHash('sha256');
  const chunks: string[] = [];
  let bytes = 0;
  const emit = (chunk: string) => {
    bytes += Buffer.byteLength(chunk, 'utf8');
    if (bytes > auditExportMaxBytes) throw new AuditExportTooLargeError();
    hash.update(chunk, 'utf8');
    chunks.push(chunk);
  };
  emit(writer.begin());
  const first = await edgeSeq(orgId, from, to, false);
  const last = await edgeSeq(orgId, from, to, true);
  if (first !== undefined && last !== undefined && first <= last) {
    for await (const page of queryPages(auditRecordsQuery(orgId, first, last), { consistent: true })) {
      for (const item of page.items) {
        if (item.entity === auditRecordEntity.name)
          emit(writer.record(auditRecordBody(item) as ChainedRecord));
      }
    }
  }
  emit(writer.end());
  const claims: AuditExportClaims = {
    v: 1,
    organizationId: orgId,
    format: input.format,
    from,
    to,
    sha256: hash.digest('hex'),
    covers: writer.covers,
    signedAt: now.toISOString(),
  };
  const payload = Buffer.from(canonicalJson(claims)).toString('base64url');
  const signature = `${payload}.${await signDetached(`audit-export\n${payload}`, keys)}`;
  return { format: input.format, text: chunks.join(''), sha256: claims.sha256, signature, claims };
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
 * Re-verifies a downloaded export: the signature is ours and for the caller's organization, the file's
 * SHA-256 is the signed one, a JSON export's records still chain and cover what was signed, and the last
 * record covered is still the one stored (null once retention removed it). `valid` is about the file.
 */
export async function verifyAuditExport(
  orgId: string,
  input: AuditExportVerifyInput,
  keys: KeyServicePort,
): Promise<AuditExportVerifyResponse> {
  const sha256 = createHash('sha256').update(input.content, 'utf8').digest('hex');
  const claims = await readClaims(orgId, input.signature, keys);
  const checksum = claims !== null && claims.sha256 === sha256;
  let chain: boolean | null = null;
  let chainReason: string | null = null;
  if (claims?.format === 'json') {
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
