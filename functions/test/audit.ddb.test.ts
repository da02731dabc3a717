import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LocalKeyService } from '@spot/local/keys';
import { LocalStepFunctions } from '@spot/local/stepfunctions';
import {
  type AuditEntry,
  type AuditFilter,
  type AuditRecordView,
  auditCsvColumns,
  matchesAuditFilter,
} from '@spot/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditRecordEntity, auditRecordKey, auditRecordsQuery } from '../src/data/entities/audit-record';
import { auditDestinationSecretEntity, auditDestinationSecretKey } from '../src/data/entities/audit-settings';
import { cloudAccountEntity, cloudAccountKey } from '../src/data/entities/cloud-account';
import { deleteItem, getItem, getRaw, putItem, putRaw, queryAll } from '../src/data/repository';
import { appendAudit, recordSystemEvent } from '../src/domain/audit';
import { destinationSecretContext } from '../src/domain/audit-settings';
import { failDiscovery } from '../src/domain/discovery/fail';
import { openSecret, type SealedSecret } from '../src/domain/envelope';
import { configurePorts, port } from '../src/ports';
import { HttpSiemSender } from '../src/ports/aws/siem';
import { call, signUpAndIn, useLocalServices } from './support/services';

type User = Awaited<ReturnType<typeof signUpAndIn>>;
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

beforeAll(async () => {
  await useLocalServices();
  configurePorts({
    keyService: new LocalKeyService(randomBytes(32)),
    // A retention change starts the re-stamp workflow: run locally, never against AWS.
    workflows: new LocalStepFunctions({ retryIntervalMs: 10, waitTimeMs: 10 }),
  });
});

const base: AuditEntry = {
  actorType: 'user',
  actorId: 'u-alice',
  actorName: 'alice@example.com',
  action: 'policy.update',
  resourceType: 'policy',
  target: 'policy/organization',
  accountId: null,
  outcome: 'success',
  sourceIp: '198.18.0.1',
  userAgent: 'vitest',
  requestId: 'req-1',
  errorCode: null,
};

/** 30 records over July 2026 with a mix of actors, events, targets and outcomes. */
async function seedTrail(orgId: string) {
  const start = Date.parse('2026-07-01T00:00:00.000Z');
  for (let i = 0; i < 30; i++) {
    const system = i % 4 === 0;
    await appendAudit(
      orgId,
      {
        ...base,
        actorType: system ? 'system' : 'user',
        actorId: system ? null : i % 3 === 0 ? 'u-bob' : 'u-alice',
        actorName: system ? 'Discovery workflow' : i % 3 === 0 ? 'bob@example.com' : 'alice@example.com',
        action: ['policy.update', 'node-template.create', 'account.rename', 'discovery.failed'][
          i % 4
        ] as string,
        target: `cluster/eks-${i % 5}`,
        outcome: (['success', 'failed', 'denied'] as const)[i % 3] as 'success',
        before: { maxNodes: 10 + i },
        after: { maxNodes: 15 + i },
      },
      new Date(start + i * 86_400_000 + (i % 7) * 1000),
    );
  }
}

async function seedAccount(orgId: string, status: 'scanning' | 'active' = 'active') {
  const accountId = randomUUID();
  const nowIso = new Date().toISOString();
  await putItem(cloudAccountEntity, {
    orgId,
    accountId,
    name: 'Lab',
    awsAccountId: '123456789012',
    region: 'us-east-1',
    method: 'role',
    status,
    statusReason: null,
    roleArn: null,
    externalId: null,
    createdAt: nowIso,
    updatedAt: nowIso,
    lastDiscoveryAt: null,
    lastExecutionArn: null,
  });
  return accountId;
}

async function allPages(user: User, query: Record<string, string>) {
  const items: AuditRecordView[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const res = await call('GET /api/client/audit', {
      token: user.accessToken,
      query: { ...query, ...(cursor ? { cursor } : {}) },
    });
    expect(res.status, res.raw).toBe(200);
    items.push(...((res.body.items ?? []) as unknown as AuditRecordView[]));
    cursor = (res.body.nextCursor as string | null) ?? null;
    pages++;
  } while (cursor && pages < 100);
  return { items, pages };
}

