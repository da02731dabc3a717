/**
 * First-load JavaScript of the SPA's routes, gzip-sized: index.html's entry and modulepreloads plus the
 * static-import closure of the route's page chunks (the shell and the page). Dynamic imports are not
 * followed: they load after the page is interactive, and are reported beside it (the ECharts chunk, which
 * the dashboard fetches in parallel with its API calls). Builds `web/dist` first when it is missing.
 *
 * `npm run bench bundle`. Measures; never fails on a size.
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
    console.log(`${route.padEnd(15)} first-load JS ${total.toFixed(1)} kB gzip (${seen.size} files)`);
  }
  for (const prefix of lazyChunks) {
    const file = chunk(prefix);
    if (file) console.log(`${`${prefix} chunk`.padEnd(15)} loaded lazily ${gzipKb(file).toFixed(1)} kB gzip`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
