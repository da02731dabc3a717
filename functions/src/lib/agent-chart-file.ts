import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The directory name of agent/helm/spot-optimizer-agent beside a Lambda bundle: infra's function-bundles.ts
 * copies the chart's directory next to every `index.mjs` that names it, as it copies the agent's manifest
 * (ADR 0071, 0075).
 */
export const bundledAgentChartDirName = 'spot-optimizer-agent-chart';

// In a Lambda bundle the copy beside `index.mjs`; run from the sources (local stack, tests) the chart itself.
const candidates = [
  new URL(bundledAgentChartDirName, import.meta.url),
  new URL('../../../agent/helm/spot-optimizer-agent', import.meta.url),
];

/** Every regular file under `dir`, as `/`-separated paths relative to it. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((path) => statSync(join(dir, path)).isFile())
    .map((path) => relative(dir, join(dir, path)).split(sep).join('/'));
}

let files: { path: string; content: Buffer }[] | undefined;

/**
 * The chart's files as the repository holds them (`Chart.yaml`, `values.yaml`, `templates/…`), paths
 * relative to the chart's directory, sorted; read once.
 */
export function readAgentChartFiles(): readonly { path: string; content: Buffer }[] {
  if (files !== undefined) return files;
  const dir = candidates
    .map((url) => fileURLToPath(url))
    .find((path) => existsSync(join(path, 'Chart.yaml')));
  if (!dir) throw new Error(`${bundledAgentChartDirName} is not beside the function's bundle`);
  files = filesUnder(dir)
    .sort()
    .map((path) => ({ path, content: readFileSync(join(dir, path)) }));
  return files;
}
