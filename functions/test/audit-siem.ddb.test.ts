import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { marshall } from '@aws-sdk/util-dynamodb';
import { LocalDeadLetters } from '@spot/local/dead-letters';
import { LocalKeyService } from '@spot/local/keys';
import { SandboxCloud, sandboxKeys } from '@spot/local/sandbox/cloud';
import { seedSandboxAccount } from '@spot/local/sandbox/seed-account';
import { LocalStepFunctions } from '@spot/local/stepfunctions';
import type { AuditEntry, AuditSettingsView } from '@spot/shared';
import type { DynamoDBRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditRecordKey } from '../src/data/entities/audit-record';
import { getRaw, type Item } from '../src/data/repository';
import { appendAudit } from '../src/domain/audit';
import { siemBackoffMs } from '../src/domain/audit-siem';
import { configurePorts } from '../src/ports';
import { HttpSiemSender } from '../src/ports/aws/siem';
import { handler as siemHandler } from '../src/streams/audit-siem';
import { call, signUpAndIn, useLocalServices } from './support/services';

type User = Awaited<ReturnType<typeof signUpAndIn>>;

/** A vendor's collector on a free port: records each request, answers from a script (then 200). */
class Receiver {
  readonly requests: { path: string; headers: IncomingHttpHeaders; body: string }[] = [];
  /** Statuses of the next answers, in order; 200 once empty. */
  script: number[] = [];
  private server?: Server;
  origin = '';

  async start() {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        this.requests.push({ path: req.url ?? '', headers: req.headers, body });
        res.statusCode = this.script.shift() ?? 200;
        res.end('{}');
      });
    });
    await new Promise<void>((r) => this.server?.listen(0, '127.0.0.1', r));
    this.origin = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop() {
    this.server?.close();
  }
}

const datadog = new Receiver();
const splunk = new Receiver();
const deadLetters = new LocalDeadLetters();
const sandbox = new SandboxCloud({ seed: 7 });
let keyService: LocalKeyService;

beforeAll(async () => {
  await useLocalServices();
  await Promise.all([datadog.start(), splunk.start()]);
  keyService = new LocalKeyService(randomBytes(32));
  configurePorts({
    keyService,
    workflows: new LocalStepFunctions({ retryIntervalMs: 10, waitTimeMs: 10 }),
    cloud: sandbox,
    deadLetters,
    // What would go to Datadog's intake or the Splunk collector goes to the local receivers, path kept.
    siem: new HttpSiemSender({
      allowPrivate: true,
      rewrite: (url) => {
        const u = new URL(url);
        return `${u.hostname.includes('datadoghq') ? datadog.origin : splunk.origin}${u.pathname}`;
      },
    }),
  });
});
afterAll(() => {
  datadog.stop();
  splunk.stop();
});

const entry: AuditEntry = {
  actorType: 'user',
  actorId: 'u-1',
  actorName: 'alice@example.com',
  action: 'policy.update',
  resourceType: 'policy',
  target: 'policy/organization',
  accountId: null,
  outcome: 'success',
  sourceIp: '198.18.0.9',
  userAgent: 'vitest',
  requestId: 'req-9',
};

/** An INSERT stream record of an item as DynamoDB emits it (new image in DynamoDB JSON). */
const insertEvent = (item: Item): DynamoDBRecord =>
  ({
    eventName: 'INSERT',
    eventSource: 'aws:dynamodb',
    dynamodb: { NewImage: marshall(item, { removeUndefinedValues: true }) as never },
  }) as DynamoDBRecord;

/** Appends `n` records and returns the stream records the table would emit for them. */
async function appendAndStream(orgId: string, n: number): Promise<DynamoDBRecord[]> {
  const out: DynamoDBRecord[] = [];
  for (let i = 0; i < n; i++) {
    const { seq } = await appendAudit(orgId, { ...entry, after: { step: i } }, new Date());
    out.push(insertEvent((await getRaw(auditRecordKey(orgId, seq))) as Item));
  }
  return out;
}

async function configure(user: User, destinations: unknown[]) {
  const current = await call('GET /api/client/audit/settings', { token: user.accessToken });
  const saved = await call('PUT /api/client/audit/settings', {
    token: user.accessToken,
    body: { version: current.body.version, retentionDays: null, destinations },
  });
  expect(saved.status, saved.raw).toBe(200);
  return saved.body as unknown as AuditSettingsView;
}

