import { type AuditDestinationDelivery, type SiemRecord, s3AuditObject } from '@spot/shared';
import {
  auditDeliveryStatusEntity,
  auditDeliveryStatusesQuery,
  auditDeliveryStatusKey,
} from '../data/entities/audit-delivery-status';
import { auditRecordBody, auditRecordEntity } from '../data/entities/audit-record';
import {
  auditDestinationSecretEntity,
  auditDestinationSecretKey,
  auditSettingsEntity,
  auditSettingsKey,
  type StoredAuditDestination,
} from '../data/entities/audit-settings';
import { getItem, type Item, queryAll, updateItem } from '../data/repository';
import { errorFields, logger } from '../lib/logger';
import type { CustomerCloudPort } from '../ports/cloud';
import type { DeadLetterPort, KeyServicePort, SiemDelivery, SiemPort } from '../ports/types';
import { cloudTargetOf } from './accounts-connect';
import { openSecret } from './envelope';

/**
 * SIEM streaming (issue 16, item 7; ADRs 0028 and 0029): the audit records the table's stream reports
 * as inserted are delivered, per organization and enabled destination, in batches, each retried with
 * exponential backoff on errors that may pass (5xx, 429, no answer); a batch still undelivered goes to
 * the dead-letter queue. The outcome of each batch is the destination's "last delivered / last error".
 */

export interface SiemStreamPorts {
  keys: KeyServicePort;
  siem: SiemPort;
  cloud: CustomerCloudPort;
  deadLetters: DeadLetterPort;
  /** Waits between attempts (tests pass a fast one). */
  sleep?: (ms: number) => Promise<void>;
}

export interface SiemRetryPolicy {
  /** Attempts per batch and destination, the first included. */
  maxAttempts: number;
  /** The first backoff; attempt n waits a random time up to base x 2^(n-1), capped. */
  baseDelayMs: number;
  maxDelayMs: number;
}
export const defaultSiemRetryPolicy: SiemRetryPolicy = { maxAttempts: 5, baseDelayMs: 250, maxDelayMs: 8000 };

/** Records per request: well under Datadog's 1,000 entries / 5 MB and Splunk HEC's default 1 MB. */
export const siemChunkSize = 100;

/** Exponential backoff with full jitter (AWS Architecture Blog): uniform in [0, min(cap, base x 2^(n-1))]. */
export function siemBackoffMs(attempt: number, policy: SiemRetryPolicy, random = Math.random): number {
  return Math.floor(random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1)));
}

/** A failure that may pass: the destination was unreachable, overloaded or failed itself. */
const retryable = (d: SiemDelivery) =>
  !d.delivered && (d.status === null || d.status === 429 || d.status >= 500);

/** A record as a SIEM receives it: as stored (already redacted of secrets), without the organization id. */
export function toSiemRecord(item: Item): SiemRecord {
  const { orgId: _org, ...rest } = auditRecordBody(item);
  return rest as SiemRecord;
}

/**
 * Sends records to one saved destination: Datadog and Splunk through the HTTPS sender with the
 * destination's opened secret (it lives only in this call), S3 through the connected account's role.
 */
export async function deliverToDestination(
  orgId: string,
  destination: StoredAuditDestination,
  records: readonly SiemRecord[],
  ports: Pick<SiemStreamPorts, 'keys' | 'siem' | 'cloud'>,
): Promise<SiemDelivery> {
  if (destination.kind === 's3') {
    let target: Awaited<ReturnType<typeof cloudTargetOf>>;
    try {
      target = await cloudTargetOf(orgId, destination.cloudAccountId);
    } catch {
      return {
        delivered: false,
        status: null,
        message: 'The cloud account of this S3 destination is no longer connected.',
      };
    }
    const object = s3AuditObject(records, destination.prefix);
    try {
      await ports.cloud.putObject(target, { bucket: destination.bucket, ...object });
      return {
        delivered: true,
        status: 200,
        message: `Delivered to s3://${destination.bucket}/${object.key}.`,
      };
    } catch (error) {
      const name = (error as { code?: string; name?: string })?.code ?? (error as Error)?.name;
      const denied = name === 'ACCESS_DENIED' || name === 'AccessDenied';
      return {
        delivered: false,
        // Access refused is permanent until the customer fixes the bucket policy: no retry.
        status: denied ? 403 : null,
        message: denied
          ? `The account role may not write to s3://${destination.bucket}: add s3:PutObject for the role to the bucket policy.`
          : `s3://${destination.bucket} could not be written: ${(error as Error)?.message ?? 'unknown error'}`,
      };
    }
  }
  const sealed = await getItem(
    auditDestinationSecretEntity,
    auditDestinationSecretKey(orgId, destination.id),
    true,
  );
  if (!sealed)
    return { delivered: false, status: null, message: 'No API key or token is stored: save one first.' };
  const secret = await openSecret(sealed, ports.keys, destinationSecretContext(orgId, destination.id));
  return ports.siem.deliver(
    destination.kind === 'datadog'
      ? { kind: 'datadog', site: destination.site, secret }
      : { kind: 'splunk', url: destination.url, secret },
    records,
  );
}

/** The context a destination secret is sealed under: it opens only for this organization and destination. */
export const destinationSecretContext = (orgId: string, destinationId: string) =>
  `${orgId}/audit-destination/${destinationId}`;

