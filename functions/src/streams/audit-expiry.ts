import type { DynamoDBStreamEvent } from 'aws-lambda';
import { imageOf } from '../data/stream-image';
import { recordAuditExpiry } from '../domain/audit-retention';
import { logger } from '../lib/logger';
import { port } from '../ports';
import { auditExpiryFilter, matchesFilter } from './filters';

/**
 * The retention function: fed by the table's stream, filtered to audit records removed by DynamoDB's
 * TTL (the service's identity), it advances the organization's signed checkpoint over them so the chain
 * stays verifiable from there (ADR 0029). Records are handled in stream order; a failure fails the batch
 * (the event source mapping retries it; marking is idempotent).
 */
export const handler = async (event: DynamoDBStreamEvent): Promise<void> => {
  const keys = port('keyService');
  let expired = 0;
  for (const record of event.Records) {
    if (!matchesFilter(record, auditExpiryFilter)) continue;
    const old = imageOf(record.dynamodb?.OldImage);
    if (old && (await recordAuditExpiry(old, keys, port('clock').now()))) expired++;
  }
  logger.info('audit expiries recorded', { records: event.Records.length, expired });
};
