/**
 * Audit trail benchmark (issue 16, item 1: "100,000 records per organization page in under 200 ms p95"):
 * loads RECORDS (100,000) hash-chained audit records for one organization into DynamoDB Local (in
 * memory), spread over 90 days with a mix of actors, events, targets and outcomes, plus a second
 * organization's records in the same table, then pages `GET /api/client/audit` through the local gateway
 * (the same handler modules and route table as the CDK app, a signed-in user's token from cognito-local)
 * with and without filters: for each scenario the first page and the pages that follow by cursor,
 * SAMPLES requests in all, one at a time. Prints p50 / p95 / max per scenario and over everything.
 *
 * `npm run bench audit` or `npx tsx scripts/bench/audit.ts`. Environment: RECORDS (100000), SAMPLES (40),
 * LIMIT (100, the page size the Audit page asks for). Measures; never fails on a time.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { envInt, jsonPoster, percentile, startBenchServices } from './local-services';

const actions = [
  'policy.update',
  'node-template.create',
  'node-template.update',
  'account.rename',
  'hibernation.schedule.update',
  'discovery.failed',
  'optimizer.consolidate',
  'auth.signin',
] as const;
const outcomes = ['success', 'success', 'success', 'success', 'failed', 'denied'] as const;

export async function run(): Promise<void> {
  const recordCount = envInt('RECORDS', 100_000);
  const samples = envInt('SAMPLES', 40);
  const limit = envInt('LIMIT', 100);
  const services = await startBenchServices('audit');
  const { stops } = services;
  try {
    const { configurePorts } = await import('@spot/functions/ports/index');
    const { LocalKeyService } = await import('@spot/local/keys');
    const { startGateway } = await import('@spot/local/gateway');
    configurePorts({ keyService: new LocalKeyService(randomBytes(32)) });
    const gateway = await startGateway({ port: 0, webDist: join(services.dir, 'no-web') });
    stops.unshift(() => gateway.close());

    const post = jsonPoster(gateway.url);
    const email = `bench-${randomUUID().slice(0, 8)}@example.com`;
    const password = `Pw-${randomUUID().slice(0, 8)}-Aa1!`;
    const signup = await post('/api/auth/signup', { organizationName: 'Audit Bench', email, password });
    const orgId = String(signup.orgId);
    const token = String((await post('/api/auth/token', { email, password })).accessToken);

    // The trail, chained exactly as appendAudit chains it, written in batches after the sign-up record.
    const { chainHash } = await import('@spot/functions/domain/audit');
    const { auditRecordEntity } = await import('@spot/functions/data/entities/audit-record');
    const { auditHeadEntity } = await import('@spot/functions/data/entities/audit-head');
    const { putAll, getItem, putItem } = await import('@spot/functions/data/repository');
    const { auditHeadKey } = await import('@spot/functions/data/entities/audit-head');
    const users = Array.from({ length: 50 }, (_, i) => ({ id: `u-${i}`, name: `user${i}@example.com` }));
    const end = Date.now();
    const spanMs = 90 * 86_400_000;
    const load = async (org: string, count: number) => {
      const head = await getItem(auditHeadEntity, auditHeadKey(org), true);
      let prev = { seq: head?.seq ?? 0, hash: head?.hash ?? '0'.repeat(64) };
      let batch: Record<string, unknown>[] = [];
      const writes: Promise<unknown>[] = [];
      for (let i = 0; i < count; i++) {
        const system = i % 5 === 0;
        const user = users[(i * 7) % users.length] as { id: string; name: string };
        const action = actions[i % actions.length] as string;
        const body = {
          actorType: system ? 'system' : 'user',
          actorId: system ? null : user.id,
          actorName: system ? 'Optimizer' : user.name,
          action,
          resourceType: action.split('.')[0] as string,
          target: `cluster/eks-${i % 40}/nodegroup/ng-${i % 7}`,
          accountId: `acct-${i % 4}`,
          outcome: outcomes[i % outcomes.length] as string,
          before: { maxNodes: 10 + (i % 5) },
          after: { maxNodes: 15 + (i % 5) },
          sourceIp: system ? null : `198.18.${i % 200}.${i % 250}`,
          userAgent: system ? null : 'Mozilla/5.0 bench',
          requestId: randomUUID(),
          errorCode: null,
          orgId: org,
          auditId: randomUUID(),
          seq: prev.seq + 1,
          createdAt: new Date(end - spanMs + Math.floor((i / count) * spanMs)).toISOString(),
          prevHash: prev.hash,
        };
        const hash = chainHash(prev.hash, body);
        prev = { seq: body.seq, hash };
        batch.push(auditRecordEntity.toItem({ ...body, hash } as never));
        if (batch.length === 500) {
          writes.push(putAll(batch));
          batch = [];
          if (writes.length >= 8) await Promise.all(writes.splice(0));
        }
      }
      writes.push(putAll(batch));
      await Promise.all(writes);
      await putItem(auditHeadEntity, { orgId: org, seq: prev.seq, hash: prev.hash });
    };
    const started = performance.now();
    await load(orgId, recordCount);
    await load(randomUUID(), Math.max(1, Math.floor(recordCount / 10)));
    console.log(
      `loaded ${recordCount.toLocaleString('en-US')} audit records for one organization (+${Math.floor(recordCount / 10).toLocaleString('en-US')} of another) in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );

    const from7d = new Date(end - 7 * 86_400_000).toISOString();
    const scenarios: [string, Record<string, string>][] = [
      ['no filter', {}],
      ['last 7 days', { from: from7d }],
      ['actor type system', { actorType: 'system' }],
      ['outcome denied', { outcome: 'denied' }],
      ['event prefix policy.', { event: 'policy.' }],
      ['actor user7 (1 in 50 users)', { actor: 'user7@' }],
      ['target eks-3/', { target: 'eks-3/' }],
      [
        'denied policy.update, last 30 days',
        { outcome: 'denied', event: 'policy.update', from: new Date(end - 30 * 86_400_000).toISOString() },
      ],
    ];
    const all: number[] = [];
    for (const [name, filter] of scenarios) {
      const times: number[] = [];
      let cursor: string | null = null;
      let items = 0;
      let non200 = 0;
      // Pages the server cut short at its read budget (a rare filter): the client searches on from them.
      let budgeted = 0;
      let deepest = 0;
      let page = 0;
      for (let i = 0; i < samples; i++) {
        const query = new URLSearchParams({ ...filter, limit: String(limit), ...(cursor ? { cursor } : {}) });
        const t = performance.now();
        const res = await fetch(`${gateway.url}/api/client/audit?${query}`, {
          headers: { authorization: `Bearer ${token}` },
        });
        const body = (await res.json()) as {
          items?: unknown[];
          nextCursor?: string | null;
          searchedThrough?: string | null;
        };
        times.push(performance.now() - t);
        if (res.status !== 200) non200++;
        if (body.searchedThrough) budgeted++;
        items += body.items?.length ?? 0;
        page++;
        deepest = Math.max(deepest, page);
        // Every fourth request starts over (a person opening the page); the rest follow the cursor.
        cursor = i % 4 === 3 ? null : (body.nextCursor ?? null);
        if (!cursor) page = 0;
      }
      times.sort((a, b) => a - b);
      all.push(...times);
      console.log(
        `  ${name}: p50 ${percentile(times, 0.5).toFixed(1)} ms, p95 ${percentile(times, 0.95).toFixed(1)} ms, max ${(times.at(-1) ?? Number.NaN).toFixed(1)} ms (${times.length} requests, ${(items / times.length).toFixed(0)} items per page, pages up to ${deepest} deep, ${budgeted} cut short at the read budget, ${non200} non-200)`,
      );
    }
    all.sort((a, b) => a - b);
    console.log(
      `all GET /api/client/audit requests (limit ${limit}, 1 connection): p50 ${percentile(all, 0.5).toFixed(1)} ms, p95 ${percentile(all, 0.95).toFixed(1)} ms, max ${(all.at(-1) ?? Number.NaN).toFixed(1)} ms over ${all.length} requests (target p95 < 200 ms)`,
    );
  } finally {
    await services.stop();
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await run();
}
