/**
 * Network ports of the local stack: find free ones (tests, e2e) and check configured ones before
 * starting anything, so a clash is reported with the variable that fixes it instead of a stack trace
 * from a child process.
 */
import { createServer } from 'node:net';
import { PortInUseError } from './errors';

/** Resolves true when `port` can be bound on `host` right now. */
export function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE' || err.code === 'EACCES') resolve(false);
      else reject(err);
    });
    server.listen({ port, host, exclusive: true }, () => {
      server.close(() => resolve(true));
    });
  });
}

/** A port the OS reports free on `host` (it may be taken again before use; callers bind soon after). */
export function findFreePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ port: 0, host, exclusive: true }, () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('Could not read the port of a probe socket'));
      });
    });
  });
}

/**
 * Throws a {@link PortInUseError} naming `envVar` when `port` is taken. The suggested alternative is
 * `port + 100` when that one is free (easy to remember), otherwise any free port.
 */
export async function assertPortFree(port: number, envVar: string, host = '127.0.0.1'): Promise<void> {
  if (await isPortFree(port, host)) return;
  const candidate = port + 100;
  const suggested =
    candidate <= 65_535 && (await isPortFree(candidate, host)) ? candidate : await findFreePort(host);
  throw new PortInUseError(port, envVar, suggested);
}

/** Parses a port from an environment variable, with the variable's name in the error. */
export function portFromEnv(envVar: string, fallback: number, env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[envVar];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new Error(`${envVar}=${raw} is not a valid port (use an integer from 1 to 65535).`);
  }
  return port;
}
