/**
 * Catalog benchmark: cost of loading the vendored catalog (`shared/data/catalog.json`) and of the
 * lookups the savings engine makes per node. `npx tsx scripts/bench/catalog.ts`, or `npm run bench`.
 */
import { readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

export async function run(): Promise<void> {
  const path = fileURLToPath(new URL('../../shared/data/catalog.json', import.meta.url));
  const bytes = statSync(path).size;
  const gzipped = gzipSync(readFileSync(path)).length;
  const heapBefore = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  const { loadCatalog, eksAllocatable } = await import('@spot/shared/pricing/index');
  const catalog = loadCatalog();
  const loadMs = performance.now() - t0;
  const heapMiB = (process.memoryUsage().heapUsed - heapBefore) / 1024 / 1024;

  const names = catalog.instanceTypes.map((t) => t.name);
  const regions = ['us-east-1', 'eu-west-1', 'us-gov-west-1'];
  const rounds = 20;
  let known = 0;
  const t1 = performance.now();
  for (let r = 0; r < rounds; r++)
    for (const name of names)
      for (const region of regions) {
        if (catalog.onDemandHourlyUsd(name, region)) known++;
        catalog.spotHourlyEstimateUsd(name, region);
      }
  const lookups = rounds * names.length * regions.length * 2;
  const lookupNs = ((performance.now() - t1) * 1e6) / lookups;
  const t2 = performance.now();
  for (const type of catalog.instanceTypes) eksAllocatable(type);
  const allocatableUs = ((performance.now() - t2) * 1000) / names.length;

  console.log(
    `catalog.json: ${(bytes / 1024).toFixed(0)} KiB (${(gzipped / 1024).toFixed(0)} KiB gzipped), ${names.length} instance types, generated at ${catalog.metadata.generatedAt}`,
  );
  console.log(`  import + parse + index: ${loadMs.toFixed(0)} ms, ~${heapMiB.toFixed(0)} MiB heap`);
  console.log(
    `  price lookups: ${lookupNs.toFixed(0)} ns each (${known / rounds} of ${names.length * regions.length} type-region on-demand prices known in us-east-1, eu-west-1, us-gov-west-1)`,
  );
  console.log(`  EKS allocatable estimate: ${allocatableUs.toFixed(1)} us per type`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await run();
