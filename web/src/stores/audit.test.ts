import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { sha256Hex } from '../lib/audit-download';

const get = vi.fn();
const put = vi.fn();
const apiResponse = vi.fn();
vi.mock('../api/client', () => ({
  api: { get: (...args: unknown[]) => get(...args), put: (...args: unknown[]) => put(...args) },
  apiResponse: (...args: unknown[]) => apiResponse(...args),
}));

const { useAuditStore, auditPageSize, autoSearchRequests } = await import('./audit');

const record = (seq: number) => ({
  auditId: `a-${seq}`,
  seq,
  createdAt: new Date(Date.UTC(2026, 11, 6, 0, 0, seq)).toISOString(),
  prevHash: '0'.repeat(64),
  hash: String(seq).padStart(64, '0'),
  event: 'Modified Policy',
  actorType: 'user',
  actorId: 'u-1',
  actorName: 'alice@example.com',
  action: 'policy.update',
  resourceType: 'policy',
  target: 'policy/organization',
  accountId: null,
  outcome: 'success',
  sourceIp: '127.0.0.1',
  userAgent: 'test',
  requestId: `r-${seq}`,
});

const settingsBody = (destination: Record<string, unknown>) => ({
  version: 1,
  retentionDays: 90,
  costWarning: null,
  destinations: [destination],
  updatedAt: '2026-12-06T00:00:00.000Z',
  updatedBy: 'alice@example.com',
});
const splunk = {
  kind: 'splunk',
  id: 'd-1',
  name: 'Splunk',
  enabled: true,
  url: 'https://s.example.com',
  hasSecret: true,
};

