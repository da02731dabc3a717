/**
 * Child services of the local stack (DynamoDB Local's JVM, cognito-local), started directly (no shell,
 * so the pid is the service itself) and deliberately in the stack's own process group: whatever kills
 * the group also kills them, which is what Ctrl-C in a terminal, `timeout` and Playwright's webServer
 * teardown (SIGKILL to the group) do. A graceful stop (SIGTERM, then SIGKILL after a grace period), a
 * synchronous SIGKILL when this process exits on an error, and the stale-child clean-up at the next
 * start (stack.ts) cover the remaining ways to leave an orphan `java` behind.
 */
import type { ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { stripVTControlCharacters } from 'node:util';
import { ServiceStartError } from './errors';

const OUTPUT_LINES_KEPT = 40;

export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  readonly child: ChildProcess;
  /** The last lines the process wrote, for error messages. */
  recentOutput(): string;
  /** The error the child emitted (spawn failure), if any. */
  error(): Error | undefined;
  /** Resolves when the process has exited (at once if it already has). */
  exited(): Promise<void>;
  hasExited(): boolean;
  /** SIGTERM, SIGKILL after `graceMs`; resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
  /** Synchronous SIGKILL, for `process.on('exit')` where nothing async runs. */
  killNow(): void;
}

export interface ManageOptions {
  /** Write the child's output to this process's stderr, prefixed with `[name]`. */
  echo?: boolean;
}

/** Wraps a spawned child (with piped output) into a {@link ManagedProcess}. */
export function manage(name: string, child: ChildProcess, options: ManageOptions = {}): ManagedProcess {
  let spawnError: Error | undefined;
  // Without a listener, a spawn failure (ENOENT) would crash the whole stack.
  child.on('error', (err) => {
    spawnError = err;
  });
  if (child.pid === undefined) {
    throw new ServiceStartError(name, 'the process could not be started (is its command installed?)', {
      cause: new Error('spawn failed: no pid'),
    });
  }
  const pid = child.pid;
  const lines: string[] = [];
  const collect = (chunk: Buffer) => {
    // Child loggers colour their output; the kept lines end up in error messages.
    for (const line of stripVTControlCharacters(chunk.toString('utf8')).split('\n')) {
      if (line.trim() === '') continue;
      lines.push(line);
      if (lines.length > OUTPUT_LINES_KEPT) lines.shift();
      if (options.echo) process.stderr.write(`[${name}] ${line}\n`);
    }
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);

  let exitedFlag = child.exitCode !== null || child.signalCode !== null;
  // Safety net: if this process dies of an uncaught error, the child's group dies with it.
  const onParentExit = () => signal('SIGKILL');
  process.once('exit', onParentExit);
  const exitPromise = new Promise<void>((resolve) => {
    if (exitedFlag) resolve();
    child.once('exit', () => {
      exitedFlag = true;
      process.off('exit', onParentExit);
      resolve();
    });
  });

  const signal = (sig: NodeJS.Signals) => {
    try {
      child.kill(sig);
    } catch {
      // Already gone.
    }
  };

  return {
    name,
    pid,
    child,
    recentOutput: () => lines.join('\n'),
    error: () => spawnError,
    exited: () => exitPromise,
    hasExited: () => exitedFlag,
    async stop(graceMs = 5_000) {
      if (exitedFlag) return;
      signal('SIGTERM');
      const timer = setTimeout(() => signal('SIGKILL'), graceMs);
      await exitPromise;
      clearTimeout(timer);
    },
    killNow() {
      if (!exitedFlag) signal('SIGKILL');
    },
  };
}

export interface WaitUntilReadyOptions {
  /** Resolves true once the service answers. */
  probe: () => Promise<boolean>;
  timeoutMs: number;
  intervalMs?: number;
}

/**
 * Polls `probe` until it succeeds; rejects early, with the process's last output, if the process exits,
 * and after `timeoutMs` otherwise.
 */
export async function waitUntilReady(proc: ManagedProcess, options: WaitUntilReadyOptions): Promise<void> {
  const { probe, timeoutMs, intervalMs = 100 } = options;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const spawnError = proc.error();
    if (spawnError) {
      throw new ServiceStartError(proc.name, spawnError.message, { cause: spawnError });
    }
    if (proc.hasExited()) {
      throw new ServiceStartError(
        proc.name,
        `exited before it was ready (code ${proc.child.exitCode ?? proc.child.signalCode}).\n${proc.recentOutput()}`,
      );
    }
    if (await probe().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new ServiceStartError(
    proc.name,
    `not ready after ${Math.round(timeoutMs / 1000)} s.\n${proc.recentOutput()}`,
  );
}

/** The command line of a running process (Linux /proc), or undefined when it is gone or unreadable. */
export function commandLineOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return undefined;
  }
}

/**
 * Whether a process has finished exiting: gone from /proc, or a zombie whose threads have all exited (its
 * parent, here often an init that does not reap, has not collected it). Neither an empty command line nor
 * a zombie main thread is enough: a killed JVM's other threads still hold its listening sockets.
 */
export function hasExited(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // `pid (comm) state ...`; comm may itself hold parentheses, so read after the last one.
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    if (state !== 'Z' && state !== 'X') return false;
    return readdirSync(`/proc/${pid}/task`).length <= 1;
  } catch {
    return true;
  }
}
