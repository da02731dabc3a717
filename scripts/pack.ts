/**
 * `npm run -s pack -- FILE [--pretty] [--time-limit-ms=N]`: reads a packing problem (JSON, `-` for stdin)
 * and prints only the plan JSON on stdout (formats: docs/packing.md). Invalid problem: a message on
 * stderr and exit code 2. Any other failure: exit code 1. The solving budget defaults to 3 s here (the
 * library's 1.5 s plus room for a cold process compiling the solver's code on its first run).
 */
import { readFileSync } from 'node:fs';
import { InvalidPackingProblemError, pack, parsePackingProblem } from '@spot/shared/packing/index';

const args = process.argv.slice(2);
const file = args.find((a) => !a.startsWith('--'));
const pretty = args.includes('--pretty');
const timeLimitArg = args.find((a) => a.startsWith('--time-limit-ms='))?.split('=')[1];

function fail(message: string, code: number): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

if (!file)
  fail('Usage: npm run -s pack -- FILE [--pretty] [--time-limit-ms=N]   (FILE may be - for stdin)', 2);
let text: string;
try {
  text = readFileSync(file === '-' ? 0 : file, 'utf8');
} catch (error) {
  fail(`Cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`, 2);
}
let json: unknown;
try {
  json = JSON.parse(text);
} catch (error) {
  fail(`${file} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`, 2);
}
const timeLimitMs = timeLimitArg === undefined ? undefined : Number(timeLimitArg);
if (timeLimitMs !== undefined && !(timeLimitMs > 0))
  fail('--time-limit-ms takes a positive number of milliseconds', 2);

// Anything a dependency logs goes to stderr: stdout carries the plan and nothing else.
console.log = console.error;
try {
  const problem = parsePackingProblem(json);
  const plan = await pack(problem, { timeLimitMs: timeLimitMs ?? 3000 });
  process.stdout.write(`${JSON.stringify(plan, null, pretty ? 2 : undefined)}\n`);
} catch (error) {
  if (error instanceof InvalidPackingProblemError) fail(error.message, 2);
  fail(`Packing failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`, 1);
}
