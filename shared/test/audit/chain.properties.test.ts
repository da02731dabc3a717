import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ChainedRecord, chainRecords, genesisHash, verifyAuditChain } from '../../src/audit/chain';

const sha256Hex = (text: string) => createHash('sha256').update(text).digest('hex');

const body = fc.record({
  auditId: fc.uuid(),
  action: fc.constantFrom('policy.update', 'account.connect', 'discovery.failed'),
  actorName: fc.string({ maxLength: 12 }),
  target: fc.option(fc.string({ maxLength: 12 }), { nil: null }),
  after: fc.option(fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 2 })), {
    nil: undefined,
  }),
});
const chainArb = (minLength = 0) =>
  fc.array(body, { minLength, maxLength: 25 }).map((bodies) => chainRecords(bodies, sha256Hex));
const headOf = (chain: ChainedRecord[]) => {
  const last = chain.at(-1);
  return last ? { seq: last.seq, hash: last.hash } : { seq: 0, hash: genesisHash };
};

describe('audit chain verification (properties)', () => {
  it('accepts every untouched chain, with its head', () => {
    fc.assert(
      fc.property(chainArb(), (chain) => {
        const result = verifyAuditChain(chain, sha256Hex, { head: headOf(chain) });
        expect(result.valid).toBe(true);
        expect(result.checked).toBe(chain.length);
        expect(result.lastSeq).toBe(chain.length === 0 ? null : chain.length);
      }),
    );
  });

  it('detects any single altered field of any record, at that record', () => {
    fc.assert(
      fc.property(chainArb(1), fc.nat(), fc.string({ maxLength: 10 }), (chain, k, value) => {
        const i = k % chain.length;
        const original = chain[i] as ChainedRecord;
        fc.pre(original.actorName !== value);
        const tampered: ChainedRecord[] = [...chain];
        tampered[i] = { ...original, actorName: value };
        const result = verifyAuditChain(tampered, sha256Hex, { head: headOf(chain) });
        expect(result.valid).toBe(false);
        expect(result.firstBreak).toMatchObject({ seq: i + 1, position: i, reason: 'altered' });
      }),
    );
  });

  it('detects a record whose hash was recomputed after an edit (the next link breaks)', () => {
    fc.assert(
      fc.property(chainArb(1), fc.nat(), (chain, k) => {
        const i = k % chain.length;
        const original = chain[i] as ChainedRecord;
        const { hash: _old, ...rest } = { ...original, actorName: `${original.actorName}!` };
        const [rehashed] = chainRecords([rest], sha256Hex, { seq: i, hash: original.prevHash });
        const tampered: ChainedRecord[] = [...chain];
        tampered[i] = { ...(rehashed as ChainedRecord) };
        const result = verifyAuditChain(tampered, sha256Hex, { head: headOf(chain) });
        expect(result.valid).toBe(false);
        // The edited record is self-consistent; its successor (or the head) no longer is.
        expect(result.firstBreak?.seq).toBe(i === chain.length - 1 ? chain.length : i + 2);
      }),
    );
  });

  it('detects the removal of any single record, including the last one', () => {
    fc.assert(
      fc.property(chainArb(1), fc.nat(), (chain, k) => {
        const i = k % chain.length;
        const removed = chain.filter((_, j) => j !== i);
        const result = verifyAuditChain(removed, sha256Hex, { head: headOf(chain) });
        expect(result.valid).toBe(false);
        expect(result.firstBreak?.seq).toBe(i + 1);
        expect(result.firstBreak?.reason).toBe(i === chain.length - 1 ? 'truncated' : 'missing');
      }),
    );
  });

  it('detects any swap of two records', () => {
    fc.assert(
      fc.property(chainArb(2), fc.nat(), fc.nat(), (chain, x, y) => {
        const i = x % chain.length;
        const j = y % chain.length;
        fc.pre(i !== j);
        const swapped: ChainedRecord[] = [...chain];
        [swapped[i], swapped[j]] = [swapped[j] as ChainedRecord, swapped[i] as ChainedRecord];
        const result = verifyAuditChain(swapped, sha256Hex, { head: headOf(chain) });
        expect(result.valid).toBe(false);
        expect(result.firstBreak?.position).toBe(Math.min(i, j));
      }),
    );
  });

  it('continues from an anchor (expired records) and refuses a wrong one', () => {
    fc.assert(
      fc.property(chainArb(2), fc.nat(), (chain, k) => {
        const cut = 1 + (k % (chain.length - 1));
        const anchorRecord = chain[cut - 1] as ChainedRecord;
        const rest = chain.slice(cut);
        const anchor = { seq: anchorRecord.seq, hash: anchorRecord.hash };
        expect(verifyAuditChain(rest, sha256Hex, { anchor, head: headOf(chain) }).valid).toBe(true);
        const wrong = { seq: anchor.seq, hash: genesisHash };
        expect(verifyAuditChain(rest, sha256Hex, { anchor: wrong }).firstBreak?.reason).toBe('broken-link');
      }),
    );
  });
});
