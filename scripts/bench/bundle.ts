/**
 * First-load JavaScript of the SPA's routes, gzip-sized: index.html's entry and modulepreloads plus the
 * static-import closure of the route's page chunks (the shell and the page). Dynamic imports are not
 * followed: they load after the page is interactive, and are reported beside it (the ECharts chunk, which
 * the dashboard fetches in parallel with its API calls). Builds `web/dist` first when it is missing.
 *
 * One budget is checked (issue 17): the registry route (`/clusters`, 500 clusters in a virtualized grid)
 * loads no more JavaScript first than the dashboard route does. Both figures are printed; over it, an
 * `OVER BUDGET` line and a non-zero exit code (`npm run bench bundle` fails).
 *
 * `npm run bench bundle`.
 */
import { execSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const dist = fileURLToPath(new URL('../../web/dist/', import.meta.url));
const routes = [
  { route: '/dashboard', chunks: ['AppShell', 'DashboardPage'] },
  { route: '/clusters/:id', chunks: ['AppShell', 'ClusterPage'] },
  { route: '/clusters', chunks: ['AppShell', 'ClustersPage'] },
  { route: '/login', chunks: ['LoginPage'] },
];
const lazyChunks = ['echarts'];
/** The route held to another's first-load JS: the registry may load no more than the dashboard. */
const budget = { route: '/clusters', within: '/dashboard' } as const;

export async function run(): Promise<void> {
  if (!existsSync(join(dist, 'index.html'))) {
    console.log('web/dist missing: building the SPA (npm run build:web)');
    execSync('npm run -s build:web', { stdio: 'ignore' });
  }
  const assets = join(dist, 'assets');
  const files = readdirSync(assets).filter((f) => f.endsWith('.js'));
  const html = readFileSync(join(dist, 'index.html'), 'utf8');
  const entry = [...html.matchAll(/(?:src|href)="\/assets\/([^"]+\.js)"/g)].map((m) => m[1] as string);
  const chunk = (prefix: string) => files.find((f) => f.startsWith(`${prefix}-`));
  const gzipKb = (file: string) => gzipSync(readFileSync(join(assets, file))).length / 1000;

  const firstLoadKb = new Map<string, number>();
  for (const { route, chunks } of routes) {
    const seen = new Set<string>();
    const queue = [...entry, ...chunks.map((c) => chunk(c)).filter((f): f is string => f !== undefined)];
    while (queue.length > 0) {
      const file = queue.pop() as string;
      if (seen.has(file)) continue;
      seen.add(file);
      const code = readFileSync(join(assets, file), 'utf8');
      // Static imports only (`import … from "./x.js"`, `import "./x.js"`); `import("./x.js")` is lazy.
      for (const m of code.matchAll(
        /(?:^|[;}\n])\s*import\s*(?:[^"'();]*?\sfrom\s*)?["']\.\/([^"']+\.js)["']/g,
      ))
        queue.push(m[1] as string);
      for (const m of code.matchAll(/\bfrom\s*["']\.\/([^"']+\.js)["']/g)) queue.push(m[1] as string);
    }
    const total = [...seen].reduce((s, f) => s + gzipKb(f), 0);
    firstLoadKb.set(route, total);
    console.log(`${route.padEnd(15)} first-load JS ${total.toFixed(1)} kB gzip (${seen.size} files)`);
  }
  for (const prefix of lazyChunks) {
    const file = chunk(prefix);
    if (file) console.log(`${`${prefix} chunk`.padEnd(15)} loaded lazily ${gzipKb(file).toFixed(1)} kB gzip`);
  }

  const measured = firstLoadKb.get(budget.route);
  const allowed = firstLoadKb.get(budget.within);
  if (measured === undefined || allowed === undefined) {
    // A page chunk renamed or gone: the budget would pass on nothing, so it fails instead.
    process.exitCode = 1;
    console.log(`budget: FAILED, ${budget.route} or ${budget.within} has no page chunk in web/dist`);
    return;
  }
  const line = `${budget.route} first-load JS ${measured.toFixed(1)} kB gzip, budget ${allowed.toFixed(1)} kB gzip (${budget.within}'s first-load JS)`;
  if (measured > allowed) {
    process.exitCode = 1;
    console.log(`budget: OVER BUDGET by ${(measured - allowed).toFixed(1)} kB: ${line}`);
  } else {
    console.log(`budget: within, ${(allowed - measured).toFixed(1)} kB to spare: ${line}`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
