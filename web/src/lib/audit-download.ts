/** Reading an export as it streams in, its checksum, and handing the file to the browser. */

export interface DownloadProgress {
  receivedBytes: number;
  /** From Content-Length when the server sent it; null while unknown (a streamed body). */
  totalBytes: number | null;
}

/**
 * Reads a response body chunk by chunk, reporting the bytes received after each chunk, and returns the
 * whole body. A body-less response gives an empty array.
 */
export async function readWithProgress(
  response: Response,
  onProgress: (progress: DownloadProgress) => void,
): Promise<Uint8Array> {
  const length = Number(response.headers.get('content-length'));
  const totalBytes = Number.isFinite(length) && length > 0 ? length : null;
  const chunks: Uint8Array[] = [];
  let receivedBytes = 0;
  onProgress({ receivedBytes, totalBytes });
  const reader = response.body?.getReader();
  if (reader) {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      receivedBytes += value.byteLength;
      onProgress({ receivedBytes, totalBytes });
    }
  }
  const out = new Uint8Array(receivedBytes);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

/** SHA-256 of bytes as 64 lower-case hex digits (Web Crypto: needs a secure context, e.g. https or localhost). */
export async function sha256Hex(bytes: Uint8Array): Promise<string | null> {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) return null;
  const digest = await subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** The file name of a Content-Disposition header (`attachment; filename="audit.csv"`), or `fallback`. */
export function fileNameOf(contentDisposition: string | null, fallback: string): string {
  const match = contentDisposition?.match(/filename\*?=(?:UTF-8'')?"?([^";]+)"?/i);
  return match?.[1]?.trim() || fallback;
}

/** Hands bytes to the browser as a download (a temporary blob link, revoked once clicked). */
export function saveFile(bytes: Uint8Array, fileName: string, contentType: string): void {
  const url = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: contentType }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.rel = 'noopener';
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