describe('audit trail: filters and cursor pagination', () => {
  let user: User;
  let other: User;
  beforeAll(async () => {
    user = await signUpAndIn('Audit trail');
    other = await signUpAndIn('Audit other');
    await seedTrail(user.orgId);
    await seedTrail(other.orgId);
  }, 60_000);

  const filters: AuditFilter[] = [
    {},
    { from: '2026-07-10T00:00:00Z', to: '2026-07-20T00:00:00Z' },
    { actorType: 'system' },
    { actor: 'bob' },
    { event: 'policy.' },
    { event: 'account.rename', outcome: 'denied' },
    { target: 'eks-3', from: '2026-07-05T00:00:00.000Z' },
    { outcome: 'failed', to: '2026-07-15T00:00:00Z' },
  ];

  it.each(filters.map((f) => [JSON.stringify(f), f] as const))(
    'pages through %s exactly as the pure filter selects, newest first, no duplicates',
    async (_label, filter) => {
      const stored = await queryAll(auditRecordEntity, auditRecordsQuery(user.orgId));
      const expected = stored
        .filter((r) => matchesAuditFilter(r, filter))
        .sort((a, b) => (`${b.createdAt}#${b.auditId}` < `${a.createdAt}#${a.auditId}` ? -1 : 1))
        .map((r) => r.auditId);
      expect(expected.length).toBeGreaterThan(0);
      const { items, pages } = await allPages(user, { ...(filter as Record<string, string>), limit: '4' });
      expect(items.map((r) => r.auditId)).toEqual(expected);
      expect(pages).toBe(Math.max(1, Math.ceil(expected.length / 4)));
      expect(items.every((r) => !('orgId' in r) && r.event.length > 0)).toBe(true);
    },
  );

  it('shows the action in words and the hash chain fields', async () => {
    const res = await call('GET /api/client/audit', {
      token: user.accessToken,
      query: { event: 'policy.update', limit: '1' },
    });
    expect(res.body.items?.[0]).toMatchObject({ event: 'Modified Policy', action: 'policy.update' });
    expect(String(res.body.items?.[0]?.hash)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses an edited, forged, re-filtered or foreign cursor with the same 400', async () => {
    const first = await call('GET /api/client/audit', { token: user.accessToken, query: { limit: '2' } });
    const cursor = String(first.body.nextCursor);
    const [payload, ...sig] = cursor.split('.');
    const decoded = JSON.parse(Buffer.from(String(payload), 'base64url').toString('utf8'));
    const edited = `${Buffer.from(JSON.stringify({ ...decoded, s: 1 })).toString('base64url')}.${sig.join('.')}`;
    const attempts: { token: string; query: Record<string, string> }[] = [
      { token: user.accessToken, query: { limit: '2', cursor: edited } },
      { token: user.accessToken, query: { limit: '2', cursor: `${payload}.v1.AAAA.BBBB.CCCC` } },
      { token: user.accessToken, query: { limit: '2', cursor: 'garbage' } },
      { token: user.accessToken, query: { limit: '2', cursor, outcome: 'failed' } },
      { token: other.accessToken, query: { limit: '2', cursor } },
    ];
    const answers = await Promise.all(attempts.map((a) => call('GET /api/client/audit', a)));
    for (const res of answers) {
      expect(res.status, res.raw).toBe(400);
      expect(res.body.message).toBe(answers[0]?.body.message);
      expect(res.body.message).toMatch(/Start again without it/);
    }
    const again = await call('GET /api/client/audit', {
      token: user.accessToken,
      query: { limit: '2', cursor },
    });
    expect(again.status).toBe(200);
  });

  it('refuses bad filters with an actionable 400 naming the field', async () => {
    const queries: Record<string, string>[] = [
      { from: '2026-07-20T00:00:00Z', to: '2026-07-10T00:00:00Z' },
      { from: 'yesterday' },
      { outcome: 'maybe' },
      { event: 'DROP TABLE' },
      { limit: '0' },
    ];
    for (const query of queries) {
      const res = await call('GET /api/client/audit', { token: user.accessToken, query });
      expect(res.status, JSON.stringify(query)).toBe(400);
      expect(res.body.message).toMatch(/^(from|to|outcome|event|limit)/);
    }
  });

  it('never shows another organization’s records, whatever the filter', async () => {
    const mine = new Set(
      (await queryAll(auditRecordEntity, auditRecordsQuery(user.orgId))).map((r) => r.auditId),
    );
    for (const filter of filters) {
      const { items } = await allPages(other, { ...(filter as Record<string, string>), limit: '50' });
      expect(items.filter((r) => mine.has(r.auditId))).toEqual([]);
    }
  });
});

describe('audit record details', () => {
  it('answers the record with its diff field by field; 404 for another organization or an unknown id', async () => {
    const user = await signUpAndIn('Audit detail');
    const other = await signUpAndIn('Audit detail other');
    const { auditId } = await appendAudit(
      user.orgId,
      { ...base, before: { maxNodes: 10, name: 'a' }, after: { maxNodes: 15, name: 'a', zones: ['a'] } },
      new Date(),
    );
    const res = await call('GET /api/client/audit/{id}', { token: user.accessToken, path: { id: auditId } });
    expect(res.status, res.raw).toBe(200);
    expect(res.body.changes).toEqual([
      { path: 'maxNodes', label: 'Max Nodes', before: 10, after: 15 },
      { path: 'zones', label: 'Zones', before: null, after: ['a'] },
    ]);
    expect(res.body.record).toMatchObject({ auditId, sourceIp: '198.18.0.1', userAgent: 'vitest' });
    const foreign = await call('GET /api/client/audit/{id}', {
      token: other.accessToken,
      path: { id: auditId },
    });
    const unknown = await call('GET /api/client/audit/{id}', {
      token: other.accessToken,
      path: { id: randomUUID() },
    });
    expect(foreign.status).toBe(404);
    // The same answer as for an id that never existed.
    expect({ ...foreign.body, requestId: null }).toEqual({ ...unknown.body, requestId: null });
    expect(foreign.raw).not.toContain(user.orgId);
    const bad = await call('GET /api/client/audit/{id}', {
      token: user.accessToken,
      path: { id: 'x'.repeat(65) },
    });
    expect(bad.status).toBe(400);
  });
});

describe('chain verification detects tampering in DynamoDB', () => {
  async function trail(label: string) {
    const user = await signUpAndIn(`Audit verify ${label}`);
    for (let i = 0; i < 6; i++)
      await appendAudit(user.orgId, { ...base, after: { step: i } }, new Date(Date.now() + i));
    return user;
  }
  const verify = (user: User) => call('GET /api/client/audit/verify', { token: user.accessToken });

  it('finds an untouched chain valid, covering every record up to the head', async () => {
    const user = await trail('intact');
    const res = await verify(user);
    expect(res.status, res.raw).toBe(200);
    expect(res.body).toMatchObject({ valid: true, checked: 7, firstSeq: 1, lastSeq: 7, firstBreak: null });
    expect((res.body.head as { seq: number }).seq).toBe(7);
  });

  it('detects an altered record at that record', async () => {
    const user = await trail('altered');
    const item = (await getRaw(auditRecordKey(user.orgId, 4))) as Record<string, unknown>;
    await putRaw({ ...item, outcome: 'denied' });
    const res = await verify(user);
    expect(res.body).toMatchObject({ valid: false, firstBreak: { seq: 4, reason: 'altered' } });
    expect(String((res.body.firstBreak as { message: string }).message)).toMatch(/Record 4 was altered/);
  });

  it('detects an altered record even when the edit leaves it unreadable as a record', async () => {
    const user = await trail('malformed');
    const item = (await getRaw(auditRecordKey(user.orgId, 2))) as Record<string, unknown>;
    await putRaw({ ...item, outcome: 42, actorName: null });
    const res = await verify(user);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ valid: false, firstBreak: { seq: 2, reason: 'altered' } });
  });

  it('detects a removed record, and a removed last record', async () => {
    const user = await trail('removed');
    await deleteItem(auditRecordKey(user.orgId, 3));
    expect((await verify(user)).body).toMatchObject({
      valid: false,
      firstBreak: { seq: 3, reason: 'missing' },
    });
    const tail = await trail('tail');
    await deleteItem(auditRecordKey(tail.orgId, 7));
    expect((await verify(tail)).body).toMatchObject({
      valid: false,
      firstBreak: { seq: 7, reason: 'truncated' },
    });
  });

  it('detects two records swapped (reordered)', async () => {
    const user = await trail('reordered');
    const a = (await getRaw(auditRecordKey(user.orgId, 3))) as Record<string, unknown>;
    const b = (await getRaw(auditRecordKey(user.orgId, 5))) as Record<string, unknown>;
    const keysOf = (i: Record<string, unknown>) => ({ PK: i.PK, SK: i.SK });
    await putRaw({ ...b, ...keysOf(a) });
    await putRaw({ ...a, ...keysOf(b) });
    const res = await verify(user);
    expect(res.body).toMatchObject({ valid: false, firstBreak: { seq: 3, position: 2 } });
  });

  it('detects a record re-hashed after an edit (its successor no longer links)', async () => {
    const user = await trail('rehashed');
    const item = (await getRaw(auditRecordKey(user.orgId, 5))) as Record<string, unknown>;
    await putRaw({ ...item, hash: sha256('forged') });
    expect((await verify(user)).body).toMatchObject({
      valid: false,
      firstBreak: { seq: 5, reason: 'altered' },
    });
  });
});

