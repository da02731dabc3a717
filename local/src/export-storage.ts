import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { ExportStoragePort, ExportUpload } from '@spot/functions/ports/types';
import type { ExtraRoute } from './gateway';

/**
 * The local stand-in for the exports bucket: files under a directory, written chunk by chunk through a
 * file stream (as the S3 adapter streams parts), and a download URL on the local gateway that carries
 * its own expiry and an HMAC, like a presigned URL: anyone holding it may download until it expires.
 */
export class LocalExportStorage implements ExportStoragePort {
  private readonly secret = randomBytes(32);

  constructor(
    private readonly dir: string,
    /** The gateway's origin (`http://127.0.0.1:3000`), known once it listens. */
    private readonly origin: () => string,
    private readonly clock: { now(): Date } = { now: () => new Date() },
  ) {}

  private pathOf(key: string) {
    const file = resolve(this.dir, key);
    if (!file.startsWith(resolve(this.dir)))
      throw new Error(`Export key ${key} leaves the exports directory`);
    return file;
  }

  async startUpload(key: string, _contentType: string): Promise<ExportUpload> {
    const file = this.pathOf(key);
    mkdirSync(dirname(file), { recursive: true });
    const partial = `${file}.partial`;
    const stream = createWriteStream(partial);
    const write = (chunk: string) =>
      new Promise<void>((ok, fail) => stream.write(chunk, 'utf8', (e) => (e ? fail(e) : ok())));
    const close = () => new Promise<void>((ok) => stream.end(ok));
    return {
      write,
      complete: async () => {
        await close();
        renameSync(partial, file);
      },
      abort: async () => {
        await close();
        rmSync(partial, { force: true });
      },
    };
  }

  private mac(payload: string) {
    return createHmac('sha256', this.secret).update(payload).digest('base64url');
  }

  async downloadUrl(key: string, fileName: string, expiresInSeconds: number): Promise<string> {
    const payload = Buffer.from(
      JSON.stringify({ key, fileName, exp: this.clock.now().getTime() + expiresInSeconds * 1000 }),
    ).toString('base64url');
    return `${this.origin()}/local/exports/${payload}.${this.mac(payload)}`;
  }

  /** The file a download token names, or why not (expired, forged, gone). */
  open(token: string): { ok: true; body: string; fileName: string } | { ok: false; status: number } {
    const [payload = '', mac = ''] = token.split('.');
    const expected = Buffer.from(this.mac(payload));
    const given = Buffer.from(mac);
    if (given.length !== expected.length || !timingSafeEqual(given, expected))
      return { ok: false, status: 403 };
    const { key, fileName, exp } = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as {
      key: string;
      fileName: string;
      exp: number;
    };
    if (exp < this.clock.now().getTime()) return { ok: false, status: 403 };
    const file = this.pathOf(key);
    if (!existsSync(file)) return { ok: false, status: 404 };
    return { ok: true, body: readFileSync(file, 'utf8'), fileName };
  }
}

/** `GET /local/exports/{token}`: what the presigned S3 URL is in AWS. */
export function localExportRoutes(storage: LocalExportStorage): ExtraRoute[] {
  return [
    {
      method: 'GET',
      path: '/local/exports/{token}',
      handler: (event) => {
        const opened = storage.open(event.pathParameters?.token ?? '');
        if (!opened.ok)
          return {
            statusCode: opened.status,
            headers: { 'content-type': 'text/plain' },
            body: opened.status === 404 ? 'No such export.' : 'This download link is invalid or expired.',
          };
        return {
          statusCode: 200,
          headers: {
            'content-type': opened.fileName.endsWith('.csv') ? 'text/csv; charset=utf-8' : 'application/json',
            'content-disposition': `attachment; filename="${opened.fileName.replace(/[^\w.-]/g, '_')}"`,
            'access-control-allow-origin': '*',
          },
          body: opened.body,
        };
      },
    },
  ];
}

export const localExportsDir = (dataDir: string) => join(dataDir, 'exports');
