/**
 * Registry benchmark (issue 17, ADR 0045): the Command Center's routes served by the local gateway (the
 * same handlers and route table as the CDK app) over 500 clusters seeded in DynamoDB Local
 * (`local/src/registry-fixture.ts`: Cluster items, registry rows, cards), a signed-in user's token from
 * cognito-local. autocannon drives each scenario at 1 and 10 connections (`BENCH_CONNECTIONS`); p50 / p95
 * / p99 come from every response time. `BENCH_REGISTRY_CLUSTERS` changes the fleet size (default 500).
 *
 * `npm run bench registry`. Measures; never fails on a time.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadLine, runScenarios, signUpThroughApi } from './http-load';
import { envInt, startBenchServices } from './local-services';

const durationSeconds = Number(process.env.BENCH_DURATION_S ?? 6);
const connectionCounts = (process.env.BENCH_CONNECTIONS ?? '1,10').split(',').map(Number);

export async function run(): Promise<void> {
  const clusterCount = envInt('BENCH_REGISTRY_CLUSTERS', 500);
  const services = await startBenchServices('registry');
  try {
    const { startGateway } = await import('@spot/local/gateway');
    const { seedRegistryFleet } = await import('@spot/local/registry-fixture');
    const gateway = await startGateway({ port: 0, webDist: join(services.dir, 'no-web') });
    services.stops.unshift(() => gateway.close());

    const { orgId, token } = await signUpThroughApi(gateway.url, 'Registry Bench');
    // The same fleet in a second organization without dashboard digests (cards written before them): the
    // route's card path (ADR 0053's read), measured beside the digests' in the same minutes (ADR 0062).
    const cardsOnly = await signUpThroughApi(gateway.url, 'Registry Bench, cards only');
    const seededAt = performance.now();
    // Cards of a collected cluster's size: spot candidates and blockers, instance types, a week of stability.
    const fleet = await seedRegistryFleet(orgId, clusterCount, { dashboardParts: true });
    await seedRegistryFleet(cardsOnly.orgId, clusterCount, { dashboardParts: true, digests: false });
    console.log(
      `${clusterCount} clusters seeded twice in ${((performance.now() - seededAt) / 1000).toFixed(1)} s`,
    );
    console.log(`  ${loadLine()}`);

    // What the list reads (a Query reads whole items): the index's shards (ADR 0053), then one page of
    // rows; before the index, every row.
    const { queryRaw } = await import('@spot/functions/data/repository');
    const { registryRowsOfOrgQuery } = await import('@spot/functions/data/entities/cluster-registry-row');
    const { registryIndexOfOrgQuery } = await import('@spot/functions/data/entities/cluster-registry-index');
    const { cardsOfOrgQuery } = await import('@spot/functions/data/entities/cluster-card');
    const { dashboardDigestsOfOrgQuery, dashboardDigestVersionsOfOrgQuery } = await import(
      '@spot/functions/data/entities/dashboard-digest'
    );
    for (const [what, query] of [
      ['registry index shards', registryIndexOfOrgQuery(orgId)],
      ['registry rows', registryRowsOfOrgQuery(orgId)],
      ['dashboard digest items', dashboardDigestsOfOrgQuery(orgId)],
      ['dashboard digest counters and marker', dashboardDigestVersionsOfOrgQuery(orgId)],
      ['dashboard cards', cardsOfOrgQuery(orgId)],
    ] as const) {
      const items = await queryRaw(query);
      const chars = items.reduce((s, r) => s + JSON.stringify(r).length, 0);
      console.log(
        `  ${what}: ${items.length}, ${(chars / 1024).toFixed(0)} KiB in all (${(chars / 1024 / Math.max(1, items.length)).toFixed(2)} KiB each, as JSON)`,
      );
    }

    // The read path alone, old and new interleaved at the same moment (the machine's load moves both
    // alike): ADR 0045's Query of every row vs ADR 0053's index shards plus the page's rows.
    const { listRegistry } = await import('@spot/functions/domain/cluster-registry');
    const { registryItemOf, filterRegistry, sortRegistry, pageAfter } = await import(
      '@spot/shared/registry/index'
    );
    const now = new Date();
    const query = { limit: 50, sort: 'monthlyRunRateUsd', dir: 'desc' } as const;
    const viaRows = async () => {
      const rows = await queryRaw(registryRowsOfOrgQuery(orgId), {
        projection: ['row', 'trend', 'realizedMonthlyUsd'],
      });
      const items = rows.flatMap(
        (r) => registryItemOf(String(r.row), typeof r.trend === 'string' ? r.trend : null, now) ?? [],
      );
      return pageAfter(
        sortRegistry(filterRegistry(items, {}), query.sort, query.dir),
        query.sort,
        query.dir,
        null,
        50,
      );
    };
    const viaIndex = () => listRegistry(orgId, query as Parameters<typeof listRegistry>[1], now);
    const times = { rows: [] as number[], index: [] as number[] };
    for (let i = 0; i < 40; i++) {
      for (const [k, f] of [
        ['rows', viaRows],
        ['index', viaIndex],
      ] as const) {
        const t = performance.now();
        await f();
        if (i >= 5) times[k].push(performance.now() - t);
      }
    }
    const { percentile } = await import('./local-services');
    for (const k of ['rows', 'index'] as const) {
      const sorted = times[k].sort((x, y) => x - y);
      console.log(
        `  first page read in process, ${k === 'rows' ? 'every row (ADR 0045)' : 'index + page rows (ADR 0053)'}: p50 ${percentile(sorted, 0.5).toFixed(1)} ms, p95 ${percentile(sorted, 0.95).toFixed(1)} ms (${sorted.length} reads, ${loadLine()})`,
      );
    }

    await compareDashboardReads(orgId, fleet, services.dynamodbPid);

    const scenarios: ([string, string] | [string, string, string])[] = [
      // The page's first request: 50 rows (the SPA's page size), by cost, the highest first.
      [
        'registry first page (50, by cost desc)',
        '/api/client/clusters?limit=50&sort=monthlyRunRateUsd&dir=desc',
      ],
      ['registry page of 100, by name', '/api/client/clusters?limit=100&sort=name'],
      [
        'registry, prod + degraded, by health',
        '/api/client/clusters?limit=100&environment=prod&health=degraded&sort=healthScore',
      ],
      ['registry, search "payments"', '/api/client/clusters?limit=100&q=payments'],
      ['status bar (summary)', '/api/client/clusters/summary'],
      // The dashboard over the same 500 clusters, for issue 17's dashboard target: from the digests
      // (ADR 0062), then, the same fleet, from the cards (an organization without digests).
      ['dashboard, all clusters', '/api/client/dashboard'],
      ['dashboard, one account (all 500)', '/api/client/dashboard?accountId=acct-fixture'],
      ['dashboard, all clusters, from the cards', '/api/client/dashboard', cardsOnly.token],
      // A heatmap not in the fleet's answer, fetched when chosen (the cluster's own dashboard).
      [
        'dashboard, one cluster (a heatmap on selection)',
        `/api/client/dashboard?clusterId=${fleet.at(-1)?.clusterId}`,
      ],
    ];
    // Warm-up: the first requests of a fresh process pay for JIT compilation and connection set-up.
    await runScenarios({
      gatewayUrl: gateway.url,
      token,
      scenarios,
      connectionCounts,
      durationSeconds,
      warmUp: 5,
    });

    // The dashboard while agents write (ADR 0064): a card every 600 ms, as 500 clusters on 5-minute
    // snapshots do, each through the real transaction that moves its shard's counter, so the kept answer
    // is rebuilt (one shard read again) about 1.7 times a second. The writes run in this process too.
    const writeOneCard = await cardWriter(orgId, fleet);
    let writing = true;
    let writes = 0;
    const writer = (async () => {
      while (writing) {
        const started = performance.now();
        await writeOneCard();
        writes++;
        await new Promise((r) => setTimeout(r, Math.max(0, 600 - (performance.now() - started))));
      }
    })();
    try {
      await runScenarios({
        gatewayUrl: gateway.url,
        token,
        scenarios: [['dashboard, all clusters, a card written every 0.6 s', '/api/client/dashboard']],
        connectionCounts,
        durationSeconds,
      });
    } finally {
      writing = false;
      await writer;
    }
    console.log(`  (${writes} card writes during those runs)`);
  } finally {
    await services.stop();
  }
}

/**
 * A snapshot's card write, the next cluster of the fleet each time: the real transaction (card, registry
 * row, digest, its shard's counter), through `updateClusterFields`.
 */