describe('signed exports', () => {
  let user: User;
  let other: User;
  const range = { from: '2026-07-01T00:00:00Z', to: '2026-08-01T00:00:00Z' };
  beforeAll(async () => {
    user = await signUpAndIn('Audit export');
    other = await signUpAndIn('Audit export other');
    await seedTrail(user.orgId);
    await seedTrail(other.orgId);
  }, 60_000);

  const exportFile = (who: User, format: 'csv' | 'json', r = range) =>
    call('POST /api/client/audit/exports', { token: who.accessToken, body: { format, ...r } });
  const verifyFile = (who: User, content: string, signature: string) =>
    call('POST /api/client/audit/exports/verify', { token: who.accessToken, body: { content, signature } });

  it('exports JSON with the records of the range, a checksum of the file and a signature that verifies', async () => {
    const res = await exportFile(user, 'json');
    expect(res.status, res.raw.slice(0, 300)).toBe(200);
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.headers['x-content-sha256']).toBe(sha256(res.raw));
    const doc = JSON.parse(res.raw);
    expect(doc.records).toHaveLength(30);
    expect(doc.records.every((r: { orgId: string }) => r.orgId === user.orgId)).toBe(true);
    expect(doc.covers).toMatchObject({ count: 30, lastSeq: doc.records.at(-1).seq });
    expect(res.headers['x-audit-covers']).toBe(
      `${doc.covers.firstSeq}-${doc.covers.lastSeq} ${doc.covers.lastHash}`,
    );
    const ok = await verifyFile(user, res.raw, String(res.headers['x-audit-signature']));
    expect(ok.status, ok.raw).toBe(200);
    expect(ok.body).toMatchObject({
      valid: true,
      reason: null,
      checks: { signature: true, checksum: true, chain: true, matchesStoredChain: true },
      sha256: sha256(res.raw),
    });
  });

  it('exports CSV (one row per record) that verifies untouched and fails once edited', async () => {
    const res = await exportFile(user, 'csv', { from: '2026-07-10T00:00:00Z', to: '2026-07-20T00:00:00Z' });
    expect(res.status, res.raw.slice(0, 300)).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.headers['content-disposition']).toMatch(
      /attachment; filename="audit-2026-07-10-2026-07-20.csv"/,
    );
    const lines = res.raw.trimEnd().split('\r\n');
    expect(lines[0]).toBe(auditCsvColumns.join(','));
    expect(lines).toHaveLength(11);
    const signature = String(res.headers['x-audit-signature']);
    expect((await verifyFile(user, res.raw, signature)).body).toMatchObject({
      valid: true,
      checks: { chain: null },
    });
    const edited = res.raw.replace('denied', 'success');
    const bad = await verifyFile(user, edited, signature);
    expect(bad.body).toMatchObject({ valid: false, checks: { signature: true, checksum: false } });
    expect(String(bad.body.reason)).toMatch(/changed after it was exported/);
  });

  it('refuses a forged signature, and one verified by another organization', async () => {
    const res = await exportFile(user, 'json');
    const signature = String(res.headers['x-audit-signature']);
    const [claims, ...rest] = signature.split('.');
    const decoded = JSON.parse(Buffer.from(String(claims), 'base64url').toString('utf8'));
    const forgedClaims = Buffer.from(JSON.stringify({ ...decoded, sha256: sha256('x') })).toString(
      'base64url',
    );
    for (const [who, sig] of [
      [user, `${forgedClaims}.${rest.join('.')}`],
      [user, `${claims}.v1.AAAA.BBBB.CCCC`],
      [user, 'not-a-signature'],
      [other, signature],
    ] as const) {
      const answer = await verifyFile(who, res.raw, sig);
      expect(answer.status, answer.raw).toBe(200);
      expect(answer.body).toMatchObject({ valid: false, checks: { signature: false }, claims: null });
      expect(answer.raw).not.toContain(user.orgId);
    }
  });

  it('a JSON export re-signed with edited records still fails: checksum first, chain second', async () => {
    const res = await exportFile(user, 'json');
    const doc = JSON.parse(res.raw);
    doc.records[3].outcome = 'success';
    const edited = JSON.stringify(doc);
    const answer = await verifyFile(user, edited, String(res.headers['x-audit-signature']));
    expect(answer.body).toMatchObject({ valid: false, checks: { checksum: false } });
  });

  it('exports nothing of another organization and an empty range as an empty, signed file', async () => {
    const theirs = await exportFile(other, 'json');
    expect(theirs.raw).not.toContain(user.orgId);
    const empty = await exportFile(user, 'json', {
      from: '2020-01-01T00:00:00Z',
      to: '2020-02-01T00:00:00Z',
    });
    expect(empty.status).toBe(200);
    expect(JSON.parse(empty.raw).records).toEqual([]);
    expect(empty.headers['x-audit-covers']).toBe('');
    expect((await verifyFile(user, empty.raw, String(empty.headers['x-audit-signature']))).body.valid).toBe(
      true,
    );
  });

  it('audits the export itself with its checksum', async () => {
    const res = await exportFile(user, 'csv');
    const records = await queryAll(auditRecordEntity, auditRecordsQuery(user.orgId));
    const last = records.filter((r) => r.action === 'audit.export').at(-1);
    expect(last?.after).toMatchObject({ format: 'csv', sha256: res.headers['x-content-sha256'] });
  });

  it('refuses bad export input with an actionable 400', async () => {
    for (const body of [
      { format: 'pdf', ...range },
      { format: 'csv', from: range.to, to: range.from },
      { format: 'csv', from: '2024-01-01T00:00:00Z', to: '2026-01-01T00:00:00Z' },
      { format: 'csv', from: 'last month', to: range.to },
    ]) {
      const res = await call('POST /api/client/audit/exports', { token: user.accessToken, body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.message).toMatch(/^(format|from|to)/);
    }
  });
});

