/**
 * Registry benchmark (issue 17, ADR 0045): the Command Center's routes served by the local gateway (the
 * same handlers and route table as the CDK app) over 500 clusters seeded in DynamoDB Local
 * (`local/src/registry-fixture.ts`: Cluster items, registry rows, cards), a signed-in user's token from
 * cognito-local. autocannon drives each scenario at 1 and 10 connections (`BENCH_CONNECTIONS`); p50 / p95
 * / p99 come from every response time. `BENCH_REGISTRY_CLUSTERS` changes the fleet size (default 500).
 *
 * `npm run bench registry`. Measures; never fails on a time.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { envInt, jsonPoster, percentile, startBenchServices } from './local-services';

const durationSeconds = Number(process.env.BENCH_DURATION_S ?? 6);
const connectionCounts = (process.env.BENCH_CONNECTIONS ?? '1,10').split(',').map(Number);

type Autocannon = (
  options: { url: string; headers: Record<string, string>; connections: number; duration: number },
  done: (error: Error | null, result: { requests: { average: number }; errors: number }) => void,
) => {
  on(
    event: 'response',
    listener: (client: unknown, statusCode: number, bytes: number, responseTime: number) => void,
  ): void;
};

export async function run(): Promise<void> {
  const clusterCount = envInt('BENCH_REGISTRY_CLUSTERS', 500);
  const services = await startBenchServices('registry');
  try {
    const { startGateway } = await import('@spot/local/gateway');
    const { seedRegistryFleet } = await import('@spot/local/registry-fixture');
    const gateway = await startGateway({ port: 0, webDist: join(services.dir, 'no-web') });
    services.stops.unshift(() => gateway.close());

    const email = `bench-${randomUUID().slice(0, 8)}@example.com`;
    const password = `Pw-${randomUUID().slice(0, 8)}-Aa1!`;
    const post = jsonPoster(gateway.url);
    const signup = await post('/api/auth/signup', { organizationName: 'Registry Bench', email, password });
    const orgId = String(signup.orgId);
    const token = String((await post('/api/auth/token', { email, password })).accessToken);
    const seededAt = performance.now();
    await seedRegistryFleet(orgId, clusterCount);
    console.log(`${clusterCount} clusters seeded in ${((performance.now() - seededAt) / 1000).toFixed(1)} s`);
    // The machine's load, printed beside the figures: on a shared 2-core machine it moves them a lot.
    const { loadavg, cpus } = await import('node:os');
    console.log(
      `  load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' / ')} on ${cpus().length} CPUs`,
    );

    // What the list reads: one Query of the registry rows (a Query reads whole items).
    const { queryRaw } = await import('@spot/functions/data/repository');
    const { registryRowsOfOrgQuery } = await import('@spot/functions/data/entities/cluster-registry-row');
    const rows = await queryRaw(registryRowsOfOrgQuery(orgId));
    const chars = rows.reduce((s, r) => s + JSON.stringify(r).length, 0);
    console.log(
      `  registry rows: ${rows.length}, ${(chars / 1024).toFixed(0)} KiB in all (${(chars / 1024 / Math.max(1, rows.length)).toFixed(2)} KiB each, as JSON)`,
    );

    const autocannonModule = 'autocannon';
    const { default: autocannon } = (await import(autocannonModule)) as { default: Autocannon };
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
    ];
    // Warm-up: the first requests of a fresh process pay for JIT compilation and connection set-up.
    for (const [, path] of scenarios)
      for (let i = 0; i < 5; i++)
        await (
          await fetch(`${gateway.url}${path}`, { headers: { authorization: `Bearer ${token}` } })
        ).arrayBuffer();
    for (const connections of connectionCounts) {
      console.log(`${connections} connection${connections === 1 ? '' : 's'} x ${durationSeconds} s:`);
      for (const [name, path] of scenarios) {
        const probe = await fetch(`${gateway.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
        const bytes = (await probe.arrayBuffer()).byteLength;
        const times: number[] = [];
        let non2xx = 0;
        const result = await new Promise<{ requests: { average: number }; errors: number }>(
          (resolve, reject) => {
            const instance = autocannon(
              {
                url: `${gateway.url}${path}`,
                headers: { authorization: `Bearer ${token}` },
                connections,
                duration: durationSeconds,
              },
              (error, out) => (error ? reject(error) : resolve(out)),
            );
            instance.on('response', (_c: unknown, statusCode: number, _b: number, responseTime: number) => {
              times.push(responseTime);
              if (statusCode >= 300) non2xx += 1;
            });
          },
        );
        times.sort((a, b) => a - b);
        console.log(
          `  ${name}: status ${probe.status}, ${(bytes / 1024).toFixed(1)} KiB: p50 ${percentile(times, 0.5).toFixed(1)} ms, p95 ${percentile(times, 0.95).toFixed(1)} ms, p99 ${percentile(times, 0.99).toFixed(1)} ms, ${result.requests.average.toFixed(0)} req/s (${times.length} requests, ${non2xx} non-2xx, ${result.errors} errors)`,
        );
      }
    }
  } finally {
    await services.stop();
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await run();
}
