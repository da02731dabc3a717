/** Paths of the repository, resolved from this file so the stack works from any working directory. */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file is `<root>/local/src/paths.ts`). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export const defaultPaths = {
  handlersRoot: resolve(repoRoot, 'functions/src/handlers'),
  tasksRoot: resolve(repoRoot, 'functions/src/tasks'),
  webDist: resolve(repoRoot, 'web/dist'),
  cfnTemplates: resolve(repoRoot, 'cfn-templates'),
  dataDir: resolve(repoRoot, '.local'),
};