describe('system events', () => {
  it('enter the trail through one function, as the component, with the change in the same transaction', async () => {
    const user = await signUpAndIn('Audit system');
    await recordSystemEvent(
      user.orgId,
      'hibernation',
      {
        action: 'hibernation.schedule.update',
        resourceType: 'hibernation-schedule',
        target: 'cluster/eks-1',
        accountId: null,
        outcome: 'success',
        before: { desired: 3 },
        after: { desired: 0 },
      },
      new Date(),
    );
    const res = await call('GET /api/client/audit', {
      token: user.accessToken,
      query: { actorType: 'system' },
    });
    expect(res.body.items?.[0]).toMatchObject({
      actorType: 'system',
      actorName: 'Hibernation scheduler',
      event: 'Modified Hibernation Schedule',
      sourceIp: null,
    });
  });

  it('a discovery status change and its record are one transaction (none without the other)', async () => {
    const user = await signUpAndIn('Audit discovery');
    const accountId = await seedAccount(user.orgId, 'scanning');
    await failDiscovery({ orgId: user.orgId, accountId }, 'AccessDenied on ec2:DescribeRegions', new Date());
    const account = await getItem(cloudAccountEntity, cloudAccountKey(user.orgId, accountId), true);
    expect(account?.status).toBe('error');
    const res = await call('GET /api/client/audit', {
      token: user.accessToken,
      query: { event: 'discovery.failed' },
    });
    expect(res.body.items).toHaveLength(1);
    const detail = await call('GET /api/client/audit/{id}', {
      token: user.accessToken,
      path: { id: String(res.body.items?.[0]?.auditId) },
    });
    expect(detail.body.record).toMatchObject({ actorType: 'system', actorName: 'Discovery workflow' });
    expect(detail.body.changes).toEqual(
      expect.arrayContaining([{ path: 'status', label: 'Status', before: 'scanning', after: 'error' }]),
    );
    // A disconnected account is never recreated by a late step, and then no record claims it changed.
    await deleteItem(cloudAccountKey(user.orgId, accountId));
    await expect(failDiscovery({ orgId: user.orgId, accountId }, 'late step', new Date())).rejects.toThrow();
    expect(await getItem(cloudAccountEntity, cloudAccountKey(user.orgId, accountId), true)).toBeUndefined();
    const after = await call('GET /api/client/audit', {
      token: user.accessToken,
      query: { event: 'discovery.failed' },
    });
    expect(after.body.items).toHaveLength(1);
    expect((await call('GET /api/client/audit/verify', { token: user.accessToken })).body.valid).toBe(true);
  });
});

