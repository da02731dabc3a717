/**
 * Discovery benchmark: the real discovery state machine (aws-local-stepfunctions) over the whole sandbox
 * cloud (every account discovered at once, as after connecting them), against an in-memory DynamoDB Local.
 * Reports wall time, DynamoDB write requests (items written or deleted, transactions by item) and where the
 * time went, for the default sandbox and the large variant (thousands of instances, about 50 clusters).
 *
 * The first run of an account back-fills 30 days of history (720 hourly rollups per cluster and daily
 * workload rollups); the second run (a re-sync) shows the steady state.
 *
 * `npm run bench discovery` or `npx tsx scripts/bench/discovery.ts [default|large] [account index]` (an index: only
 * that sandbox account, as after one Connect: the time-to-value case; the dashboard's browser test connects 1). Measures; never fails.
 * DynamoDB Local runs in memory; `BENCH_DDB_DIR=<dir>` puts its database on disk as `npm start` does
 * (SQLite: about 2.5x slower writes on this machine).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import type { SandboxSize } from '@spot/local/sandbox/index';

const sizes: SandboxSize[] = ['default', 'large'];
// `small` (7 of the default clusters) is measured only when asked: `discovery.ts small`.

interface Counters {
  writes: number;
  calls: Record<string, number>;
  ms: Record<string, number>;
}

function countWrites(client: { middlewareStack: { add: (...a: never[]) => void } }, counters: Counters) {
  const middleware =
    (
      next: (args: { input: Record<string, unknown> }) => Promise<unknown>,
      context: { commandName?: string },
    ) =>
    async (args: { input: Record<string, unknown> }) => {
      const name = context.commandName ?? 'unknown';
      counters.calls[name] = (counters.calls[name] ?? 0) + 1;
      const input = args.input;
      if (name === 'BatchWriteItemCommand') {
        for (const requests of Object.values((input.RequestItems ?? {}) as Record<string, unknown[]>))
          counters.writes += requests.length;
      } else if (name === 'TransactWriteItemsCommand') {
        counters.writes += ((input.TransactItems ?? []) as unknown[]).length;
      } else if (name === 'PutItemCommand' || name === 'UpdateItemCommand' || name === 'DeleteItemCommand') {
        counters.writes += 1;
      }
      const t = performance.now();
      try {
        return await next(args);
      } finally {
        counters.ms[name] = (counters.ms[name] ?? 0) + performance.now() - t;
      }
    };
  client.middlewareStack.add(middleware as never, { step: 'initialize', name: 'benchWriteCounter' } as never);
}

/**
 * Per state: runs, first start and last end (s after the executions started), summed time; then when the
 * first and the last cluster were collected.
 */
function timeline(spans: { state: string; startMs: number; endMs: number }[], startedMs: number): string {
  const s = (ms: number) => ((ms - startedMs) / 1000).toFixed(1);
  const states = [...new Set(spans.map((x) => x.state))];
  const parts = states.map((state) => {
    const own = spans.filter((x) => x.state === state);
    const summed = own.reduce((t, x) => t + x.endMs - x.startMs, 0) / 1000;
    const first = Math.min(...own.map((x) => x.startMs));
    const last = Math.max(...own.map((x) => x.endMs));
    return `${state} x${own.length} ${s(first)}-${s(last)} s (${summed.toFixed(1)} s summed)`;
  });
  const collected = spans
    .filter((x) => x.state === 'CollectOneCluster' || x.state === 'CollectCluster')
    .map((x) => x.endMs)
    .sort((a, b) => a - b);
  if (collected.length > 0)
    parts.push(
      `first cluster collected at ${s(collected[0] as number)} s, last at ${s(collected.at(-1) as number)} s`,
    );
  return parts.join('; ');
}

let onlyAccount: number | undefined;

export async function run(only?: SandboxSize[]): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  process.env.LOG_LEVEL ??= 'warn';
  const { startDynamoDbLocal, ensureTable } = await import('@spot/local/dynamodb');
  const { findFreePort } = await import('@spot/local/tcp-ports');
  const dynamodb = await startDynamoDbLocal({
    port: await findFreePort(),
    ...(process.env.BENCH_DDB_DIR ? { dataDir: process.env.BENCH_DDB_DIR } : {}),
  });
  try {
    for (const size of only ?? sizes) await runSize(size, dynamodb.endpoint, ensureTable);
  } finally {
    await dynamodb.stop();
  }
}

