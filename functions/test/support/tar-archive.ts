import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';

/**
 * A gzipped tar read by the system's GNU tar, not by our writer's own logic: its entry names
 * (`tar -tzf`), verbose listing (`tar -tvzf`), and the files it extracts (`tar -xzf`) as paths and bytes.
 */
export function readTarGz(archive: Uint8Array): {
  names: string[];
  verbose: string[];
  files: Map<string, Buffer>;
} {
  const dir = mkdtempSync(join(tmpdir(), 'spot-tar-'));
  try {
    const file = join(dir, 'archive.tgz');
    writeFileSync(file, archive);
    const lines = (args: string[]) =>
      execFileSync('tar', args, { encoding: 'utf8' })
        .split('\n')
        .filter((line) => line !== '');
    const names = lines(['-tzf', file]);
    const verbose = lines(['--numeric-owner', '-tvzf', file]);
    const out = join(dir, 'out');
    mkdirSync(out);
    execFileSync('tar', ['-xzf', file, '-C', out]);
    const files = new Map<string, Buffer>();
    for (const path of readdirSync(out, { recursive: true, encoding: 'utf8' }))
      if (statSync(join(out, path)).isFile())
        files.set(relative(out, join(out, path)).split(sep).join('/'), readFileSync(join(out, path)));
    return { names, verbose, files };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
