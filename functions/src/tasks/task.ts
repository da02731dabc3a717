import { isDomainError } from '@spot/shared';
import type { ZodType, z } from 'zod';
import { isBusyError } from '../data/client';
import { RetryableDiscoveryError } from '../domain/discovery/errors';
import { errorFields, logger } from '../lib/logger';
import { port } from '../ports';

/** A failure of ours inside a task: the reason the user sees names the step, never the internals. */
export class TaskInternalError extends Error {
  constructor(task: string) {
    super(`An internal step (${task}) failed and was logged for support`);
    this.name = 'Task.InternalError';
  }
}

/**
 * A Step Functions task: the input is parsed with zod (a malformed input fails the state with a clear
 * error instead of half-running), the clock is injected, and failures are logged without their data.
 * What leaves the task is either a domain error (its message is the reason the user reads), a busy
 * table as `Discovery.Retryable` (the state's Retry backs off and tries again), or a
 * {@link TaskInternalError} (a message that leaks nothing, e.g. no SDK or TypeError text).
 */
export function taskHandler<S extends ZodType, R>(
  name: string,
  schema: S,
  fn: (input: z.infer<S>, now: Date) => Promise<R>,
) {
  return async (event: unknown): Promise<R> => {
    const input = schema.parse(event);
    try {
      return await fn(input, port('clock').now());
    } catch (error) {
      logger.error('task failed', { task: name, ...errorFields(error) });
      if (isDomainError(error)) throw error;
      if (isBusyError(error)) {
        throw new RetryableDiscoveryError('The service was busy for too long', { cause: error });
      }
      throw new TaskInternalError(name);
    }
  };
}
