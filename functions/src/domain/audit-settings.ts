import { randomUUID } from 'node:crypto';
import {
  type AuditSettingsView,
  type AuditTestEventResponse,
  auditRetentionWarningOf,
  ConflictError,
  NotFoundError,
  type PutAuditSettingsInput,
  type SiemRecord,
  ValidationError,
} from '@spot/shared';
import {
  auditDestinationSecretEntity,
  auditDestinationSecretKey,
  auditSettingsEntity,
  auditSettingsKey,
  type StoredAuditDestination,
} from '../data/entities/audit-settings';
import {
  cancelledConditions,
  getItem,
  type TransactItem,
  transactDelete,
  transactPut,
  transactWrite,
  where,
} from '../data/repository';
import { errorFields, logger } from '../lib/logger';
import type { KeyServicePort, SiemPort, WorkflowPort } from '../ports';
import type { CustomerCloudPort } from '../ports/cloud';
import { loadAccount } from './accounts';
import { auditDeliveryStatuses, deliverToDestination, destinationSecretContext } from './audit-siem';

export { destinationSecretContext };

import { sealSecret } from './envelope';

/**
 * The Compliance Center's settings: retention and SIEM destinations. Destination secrets (a Datadog API
 * key, a Splunk HEC token) are sealed with the key service into their own items and never returned; an
 * S3 destination writes through the connected account's role and has none.
 */
type Stored = Awaited<ReturnType<typeof readSettings>>;

const readSettings = (orgId: string) => getItem(auditSettingsEntity, auditSettingsKey(orgId), true);

function toView(stored: Stored): AuditSettingsView {
  const retentionDays = stored?.retentionDays ?? null;
  return {
    version: stored?.version ?? 0,
    retentionDays,
    costWarning: auditRetentionWarningOf(retentionDays),
    destinations: stored?.destinations ?? [],
    updatedAt: stored?.updatedAt ?? null,
    updatedBy: stored?.updatedBy ?? null,
  };
}

/** The settings with each destination's last delivery and last error (the stream function's record). */
export async function getAuditSettings(orgId: string): Promise<AuditSettingsView> {
  const [stored, deliveries] = await Promise.all([readSettings(orgId), auditDeliveryStatuses(orgId)]);
  const view = toView(stored);
  return {
    ...view,
    destinations: view.destinations.map((d) => ({ ...d, delivery: deliveries.get(d.id) ?? null })),
  };
}

const secretField = { datadog: 'apiKey', splunk: 'hecToken' } as const;
const kindName = { datadog: 'Datadog', splunk: 'Splunk', s3: 'S3' } as const;

const staleSettings = (current: Stored) =>
  new ConflictError(
    'AUDIT_SETTINGS_STALE',
    'Someone saved the audit settings since you opened them. Review their changes and save again.',
    { details: { current: toView(current) } },
  );

/**
 * Saves retention and destinations from the version read: the settings item (conditioned on that
 * version), each new or replaced secret and the deletion of removed destinations' secrets are one
 * transaction. A new Datadog or Splunk destination needs its secret; an existing one keeps the stored
 * secret when none is sent. An S3 destination must name a connected account of the organization.
 */