async function cardWriter(
  orgId: string,
  fleet: readonly { clusterId: string }[],
): Promise<() => Promise<void>> {
  const { updateClusterFields } = await import('@spot/functions/domain/discovery/snapshot');
  const { getItem } = await import('@spot/functions/data/repository');
  const { clusterEntity, clusterKey } = await import('@spot/functions/data/entities/cluster');
  let next = 0;
  return async () => {
    const clusterId = fleet[next++ % fleet.length]?.clusterId as string;
    const cluster = await getItem(clusterEntity, clusterKey(orgId, clusterId));
    if (cluster) await updateClusterFields(orgId, clusterId, { podCount: cluster.podCount + 1 });
  };
}

/**
 * The dashboard's domain call in this process, interleaved (the machine's load moves all alike): the
 * answer kept while no shard's counter moves (ADR 0064), the answer after one card write (one shard read
 * again, the answer rebuilt), the first read of a process (every digest), and the cards (ADR 0053). Wall
 * time per call, and the CPU time it cost this process (handler, SDK) and DynamoDB Local, per call; the
 * card write before each "after a card write" call is outside its figures.
 */
async function compareDashboardReads(
  orgId: string,
  fleet: readonly { clusterId: string }[],
  dynamodbPid: number,
): Promise<void> {
  const { getDashboard } = await import('@spot/functions/domain/dashboard');
  const { forgetKeptDashboards } = await import('@spot/functions/domain/dashboard-fleet');
  const { percentile, processCpuMs } = await import('./local-services');
  const now = new Date();
  let written = 0;
  const writeCard = await cardWriter(orgId, fleet);
  const writeOneCard = async () => {
    written++;
    await writeCard();
  };
  const reads = {
    kept: {
      label: 'kept (no counter moved, ADR 0064)',
      before: async () => {},
      read: () => getDashboard(orgId, {}, now),
    },
    written: {
      label: 'after one card write (one shard read again)',
      before: writeOneCard,
      read: () => getDashboard(orgId, {}, now),
    },
    first: {
      label: "a process's first read (every digest)",
      before: async () => forgetKeptDashboards(),
      read: () => getDashboard(orgId, {}, now),
    },
    cards: {
      label: 'from the cards (ADR 0053)',
      before: async () => {},
      read: () => getDashboard(orgId, {}, now, { read: 'cards' }),
    },
  };
  type Kind = keyof typeof reads;
  const kinds = Object.keys(reads) as Kind[];
  forgetKeptDashboards();
  const fromCards = JSON.stringify(await reads.cards.read());
  const same = (answer: unknown) => (JSON.stringify(answer) === fromCards ? 'the same' : 'DIFFERENT');
  const sameFirst = same(await reads.kept.read());
  const sameKept = same(await reads.kept.read());
  const figures = Object.fromEntries(
    kinds.map((k) => [k, { times: [] as number[], nodeCpuMs: 0, dynamodbCpuMs: 0 }]),
  ) as Record<Kind, { times: number[]; nodeCpuMs: number; dynamodbCpuMs: number }>;
  const rounds = 40;
  const warmUp = 5;
  for (let i = 0; i < rounds; i++) {
    for (const k of kinds) {
      await reads[k].before();
      const cpu = process.cpuUsage();
      const db = processCpuMs(dynamodbPid);
      const t = performance.now();
      await reads[k].read();
      if (i < warmUp) continue;
      figures[k].times.push(performance.now() - t);
      const used = process.cpuUsage(cpu);
      figures[k].nodeCpuMs += (used.user + used.system) / 1000;
      figures[k].dynamodbCpuMs += processCpuMs(dynamodbPid) - db;
    }
  }
  // After the card writes, the kept answer is still the cards' (a write moves its shard's counter).
  const afterWrites =
    JSON.stringify(await reads.kept.read()) === JSON.stringify(await reads.cards.read())
      ? 'the same'
      : 'DIFFERENT';
  console.log(
    `  dashboard answer in process, all clusters: first read ${sameFirst}, kept ${sameKept}, after ${written} card writes ${afterWrites} as from the cards`,
  );
  for (const k of kinds) {
    const f = figures[k];
    const n = f.times.length;
    const sorted = f.times.sort((x, y) => x - y);
    console.log(
      `    ${reads[k].label}: p50 ${percentile(sorted, 0.5).toFixed(1)} ms, p95 ${percentile(sorted, 0.95).toFixed(1)} ms; CPU per call ${(f.nodeCpuMs / n).toFixed(1)} ms here + ${(f.dynamodbCpuMs / n).toFixed(1)} ms DynamoDB Local (${n} calls, ${loadLine()})`,
    );
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await run();
}
