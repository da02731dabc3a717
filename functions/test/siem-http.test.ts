import { describe, expect, it } from 'vitest';
import { HttpSiemSender } from '../src/ports/aws/siem';

const record = {
  auditId: 'a-1',
  seq: 1,
  createdAt: '2026-07-01T12:00:00.000Z',
  actorType: 'user',
  actorName: 'alice@example.com',
  action: 'policy.update',
  outcome: 'success',
  target: 'policy/organization',
};

describe('HttpSiemSender', () => {
  it('refuses loopback, private, metadata and plain-HTTP collector addresses without a request', async () => {
    const calls: string[] = [];
    const sender = new HttpSiemSender({
      fetchImpl: (async (url: URL) => {
        calls.push(String(url));
        return new Response('', { status: 200 });
      }) as unknown as typeof fetch,
    });
    for (const url of [
      'https://127.0.0.1:8088',
      'https://localhost:8088',
      'https://169.254.169.254',
      'https://10.1.2.3',
      'https://[::1]:8088',
      'http://splunk.example.com:8088',
    ]) {
      const out = await sender.deliver({ kind: 'splunk', url, secret: 'token' }, [record]);
      expect(out.delivered, url).toBe(false);
      expect(out.message).toMatch(/not a public HTTPS address/);
    }
    expect(calls).toEqual([]);
  });

  it('posts to the Datadog intake of the site with DD-API-KEY, and reports a refused key without echoing it', async () => {
    const seen: { url: string; headers: Record<string, string> }[] = [];
    const sender = new HttpSiemSender({
      fetchImpl: (async (url: URL, init: RequestInit) => {
        seen.push({ url: String(url), headers: init.headers as Record<string, string> });
        return new Response('forbidden', { status: 403 });
      }) as unknown as typeof fetch,
    });
    const out = await sender.deliver({ kind: 'datadog', site: 'datadoghq.eu', secret: 'k'.repeat(32) }, [
      record,
    ]);
    expect(seen[0]?.url).toBe('https://http-intake.logs.datadoghq.eu/api/v2/logs');
    expect(seen[0]?.headers['DD-API-KEY']).toBe('k'.repeat(32));
    expect(out).toEqual({
      delivered: false,
      status: 403,
      message:
        'Not delivered (HTTP 403): the destination refused the API key or token: check it and save it again.',
    });
  });

  it('says S3 delivery is not available yet', async () => {
    const out = await new HttpSiemSender().deliver(
      { kind: 's3', cloudAccountId: 'a', bucket: 'b', prefix: 'p/' },
      [record],
    );
    expect(out.delivered).toBe(false);
    expect(out.message).toMatch(/S3/);
  });
});
