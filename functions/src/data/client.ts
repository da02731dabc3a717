import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { optionalEnv, requiredEnv } from '../lib/env';

let documentClient: DynamoDBDocumentClient | undefined;

/**
 * The document client, built once per process (module scope in Lambda). `DYNAMODB_ENDPOINT` points it at
 * DynamoDB Local in the local stack and in tests.
 */
export function db(): DynamoDBDocumentClient {
  if (!documentClient) {
    const endpoint = optionalEnv('DYNAMODB_ENDPOINT');
    const client = new DynamoDBClient(
      endpoint ? { endpoint, region: optionalEnv('AWS_REGION') ?? 'us-east-1' } : {},
    );
    documentClient = DynamoDBDocumentClient.from(client, {
      marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
    });
  }
  return documentClient;
}

export const tableName = () => requiredEnv('TABLE_NAME');

/** Tests point the functions at a table of their own. */
export function resetDbClientForTests(): void {
  documentClient = undefined;
}

/** Errors DynamoDB answers when it is throttling or briefly unavailable (after the SDK's own retries). */
const busyErrorNames = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'InternalServerError',
  'TransactionConflictException',
  'TransactionInProgressException',
]);
/** Reasons of a cancelled transaction that say "busy", not "your condition is false". */
const busyCancellationCodes = new Set([
  'TransactionConflict',
  'ProvisionedThroughputExceeded',
  'ThrottlingError',
  'RequestLimitExceeded',
]);

/**
 * Whether a DynamoDB error means "busy, try again" rather than a fault of the request or of the code: the
 * SDK has already retried it (standard mode, `AWS_MAX_ATTEMPTS`). A cancelled transaction counts when
 * no item failed its condition and at least one was cancelled for a conflict or throttling: nothing
 * was written, and the same request can succeed a moment later.
 */
export function isBusyError(error: unknown): boolean {
  if (!error || typeof error !== 'object') return false;
  const { name, CancellationReasons } = error as {
    name?: string;
    CancellationReasons?: { Code?: string }[];
  };
  if (name && busyErrorNames.has(name)) return true;
  if (name !== 'TransactionCanceledException' || !CancellationReasons) return false;
  const codes = CancellationReasons.map((r) => r.Code ?? 'None');
  return (
    codes.some((c) => busyCancellationCodes.has(c)) &&
    codes.every((c) => c === 'None' || busyCancellationCodes.has(c))
  );
}
