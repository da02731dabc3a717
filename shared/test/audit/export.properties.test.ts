import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chainRecords } from '../../src/audit/chain';
import {
  auditCsvColumns,
  csvCell,
  renderAuditExport,
  verifyAuditExportDocument,
} from '../../src/audit/export';

const sha256Hex = (text: string) => createHash('sha256').update(text).digest('hex');
const meta = {
  organizationId: 'org-1',
  from: '2026-07-01T00:00:00.000Z',
  to: '2026-08-01T00:00:00.000Z',
  generatedAt: '2026-08-01T00:00:01.000Z',
};
const chainArb = fc
  .array(
    fc.record({
      auditId: fc.uuid(),
      action: fc.constantFrom('policy.update', 'account.connect'),
      actorName: fc.string({ maxLength: 10 }),
      before: fc.option(fc.jsonValue({ maxDepth: 2 }), { nil: undefined }),
    }),
    { maxLength: 20 },
  )
  .map((bodies) => chainRecords(bodies, sha256Hex));

/** A CSV parser for the test only (RFC 4180 quoting). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += c;
  }
  return rows;
}

describe('audit export (properties)', () => {
  it('a JSON export verifies on its own iff it is untouched', () => {
    fc.assert(
      fc.property(chainArb, fc.nat(), fc.string({ minLength: 1, maxLength: 3 }), (chain, k, insert) => {
        const { text, covers } = renderAuditExport('json', meta, chain);
        expect(verifyAuditExportDocument(text, sha256Hex)).toMatchObject({ ok: true, covers });
        expect(covers.count).toBe(chain.length);
        // Any edit inside the records part (between the first and last record) breaks it.
        const start = text.indexOf('"records":[') + 11;
        const end = text.lastIndexOf('],"covers"');
        fc.pre(end > start + 1);
        const at = start + (k % (end - start));
        const edited = text.slice(0, at) + insert + text.slice(at);
        const again = verifyAuditExportDocument(edited, sha256Hex);
        if (again.ok) {
          // Only whitespace between tokens can be inserted without changing a value.
          expect(JSON.parse(edited)).toEqual(JSON.parse(text));
        }
      }),
    );
  });

  it('a JSON export with one record removed or two swapped fails verification', () => {
    fc.assert(
      fc.property(
        chainArb.filter((c) => c.length >= 2),
        fc.nat(),
        (chain, k) => {
          const { text } = renderAuditExport('json', meta, chain);
          const doc = JSON.parse(text);
          const i = k % chain.length;
          const removed = { ...doc, records: doc.records.filter((_: unknown, j: number) => j !== i) };
          expect(verifyAuditExportDocument(JSON.stringify(removed), sha256Hex).ok).toBe(false);
          const swapped = [...doc.records];
          const j = (i + 1) % chain.length;
          [swapped[i], swapped[j]] = [swapped[j], swapped[i]];
          expect(verifyAuditExportDocument(JSON.stringify({ ...doc, records: swapped }), sha256Hex).ok).toBe(
            false,
          );
        },
      ),
    );
  });

  it('a CSV export has one row per record and round-trips every cell through RFC 4180 quoting', () => {
    fc.assert(
      fc.property(chainArb, (chain) => {
        const { text } = renderAuditExport('csv', meta, chain);
        const rows = parseCsv(text);
        expect(rows[0]).toEqual([...auditCsvColumns]);
        expect(rows).toHaveLength(chain.length + 1);
        rows.slice(1).forEach((row, i) => {
          expect(row[auditCsvColumns.indexOf('hash')]).toBe(chain[i]?.hash);
          expect(row[auditCsvColumns.indexOf('actorName')]).toBe(
            csvCell(chain[i]?.actorName).replace(/^"|"$/g, '').replace(/""/g, '"'),
          );
        });
      }),
    );
  });

  it('defuses spreadsheet formulas in cells', () => {
    expect(csvCell('=HYPERLINK("http://x")')).toBe(`"'=HYPERLINK(""http://x"")"`);
    expect(csvCell('+1')).toBe("'+1");
    expect(csvCell('plain')).toBe('plain');
  });
});
