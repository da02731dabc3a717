import { gzipSync } from 'node:zlib';

/**
 * A gzipped ustar archive of regular files, as `helm package` makes a chart (ADR 0075): `helm` is not a
 * dependency of the product, and the archive needs only the POSIX header. The bytes depend on the files
 * alone: entries sorted by path, every mtime, owner and mode fixed, gzip's header time zero, so the same
 * chart always gives the same archive (cacheable, and testable byte for byte).
 */

export interface TarFile {
  /** The path inside the archive, `/`-separated, relative (`spot-optimizer-agent/Chart.yaml`). */
  path: string;
  content: Uint8Array;
}

const block = 512;
const encoder = new TextEncoder();

/** `value` as `width - 1` octal digits and a NUL, as ustar's numeric fields are written. */
function octal(value: number, width: number): string {
  const digits = value.toString(8);
  if (digits.length > width - 1) throw new Error(`${value} does not fit a ${width}-byte tar field`);
  return `${digits.padStart(width - 1, '0')}\0`;
}

function header(path: string, size: number): Uint8Array {
  const name = encoder.encode(path);
  // Helm's loader refuses absolute and `..` paths; a name over 100 bytes would need ustar's prefix field,
  // which no chart file of ours needs.
  if (name.length === 0 || name.length > 100) throw new Error(`tar entry name must be 1-100 bytes: ${path}`);
  if (path.startsWith('/') || path.split('/').some((part) => part === '' || part === '.' || part === '..'))
    throw new Error(`tar entry name must be a plain relative path: ${path}`);
  const bytes = new Uint8Array(block);
  const put = (offset: number, text: string | Uint8Array) =>
    bytes.set(typeof text === 'string' ? encoder.encode(text) : text, offset);
  put(0, name); // name[100]
  put(100, octal(0o644, 8)); // mode
  put(108, octal(0, 8)); // uid
  put(116, octal(0, 8)); // gid
  put(124, octal(size, 12)); // size
  put(136, octal(0, 12)); // mtime: 1970-01-01, fixed so the bytes do not depend on when they were built
  put(148, '        '); // chksum, counted as eight spaces
  put(156, '0'); // typeflag: a regular file
  put(257, 'ustar\0'); // magic
  put(263, '00'); // version
  // uname, gname, devmajor, devminor, prefix: empty.
  const checksum = bytes.reduce((sum, b) => sum + b, 0);
  put(148, `${checksum.toString(8).padStart(6, '0')}\0 `);
  return bytes;
}

/** The files as an uncompressed ustar archive: sorted by path, each header then its content padded to 512. */
export function tarOf(files: readonly TarFile[]): Uint8Array {
  const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (let i = 1; i < sorted.length; i++)
    if (sorted[i]?.path === sorted[i - 1]?.path) throw new Error(`tar entry twice: ${sorted[i]?.path}`);
  const parts: Uint8Array[] = [];
  for (const file of sorted) {
    parts.push(header(file.path, file.content.length), file.content);
    const pad = (block - (file.content.length % block)) % block;
    if (pad) parts.push(new Uint8Array(pad));
  }
  parts.push(new Uint8Array(2 * block)); // the end of the archive: two zero blocks
  return Buffer.concat(parts);
}

/** {@link tarOf}, gzipped (Node's gzip header carries no name and a zero time). */
export function tarGzOf(files: readonly TarFile[]): Buffer {
  return gzipSync(tarOf(files), { level: 9 });
}
