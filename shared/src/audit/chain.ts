import { canonicalJson } from '../model/canonical-json';

/**
 * The audit hash chain, as anyone who holds the records can recompute it. Each record's `hash` is
 * SHA-256 (hex) of its predecessor's hash followed by the canonical JSON of the record without `hash`;
 * the first record's predecessor is {@link genesisHash}. SHA-256 is passed in (`node:crypto` in the
 * functions, a library or Web Crypto wrapper elsewhere) so this module stays free of platform code.
 */

/** SHA-256 of a UTF-8 text, as 64 lower-case hex digits. */
export type Sha256Hex = (text: string) => string;

export const genesisHash = '0'.repeat(64);

/** One link: SHA-256(prevHash ‖ canonicalJson(body)), `body` being the record without its `hash`. */
export function auditLinkHash(sha256Hex: Sha256Hex, prevHash: string, body: Record<string, unknown>): string {
  return sha256Hex(prevHash + canonicalJson(body));
}

/** What the chain needs of a record: its place, its predecessor's hash and its own. */
export interface ChainedRecord {
  seq: number;
  prevHash: string;
  hash: string;
  auditId?: string;
  [field: string]: unknown;
}

/** Where the checked part of a chain starts (after expired records) or ends: a sequence number and hash. */
export interface ChainPoint {
  seq: number;
  hash: string;
}

export const chainBreakReasons = [
  /** The record's content no longer hashes to its stored hash: a field was edited. */
  'altered',
  /** The record's `prevHash` is not its predecessor's hash (a record was replaced or re-chained). */
  'broken-link',
  /** A sequence number is skipped: a record was removed. */
  'missing',
  /** A sequence number repeats or goes back: records were moved or duplicated. */
  'out-of-order',
  /** The head says the chain is longer than the records found: records were removed at the end. */
  'truncated',
  /** The last record is not the one the head names. */
  'head-mismatch',
  /** The retention checkpoint (where the chain continues after expired records) is not signed by us. */
  'checkpoint-invalid',
] as const;
export type ChainBreakReason = (typeof chainBreakReasons)[number];

/** The first broken link: which record (by the sequence number expected there) and why. */
export interface ChainBreak {
  /** The sequence number at which the chain stops being provable. */
  seq: number;
  /** 0-based position in the records as read (chain order). */
  position: number;
  /** The id of the record found there, if any. */
  auditId: string | null;
  reason: ChainBreakReason;
  message: string;
}

export interface ChainVerification {
  valid: boolean;
  /** Records checked. */
  checked: number;
  /** The first sequence number read (null for an empty chain). */
  firstSeq: number | null;
  /** The last record proven intact and its hash (null when none is). */
  lastSeq: number | null;
  lastHash: string | null;
  firstBreak: ChainBreak | null;
}

/**
 * Checks a chain record by record in chain order, holding only the previous link, so a chain of any
 * length can be walked page by page. The first break is kept; later records are counted but not judged
 * (once one link is broken, every later record is unproven).
 *
 * `anchor` is the point the checked part continues from: the genesis (seq 0) when absent, or the last
 * expired record's seq and hash after retention removed the oldest records.
 */
export class ChainVerifier {
  private prev: ChainPoint;
  private checked = 0;
  private proven = 0;
  private firstSeq: number | null = null;
  private firstBreak: ChainBreak | null = null;

  constructor(
    private readonly sha256Hex: Sha256Hex,
    anchor: ChainPoint = { seq: 0, hash: genesisHash },
  ) {
    this.prev = anchor;
  }

