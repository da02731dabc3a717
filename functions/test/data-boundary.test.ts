import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * DynamoDB only through `functions/src/data/`: no key attribute name, no `XYZ#` key prefix and no
 * DynamoDB SDK import anywhere else in the product's source. Test files are not scanned (DynamoDB Local
 * tests of the local stack talk to the table directly), but the functions' tests use the entity modules'
 * key helpers.
 */

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const roots = ['functions', 'local', 'scripts', 'shared', 'web', 'agent', 'infra'];
const skippedDirectories = new Set([
  'node_modules',
  'dist',
  'cdk.out',
  '.vite',
  'coverage',
  'test',
  'fixtures',
]);
const sourceFile = /\.(ts|tsx|vue|js|mjs|cjs)$/;
const isTestFile = (path: string) => /\.test\.|\.spec\./.test(path);

/** Where key builders may live: the data layer and the table definition. */
const allowedPaths = (path: string) =>
  path.startsWith('functions/src/data/') || path === 'shared/src/data/table.ts';

/** Strings that look like key prefixes and are not: EventBridge cron `day#n` (k-th weekday). */
const knownFalsePositives: { path: string; token: RegExp }[] = [
  { path: 'local/src/schedule-expression.ts', token: /\b(MON|TUE|WED|THU|FRI|SAT|SUN)#/g },
];

const rules: { name: string; pattern: RegExp }[] = [
  { name: 'key attribute literal', pattern: /(['"`])(PK|SK|GSI[12](PK|SK))\1/ },
  { name: 'key attribute property', pattern: /\b(PK|SK|GSI[12](PK|SK))\s*:|\.(PK|SK|GSI[12](PK|SK))\b/ },
  { name: 'key prefix string', pattern: /['"`][^'"`\n]*?\b[A-Z][A-Z0-9_]*#/ },
  { name: 'DynamoDB SDK import', pattern: /@aws-sdk\/(client-dynamodb|lib-dynamodb)/ },
];

function* sourceFiles(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!skippedDirectories.has(entry.name)) yield* sourceFiles(path);
    } else if (sourceFile.test(entry.name) && !isTestFile(entry.name)) {
      yield path;
    }
  }
}

/** Every violation in `text` of file `path` (repository-relative), as `path:line rule: text`. */
export function violationsIn(path: string, text: string): string[] {
  if (allowedPaths(path)) return [];
  const found: string[] = [];
  text.split('\n').forEach((raw, i) => {
    let line = raw;
    for (const fp of knownFalsePositives) if (fp.path === path) line = line.replace(fp.token, '');
    for (const rule of rules) {
      if (rule.pattern.test(line)) found.push(`${path}:${i + 1} ${rule.name}: ${raw.trim()}`);
    }
  });
  return found;
}

describe('the data boundary', () => {
  it('keeps keys, key prefixes and the DynamoDB SDK inside functions/src/data', () => {
    const violations: string[] = [];
    for (const root of roots) {
      for (const file of sourceFiles(join(repoRoot, root))) {
        const path = relative(repoRoot, file).split('\\').join('/');
        violations.push(...violationsIn(path, readFileSync(file, 'utf8')));
      }
    }
    expect(violations).toEqual([]);
  });

  it('catches each kind of violation (the scan itself works)', () => {
    const text = [
      "const k = { PK: 'x', SK: 'y' };",
      "item['GSI1PK'];",
      "const p = 'ORG#' + id;",
      "import { QueryCommand } from '@aws-sdk/lib-dynamodb';",
    ].join('\n');
    const found = violationsIn('functions/src/domain/example.ts', text);
    expect(found.map((v) => v.split(' ').slice(1, -1).join(' ').split(':')[0])).toEqual([
      'key attribute property',
      'key attribute literal',
      'key prefix string',
      'DynamoDB SDK import',
    ]);
    expect(violationsIn('functions/src/data/entities/example.ts', text)).toEqual([]);
    expect(violationsIn('local/src/schedule-expression.ts', "'use day#n, e.g. MON#1'")).toEqual([]);
  });
});
