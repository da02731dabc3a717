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
