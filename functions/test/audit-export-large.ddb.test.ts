import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalExportStorage, localExportRoutes } from '@spot/local/export-storage';
import { LocalKeyService } from '@spot/local/keys';
import { matchesAuditFilter, verifyAuditExportDocument } from '@spot/shared';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditHeadEntity, auditHeadKey } from '../src/data/entities/audit-head';
import { auditRecordEntity, auditRecordsQuery } from '../src/data/entities/audit-record';
import { getItem, putAll, putItem, queryAll } from '../src/data/repository';
import { chainHash, sha256Hex } from '../src/domain/audit';
import { configurePorts } from '../src/ports';
import { call, signUpAndIn, useLocalServices } from './support/services';

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const dir = mkdtempSync(join(tmpdir(), 'audit-exports-'));
let server: Server;
let origin = '';
let storage: LocalExportStorage;

beforeAll(async () => {
  await useLocalServices();
  storage = new LocalExportStorage(dir, () => origin);
  // The download URL is served the way the local gateway serves it.
  const [route] = localExportRoutes(storage);
  server = createServer(async (req, res) => {
    const token = decodeURIComponent(String(req.url).replace('/local/exports/', ''));
    const out = await route?.handler(
      { pathParameters: { token } } as unknown as APIGatewayProxyEventV2,
      {} as Context,
    );
    const result = out as { statusCode: number; headers: Record<string, string>; body: string };
    res.writeHead(result.statusCode, result.headers);
    res.end(result.body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  configurePorts({ keyService: new LocalKeyService(randomBytes(32)), exportStorage: storage });
});
afterAll(() => {
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

/**
 * `count` chained records in January 2026 (each with a ~2 KiB change, so the range is large), written in
 * batches after the organization's existing records, exactly as appendAudit chains them.
 */
async function loadLargeTrail(orgId: string, count: number) {
  const head = await getItem(auditHeadEntity, auditHeadKey(orgId), true);
  let prev = { seq: head?.seq ?? 0, hash: head?.hash ?? '0'.repeat(64) };
  const start = Date.parse('2026-01-01T00:00:00.000Z');
  const items: Record<string, unknown>[] = [];
  for (let i = 0; i < count; i++) {
    const body = {
      actorType: 'user' as const,
      actorId: 'u-1',
      actorName: 'alice@example.com',
      action: 'node-template.update',
      resourceType: 'node-template',
      target: `node-template/t-${i % 50}`,
      accountId: null,
      outcome: 'success' as const,
      before: { description: randomBytes(512).toString('hex'), i },
      after: { description: randomBytes(512).toString('hex'), i },
      sourceIp: '198.18.0.1',
      userAgent: 'vitest',
      requestId: randomUUID(),
      errorCode: null,
      orgId,
      auditId: randomUUID(),
      seq: prev.seq + 1,
      createdAt: new Date(start + i * 60_000).toISOString(),
      prevHash: prev.hash,
    };
    const hash = chainHash(prev.hash, body);
    prev = { seq: body.seq, hash };
    items.push(auditRecordEntity.toItem({ ...body, hash }));
  }
  for (let i = 0; i < items.length; i += 500) await putAll(items.slice(i, i + 500));
  await putItem(auditHeadEntity, { orgId, seq: prev.seq, hash: prev.hash });
}

describe('exports larger than a response (stored, linked, streamed)', () => {
  const range = { from: '2026-01-01T00:00:00Z', to: '2026-02-01T00:00:00Z' };
  let user: Awaited<ReturnType<typeof signUpAndIn>>;
  beforeAll(async () => {
    user = await signUpAndIn('Audit large export');
    await loadLargeTrail(user.orgId, 2600);
  }, 120_000);

  it('answers a > 5 MiB range with a download link whose file matches the checksum and signature', async () => {
    const res = await call('POST /api/client/audit/exports', {
      token: user.accessToken,
      body: { format: 'json', ...range },
    });
    expect(res.status, res.raw.slice(0, 300)).toBe(201);
    const link = res.body as {
      url: string;
      bytes: number;
      sha256: string;
      signature: string;
      fileName: string;
    };
    expect(link.bytes).toBeGreaterThan(5 * 1024 * 1024);
    expect(res.headers['x-content-sha256']).toBe(link.sha256);
    expect(res.headers['x-audit-signature']).toBe(link.signature);
    expect(res.headers.location).toBe(link.url);

    const download = await fetch(link.url);
    expect(download.status).toBe(200);
    expect(download.headers.get('content-disposition')).toContain(link.fileName);
    const text = await download.text();
    expect(Buffer.byteLength(text, 'utf8')).toBe(link.bytes);
    expect(sha256(text)).toBe(link.sha256);
    // The whole file re-chains on its own, 2,600 records.
    const doc = verifyAuditExportDocument(text, sha256Hex);
    expect(doc.ok, doc.reason ?? '').toBe(true);
    expect(doc.covers?.count).toBe(2600);

    // Too large to upload back: verified by its SHA-256 and signature.
    const verified = await call('POST /api/client/audit/exports/verify', {
      token: user.accessToken,
      body: { sha256: sha256(text), signature: link.signature },
    });
    expect(verified.body).toMatchObject({
      valid: true,
      checks: { signature: true, checksum: true, chain: null, matchesStoredChain: true },
    });
    const edited = await call('POST /api/client/audit/exports/verify', {
      token: user.accessToken,
      body: { sha256: sha256(`${text} `), signature: link.signature },
    });
    expect(edited.body).toMatchObject({ valid: false, checks: { checksum: false } });

    // Asked inline, the same range is refused with what to do instead; CSV streams to a link too.
    const inline = await call('POST /api/client/audit/exports', {
      token: user.accessToken,
      body: { format: 'json', ...range, delivery: 'inline' },
    });
    expect(inline.status).toBe(422);
    expect(inline.body.message).toMatch(/shorter range, or ask for a download link/);
    const csv = await call('POST /api/client/audit/exports', {
      token: user.accessToken,
      body: { format: 'csv', ...range },
    });
    expect(csv.status).toBe(201);
    const csvText = await (await fetch(String(csv.body.url))).text();
    expect(sha256(csvText)).toBe(csv.body.sha256);
    expect(csvText.trimEnd().split('\r\n')).toHaveLength(2601);
  }, 120_000);

  it('pages a rare filter within the read budget: short pages say how far back they searched, and together list every match once', async () => {
    const list = (query: Record<string, string>) =>
      call('GET /api/client/audit', { token: user.accessToken, query: { limit: '100', ...query } });
    // Nothing of the 2,601 records was denied: the first answer stops at the budget instead of reading all.
    const none = await list({ outcome: 'denied' });
    expect(none.status).toBe(200);
    expect(none.body.items).toEqual([]);
    expect(none.body.nextCursor).toEqual(expect.any(String));
    expect(Date.parse(String(none.body.searchedThrough))).toBeLessThan(Date.parse(range.to));

    const stored = await queryAll(auditRecordEntity, auditRecordsQuery(user.orgId));
    const filter = { target: 'node-template/t-7' } as const;
    const expected = stored
      .filter((r) => matchesAuditFilter(r, filter))
      .sort((a, b) => (`${b.createdAt}#${b.auditId}` < `${a.createdAt}#${a.auditId}` ? -1 : 1))
      .map((r) => r.auditId);
    const seen: string[] = [];
    const reached: string[] = [];
    let cursor: string | undefined;
    for (let requests = 0; requests < 20; requests++) {
      const res = await list({ ...filter, ...(cursor ? { cursor } : {}) });
      expect(res.status, res.raw).toBe(200);
      seen.push(...(res.body.items as { auditId: string }[]).map((r) => r.auditId));
      if (res.body.searchedThrough) reached.push(String(res.body.searchedThrough));
      cursor = (res.body.nextCursor as string | null) ?? undefined;
      if (!cursor) break;
    }
    expect(cursor).toBeUndefined();
    expect(seen).toEqual(expected);
    // 2,601 records at 1,000 a request: cut short twice, each time further back.
    expect(reached.length).toBeGreaterThanOrEqual(2);
    expect([...reached].sort().reverse()).toEqual(reached);
    expect(new Set(reached).size).toBe(reached.length);
  });

  it('links a small export on request; a forged or expired link downloads nothing; another org cannot verify it', async () => {
    const user = await signUpAndIn('Audit linked export');
    const other = await signUpAndIn('Audit linked other');
    const res = await call('POST /api/client/audit/exports', {
      token: user.accessToken,
      body: {
        format: 'json',
        from: new Date(Date.now() - 10 * 86_400_000).toISOString(),
        to: new Date(Date.now() + 86_400_000).toISOString(),
        delivery: 'link',
      },
    });
    expect(res.status, res.raw).toBe(201);
    const url = String(res.body.url);
    const text = await (await fetch(url)).text();
    expect(sha256(text)).toBe(res.body.sha256);
    expect(JSON.parse(text).organizationId).toBe(user.orgId);
    const forged = `${url.slice(0, -4)}AAAA`;
    expect((await fetch(forged)).status).toBe(403);
    const foreign = await call('POST /api/client/audit/exports/verify', {
      token: other.accessToken,
      body: { sha256: sha256(text), signature: String(res.body.signature) },
    });
    expect(foreign.body).toMatchObject({ valid: false, checks: { signature: false } });
    const both = await call('POST /api/client/audit/exports/verify', {
      token: user.accessToken,
      body: { content: text, sha256: sha256(text), signature: String(res.body.signature) },
    });
    expect(both.status).toBe(400);
    expect(both.raw).toMatch(/one of the two/);
  });
});
