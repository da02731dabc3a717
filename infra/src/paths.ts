import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, found from this file so the app works from any working directory. */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Where `routes[].handler` and `workflows[].tasks[]` modules live. */
export const functionsSourceDir = join(repoRoot, 'functions', 'src');

/** The SPA build output; deployed only when it exists so synth works offline without a web build. */
export const defaultWebDistDir = join(repoRoot, 'web', 'dist');

export const webDistExists = (dir: string) => existsSync(join(dir, 'index.html'));
