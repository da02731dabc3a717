/**
 * Dashboard benchmark: the two dashboard routes served by the local gateway (the same handler modules and
 * route table as the CDK app), a signed-in user's token from cognito-local, over the large sandbox (about
 * 50 clusters) discovered for real by the discovery state machine (30-day back-fill, real summaries and
 * series) in DynamoDB Local. autocannon drives each scenario at 1, 4 and 10 connections
 * (`BENCH_CONNECTIONS=1,4,10`); p50 / p95 / p99 come from every response time it reports, so p95 is exact
 * rather than autocannon's p97.5 bucket. It also prints the size of the card and series items (what the
 * routes' Queries read).
 *
 * `npm run bench dashboard` or `npx tsx scripts/bench/dashboard.ts`. Measures; never fails on a time.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadLine, runScenarios, signUpThroughApi } from './http-load';
import { percentile, startBenchServices } from './local-services';

const durationSeconds = Number(process.env.BENCH_DURATION_S ?? 6);
/**
 * 1 connection: the latency of one request; 4 and 10 (autocannon's default): under concurrent load (one
 * process serves them all, as one warm Lambda would not: a floor on what concurrency costs).
 */
const connectionCounts = (process.env.BENCH_CONNECTIONS ?? '1,4,10').split(',').map(Number);

