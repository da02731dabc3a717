/**
 * `<dataDir>/stack.json`: what the local stack must find again after a restart (the user pool and app
 * client ids, the generated admin credentials, the pids of its child services). Written with mode 0600
 * because it holds a password.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';

const stackStateSchema = z.object({
  userPoolId: z.string().optional(),
  clientId: z.string().optional(),
  admin: z.object({ email: z.string(), password: z.string() }).optional(),
  /** The process running the stack on this data directory (two stacks must not share one). */
  ownerPid: z.number().int().optional(),
  /** Child services of the running stack, so a later start can clean up after a crash. */
  children: z.array(z.object({ name: z.string(), pid: z.number().int() })).optional(),
});
export type StackState = z.infer<typeof stackStateSchema>;

export function readStackState(file: string): StackState {
  if (!existsSync(file)) return {};
  const parsed = stackStateSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) {
    throw new Error(
      `${file} is not a valid stack state file; delete it to start afresh (${parsed.error.message})`,
    );
  }
  return parsed.data;
}

/** Merges `patch` into the state file (a key set to undefined is removed), atomically. */
export function updateStackState(file: string, patch: Partial<StackState>): StackState {
  const next: StackState = { ...readStackState(file), ...patch };
  for (const key of Object.keys(next) as (keyof StackState)[]) {
    if (next[key] === undefined) delete next[key];
  }
  writeJsonAtomic(file, next, 0o600);
  return next;
}

/** Writes JSON to a temporary file and renames it over `file`, so a crash never leaves half a file. */
export function writeJsonAtomic(file: string, value: unknown, mode = 0o644): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`, { mode });
  renameSync(tmp, file);
}