/** One batch to one destination with retries; the last answer and how many attempts it took. */
async function deliverWithRetries(
  orgId: string,
  destination: StoredAuditDestination,
  records: readonly SiemRecord[],
  ports: SiemStreamPorts,
  policy: SiemRetryPolicy,
): Promise<{ delivery: SiemDelivery; attempts: number }> {
  const sleep = ports.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let delivery: SiemDelivery = { delivered: false, status: null, message: 'Not attempted.' };
  let attempt = 0;
  while (attempt < policy.maxAttempts) {
    attempt++;
    delivery = await deliverToDestination(orgId, destination, records, ports);
    if (delivery.delivered || !retryable(delivery)) break;
    if (attempt < policy.maxAttempts) await sleep(siemBackoffMs(attempt, policy));
  }
  return { delivery, attempts: attempt };
}

async function recordOutcome(
  orgId: string,
  destination: StoredAuditDestination,
  records: readonly SiemRecord[],
  outcome: { delivery: SiemDelivery; attempts: number },
  ports: SiemStreamPorts,
  now: Date,
) {
  const at = now.toISOString();
  const lastSeq = Math.max(...records.map((r) => r.seq));
  const base = {
    entity: auditDeliveryStatusEntity.name,
    orgId,
    destinationId: destination.id,
    lastAttemptAt: at,
    lastStatus: outcome.delivery.status,
  };
  if (outcome.delivery.delivered) {
    await updateItem(auditDeliveryStatusKey(orgId, destination.id), {
      set: { ...base, lastDeliveredAt: at, lastDeliveredSeq: lastSeq },
    });
    return;
  }
  const message = `${outcome.delivery.message} (after ${outcome.attempts} attempt${outcome.attempts === 1 ? '' : 's'})`;
  await ports.deadLetters.send({
    orgId,
    destinationId: destination.id,
    kind: destination.kind,
    fromSeq: Math.min(...records.map((r) => r.seq)),
    toSeq: lastSeq,
    auditIds: records.map((r) => r.auditId),
    attempts: outcome.attempts,
    status: outcome.delivery.status,
    message: outcome.delivery.message,
    failedAt: at,
  });
  await updateItem(auditDeliveryStatusKey(orgId, destination.id), {
    set: { ...base, lastErrorAt: at, lastError: message },
    add: { deadLettered: 1 },
  });
  logger.warn('audit batch dead-lettered', {
    orgId,
    destinationId: destination.id,
    kind: destination.kind,
    status: outcome.delivery.status,
    records: records.length,
  });
}

/**
 * Delivers the audit records the stream reported as inserted (their new images, any order, any mix of
 * organizations): grouped per organization in chain order, to each enabled destination in chunks of
 * {@link siemChunkSize}. Destinations are independent: one failing never holds back another. Returns what
 * was attempted, for the caller's log.
 */
export async function streamAuditRecords(
  newImages: readonly Item[],
  ports: SiemStreamPorts,
  now: Date,
  policy: SiemRetryPolicy = defaultSiemRetryPolicy,
): Promise<{ organizations: number; batches: number; delivered: number; deadLettered: number }> {
  const byOrg = new Map<string, SiemRecord[]>();
  for (const image of newImages) {
    if (image.entity !== auditRecordEntity.name || typeof image.orgId !== 'string') continue;
    const list = byOrg.get(image.orgId) ?? [];
    list.push(toSiemRecord(image));
    byOrg.set(image.orgId, list);
  }
  const totals = { organizations: byOrg.size, batches: 0, delivered: 0, deadLettered: 0 };
  for (const [orgId, records] of byOrg) {
    const settings = await getItem(auditSettingsEntity, auditSettingsKey(orgId), true);
    const destinations = (settings?.destinations ?? []).filter((d) => d.enabled);
    if (destinations.length === 0) continue;
    records.sort((a, b) => a.seq - b.seq);
    await Promise.all(
      destinations.map(async (destination) => {
        for (let i = 0; i < records.length; i += siemChunkSize) {
          const chunk = records.slice(i, i + siemChunkSize);
          totals.batches++;
          let outcome: { delivery: SiemDelivery; attempts: number };
          try {
            outcome = await deliverWithRetries(orgId, destination, chunk, ports, policy);
          } catch (error) {
            // Our own failure (a secret that does not open, the table): dead-letter, never the secret.
            logger.error('audit delivery failed', {
              orgId,
              destinationId: destination.id,
              ...errorFields(error),
            });
            outcome = {
              delivery: {
                delivered: false,
                status: null,
                message: 'An internal error stopped the delivery.',
              },
              attempts: 1,
            };
          }
          await recordOutcome(orgId, destination, chunk, outcome, ports, now);
          if (outcome.delivery.delivered) totals.delivered += chunk.length;
          else totals.deadLettered += chunk.length;
        }
      }),
    );
  }
  return totals;
}

/** Every destination's last delivery and last error, by destination id (GET settings shows them). */
export async function auditDeliveryStatuses(orgId: string): Promise<Map<string, AuditDestinationDelivery>> {
  const statuses = await queryAll(auditDeliveryStatusEntity, auditDeliveryStatusesQuery(orgId));
  return new Map(
    statuses.map((s) => [
      s.destinationId,
      {
        lastAttemptAt: s.lastAttemptAt,
        lastDeliveredAt: s.lastDeliveredAt,
        lastDeliveredSeq: s.lastDeliveredSeq,
        lastErrorAt: s.lastErrorAt,
        lastError: s.lastError,
        lastStatus: s.lastStatus,
        deadLettered: s.deadLettered,
      },
    ]),
  );
}
