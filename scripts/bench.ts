/**
 * `npm run bench`: runs every benchmark module in scripts/bench/ (each exports `run()` and prints its
 * figures). Benchmarks measure; they never pass or fail on a time.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('./bench/', import.meta.url));
const only = process.argv.slice(2);
const modules = readdirSync(dir)
  .filter((f) => f.endsWith('.ts'))
  .filter((f) => only.length === 0 || only.some((o) => f.startsWith(o)))
  .sort();

for (const file of modules) {
  console.log(`\n=== ${file.replace(/\.ts$/, '')} ===`);
  const mod = (await import(`${dir}${file}`)) as { run: () => Promise<void> };
  await mod.run();
}
