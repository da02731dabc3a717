import { CloudAccessError, UpstreamError } from '@spot/shared';
import { customerWriteActions } from '@spot/shared/model/customer-permissions';
import type { CloudCredentials } from '../cloud';

/**
 * Classifies errors of AWS SDK v3 calls by their error code (the exception's `name`, or a Node system
 * error's `code`), never by message text, and turns them into the product's domain errors.
 */

const accessDeniedCodes = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'UnauthorizedOperation',
  'UnauthorizedAccess',
  'UnauthorizedException',
  'AuthorizationError',
  'AuthorizationErrorException',
  'NotAuthorized',
]);

const invalidCredentialCodes = new Set([
  'InvalidClientTokenId',
  'SignatureDoesNotMatch',
  'UnrecognizedClientException',
  'AuthFailure',
  'InvalidAccessKeyId',
  'IncompleteSignature',
  'MissingAuthenticationToken',
]);

const expiredCredentialCodes = new Set(['ExpiredToken', 'ExpiredTokenException']);

const throttlingCodes = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
]);

/** In a region the account has not enabled, EC2 answers OptInRequired and most other services this. */
const regionDisabledCodes = new Set(['OptInRequired', 'RegionDisabledException']);
const regionDisabledInFanOutCodes = new Set([...regionDisabledCodes, 'UnrecognizedClientException']);

const transientCodes = new Set([
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'InternalError',
  'InternalFailure',
  'InternalServerError',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'Unavailable',
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
]);

