import { CloudAccessError, DomainError } from '@spot/shared';

export const discoveryErrorCodes = [
  'DISCOVERY_ACCOUNT_NOT_CONNECTED',
  'DISCOVERY_SECRET_MISSING',
  'DISCOVERY_NO_REGION_SUCCEEDED',
  'DISCOVERY_RETRYABLE',
] as const;
export type DiscoveryErrorCode = (typeof discoveryErrorCodes)[number];

/** Discovery cannot go on for this account; the message says what to fix. */
export class DiscoveryError extends DomainError {
  constructor(code: DiscoveryErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, 422, undefined, options);
    this.name = 'DiscoveryError';
  }
}

/**
 * A failure worth retrying (throttling, an unreachable endpoint). Its name is what the state machine's
 * Retry matches (`Discovery.Retryable`), so the other errors fail the state at once.
 */
export class RetryableDiscoveryError extends DomainError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('DISCOVERY_RETRYABLE', message, 503, undefined, options);
    this.name = 'Discovery.Retryable';
  }
}

/** Throttling and unreachable endpoints are transient; access and credential problems are not. */
export function asRetryable(error: unknown): unknown {
  if (
    error instanceof CloudAccessError &&
    (error.cloudCode === 'THROTTLED' || error.cloudCode === 'UNREACHABLE')
  ) {
    return new RetryableDiscoveryError(error.message, { cause: error });
  }
  return error;
}

/** `{ code, message }` of an error for a region or cluster result: domain messages only, never internals. */
export function describeFailure(error: unknown): { code: string; message: string } {
  if (error instanceof DomainError) return { code: error.code, message: error.message };
  return {
    code: 'INTERNAL',
    message: 'An internal error stopped this step; it is retried at the next sync.',
  };
}
