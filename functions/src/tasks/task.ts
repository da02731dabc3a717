import type { ZodType, z } from 'zod';
import { errorFields, logger } from '../lib/logger';
import { port } from '../ports';

/**
 * A Step Functions task: the input is parsed with zod (a malformed input fails the state with a clear
 * error instead of half-running), the clock is injected, and failures are logged without their data.
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
      throw error;
    }
  };
}