const networkCodes = new Set([...transientCodes, 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH']);

interface SdkErrorShape {
  name?: unknown;
  code?: unknown;
  Code?: unknown;
  message?: unknown;
  $metadata?: { httpStatusCode?: number; requestId?: string };
  $retryable?: { throttling?: boolean };
}

const shapeOf = (error: unknown): SdkErrorShape =>
  typeof error === 'object' && error !== null ? (error as SdkErrorShape) : {};

/** SDK v3 service exceptions (and its TimeoutError) carry `$metadata`; so does our reduced `AwsCallError`. */
const isAwsError = (error: unknown): boolean =>
  error instanceof AwsCallError ||
  shapeOf(error).$metadata !== undefined ||
  awsErrorCode(error) === 'TimeoutError';

/** The AWS error code of an SDK error (`AccessDenied`, `UnauthorizedOperation`, `ECONNRESET`, ...). */
export function awsErrorCode(error: unknown): string {
  if (error instanceof AwsCallError) return error.awsCode;
  const shape = shapeOf(error);
  for (const candidate of [shape.Code, shape.code, shape.name]) {
    if (typeof candidate === 'string' && candidate !== '' && candidate !== 'Error') return candidate;
  }
  return 'UnknownError';
}

const httpStatusOf = (error: unknown): number | undefined => shapeOf(error).$metadata?.httpStatusCode;

export const isThrottling = (error: unknown): boolean =>
  throttlingCodes.has(awsErrorCode(error)) || shapeOf(error).$retryable?.throttling === true;

const isTransient = (error: unknown): boolean => {
  const status = httpStatusOf(error);
  return transientCodes.has(awsErrorCode(error)) || (status !== undefined && status >= 500);
};

/** Worth another attempt: throttling, a 5xx or a dropped connection. */
export const isRetryable = (error: unknown): boolean => isThrottling(error) || isTransient(error);

export const isAccessDenied = (error: unknown): boolean => accessDeniedCodes.has(awsErrorCode(error));

/**
 * The original AWS error, reduced to what is safe to keep as a `cause` (and so to log): its code, its
 * message with any credential removed, the request id and the HTTP status. The raw SDK error is dropped.
 */
export class AwsCallError extends Error {
  constructor(
    readonly awsCode: string,
    message: string,
    readonly requestId?: string,
    readonly httpStatusCode?: number,
  ) {
    super(message);
    this.name = 'AwsCallError';
  }
}

/** Where the call went and with what: used to name the fix in a message and to redact secrets. */
export interface CallContext {
  /** IAM action of the call, `service:Action`. */
  action: string;
  region: string;
  credentials: CloudCredentials;
  /** Anything else that must never appear in a message (temporary secret keys, session tokens). */
  secrets?: readonly string[];
}

const maxAwsMessageLength = 300;

/**
 * Anything shaped like a secret access key (40 characters of base64) or a session token (longer): AWS
 * never puts one in a message, but a message is shown to people, so it is scrubbed anyway.
 */
const secretShaped = /[A-Za-z0-9/+=]{40,}/g;

/** Removes every credential of the call, and anything that looks like one, from a text. */
export function redact(text: string, context: Pick<CallContext, 'credentials' | 'secrets'>): string {
  const secrets = [...(context.secrets ?? [])];
  if (context.credentials.kind === 'access-key') secrets.push(context.credentials.secretAccessKey);
  let result = text;
  for (const secret of secrets) {
    if (secret.length >= 8) result = result.split(secret).join('[redacted]');
  }
  return result.replace(secretShaped, '[redacted]');
}

/** The AWS message, redacted, without EC2's encoded authorization blob, short enough to show. */
export function awsMessage(error: unknown, context: Pick<CallContext, 'credentials' | 'secrets'>): string {
  const raw = shapeOf(error).message;
  if (typeof raw !== 'string' || raw === '') return '';
  const cleaned = redact(raw, context).replace(
    /Encoded authorization failure message:\s*\S+/g,
    'Encoded authorization failure message omitted',
  );
  return cleaned.length > maxAwsMessageLength ? `${cleaned.slice(0, maxAwsMessageLength)}...` : cleaned;
}

/** The safe `cause` for a domain error built from an SDK error. */
export function safeCause(
  error: unknown,
  context: Pick<CallContext, 'credentials' | 'secrets'>,
): AwsCallError {
  if (error instanceof AwsCallError) return error;
  const metadata = shapeOf(error).$metadata;
  return new AwsCallError(
    awsErrorCode(error),
    awsMessage(error, context),
    metadata?.requestId,
    metadata?.httpStatusCode,
  );
}

// The onboarding template's write option (customerWriteActions), which also grants the spot fallback's
// DescribeScalingActivities (ADR 0046).
const isWriteAction = (action: string) => customerWriteActions.some((a) => a.action === action);

/** The sentence that tells a person how to grant `action` to the credentials in use. */
export function missingPermissionMessage(action: string, credentials: CloudCredentials): string {
  if (credentials.kind === 'access-key') {
    return `The access key lacks ${action}. Attach a policy that allows it to the key's IAM user (the full list is in the Spot Optimizer template in cfn-templates/).`;
  }
  if (isWriteAction(action)) {
    return `The role lacks ${action}. Update the Spot Optimizer stack with EnableWriteActions=true (template in cfn-templates/) or add the permission.`;
  }
  return `The role lacks ${action}. Update the Spot Optimizer stack (template in cfn-templates/) or add the permission.`;
}

function invalidCredentialsMessage(credentials: CloudCredentials): string {
  return credentials.kind === 'access-key'
    ? 'AWS does not recognise the access key or its secret. Check that both were copied completely and that the key is active in IAM.'
    : 'AWS rejected the temporary credentials of the role. Verify the connection again; if it keeps failing, redeploy the Spot Optimizer stack from cfn-templates/.';
}

function expiredCredentialsMessage(credentials: CloudCredentials): string {
  return credentials.kind === 'access-key'
    ? 'The credentials have expired. Create a new access key for the IAM user and update the connection.'
    : 'The temporary credentials of the role expired; Spot Optimizer assumes the role again on the next attempt. Retry in a moment.';
}

/**
 * Turns an SDK error (after retries) into a domain error naming what to fix. Errors that are not about
 * access (a bad parameter, a conflict) become an `UpstreamError` with the AWS code and redacted message.
 */
export function toDomainError(error: unknown, context: CallContext): Error {
  if (error instanceof CloudAccessError || error instanceof UpstreamError) return error;
  const code = awsErrorCode(error);
  // Not an answer from AWS nor a network failure: a bug of ours, left to surface as an internal error.
  if (!isAwsError(error) && !networkCodes.has(code)) {
    return error instanceof Error ? error : new Error('Unexpected failure of a cloud call');
  }
  const cause = safeCause(error, context);
  const { action, region, credentials } = context;
  if (accessDeniedCodes.has(code)) {
    return new CloudAccessError('ACCESS_DENIED', missingPermissionMessage(action, credentials), action, {
      cause,
    });
  }
  if (expiredCredentialCodes.has(code)) {
    return new CloudAccessError('EXPIRED_CREDENTIALS', expiredCredentialsMessage(credentials), action, {
      cause,
    });
  }
  if (invalidCredentialCodes.has(code)) {
    return new CloudAccessError('INVALID_CREDENTIALS', invalidCredentialsMessage(credentials), action, {
      cause,
    });
  }
  if (regionDisabledCodes.has(code)) {
    return new CloudAccessError(
      'REGION_DISABLED',
      `The region ${region} is not enabled for this account. Enable it in the AWS account settings or remove it from the regions Spot Optimizer scans.`,
      action,
      { cause },
    );
  }
  if (isThrottling(error)) {
    return new CloudAccessError(
      'THROTTLED',
      `AWS throttled ${action} in ${region} and it still failed after several retries. Retry in a few minutes; if it persists, another tool may be using the account's API rate.`,
      action,
      { cause },
    );
  }
  if (networkCodes.has(code) || isTransient(error)) {
    return new CloudAccessError(
      'UNREACHABLE',
      `Spot Optimizer could not reach the AWS API for ${action} in ${region} (${code}). Retry in a few minutes.`,
      action,
      { cause },
    );
  }
  const detail = awsMessage(error, context);
  return new UpstreamError(
    'CLOUD_CALL_FAILED',
    `AWS rejected ${action} in ${region}: ${code}${detail ? `: ${detail}` : ''}`,
    { cause },
  );
}

/**
 * Whether a failure in a region means the region is not enabled for the account: OptInRequired (EC2),
 * RegionDisabledException (STS) or UnrecognizedClientException (most other services reject the token of
 * a region the account has not opted into).
 */
export function isRegionDisabled(error: unknown): boolean {
  if (error instanceof CloudAccessError) {
    return (
      error.cloudCode === 'REGION_DISABLED' || regionDisabledInFanOutCodes.has(awsErrorCode(error.cause))
    );
  }
  return regionDisabledInFanOutCodes.has(awsErrorCode(error));
}
