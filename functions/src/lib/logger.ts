import { redactSecrets } from '@spot/shared';
import { optionalEnv } from './env';

type Level = 'debug' | 'info' | 'warn' | 'error';
const order: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Where log lines go; tests swap it to scan every line for secrets. */
export const logSink: { write: (line: string) => void } = {
  write: (line) => {
    process.stdout.write(`${line}\n`);
  },
};

/**
 * Observers of every line, whatever the sink: the ddb test run scans them all for secrets (a test may
 * swap the sink itself, so the scan cannot ride on it).
 */
export const logTaps: ((line: string) => void)[] = [];

/**
 * Structured JSON logs, one object per line. Fields pass through `redactSecrets`, and bearer tokens
 * and AWS secret keys are masked in free text too, so neither ever reaches CloudWatch.
 */
export function log(level: Level, message: string, fields: Record<string, unknown> = {}): void {
  const threshold = (optionalEnv('LOG_LEVEL') as Level | undefined) ?? 'info';
  if (order[level] < (order[threshold] ?? order.info)) return;
  const line = JSON.stringify({
    level,
    time: new Date().toISOString(),
    message,
    ...(redactSecrets(fields) as object),
  });
  const masked = line.replace(/Bearer [A-Za-z0-9._~+/=-]+/g, 'Bearer [redacted]');
  for (const tap of logTaps) tap(masked);
  logSink.write(masked);
}

export const logger = {
  debug: (m: string, f?: Record<string, unknown>) => log('debug', m, f),
  info: (m: string, f?: Record<string, unknown>) => log('info', m, f),
  warn: (m: string, f?: Record<string, unknown>) => log('warn', m, f),
  error: (m: string, f?: Record<string, unknown>) => log('error', m, f),
};

/** An error as a log field: name, message and code, never the whole object (it may hold request data). */
export const errorFields = (error: unknown) =>
  error instanceof Error
    ? { errorName: error.name, errorMessage: error.message, errorCode: (error as { code?: string }).code }
    : { errorMessage: String(error) };