async function runSize(
  size: SandboxSize,
  endpoint: string,
  ensureTable: (e: string, t: string) => Promise<boolean>,
) {
  const tableName = `bench-${size}-${randomUUID().slice(0, 6)}`;
  await ensureTable(endpoint, tableName);
  const { localTableEnvironment } = await import('@spot/local/dynamodb');
  Object.assign(process.env, localTableEnvironment(endpoint, tableName));
  const { db, resetDbClientForTests } = await import('@spot/functions/data/client');
  const { configurePorts, resetPorts } = await import('@spot/functions/ports/index');
  const { seedSandboxAccount } = await import('@spot/local/sandbox/seed-account');
  const { SandboxCloud, sandboxKeys } = await import('@spot/local/sandbox/index');
  const { LocalKeyService } = await import('@spot/local/keys');
  const { LocalStepFunctions } = await import('@spot/local/stepfunctions');
  resetDbClientForTests();
  resetPorts();
  const counters: Counters = { writes: 0, calls: {}, ms: {} };
  countWrites(db() as never, counters);

  const built = performance.now();
  const sandbox = new SandboxCloud({ seed: 42, size });
  const world = sandbox.world;
  const buildMs = performance.now() - built;
  const keyService = new LocalKeyService(randomBytes(32));
  const timing = { snapshotMs: 0, historyMs: 0, snapshots: 0, histories: 0 };
  const port = sandbox.kubernetesPort;
  const cloudMs: Record<string, number> = {};
  const timedCloud = new Proxy(sandbox, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        const t = performance.now();
        try {
          return await value.apply(target, args);
        } finally {
          cloudMs[String(prop)] = (cloudMs[String(prop)] ?? 0) + performance.now() - t;
        }
      };
    },
  });
  configurePorts({
    cloud: timedCloud,
    keyService,
    workflows: new LocalStepFunctions(),
    scheduler: { upsertSchedule: async () => {}, deleteSchedule: async () => {} },
    kubernetes: {
      checkAccess: (target, cluster, rules) => port.checkAccess(target, cluster, rules),
      collectSnapshot: async (target, cluster) => {
        const t = performance.now();
        try {
          return await port.collectSnapshot(target, cluster);
        } finally {
          timing.snapshotMs += performance.now() - t;
          timing.snapshots += 1;
        }
      },
      history: async (target, cluster, from, to) => {
        const t = performance.now();
        try {
          return await port.history(target, cluster, from, to);
        } finally {
          timing.historyMs += performance.now() - t;
          timing.histories += 1;
        }
      },
      // Discovery never scales NodePools; the bench times reads only.
      listNodePools: (target, cluster) => port.listNodePools(target, cluster),
      listKarpenterObjects: (target, cluster) => port.listKarpenterObjects(target, cluster),
      setNodePoolCpuLimit: (target, cluster, pool, cpu) =>
        port.setNodePoolCpuLimit(target, cluster, pool, cpu),
      removeNodePoolNodes: (target, cluster, pool, keep) =>
        port.removeNodePoolNodes(target, cluster, pool, keep),
    },
  });
  // Every Task state's run, for the timeline: when the first cluster was collected, where the time went.
  const spans: { state: string; startMs: number; endMs: number }[] = [];
  const sfn = new LocalStepFunctions({
    retryIntervalMs: 50,
    wrapTask: (state, runTask) => async (input) => {
      const startMs = performance.now();
      try {
        return await runTask(input);
      } finally {
        spans.push({ state, startMs, endMs: performance.now() });
      }
    },
  });

  const orgId = randomUUID();
  const accounts: string[] = [];
  const keyList = sandboxKeys(sandbox).accounts;
  // One account only, as after one Connect (the time-to-value case).
  for (const keys of onlyAccount === undefined ? keyList : keyList.slice(onlyAccount, onlyAccount + 1)) {
    accounts.push((await seedSandboxAccount(orgId, keys, keyService)).accountId);
  }

  const nodeGroups = world.clusters.reduce((sum, c) => sum + c.nodeGroups.length, 0);
  console.log(
    `sandbox ${size}: ${world.accounts.length} accounts, ${world.clusters.length} clusters (${nodeGroups} node groups); world built in ${(buildMs / 1000).toFixed(1)} s`,
  );
  for (const pass of ['first discovery (with 30-day back-fill)', 're-sync']) {
    counters.writes = 0;
    counters.calls = {};
    counters.ms = {};
    Object.assign(timing, { snapshotMs: 0, historyMs: 0, snapshots: 0, histories: 0 });
    spans.length = 0;
    const started = performance.now();
    const executions = await Promise.all(
      accounts.map((accountId) => sfn.startExecution('discovery', { orgId, accountId })),
    );
    const records = await Promise.all(executions.map((e) => sfn.waitForExecution(e.executionArn)));
    const ms = performance.now() - started;
    const failed = records.filter((r) => r.status !== 'SUCCEEDED');
    const clusters = records.reduce(
      (s, r) => s + (((r.output as { clusters?: number } | undefined)?.clusters as number | undefined) ?? 0),
      0,
    );
    console.log(
      `  ${pass}: ${(ms / 1000).toFixed(1)} s, ${records.length - failed.length}/${records.length} accounts succeeded, ${clusters} clusters, ${counters.writes.toLocaleString('en-US')} DynamoDB write requests (${(counters.writes / (ms / 1000)).toFixed(0)}/s)`,
    );
    console.log(
      `    sandbox snapshots ${timing.snapshots} (${(timing.snapshotMs / 1000).toFixed(1)} s summed), history ${timing.histories} (${(timing.historyMs / 1000).toFixed(1)} s summed); calls: ${Object.entries(
        counters.calls,
      )
        .map(([k, v]) => `${k.replace(/Command$/, '')} ${v} (${((counters.ms[k] ?? 0) / 1000).toFixed(1)} s)`)
        .join(', ')}`,
    );
    console.log(
      `    cloud port (summed): ${Object.entries(cloudMs)
        .map(([k, v]) => `${k} ${(v / 1000).toFixed(1)} s`)
        .join(', ')}`,
    );
    for (const k of Object.keys(cloudMs)) delete cloudMs[k];
    console.log(`    timeline: ${timeline(spans, started)}`);
    if (pass.startsWith('first')) {
      const { queryAll } = await import('@spot/functions/data/repository');
      const { accountRegionEntity, regionsOfAccountQuery } = await import(
        '@spot/functions/data/entities/account-region'
      );
      const regions = (
        await Promise.all(accounts.map((a) => queryAll(accountRegionEntity, regionsOfAccountQuery(orgId, a))))
      ).flat();
      const instanceCount = regions.reduce((sum, r) => sum + r.instanceCount, 0);
      console.log(
        `    discovered ${instanceCount.toLocaleString('en-US')} EC2 instances in ${regions.filter((r) => r.instanceCount > 0).length} regions`,
      );
      const { clusterEntity, clustersOfAccountQuery } = await import('@spot/functions/data/entities/cluster');
      const clusters = (
        await Promise.all(accounts.map((a) => queryAll(clusterEntity, clustersOfAccountQuery(orgId, a))))
      ).flat();
      type Figures = {
        cost: { monthlyRunRateUsd: number };
        savings: { totalMonthlyUsd: number; steps: { source: string; incrementalMonthlyUsd: number }[] };
        binPacking: { gapToLowerBound: number | null; solveMs: number } | null;
      };
      const summaries = clusters.map((c) => c.summary as unknown as Figures).filter(Boolean);
      const usd = (v: number) => `$${Math.round(v).toLocaleString('en-US')}`;
      const bySource = new Map<string, number>();
      for (const s of summaries)
        for (const step of s.savings.steps)
          bySource.set(step.source, (bySource.get(step.source) ?? 0) + step.incrementalMonthlyUsd);
      const gaps = summaries.flatMap((s) =>
        s.binPacking?.gapToLowerBound != null ? [s.binPacking.gapToLowerBound] : [],
      );
      console.log(
        `    run rate ${usd(summaries.reduce((t, s) => t + s.cost.monthlyRunRateUsd, 0))}/month; potential savings ${usd(summaries.reduce((t, s) => t + s.savings.totalMonthlyUsd, 0))}/month (${[...bySource].map(([k, v]) => `${k} ${usd(v)}`).join(', ')}); packing gap to bound mean ${((gaps.reduce((a, b) => a + b, 0) / Math.max(1, gaps.length)) * 100).toFixed(1)} %, solve ${Math.round(summaries.reduce((t, s) => t + (s.binPacking?.solveMs ?? 0), 0) / 1000)} s summed`,
      );
    }
    for (const f of failed) console.log(`    FAILED ${f.name}: ${f.error?.error}: ${f.error?.cause}`);
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const arg = process.argv[2] as SandboxSize | undefined;
  if (process.argv[3] !== undefined) onlyAccount = Number(process.argv[3]);
  await run(arg ? [arg] : undefined);
}
