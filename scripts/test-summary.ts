/**
 * Prints the one closing line of `npm test`: "tests: N passed, N failed" over every runner's JSON
 * report, plus the names of failed steps that ran no tests (lint, typecheck, build).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const [dir = '.test-results', ...failedSteps] = process.argv.slice(2);
let passed = 0;
let failed = 0;
let skipped = 0;
const failedNames: string[] = [];
const firstLine = (text: string): string => text.split('\n')[0]?.slice(0, 300) ?? '';

interface PwSuite {
  title: string;
  specs?: {
    title: string;
    ok: boolean;
    file?: string;
    tests?: { results?: { error?: { message?: string } }[] }[];
  }[];
  suites?: PwSuite[];
}

// One report per vitest process: `npm test` runs the DynamoDB Local tier and the unit and CDK tiers as two
// (vitest-ddb.json, vitest-unit.json); a plain `vitest run` writes vitest.json.
const vitestFiles = existsSync(dir)
  ? readdirSync(dir)
      .filter((f) => /^vitest.*\.json$/.test(f))
      .map((f) => join(dir, f))
  : [];
for (const vitestFile of vitestFiles) {
  const report = JSON.parse(readFileSync(vitestFile, 'utf8')) as {
    numPassedTests: number;
    numFailedTests: number;
    numPendingTests: number;
    numTodoTests: number;
    testResults?: {
      name: string;
      assertionResults: { fullName: string; status: string; failureMessages?: string[] }[];
      message?: string;
    }[];
  };
  // The CI log keeps only its tail: name every failure here so the tail says what broke.
  for (const file of report.testResults ?? []) {
    const rel = file.name.replace(`${process.cwd()}/`, '');
    if (file.message) failedNames.push(`${rel}: ${firstLine(file.message)}`);
    for (const t of file.assertionResults) {
      if (t.status === 'failed')
        failedNames.push(`${rel} > ${t.fullName}: ${firstLine(t.failureMessages?.[0] ?? '')}`);
    }
  }
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  skipped += report.numPendingTests + report.numTodoTests;
}

const playwrightFile = join(dir, 'playwright.json');
if (existsSync(playwrightFile)) {
  const report = JSON.parse(readFileSync(playwrightFile, 'utf8')) as {
    stats: { expected: number; unexpected: number; flaky: number; skipped: number };
    suites?: PwSuite[];
  };
  const walk = (suite: PwSuite, path: string[]): void => {
    for (const spec of suite.specs ?? []) {
      if (!spec.ok) {
        const error = spec.tests?.flatMap((t) => t.results ?? []).find((r) => r.error)?.error?.message ?? '';
        failedNames.push(`${spec.file ?? ''} > ${[...path, spec.title].join(' > ')}: ${firstLine(error)}`);
      }
    }
    for (const child of suite.suites ?? []) walk(child, [...path, child.title]);
  };
  for (const suite of report.suites ?? []) walk(suite, []);
  passed += report.stats.expected + report.stats.flaky;
  failed += report.stats.unexpected;
  skipped += report.stats.skipped;
}

// A step that failed without a test report (lint, typecheck, build) counts as one failure.
const reportless = failedSteps.filter((s) => !/tests/.test(s));
failed += reportless.length;
if (failedSteps.length > 0) console.log(`failed steps: ${failedSteps.join(', ')}`);
for (const name of failedNames) console.log(`failed: ${name}`);
console.log(`tests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
