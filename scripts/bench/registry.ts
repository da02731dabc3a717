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
    const seededAt = performance.now();
    const fleet = await seedRegistryFleet(orgId, clusterCount);
    console.log(`${clusterCount} clusters seeded in ${((performance.now() - seededAt) / 1000).toFixed(1)} s`);
    console.log(`  ${loadLine()}`);

    // What the list reads (a Query reads whole items): the index's shards (ADR 0053), then one page of
    // rows; before the index, every row.
    const { queryRaw } = await import('@spot/functions/data/repository');
    const { registryRowsOfOrgQuery } = await import('@spot/functions/data/entities/cluster-registry-row');
    const { registryIndexOfOrgQuery } = await import('@spot/functions/data/entities/cluster-registry-index');
    for (const [what, query] of [
      ['registry index shards', registryIndexOfOrgQuery(orgId)],
      ['registry rows', registryRowsOfOrgQuery(orgId)],
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

    const scenarios: [string, string][] = [
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
      // The dashboard over the same 500 clusters (their cards), for issue 17's dashboard target.
      ['dashboard, all clusters', '/api/client/dashboard'],
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
  } finally {
    await services.stop();
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await run();
}
