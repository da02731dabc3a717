import { rateLimitedMessage } from './model/rate-limit';

/**
 * Domain errors. Each carries a machine-readable `code` and the HTTP status the API adapter maps it to;
 * the message is written for a person and is safe to show (`expose`). Anything that is not a DomainError
 * is an internal error and is never shown.
 */
export class DomainError extends Error {
  readonly expose = true;
  constructor(
    readonly code: string,
    message: string,
    readonly statusCode: number,
    readonly details?: unknown,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'DomainError';
  }
}

export class ValidationError extends DomainError {
  constructor(message: string, details?: unknown, options?: { cause?: unknown }) {
    super('VALIDATION_FAILED', message, 400, details, options);
    this.name = 'ValidationError';
  }
}

export class UnauthorizedError extends DomainError {
  constructor(
    message = 'Sign in again: your session is missing or has expired.',
    options?: { cause?: unknown },
  ) {
    super('UNAUTHORIZED', message, 401, undefined, options);
    this.name = 'UnauthorizedError';
  }
}

export class ForbiddenError extends DomainError {
  constructor(message = 'Your role does not allow this action.', options?: { cause?: unknown }) {
    super('FORBIDDEN', message, 403, undefined, options);
    this.name = 'ForbiddenError';
  }
}

export class NotFoundError extends DomainError {
  constructor(what: string, options?: { cause?: unknown }) {
    super('NOT_FOUND', `${what} was not found in your organization.`, 404, undefined, options);
    this.name = 'NotFoundError';
  }
}

export class ConflictError extends DomainError {
  /** `details`: what the caller needs to resolve it (e.g. the current item of a stale update). */
  constructor(code: string, message: string, options?: { cause?: unknown; details?: unknown }) {
    super(code, message, 409, options?.details, options);
    this.name = 'ConflictError';
  }
}

export class PayloadTooLargeError extends DomainError {
  constructor(maxBytes: number) {
    super(
      'PAYLOAD_TOO_LARGE',
      `The request body is larger than this route takes (${Math.round(maxBytes / 1024)} KiB at most).`,
      413,
    );
    this.name = 'PayloadTooLargeError';
  }
}

export class UnsupportedMediaTypeError extends DomainError {
  constructor(contentType: string) {
    super(
      'UNSUPPORTED_MEDIA_TYPE',
      `This API takes JSON bodies: send content-type application/json (got ${contentType.slice(0, 60)}).`,
      415,
    );
    this.name = 'UnsupportedMediaTypeError';
  }
}

/** A caller went over one of the route's abuse limits; `retryAfterSeconds` becomes the Retry-After header. */
export class RateLimitedError extends DomainError {
  constructor(
    readonly retryAfterSeconds: number,
    options?: { cause?: unknown },
  ) {
    super('RATE_LIMITED', rateLimitedMessage(retryAfterSeconds), 429, { retryAfterSeconds }, options);
    this.name = 'RateLimitedError';
  }
}

export class UpstreamError extends DomainError {
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(code, message, 502, undefined, options);
    this.name = 'UpstreamError';
  }
}

/**
 * A store the request needs is throttling or briefly unavailable, after the SDK's own retries. Nothing was
 * half-written (every multi-item write is one transaction), so the same request may simply be sent again.
 */
export class ServiceBusyError extends DomainError {
  constructor(options?: { cause?: unknown }) {
    super('SERVICE_BUSY', 'The service is busy; try again in a few seconds.', 503, undefined, options);
    this.name = 'ServiceBusyError';
  }
}

export const isDomainError = (error: unknown): error is DomainError => error instanceof DomainError;

export const cloudAccessCodes = [
  'ACCESS_DENIED',
  'INVALID_CREDENTIALS',
  'EXPIRED_CREDENTIALS',
  'TRUST_POLICY',
  'EXTERNAL_ID_MISMATCH',
  'ACCOUNT_MISMATCH',
  'THROTTLED',
  'REGION_DISABLED',
  'UNREACHABLE',
] as const;
export type CloudAccessCode = (typeof cloudAccessCodes)[number];

/**
 * The customer's cloud refused or failed a call. The message says what to fix (which permission, the
 * trust policy, the keys); it never contains credentials. 422: the request was fine, the connection is not.
 */
export class CloudAccessError extends DomainError {
  constructor(
    readonly cloudCode: CloudAccessCode,
    message: string,
    readonly action?: string,
    options?: { cause?: unknown },
  ) {
    super(`CLOUD_${cloudCode}`, message, 422, action ? { action } : undefined, options);
    this.name = 'CloudAccessError';
  }
}
