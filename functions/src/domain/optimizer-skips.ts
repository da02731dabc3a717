import { optimizerSkipEntity, optimizerSkipKey } from '../data/entities/optimizer-skip';
import { deleteItem, getItem, isConditionalCheckFailed, putItem, where } from '../data/repository';
import { appendAudit } from './audit';

/**
 * Skips of automatic actions, audited once per reason (ADR 0046). The periodic sync meets the same
 * reason every 15 minutes (maintenance for a week, an agent installed read-only): one audit record when
 * it starts, none after, and a new one when the reason changes.
 */
export async function recordSkipOnce(
  orgId: string,
  clusterId: string,
  accountId: string,
  skip: { subject: string; reason: string; message: string; action: string; target: string },
  now: Date,
): Promise<boolean> {
  const previous = await getItem(optimizerSkipEntity, optimizerSkipKey(orgId, clusterId, skip.subject), true);
  if (previous?.reason === skip.reason) return false;
  try {
    await putItem(
      optimizerSkipEntity,
      {
        orgId,
        clusterId,
        subject: skip.subject,
        reason: skip.reason,
        message: skip.message,
        at: now.toISOString(),
        fallback: previous?.fallback ?? null,
      },
      // Only over what was read: a concurrent sync that recorded the same reason first audits it alone.
      previous ? where.eq('at', previous.at) : where.itemNotExists(),
    );
  } catch (error) {
    if (isConditionalCheckFailed(error)) return false;
    throw error;
  }
  await appendAudit(
    orgId,
    {
      actorType: 'system',
      actorId: null,
      actorName: 'system: optimizer',
      action: skip.action,
      resourceType: 'cluster',
      target: skip.target,
      accountId,
      // The audit's outcomes are success, failed, denied: a guard that stopped the action is a denial.
      outcome: 'denied',
      before: null,
      after: { skipped: true, reason: skip.reason, message: skip.message },
      sourceIp: null,
      userAgent: null,
      requestId: null,
    },
    now,
  );
  return true;
}

/** The action ran (or has nothing to do): a later skip is news again. Keeps a fallback record. */
export async function clearSkip(orgId: string, clusterId: string, subject: string): Promise<void> {
  const previous = await getItem(optimizerSkipEntity, optimizerSkipKey(orgId, clusterId, subject), true);
  if (!previous || previous.reason === null) return;
  if (previous.fallback === null) await deleteItem(optimizerSkipKey(orgId, clusterId, subject));
  else await putItem(optimizerSkipEntity, { ...previous, reason: null, message: null });
}
