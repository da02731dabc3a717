import { describe, expect, it } from 'vitest';
import { type DownloadProgress, fileNameOf, readWithProgress, sha256Hex } from './audit-download';

const streamOf = (...chunks: string[]) =>
  new ReadableStream<Uint8Array>({
    start(controller) {
      for (const c of chunks) controller.enqueue(new TextEncoder().encode(c));
      controller.close();
    },
  });

describe('export download', () => {
  it('reads a streamed body chunk by chunk, counting bytes, and returns it whole', async () => {
    const seen: DownloadProgress[] = [];
    const bytes = await readWithProgress(new Response(streamOf('seq,hash\n', '1,abc\n', '2,def\n')), (p) =>
      seen.push(p),
    );
    expect(new TextDecoder().decode(bytes)).toBe('seq,hash\n1,abc\n2,def\n');
    expect(seen.map((p) => p.receivedBytes)).toEqual([0, 9, 15, 21]);
    expect(seen.every((p) => p.totalBytes === null)).toBe(true);
  });

  it('knows the total when Content-Length is sent', async () => {
    const seen: DownloadProgress[] = [];
    await readWithProgress(new Response('abcd', { headers: { 'content-length': '4' } }), (p) => seen.push(p));
    expect(seen.at(-1)).toEqual({ receivedBytes: 4, totalBytes: 4 });
  });

  it('computes SHA-256 as lower-case hex (the FIPS 180-2 "abc" test vector)', async () => {
    expect(await sha256Hex(new TextEncoder().encode('abc'))).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });

  it('takes the file name from Content-Disposition', () => {
    expect(fileNameOf('attachment; filename="audit-2026-07-01-2026-10-01.csv"', 'x')).toBe(
      'audit-2026-07-01-2026-10-01.csv',
    );
    expect(fileNameOf(null, 'audit.json')).toBe('audit.json');
  });
});
