import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The file name of agent/manifests/agent.yaml beside a Lambda bundle: infra's function-bundles.ts copies
 * the file next to every `index.mjs` that names it, as it does HiGHS's `highs.wasm` (ADR 0071).
 */
export const bundledAgentManifestName = 'spot-optimizer-agent.yaml';

// In a Lambda bundle the copy beside `index.mjs`; run from the sources (local stack, tests) the file itself.
const candidates = [
  new URL(bundledAgentManifestName, import.meta.url),
  new URL('../../../agent/manifests/agent.yaml', import.meta.url),
];

let text: string | undefined;

/** The agent's plain manifest as the repository holds it (its CHANGE ME values in place), read once. */
export function readAgentManifest(): string {
  if (text !== undefined) return text;
  const file = candidates.map((url) => fileURLToPath(url)).find((path) => existsSync(path));
  if (!file) throw new Error(`${bundledAgentManifestName} is not beside the function's bundle`);
  text = readFileSync(file, 'utf8');
  return text;
}
