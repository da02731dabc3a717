import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { bundledAgentChartDirName } from '@spot/functions/lib/agent-chart-file';
import { bundledAgentManifestName } from '@spot/functions/lib/agent-manifest-file';
import { buildSync } from 'esbuild';
import { repoRoot } from '../paths';

/**
 * The product's Lambda bundles, built by ONE esbuild run for every function instead of one esbuild
 * process per function (ADR 0036): some 80 functions share the same dependency graph (shared/, zod,
 * middy, HiGHS), and bundling them one by one made a synth take minutes on a 2-core machine. Each entry
 * still gets its own complete bundle (`<dir>/index.mjs`, no code splitting), so every function ships
 * only what it imports, exactly as NodejsFunction bundled it.
 */

/**
 * HiGHS's WebAssembly (the packer's LP solver, loaded by `shared/src/packing/highs.ts`). esbuild inlines
 * the `highs` module into the bundle but not the binary it reads at run time: Emscripten's loader looks
 * for `highs.wasm` in the directory of the running script, i.e. next to the bundle's `index.mjs`.
 */
export const highsWasmPath = createRequire(join(repoRoot, 'shared', 'package.json')).resolve('highs/runtime');

/** The agent's plain manifest, which `GET /api/agent/manifest.yaml` serves (ADR 0071). */
export const agentManifestSourcePath = join(repoRoot, 'agent', 'manifests', 'agent.yaml');

/** The agent's Helm chart directory, which `GET /api/agent/spot-optimizer-agent-<version>.tgz` packs (ADR 0075). */
export const agentChartSourcePath = join(repoRoot, 'agent', 'helm', 'spot-optimizer-agent');

/**
 * Files (or a directory) a bundle reads at run time, beside its `index.mjs`: each is copied next to the
 * bundles whose code names it (the name is a string literal there, which minifying keeps), and only there.
 */
export const bundleDataFiles: readonly { name: string; source: string }[] = [
  { name: 'highs.wasm', source: highsWasmPath },
  { name: bundledAgentManifestName, source: agentManifestSourcePath },
  { name: bundledAgentChartDirName, source: agentChartSourcePath },
];

/** The entry module of each kind of function, as the stacks and the app's one bundling run name them. */
export const functionEntry = {
  route: (sourceDir: string, handler: string) => join(sourceDir, 'handlers', `${handler}.ts`),
  task: (sourceDir: string, module: string) => join(sourceDir, 'tasks', `${module}.ts`),
  stream: (sourceDir: string, module: string) => join(sourceDir, 'streams', `${module}.ts`),
};

let outRoot: string | undefined;
/** Bundle directory of each entry module built so far in this process. */
const built = new Map<string, string>();

/**
 * Bundles the entries not built yet, in one esbuild run. Output: `<root>/<entry path under the repo>/index.mjs`
 * with its source map, plus the {@link bundleDataFiles} beside the bundles that read them: `highs.wasm`
 * (the others stay 3.5 MB smaller; without the file the packer would fall back to its heuristic plan,
 * silently worse, so the infra test asserts it is there), the agent's manifest and its Helm chart.
 */
export function bundleFunctions(entries: readonly string[]): void {
  const missing = [...new Set(entries)].filter((e) => !built.has(e));
  if (missing.length === 0) return;
  if (!outRoot) {
    const root = mkdtempSync(join(tmpdir(), 'spot-functions-'));
    outRoot = root;
    // Synthesis copies each bundle into the cloud assembly (asset staging), so the directory is only
    // needed while this process runs. Left behind it cost about 1 GB per test process: 70 GB of /tmp
    // after a day of test runs, until the disk filled up.
    process.once('exit', () => rmSync(root, { recursive: true, force: true }));
  }
  const outDirOf = (entry: string) => relative(repoRoot, entry).replace(/\.ts$/, '');
  buildSync({
    entryPoints: Object.fromEntries(missing.map((e) => [join(outDirOf(e), 'index'), e])),
    outdir: outRoot,
    outExtension: { '.js': '.mjs' },
    absWorkingDir: repoRoot,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    minify: true,
    sourcemap: true,
    // Stack traces keep file and line numbers; the sources themselves stay out of the artifact.
    sourcesContent: false,
    mainFields: ['module', 'main'],
    // Bundled CommonJS dependencies may call require() for Node built-ins, which ESM lacks.
    banner: {
      js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
    },
    // The Node.js 24 runtime ships AWS SDK v3; leaving it out keeps bundles small and cold starts fast.
    external: ['@aws-sdk/*'],
    logLevel: 'error',
  });
  for (const entry of missing) {
    const dir = join(outRoot, outDirOf(entry));
    if (!existsSync(join(dir, 'index.mjs'))) throw new Error(`esbuild wrote no bundle for ${entry}`);
    const code = readFileSync(join(dir, 'index.mjs'), 'utf8');
    for (const data of bundleDataFiles)
      if (code.includes(data.name)) cpSync(data.source, join(dir, data.name), { recursive: true });
    built.set(entry, dir);
  }
}

/**
 * Removes this process's bundle directory (tests call it once they are done with the synthesized app:
 * a test runner's workers may end without an `exit` event, which left the directory behind).
 */
export function removeFunctionBundles(): void {
  if (outRoot) rmSync(outRoot, { recursive: true, force: true });
  outRoot = undefined;
  built.clear();
}

/** The bundle directory of one entry module (built now, alone, if no batch included it). */
export function bundleDirOf(entry: string): string {
  bundleFunctions([entry]);
  const dir = built.get(entry);
  if (!dir) throw new Error(`no bundle for ${entry}`);
  return dir;
}
