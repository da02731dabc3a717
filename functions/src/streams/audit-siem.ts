import type { DynamoDBStreamEvent } from 'aws-lambda';
import { imageOf } from '../data/stream-image';
import { streamAuditRecords } from '../domain/audit-siem';
import { logger } from '../lib/logger';
import { port } from '../ports';
import { auditInsertFilter, matchesFilter } from './filters';

/**
 * The SIEM stream function: fed by the table's stream (filtered to inserted audit records, up to 100
 * per batch), it delivers them to each organization's enabled destinations with retries and
 * dead-letters what still fails. An error of our own (the table) fails the batch: the event source
 * mapping retries it, then sends it to the same dead-letter queue.
 */
export const handler = async (event: DynamoDBStreamEvent): Promise<void> => {
  const images = event.Records.filter((r) => matchesFilter(r, auditInsertFilter))
    .map((r) => imageOf(r.dynamodb?.NewImage))
    .filter((i) => i !== undefined);
  const totals = await streamAuditRecords(
    images,
    {
      keys: port('keyService'),
      siem: port('siem'),
      cloud: port('cloud'),
      deadLetters: port('deadLetters'),
    },
    port('clock').now(),
  );
  logger.info('audit records streamed', { records: images.length, ...totals });
};