describe('audit store', () => {
  beforeEach(() => {
    setActivePinia(createPinia());
    get.mockReset();
    put.mockReset();
    apiResponse.mockReset();
  });

  it('sends the filters and the page size, then continues with the cursor under the same filters', async () => {
    get.mockResolvedValueOnce({ items: [record(3), record(2)], nextCursor: 'c1' });
    get.mockResolvedValueOnce({ items: [record(1)], nextCursor: null });
    const store = useAuditStore();
    await store.load({ outcome: 'failed', event: 'policy.' });
    await store.loadMore();
    expect(get.mock.calls.map((c) => c[0])).toEqual([
      `/api/client/audit?limit=${auditPageSize}&outcome=failed&event=policy.`,
      `/api/client/audit?limit=${auditPageSize}&outcome=failed&event=policy.&cursor=c1`,
    ]);
    expect(store.items.map((r) => r.seq)).toEqual([3, 2, 1]);
    expect(store.nextCursor).toBeNull();
  });

  it('searches on by itself while the server stops at its read budget, until the page is full', async () => {
    get.mockResolvedValueOnce({ items: [], nextCursor: 'c1', searchedThrough: '2026-12-05T00:00:00.000Z' });
    get.mockResolvedValueOnce({
      items: [record(9)],
      nextCursor: 'c2',
      searchedThrough: '2026-12-01T00:00:00.000Z',
    });
    get.mockResolvedValueOnce({
      items: Array.from({ length: auditPageSize }, (_, i) => record(8 - i)),
      nextCursor: 'c3',
      searchedThrough: null,
    });
    const store = useAuditStore();
    await store.load({ outcome: 'denied' });
    expect(get.mock.calls.map((c) => String(c[0]).split('cursor=')[1])).toEqual([undefined, 'c1', 'c2']);
    expect(store.items).toHaveLength(auditPageSize + 1);
    expect(store.nextCursor).toBe('c3');
    expect(store.searchedThrough).toBeNull();
    expect(store.searching).toBe(false);
  });

  it('stops searching on its own after its request budget and lets Load more go further back', async () => {
    get.mockImplementation(async (url: string) => ({
      items: [],
      nextCursor: `c${get.mock.calls.length}`,
      searchedThrough: new Date(Date.UTC(2026, 11, 6) - get.mock.calls.length * 3_600_000).toISOString(),
      url,
    }));
    const store = useAuditStore();
    await store.load({ outcome: 'denied' });
    expect(get).toHaveBeenCalledTimes(1 + autoSearchRequests);
    expect(store.items).toEqual([]);
    expect(store.searchedThrough).toBe(
      new Date(Date.UTC(2026, 11, 6) - (1 + autoSearchRequests) * 3_600_000).toISOString(),
    );
    await store.loadMore();
    expect(get).toHaveBeenCalledTimes(2 + 2 * autoSearchRequests);
    expect(String(get.mock.calls[1 + autoSearchRequests]?.[0])).toContain(
      `cursor=c${1 + autoSearchRequests}`,
    );
  });

  it('lets only the latest filter write the list when answers arrive out of order', async () => {
    let releaseOld: (v: unknown) => void = () => {};
    get.mockImplementationOnce(() => new Promise((resolve) => (releaseOld = resolve)));
    get.mockResolvedValueOnce({ items: [record(9)], nextCursor: null });
    const store = useAuditStore();
    const old = store.load({ outcome: 'denied' });
    await store.load({ outcome: 'success' });
    releaseOld({ items: [record(1)], nextCursor: 'stale' });
    await old;
    expect(store.items.map((r) => r.seq)).toEqual([9]);
    expect(store.nextCursor).toBeNull();
    expect(store.loading).toBe(false);
  });

  it('keeps a destination’s last delivery when the API reports one, and works without it', async () => {
    const store = useAuditStore();
    get.mockResolvedValueOnce(
      settingsBody({ ...splunk, lastDelivered: { at: '2026-12-06T01:00:00Z', ok: true } }),
    );
    await store.loadSettings();
    expect(store.settings?.lastDelivered['d-1']).toEqual({ at: '2026-12-06T01:00:00Z', ok: true });
    expect(store.settings?.destinations[0]).not.toHaveProperty('lastDelivered');
    get.mockResolvedValueOnce(settingsBody(splunk));
    await store.loadSettings();
    expect(store.settings?.lastDelivered['d-1']).toBeUndefined();
    expect(store.settings?.retentionDays).toBe(90);
  });

  it('reads an export as it streams, with the checksum, signature and file name from the headers', async () => {
    const body = 'seq,hash\n1,abc\n';
    apiResponse.mockResolvedValueOnce(
      new Response(body, {
        headers: {
          'content-type': 'text/csv; charset=utf-8',
          'content-disposition': 'attachment; filename="audit-2026-11-06-2026-12-06.csv"',
          'x-content-sha256': 'f'.repeat(64),
          'x-audit-signature': 'sig.v1.x',
          'x-audit-covers': '1-1 abc',
        },
      }),
    );
    const store = useAuditStore();
    const file = await store.exportFile({
      format: 'csv',
      from: '2026-11-06T00:00:00.000Z',
      to: '2026-12-06T00:00:00.000Z',
    });
    expect(apiResponse.mock.calls[0]?.[1]).toMatchObject({ method: 'POST', body: { format: 'csv' } });
    expect(new TextDecoder().decode(file.bytes)).toBe(body);
    expect(file).toMatchObject({
      fileName: 'audit-2026-11-06-2026-12-06.csv',
      sha256: 'f'.repeat(64),
      signature: 'sig.v1.x',
      covers: '1-1 abc',
    });
    // The server's stated checksum is not the body's here: the page is told they differ.
    expect(file.receivedSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(file.receivedSha256).not.toBe(file.sha256);
    expect(store.exportProgress?.receivedBytes).toBe(body.length);
    expect(store.exporting).toBe(false);
  });

  it('downloads a large export from the link a 201 answers, with the checksum and signature of its body', async () => {
    const body = 'seq,hash\n1,abc\n2,def\n';
    const sha256 = await sha256Hex(new TextEncoder().encode(body));
    const covers = { count: 2, firstSeq: 1, lastSeq: 2, anchorHash: null, lastHash: 'def' };
    apiResponse.mockResolvedValueOnce(
      Response.json(
        {
          url: 'https://exports.example/a.csv?sig=1',
          expiresAt: '2026-12-06T01:00:00.000Z',
          fileName: 'audit-big.csv',
          contentType: 'text/csv',
          bytes: body.length,
          sha256,
          signature: 'sig.v1.y',
          covers,
        },
        { status: 201 },
      ),
    );
    const fetchSpy = vi.spyOn(globalThis, 'fetch').mockResolvedValueOnce(new Response(body));
    try {
      const store = useAuditStore();
      const file = await store.exportFile({
        format: 'csv',
        from: '2026-11-06T00:00:00.000Z',
        to: '2026-12-06T00:00:00.000Z',
      });
      expect(fetchSpy).toHaveBeenCalledWith('https://exports.example/a.csv?sig=1');
      expect(file).toMatchObject({ fileName: 'audit-big.csv', sha256, signature: 'sig.v1.y' });
      expect(file.receivedSha256).toBe(sha256);
      expect(JSON.parse(file.covers)).toEqual(covers);
      expect(store.exportProgress?.receivedBytes).toBe(body.length);
    } finally {
      fetchSpy.mockRestore();
    }
  });
});