  /** Checks the next record; returns the first break found so far (null while intact). */
  push(record: ChainedRecord): ChainBreak | null {
    const position = this.checked++;
    this.firstSeq ??= record.seq;
    if (this.firstBreak) return this.firstBreak;
    const expected = this.prev.seq + 1;
    const at = (reason: ChainBreakReason, message: string, seq = expected) => {
      this.firstBreak = { seq, position, auditId: record.auditId ?? null, reason, message };
      return this.firstBreak;
    };
    if (!Number.isInteger(record.seq) || record.seq < expected)
      return at(
        'out-of-order',
        `Record ${record.seq} sits where record ${expected} belongs: records were moved or duplicated.`,
      );
    if (record.seq > expected)
      return at(
        'missing',
        `Record ${expected}${record.seq > expected + 1 ? ` to ${record.seq - 1}` : ''} is missing: the chain jumps from ${this.prev.seq} to ${record.seq}.`,
      );
    const { hash, ...body } = record;
    if (record.prevHash !== this.prev.hash)
      return at(
        'broken-link',
        `Record ${record.seq} does not continue record ${this.prev.seq}: its previous hash differs from that record's hash.`,
      );
    if (auditLinkHash(this.sha256Hex, record.prevHash, body) !== hash)
      return at('altered', `Record ${record.seq} was altered: its content no longer matches its hash.`);
    this.prev = { seq: record.seq, hash };
    this.proven++;
    return null;
  }

  /** The sequence number the next record must have. */
  get nextSeq(): number {
    return this.prev.seq + 1;
  }

  /**
   * Passes over a record retention already removed, known by its place and link only (its content was
   * checked when it expired): true when it continues the chain here. It counts as neither checked nor
   * proven; the next record must continue its hash.
   */
  pushExpired(point: { seq: number; prevHash: string; hash: string }): boolean {
    if (this.firstBreak || point.seq !== this.prev.seq + 1 || point.prevHash !== this.prev.hash) return false;
    this.prev = { seq: point.seq, hash: point.hash };
    return true;
  }

  /** The verdict; `head` (the stored chain head) also proves nothing was removed after the last record. */
  finish(head?: ChainPoint | null): ChainVerification {
    if (!this.firstBreak && head) {
      const position = this.checked;
      if (head.seq > this.prev.seq)
        this.firstBreak = {
          seq: this.prev.seq + 1,
          position,
          auditId: null,
          reason: 'truncated',
          message: `The chain head is record ${head.seq}, but the records end at ${this.prev.seq}: the last ${head.seq - this.prev.seq} were removed.`,
        };
      else if (head.seq !== this.prev.seq || head.hash !== this.prev.hash)
        this.firstBreak = {
          seq: head.seq,
          position,
          auditId: null,
          reason: 'head-mismatch',
          message: `The chain head names record ${head.seq} with another hash than the last record found (${this.prev.seq}).`,
        };
    }
    return {
      valid: this.firstBreak === null,
      checked: this.checked,
      firstSeq: this.firstSeq,
      lastSeq: this.proven > 0 ? this.prev.seq : null,
      lastHash: this.proven > 0 ? this.prev.hash : null,
      firstBreak: this.firstBreak,
    };
  }
}

/** Verifies records in chain order in one go (see {@link ChainVerifier}). */
export function verifyAuditChain(
  records: Iterable<ChainedRecord>,
  sha256Hex: Sha256Hex,
  options: { anchor?: ChainPoint; head?: ChainPoint | null } = {},
): ChainVerification {
  const verifier = new ChainVerifier(sha256Hex, options.anchor);
  for (const r of records) verifier.push(r);
  return verifier.finish(options.head);
}

/**
 * Appends records to a chain: gives each body its `seq`, `prevHash` and `hash` after `from` (genesis by
 * default). What the functions do on write, one record at a time; tests and fixtures use it to build chains.
 */
export function chainRecords<T extends Record<string, unknown>>(
  bodies: readonly T[],
  sha256Hex: Sha256Hex,
  from: ChainPoint = { seq: 0, hash: genesisHash },
): (T & ChainedRecord)[] {
  let prev = from;
  return bodies.map((b) => {
    const body = { ...b, seq: prev.seq + 1, prevHash: prev.hash };
    const hash = auditLinkHash(sha256Hex, prev.hash, body);
    prev = { seq: body.seq, hash };
    return { ...body, hash } as T & ChainedRecord;
  });
}