describe('compliance settings', () => {
  const apiKey = randomBytes(16).toString('hex');
  const hecToken = randomUUID();
  const settingsOf = (user: User) => call('GET /api/client/audit/settings', { token: user.accessToken });
  const save = (user: User, body: unknown) =>
    call('PUT /api/client/audit/settings', { token: user.accessToken, body });

  it('saves retention and destinations, seals the secrets and never returns or audits them', async () => {
    const user = await signUpAndIn('Audit settings');
    const other = await signUpAndIn('Audit settings other');
    const accountId = await seedAccount(user.orgId);
    const initial = await settingsOf(user);
    expect(initial.body).toMatchObject({ version: 0, retentionDays: null, destinations: [] });
    expect(initial.body.costWarning).toMatch(/> 1 year/);

    const saved = await save(user, {
      version: 0,
      retentionDays: 90,
      destinations: [
        { kind: 'datadog', name: 'DD', site: 'datadoghq.eu', apiKey },
        { kind: 'splunk', name: 'HEC', url: 'https://splunk.example.com:8088', hecToken },
        { kind: 's3', name: 'Archive', cloudAccountId: accountId, bucket: 'acme-audit' },
      ],
    });
    expect(saved.status, saved.raw).toBe(200);
    expect(saved.body).toMatchObject({
      version: 1,
      retentionDays: 90,
      costWarning: null,
      updatedBy: user.email,
    });
    expect(saved.body.destinations).toMatchObject([
      { kind: 'datadog', hasSecret: true, enabled: true },
      { kind: 'splunk', hasSecret: true },
      { kind: 's3', hasSecret: false, prefix: 'spot-audit/' },
    ]);
    const [dd, hec] = saved.body.destinations as { id: string }[];
    const stored = await getItem(
      auditDestinationSecretEntity,
      auditDestinationSecretKey(user.orgId, String(dd?.id)),
    );
    expect(stored).toBeDefined();
    const keys = port('keyService');
    expect(
      await openSecret(stored as SealedSecret, keys, destinationSecretContext(user.orgId, String(dd?.id))),
    ).toBe(apiKey);

    // Kept when not sent again; a removed destination's secret is deleted with the save.
    const again = await save(user, {
      version: 1,
      retentionDays: null,
      destinations: [
        { kind: 'datadog', id: dd?.id, name: 'Datadog EU', site: 'datadoghq.eu', enabled: false },
      ],
    });
    expect(again.status, again.raw).toBe(200);
    expect(again.body.destinations).toEqual([
      {
        kind: 'datadog',
        id: dd?.id,
        name: 'Datadog EU',
        site: 'datadoghq.eu',
        enabled: false,
        hasSecret: true,
      },
    ]);
    expect(again.body.costWarning).toMatch(/additional storage fees/);
    expect(
      await getItem(auditDestinationSecretEntity, auditDestinationSecretKey(user.orgId, String(hec?.id))),
    ).toBe(undefined);

    const audit = (await queryAll(auditRecordEntity, auditRecordsQuery(user.orgId))).map((r) =>
      JSON.stringify(r),
    );
    expect(audit.filter((r) => r.includes('audit.settings.update'))).toHaveLength(2);
    for (const secret of [apiKey, hecToken]) {
      expect(audit.filter((r) => r.includes(secret))).toEqual([]);
      expect([initial, saved, again].filter((r) => r.raw.includes(secret))).toEqual([]);
    }
    // Another organization sees only its own (default) settings.
    const theirs = await settingsOf(other);
    expect(theirs.body).toMatchObject({ version: 0, destinations: [] });
  });

  it('refuses stale saves (409 with the current settings) and bad input with an actionable 4xx', async () => {
    const user = await signUpAndIn('Audit settings errors');
    const other = await signUpAndIn('Audit settings errors other');
    const foreignAccount = await seedAccount(other.orgId);
    const body = { version: 0, retentionDays: 30, destinations: [] };
    const [a, b] = await Promise.all([save(user, body), save(user, body)]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    const stale = await save(user, body);
    expect(stale.status).toBe(409);
    expect((stale.body.details as { current: { version: number } }).current.version).toBe(1);

    const cases: [unknown, number, RegExp][] = [
      [{ version: 1, retentionDays: 10, destinations: [] }, 400, /^retentionDays/],
      [{ version: 1, retentionDays: 400, destinations: [] }, 400, /^retentionDays/],
      [
        {
          version: 1,
          retentionDays: 30,
          destinations: [{ kind: 'datadog', name: 'DD', site: 'datadoghq.com' }],
        },
        400,
        /^destinations\.0\.apiKey: required for a new Datadog destination/,
      ],
      [
        {
          version: 1,
          retentionDays: 30,
          destinations: [{ kind: 'splunk', name: 'S', url: 'http://x.example.com', hecToken }],
        },
        400,
        /^destinations\.0\.url/,
      ],
      [
        {
          version: 1,
          retentionDays: 30,
          destinations: [{ kind: 'datadog', name: 'DD', site: 'datadoghq.com', apiKey: 'short' }],
        },
        400,
        /^destinations\.0\.apiKey/,
      ],
      [
        {
          version: 1,
          retentionDays: 30,
          destinations: [{ kind: 'datadog', id: randomUUID(), name: 'DD', site: 'datadoghq.com', apiKey }],
        },
        400,
        /^destinations\.0\.id: no such destination/,
      ],
      [
        {
          version: 1,
          retentionDays: 30,
          destinations: [{ kind: 's3', name: 'S3', cloudAccountId: foreignAccount, bucket: 'acme-audit' }],
        },
        404,
        /not found in your organization/,
      ],
    ];
    for (const [input, status, message] of cases) {
      const res = await save(user, input);
      expect(res.status, `${JSON.stringify(input)} ${res.raw}`).toBe(status);
      expect(res.body.message).toMatch(message);
    }
    expect((await settingsOf(user)).body).toMatchObject({ version: 1, retentionDays: 30, destinations: [] });
  });
});

describe('SIEM test event (real HTTP receivers)', () => {
  interface Received {
    path: string;
    headers: Record<string, string | string[] | undefined>;
    body: string;
  }
  const received: Received[] = [];
  let server: Server;
  let base = '';
  let answer = 200;
  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        received.push({ path: req.url ?? '', headers: req.headers, body });
        res.statusCode = answer;
        res.end('{}');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    // Everything that would go to Datadog or Splunk goes to the receiver, path kept.
    configurePorts({
      siem: new HttpSiemSender({ allowPrivate: true, rewrite: (url) => `${base}${new URL(url).pathname}` }),
    });
  });
  afterAll(() => {
    server.close();
    configurePorts({ siem: new HttpSiemSender() });
  });

  it('delivers to Datadog and Splunk in each vendor’s format and auth header; reports a refused token', async () => {
    const user = await signUpAndIn('Audit SIEM');
    const other = await signUpAndIn('Audit SIEM other');
    const apiKey = randomBytes(16).toString('hex');
    const hecToken = randomUUID();
    const saved = await call('PUT /api/client/audit/settings', {
      token: user.accessToken,
      body: {
        version: 0,
        retentionDays: 365,
        destinations: [
          { kind: 'datadog', name: 'DD', site: 'datadoghq.com', apiKey },
          { kind: 'splunk', name: 'HEC', url: 'https://splunk.example.com:8088', hecToken },
        ],
      },
    });
    const [dd, hec] = saved.body.destinations as { id: string }[];
    const send = (who: User, destinationId: string) =>
      call('POST /api/client/audit/settings/test-event', { token: who.accessToken, body: { destinationId } });

    const toDatadog = await send(user, String(dd?.id));
    expect(toDatadog.body).toEqual({ delivered: true, status: 200, message: 'Delivered.' });
    const ddRequest = received.at(-1) as Received;
    expect(ddRequest.path).toBe('/api/v2/logs');
    expect(ddRequest.headers['dd-api-key']).toBe(apiKey);
    const logs = JSON.parse(ddRequest.body);
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatchObject({
      ddsource: 'spot-optimizer',
      message: expect.stringMatching(/^Sent SIEM Test Event by /),
    });

    const toSplunk = await send(user, String(hec?.id));
    expect(toSplunk.body.delivered).toBe(true);
    const hecRequest = received.at(-1) as Received;
    expect(hecRequest.path).toBe('/services/collector/event');
    expect(hecRequest.headers.authorization).toBe(`Splunk ${hecToken}`);
    expect(JSON.parse(hecRequest.body)).toMatchObject({
      sourcetype: '_json',
      event: { action: 'audit.settings.test-event' },
    });

    answer = 401;
    const refused = await send(user, String(hec?.id));
    answer = 200;
    expect(refused.body).toMatchObject({ delivered: false, status: 401 });
    expect(refused.raw).not.toContain(hecToken);

    // Another organization cannot use (or learn of) the destination.
    const before = received.length;
    const foreign = await send(other, String(dd?.id));
    const unknown = await send(other, randomUUID());
    expect(foreign.status).toBe(404);
    expect({ ...foreign.body, requestId: null }).toEqual({ ...unknown.body, requestId: null });
    expect(received.length).toBe(before);

    // Every attempt is in the trail with its result, never with the secret.
    const trail = await call('GET /api/client/audit', {
      token: user.accessToken,
      query: { event: 'audit.settings.test-event' },
    });
    expect(trail.body.items).toHaveLength(3);
    for (const secret of [apiKey, hecToken]) expect(trail.raw).not.toContain(secret);
  });
});