const settingsOf = async (user: User) =>
  (await call('GET /api/client/audit/settings', { token: user.accessToken }))
    .body as unknown as AuditSettingsView;

describe('SIEM streaming from the table stream (real HTTP receivers)', () => {
  const apiKey = randomBytes(16).toString('hex');
  const hecToken = randomUUID();

  it('delivers a batch to Datadog, Splunk and S3 in each format with its auth, and records "last delivered"', async () => {
    const user = await signUpAndIn('SIEM stream');
    const account = await seedSandboxAccount(
      user.orgId,
      sandboxKeys(sandbox).accounts[0] as NonNullable<ReturnType<typeof sandboxKeys>['accounts'][0]>,
      keyService,
    );
    const settings = await configure(user, [
      { kind: 'datadog', name: 'DD', site: 'datadoghq.eu', apiKey },
      { kind: 'splunk', name: 'HEC', url: 'https://splunk.example.com:8088', hecToken },
      {
        kind: 's3',
        name: 'Archive',
        cloudAccountId: account.accountId,
        bucket: 'acme-audit',
        prefix: 'trail/',
      },
    ]);
    const [dd, hec, s3] = settings.destinations;
    const records = await appendAndStream(user.orgId, 7);
    const ddBefore = datadog.requests.length;
    const hecBefore = splunk.requests.length;
    // Other items and other events on the same stream are filtered out.
    const noise = [
      { ...insertEvent({ PK: 'X', SK: 'Y', entity: 'Cluster', orgId: user.orgId }) },
      { ...(records[0] as DynamoDBRecord), eventName: 'MODIFY' } as DynamoDBRecord,
    ];
    await siemHandler({ Records: [...noise, ...records] });

    const ddReq = datadog.requests.slice(ddBefore);
    expect(ddReq).toHaveLength(1);
    expect(ddReq[0]?.path).toBe('/api/v2/logs');
    expect(ddReq[0]?.headers['dd-api-key']).toBe(apiKey);
    expect(ddReq[0]?.headers['content-type']).toBe('application/json');
    const logs = JSON.parse(String(ddReq[0]?.body)) as Record<string, unknown>[];
    expect(logs).toHaveLength(7);
    for (const log of logs) {
      expect(log).toMatchObject({
        ddsource: 'spot-optimizer',
        service: 'spot-optimizer-audit',
        message: 'Modified Policy by alice@example.com on policy/organization (success)',
      });
      expect(log.audit).not.toHaveProperty('orgId');
    }

    const hecReq = splunk.requests.slice(hecBefore);
    expect(hecReq).toHaveLength(1);
    expect(hecReq[0]?.path).toBe('/services/collector/event');
    expect(hecReq[0]?.headers.authorization).toBe(`Splunk ${hecToken}`);
    const events = String(hecReq[0]?.body)
      .split('\n')
      .map(
        (l) =>
          JSON.parse(l) as { time: number; event: { seq: number; createdAt: string }; sourcetype: string },
      );
    expect(events).toHaveLength(7);
    for (const e of events) {
      expect(e.sourcetype).toBe('_json');
      expect(e.time).toBe(Date.parse(e.event.createdAt) / 1000);
    }
    expect(events.map((e) => e.event.seq)).toEqual([...events.map((e) => e.event.seq)].sort((a, b) => a - b));

    const objects = [...sandbox.objects.entries()].filter(([k]) =>
      k.startsWith(`${account.awsAccountId}/acme-audit/trail/`),
    );
    expect(objects).toHaveLength(1);
    const lines = String(objects[0]?.[1].body).trimEnd().split('\n');
    expect(lines).toHaveLength(7);
    expect(JSON.parse(String(lines[0]))).toMatchObject({ action: 'policy.update', event: 'Modified Policy' });

    const after = await settingsOf(user);
    const lastSeq = Math.max(...events.map((e) => e.event.seq));
    for (const d of after.destinations) {
      expect(d.delivery).toMatchObject({ lastDeliveredSeq: lastSeq, lastError: null, deadLettered: 0 });
      expect(d.delivery?.lastDeliveredAt).toEqual(expect.any(String));
    }
    expect([dd?.id, hec?.id, s3?.id].sort()).toEqual(after.destinations.map((d) => d.id).sort());
    // Secrets never come back, not even in the status.
    const raw = JSON.stringify(after);
    for (const secret of [apiKey, hecToken]) expect(raw).not.toContain(secret);
  });

  it('retries 5xx and 429 with backoff until delivered; dead-letters after the last attempt; a refused key at once', async () => {
    const user = await signUpAndIn('SIEM retries');
    await configure(user, [
      { kind: 'datadog', name: 'DD', site: 'datadoghq.com', apiKey },
      { kind: 'splunk', name: 'HEC', url: 'https://hec.example.com', hecToken },
    ]);
    // Datadog fails twice (503, 429), then accepts; Splunk fails every attempt (500).
    datadog.script = [503, 429];
    splunk.script = [500, 500, 500, 500, 500];
    const ddBefore = datadog.requests.length;
    const hecBefore = splunk.requests.length;
    const lettersBefore = deadLetters.letters.length;
    const records = await appendAndStream(user.orgId, 3);
    await siemHandler({ Records: records });
    expect(datadog.requests.length - ddBefore).toBe(3);
    expect(splunk.requests.length - hecBefore).toBe(5);
    // Every attempt carried the same batch.
    const bodies = new Set(splunk.requests.slice(hecBefore).map((r) => r.body));
    expect(bodies.size).toBe(1);

    const letters = deadLetters.letters.slice(lettersBefore);
    expect(letters).toHaveLength(1);
    const seqs = records.map((r) => Number(r.dynamodb?.NewImage?.seq?.N));
    expect(letters[0]).toMatchObject({
      orgId: user.orgId,
      kind: 'splunk',
      attempts: 5,
      status: 500,
      fromSeq: Math.min(...seqs),
      toSeq: Math.max(...seqs),
    });
    expect(letters[0]?.auditIds).toHaveLength(3);
    expect(JSON.stringify(letters)).not.toContain(hecToken);

    const status = await settingsOf(user);
    const [ddStatus, hecStatus] = status.destinations;
    expect(ddStatus?.delivery).toMatchObject({
      lastDeliveredSeq: Math.max(...seqs),
      lastError: null,
      lastStatus: 200,
    });
    expect(hecStatus?.delivery).toMatchObject({ lastDeliveredAt: null, deadLettered: 1, lastStatus: 500 });
    expect(hecStatus?.delivery?.lastError).toMatch(/HTTP 500.*after 5 attempts/);

    // A refused token (401) is not retried: it cannot pass by itself.
    splunk.script = [401];
    const before401 = splunk.requests.length;
    await siemHandler({ Records: await appendAndStream(user.orgId, 1) });
    expect(splunk.requests.length - before401).toBe(1);
    expect(deadLetters.letters.at(-1)).toMatchObject({ kind: 'splunk', attempts: 1, status: 401 });
    const refused = (await settingsOf(user)).destinations[1]?.delivery;
    expect(refused).toMatchObject({ deadLettered: 2, lastStatus: 401 });
    expect(refused?.lastError).toMatch(/refused the API key or token/);
  }, 60_000);

  it('delivers each organization its own records only; a disabled destination gets nothing', async () => {
    const a = await signUpAndIn('SIEM org A');
    const b = await signUpAndIn('SIEM org B');
    const keyA = randomBytes(16).toString('hex');
    const keyB = randomBytes(16).toString('hex');
    await configure(a, [{ kind: 'datadog', name: 'A', site: 'datadoghq.com', apiKey: keyA }]);
    await configure(b, [{ kind: 'datadog', name: 'B', site: 'datadoghq.com', apiKey: keyB, enabled: false }]);
    const before = datadog.requests.length;
    const mixed = [...(await appendAndStream(a.orgId, 2)), ...(await appendAndStream(b.orgId, 2))];
    await siemHandler({ Records: mixed });
    const sent = datadog.requests.slice(before);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.headers['dd-api-key']).toBe(keyA);
    const ids = (JSON.parse(String(sent[0]?.body)) as { audit: { auditId: string } }[]).map(
      (l) => l.audit.auditId,
    );
    const aIds = mixed.slice(0, 2).map((r) => r.dynamodb?.NewImage?.auditId?.S);
    expect(ids).toEqual(aIds);
  });

  it('backs off exponentially with full jitter, capped', () => {
    const policy = { maxAttempts: 5, baseDelayMs: 250, maxDelayMs: 8000 };
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => siemBackoffMs(n, policy, () => 0.999999))).toEqual([
      249, 499, 999, 1999, 3999, 7999, 7999,
    ]);
    expect(siemBackoffMs(3, policy, () => 0)).toBe(0);
  });
});
