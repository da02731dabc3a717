/**
 * Fuzz benchmark (issue 11, "must show" 1, long tier): the schema-driven fuzz suite of
 * functions/test/hardening/fuzz.ddb.test.ts with many more requests per route (`FUZZ_RUNS`, default 250;
 * `FUZZ_SEED` replays a run), against a fresh DynamoDB Local, cognito-local and table started by the ddb
 * test setup. It prints the requests sent per route with their 2xx / 4xx / 5xx counts and the time per
 * route; the run fails (non-zero exit) on any 5xx, leaky or non-actionable answer, naming the seed.
 *
 * `npm run bench fuzz` or `FUZZ_RUNS=1000 npx tsx scripts/bench/fuzz.ts`. Measures; never fails on a time.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';

export async function run(): Promise<void> {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const runs = process.env.FUZZ_RUNS ?? '250';
  const seed = process.env.FUZZ_SEED ?? String(Date.now() % 2 ** 31);
  console.log(`fuzz: ${runs} requests per route, seed ${seed}`);
  const result = spawnSync(
    'npx',
    ['vitest', 'run', '--project', 'ddb', 'functions/test/hardening/fuzz.ddb.test.ts', '--reporter=dot'],
    {
      cwd: root,
      // The per-request log lines would bury the table; warnings and errors still show.
      env: { ...process.env, FUZZ_RUNS: runs, FUZZ_SEED: seed, LOG_LEVEL: 'warn' },
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
    },
  );
  const output = `${result.stdout}${result.stderr}`;
  // The suite's own table (printed with console.log) and the failures, without vitest's chrome.
  const lines = output.split('\n').filter((l) => !l.startsWith('{"level":"info"'));
  console.log(lines.join('\n'));
  if (result.status !== 0) {
    process.exitCode = 1;
    console.log(`fuzz: FAILED (seed ${seed}); replay with FUZZ_SEED=${seed} FUZZ_RUNS=${runs}`);
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await run();
}