export async function run(): Promise<void> {
  const services = await startBenchServices('dashboard');
  const { stops } = services;
  try {
    const { configurePorts } = await import('@spot/functions/ports/index');
    const { SandboxCloud, sandboxKeys } = await import('@spot/local/sandbox/index');
    const { LocalKeyService } = await import('@spot/local/keys');
    const { LocalStepFunctions } = await import('@spot/local/stepfunctions');
    const { startGateway } = await import('@spot/local/gateway');
    const { seedSandboxAccount } = await import('@spot/local/sandbox/seed-account');

    const sandbox = new SandboxCloud({ seed: 42, size: 'large' });
    const keyService = new LocalKeyService(randomBytes(32));
    const workflows = new LocalStepFunctions({ retryIntervalMs: 50 });
    configurePorts({
      cloud: sandbox,
      kubernetes: sandbox.kubernetesPort,
      keyService,
      workflows,
      scheduler: { upsertSchedule: async () => {}, deleteSchedule: async () => {} },
    });
    const gateway = await startGateway({ port: 0, webDist: join(services.dir, 'no-web') });
    stops.unshift(() => gateway.close());

    const { orgId, token } = await signUpThroughApi(gateway.url, 'Bench Corp');
    console.log(loadLine());

    // Every sandbox account connected and discovered (the real state machine, with the back-fill).
    const accounts: string[] = [];
    for (const keys of sandboxKeys(sandbox).accounts) {
      accounts.push((await seedSandboxAccount(orgId, keys, keyService)).accountId);
    }
    const started = performance.now();
    const executions = await Promise.all(
      accounts.map((accountId) => workflows.startExecution('discovery', { orgId, accountId })),
    );
    const records = await Promise.all(executions.map((e) => workflows.waitForExecution(e.executionArn)));
    const failed = records.filter((r) => r.status !== 'SUCCEEDED').length;

    const get = async (path: string) => {
      const res = await fetch(`${gateway.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
      return { status: res.status, body: (await res.json()) as Record<string, unknown>, bytes: 0 };
    };
    const whole = await get('/api/client/dashboard');
    const clusters = (whole.body.clusters ?? []) as { clusterId: string; accountId: string }[];
    const summary = whole.body.summary as {
      monthlyRunRateUsd: number;
      potentialSavings: { totalMonthlyUsd: number };
    };
    console.log(
      `large sandbox: ${accounts.length} accounts, ${clusters.length} clusters discovered in ${((performance.now() - started) / 1000).toFixed(1)} s (${failed} failed); run rate $${Math.round(summary.monthlyRunRateUsd).toLocaleString('en-US')}/month, potential savings $${Math.round(summary.potentialSavings.totalMonthlyUsd).toLocaleString('en-US')}/month`,
    );
    // What the routes read: a Query reads whole items, whatever it projects. Each prefix's Query is also
    // timed alone and both in parallel (what a Resource Gap reading the cards as well would wait for).
    const { queryRaw } = await import('@spot/functions/data/repository');
    const { cardsOfOrgQuery } = await import('@spot/functions/data/entities/cluster-card');
    const { seriesOfOrgQuery } = await import('@spot/functions/data/entities/cluster-series');
    const queries = { cards: cardsOfOrgQuery(orgId), series: seriesOfOrgQuery(orgId) };
    const readAll = (kind: keyof typeof queries) => queryRaw(queries[kind]);
    const medianMs = async (read: () => Promise<unknown>) => {
      const times: number[] = [];
      for (let i = 0; i < 15; i += 1) {
        const t = performance.now();
        await read();
        times.push(performance.now() - t);
      }
      return percentile(
        times.sort((x, y) => x - y),
        0.5,
      ).toFixed(1);
    };
    for (const prefix of ['cards', 'series'] as const) {
      const items = await readAll(prefix);
      const chars = items.reduce((sum, item) => sum + JSON.stringify(item).length, 0);
      console.log(
        `  ${prefix} items: ${items.length}, ${(chars / 1024).toFixed(0)} KiB in all (${(chars / 1024 / Math.max(1, items.length)).toFixed(1)} KiB each, as JSON); one Query: median ${await medianMs(() => readAll(prefix))} ms`,
      );
    }
    console.log(
      `  cards and series Queries in parallel: median ${await medianMs(() => Promise.all([readAll('cards'), readAll('series')]))} ms`,
    );
    // The account with the most clusters, and its largest cluster.
    const byAccount = new Map<string, number>();
    for (const c of clusters) byAccount.set(c.accountId, (byAccount.get(c.accountId) ?? 0) + 1);
    const account = [...byAccount.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? accounts[0];
    const cluster = clusters[0]?.clusterId ?? '';

    // Policy preview (issue 13: "answers in under 1 s"): every cluster once per aggressiveness, a draft the
    // page would send, through the gateway (three Queries, the savings engine under the draft).
    const previewTimes: number[] = [];
    let previewFailures = 0;
    let slowest = { ms: 0, what: '' };
    for (const aggressiveness of ['conservative', 'balanced', 'aggressive']) {
      for (const c of clusters) {
        const t = performance.now();
        const res = await fetch(`${gateway.url}/api/client/clusters/${c.clusterId}/policy/preview`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ policy: { infrastructure: { binPacking: { aggressiveness } } } }),
        });
        await res.arrayBuffer();
        const ms = performance.now() - t;
        previewTimes.push(ms);
        if (res.status !== 200) previewFailures += 1;
        const nodes = (c as { nodeCount?: number }).nodeCount;
        if (ms > slowest.ms) slowest = { ms, what: `${aggressiveness}, a cluster of ${nodes ?? '?'} nodes` };
      }
    }
    previewTimes.sort((x, y) => x - y);
    console.log(
      `policy preview, ${previewTimes.length} requests (${clusters.length} clusters x 3 drafts, 1 connection): p50 ${percentile(previewTimes, 0.5).toFixed(0)} ms, p95 ${percentile(previewTimes, 0.95).toFixed(0)} ms, max ${(previewTimes.at(-1) ?? Number.NaN).toFixed(0)} ms (${slowest.what}), ${previewFailures} non-200`,
    );

    const scenarios: [string, string][] = [
      ['dashboard, all clusters', '/api/client/dashboard'],
      [
        `dashboard, one account (${byAccount.get(account ?? '') ?? 0} clusters)`,
        `/api/client/dashboard?accountId=${account}`,
      ],
      ['dashboard, one cluster', `/api/client/dashboard?clusterId=${cluster}`],
      ['resource-gap 30d cpu, all clusters', '/api/client/dashboard/resource-gap?range=30d&resource=cpu'],
      [
        'resource-gap 30d memory, one account',
        `/api/client/dashboard/resource-gap?range=30d&resource=memory&accountId=${account}`,
      ],
      [
        'resource-gap 24h cpu, one cluster',
        `/api/client/dashboard/resource-gap?range=24h&resource=cpu&clusterId=${cluster}`,
      ],
    ];
    await runScenarios({ gatewayUrl: gateway.url, token, scenarios, connectionCounts, durationSeconds });
  } finally {
    await services.stop();
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await run();
}