export async function saveAuditSettings(
  orgId: string,
  input: PutAuditSettingsInput,
  author: { email: string },
  ports: { keys: KeyServicePort; workflows: WorkflowPort },
  now: Date,
): Promise<{ before: AuditSettingsView; settings: AuditSettingsView }> {
  const { keys } = ports;
  const current = await readSettings(orgId);
  if ((current?.version ?? 0) !== input.version) throw staleSettings(current);
  const previous = new Map((current?.destinations ?? []).map((d) => [d.id, d]));
  const seen = new Set<string>();
  const writes: TransactItem[] = [];
  const destinations: StoredAuditDestination[] = [];
  for (const [n, d] of input.destinations.entries()) {
    const existing = d.id ? previous.get(d.id) : undefined;
    if (d.id && (!existing || seen.has(d.id)))
      throw new ValidationError(
        `destinations.${n}.id: no such destination (or named twice). Leave the id out to add a new one.`,
      );
    if (existing && existing.kind !== d.kind)
      throw new ValidationError(
        `destinations.${n}.kind: a destination keeps its kind. Remove it and add a new ${kindName[d.kind]} destination.`,
      );
    const id = existing?.id ?? randomUUID();
    seen.add(id);
    const secret = d.kind === 'datadog' ? d.apiKey : d.kind === 'splunk' ? d.hecToken : undefined;
    if (d.kind !== 's3' && !secret && !existing?.hasSecret)
      throw new ValidationError(
        `destinations.${n}.${secretField[d.kind]}: required for a new ${kindName[d.kind]} destination.`,
      );
    if (d.kind === 's3') await loadAccount(orgId, d.cloudAccountId);
    if (secret) {
      const sealed = await sealSecret(secret, keys, destinationSecretContext(orgId, id));
      writes.push(
        transactPut(auditDestinationSecretEntity, {
          orgId,
          destinationId: id,
          ...sealed,
          createdAt: now.toISOString(),
        }),
      );
    }
    const base = {
      id,
      name: d.name,
      enabled: d.enabled,
      hasSecret: Boolean(secret) || (existing?.hasSecret ?? false),
    };
    destinations.push(
      d.kind === 'datadog'
        ? { ...base, kind: 'datadog', site: d.site }
        : d.kind === 'splunk'
          ? { ...base, kind: 'splunk', url: d.url }
          : { ...base, kind: 's3', cloudAccountId: d.cloudAccountId, bucket: d.bucket, prefix: d.prefix },
    );
  }
  for (const old of previous.values())
    if (!seen.has(old.id) && old.hasSecret)
      writes.push(transactDelete(auditDestinationSecretKey(orgId, old.id)));
  const saved = {
    orgId,
    version: input.version + 1,
    retentionDays: input.retentionDays,
    destinations,
    updatedAt: now.toISOString(),
    updatedBy: author.email,
  };
  try {
    await transactWrite([
      transactPut(
        auditSettingsEntity,
        saved,
        current ? where.eq('version', current.version) : where.itemNotExists(),
      ),
      ...writes,
    ]);
  } catch (error) {
    if (cancelledConditions(error)?.[0]) throw staleSettings(await readSettings(orgId));
    throw error;
  }
  if ((current?.retentionDays ?? null) !== saved.retentionDays)
    await startRetentionRestamp(orgId, saved.version, ports.workflows);
  return { before: toView(current), settings: toView(saved) };
}

/**
 * Re-applies a changed retention to the records already written: the `audit-retention` workflow pages
 * through them (ADR 0029). Named after the version, so it runs once per save. Records written from now on
 * are stamped by `appendAudit` itself. A start that fails is logged: the save stands, and the next
 * retention save re-stamps everything.
 */
async function startRetentionRestamp(orgId: string, version: number, workflows: WorkflowPort) {
  try {
    await workflows.startExecution(
      'audit-retention',
      { orgId, version, fromSeq: 1 },
      `retention-${orgId}-v${version}`.slice(0, 80),
    );
  } catch (error) {
    logger.error('audit retention re-stamp did not start', { orgId, version, ...errorFields(error) });
  }
}

/**
 * Sends one test record ("Sent SIEM Test Event", target the destination) to a saved destination with its
 * stored secret, and says whether it arrived. 404 for a destination not in the organization's settings.
 */
export async function sendAuditTestEvent(
  orgId: string,
  destinationId: string,
  actor: { userId: string; email: string },
  ports: { keys: KeyServicePort; siem: SiemPort; cloud: CustomerCloudPort },
  now: Date,
): Promise<AuditTestEventResponse> {
  const settings = await readSettings(orgId);
  const destination = settings?.destinations.find((d) => d.id === destinationId);
  if (!destination) throw new NotFoundError('This SIEM destination');
  const record: SiemRecord = {
    auditId: randomUUID(),
    seq: 0,
    createdAt: now.toISOString(),
    actorType: 'user',
    actorId: actor.userId,
    actorName: actor.email,
    action: 'audit.settings.test-event',
    resourceType: 'audit-settings',
    target: `audit-destination/${destination.id}`,
    outcome: 'success',
    test: true,
  };
  return deliverToDestination(orgId, destination, [record], ports);
}
