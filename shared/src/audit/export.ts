import { type AuditExportCovers, type AuditExportFormat, auditExportDocumentSchema } from '../model/audit';
import { canonicalJson } from '../model/canonical-json';
import { type ChainedRecord, type ChainVerification, type Sha256Hex, verifyAuditChain } from './chain';
import { auditEventLabel } from './event';

/** What an export file says about itself besides its records. */
export interface AuditExportMeta {
  organizationId: string;
  from: string;
  to: string;
  generatedAt: string;
}

/** The CSV columns, in order: what a person reads in a spreadsheet, then the chain fields. */
export const auditCsvColumns = [
  'seq',
  'createdAt',
  'auditId',
  'actorType',
  'actorName',
  'actorId',
  'event',
  'action',
  'resourceType',
  'target',
  'accountId',
  'outcome',
  'errorCode',
  'sourceIp',
  'userAgent',
  'requestId',
  'before',
  'after',
  'prevHash',
  'hash',
] as const;

/**
 * One CSV cell (RFC 4180): quoted when it holds a comma, quote or line break. A cell a spreadsheet
 * would run as a formula (starting with = + - @ or a tab/CR) gets a leading apostrophe (OWASP CSV
 * injection), so opening an export can never execute what an attacker typed into a name.
 */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text = typeof value === 'string' ? value : canonicalJson(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function csvRow(record: Record<string, unknown>): string {
  return `${auditCsvColumns
    .map((c) => csvCell(c === 'event' ? auditEventLabel(String(record.action ?? '')) : record[c]))
    .join(',')}\r\n`;
}

/**
 * Renders an export as text chunks, one record at a time, so the caller can hash and send each chunk
 * without holding the records: `begin()`, then `record(r)` per record in chain order, then `end()`.
 * The JSON form is a `spot-audit-export/v1` document whose records are exactly the stored ones (so anyone
 * can recompute the chain); the CSV form is for reading, verified by its checksum and signature.
 */
export class AuditExportWriter {
  private count = 0;
  private firstSeq: number | null = null;
  private lastSeq: number | null = null;
  private anchorHash: string | null = null;
  private lastHash: string | null = null;

  constructor(
    readonly format: AuditExportFormat,
    private readonly meta: AuditExportMeta,
  ) {}

  begin(): string {
    if (this.format === 'csv') return `${auditCsvColumns.join(',')}\r\n`;
    const head = canonicalJson({ format: 'spot-audit-export/v1', ...this.meta });
    return `${head.slice(0, -1)},"records":[\n`;
  }

  record(r: ChainedRecord): string {
    this.firstSeq ??= r.seq;
    this.anchorHash ??= r.prevHash;
    this.lastSeq = r.seq;
    this.lastHash = r.hash;
    const first = this.count++ === 0;
    if (this.format === 'csv') return csvRow(r);
    return `${first ? '' : ',\n'}${canonicalJson(r)}`;
  }

  get covers(): AuditExportCovers {
    return {
      count: this.count,
      firstSeq: this.firstSeq,
      lastSeq: this.lastSeq,
      anchorHash: this.anchorHash,
      lastHash: this.lastHash,
    };
  }

  end(): string {
    return this.format === 'csv' ? '' : `\n],"covers":${canonicalJson(this.covers)}}\n`;
  }
}

/** Renders a whole export in one string (tests, small exports). */
export function renderAuditExport(
  format: AuditExportFormat,
  meta: AuditExportMeta,
  records: readonly ChainedRecord[],
): { text: string; covers: AuditExportCovers } {
  const w = new AuditExportWriter(format, meta);
  const text = [w.begin(), ...records.map((r) => w.record(r)), w.end()].join('');
  return { text, covers: w.covers };
}

/** Re-checks a JSON export on its own: parses, recomputes every record's link, compares `covers`. */
export function verifyAuditExportDocument(
  text: string,
  sha256Hex: Sha256Hex,
): { ok: boolean; reason: string | null; covers: AuditExportCovers | null; chain: ChainVerification | null } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'The file is not valid JSON.', covers: null, chain: null };
  }
  const doc = auditExportDocumentSchema.safeParse(parsed);
  if (!doc.success)
    return {
      ok: false,
      reason: 'The file is not a spot-audit-export/v1 document.',
      covers: null,
      chain: null,
    };
  const { records, covers } = doc.data;
  const first = records[0] as ChainedRecord | undefined;
  const chain = verifyAuditChain(records as ChainedRecord[], sha256Hex, {
    ...(first ? { anchor: { seq: first.seq - 1, hash: String(first.prevHash) } } : {}),
  });
  if (!chain.valid) return { ok: false, reason: chain.firstBreak?.message ?? 'broken chain', covers, chain };
  const expected: AuditExportCovers = {
    count: records.length,
    firstSeq: first?.seq ?? null,
    lastSeq: chain.lastSeq,
    anchorHash: first ? String(first.prevHash) : null,
    lastHash: chain.lastHash,
  };
  if (canonicalJson(expected) !== canonicalJson(covers))
    return { ok: false, reason: 'The records do not match what the file says it covers.', covers, chain };
  return { ok: true, reason: null, covers, chain };
}
