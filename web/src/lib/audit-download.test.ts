import { createHash } from 'node:crypto';
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

  it('computes the SHA-256 the server states', async () => {
    const text = 'a,b\n1,2\n';
    expect(await sha256Hex(new TextEncoder().encode(text))).toBe(
      createHash('sha256').update(text).digest('hex'),
    );
  });

  it('takes the file name from Content-Disposition', () => {
    expect(fileNameOf('attachment; filename="audit-2026-07-01-2026-10-01.csv"', 'x')).toBe(
      'audit-2026-07-01-2026-10-01.csv',
    );
    expect(fileNameOf(null, 'audit.json')).toBe('audit.json');
  });
});
