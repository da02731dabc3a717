import type { z } from 'zod';
import { DomainError } from '../errors';

/** Machine-readable codes of the savings engine's errors. */
export const savingsErrorCodes = [
  'SAVINGS_INVALID_INPUT',
  'SAVINGS_PRICE_UNKNOWN',
  'SAVINGS_UNKNOWN_TIME_ZONE',
  'SAVINGS_FIT_OVERCOMMIT',
] as const;
export type SavingsErrorCode = (typeof savingsErrorCodes)[number];

/**
 * An input the savings engine cannot compute from. A 400 at the API edge: the message says what to fix.
 * `SAVINGS_FIT_OVERCOMMIT` is the exception: an injected fit function broke its contract, a 500-class bug,
 * so it is not exposed as a user error by the adapter (statusCode 500).
 */
export class SavingsError extends DomainError {
  constructor(
    override readonly code: SavingsErrorCode,
    message: string,
    details?: unknown,
    options?: { cause?: unknown },
  ) {
    super(code, message, code === 'SAVINGS_FIT_OVERCOMMIT' ? 500 : 400, details, options);
    this.name = 'SavingsError';
  }
}

/**
 * Parses `input` with `schema` at a boundary; a failure becomes a `SavingsError('SAVINGS_INVALID_INPUT')`
 * carrying zod's issues as details (path + message, never the input values).
 */
export function parseSavingsInput<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) {
    throw new SavingsError(
      'SAVINGS_INVALID_INPUT',
      `${what} is not valid: ${result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
      result.error.issues.map((i) => ({ path: i.path, message: i.message })),
      { cause: result.error },
    );
  }
  return result.data;
}
