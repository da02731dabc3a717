import { randomBytes } from 'node:crypto';
import {
  ConflictError,
  DomainError,
  isDomainError,
  maxWakeHours,
  type SnoozePreview,
  type SnoozeResult,
} from '@spot/shared';
import { snoozeHours } from '@spot/shared/hibernation/notice';
import { z } from 'zod';
import { snoozeLinkUseEntity, snoozeLinkUseKey } from '../data/entities/hibernation-notice';
import { deleteItem, getItem, isConditionalCheckFailed, putItem, where } from '../data/repository';
import type { KeyServicePort } from '../ports';
import { port } from '../ports';
import { loadCluster } from './clusters';
import { readSchedule, scheduleOf } from './hibernation';
import { wakeCluster } from './hibernation-run';
import { signDetached, verifyDetached } from './signature';

/**
 * The Snooze link of a hibernation notice (ADR 0032). Its token names the organization, the cluster, the
 * sleep it was sent for, who it was sent to, when it stops working, and a random id; it is signed with a
 * wrapped data key of the key service (`signature.ts`), so nothing is stored until it is used. Opening the
 * link only shows what it would do (mail scanners open links); confirming it puts a "used" marker with a
 * condition that none exists, so each link acts once, and wakes the cluster through the same domain call
 * as "Wake up now".
 */

export interface SnoozeClaims {
  orgId: string;
  clusterId: string;
  /** The sleep the notice was sent for. */
  transitionAt: Date;
  expiresAt: Date;
  /** An email address, or `Slack`. */
  recipient: string;
  tokenId: string;
}

/** Short keys: the token travels in a URL that mail clients may wrap. */
const payloadSchema = z.strictObject({
  v: z.literal(1),
  o: z.string().min(1).max(100),
  c: z.string().min(1).max(100),
  t: z.iso.datetime(),
  e: z.iso.datetime(),
  r: z.string().min(1).max(320),
  n: z.string().regex(/^[A-Za-z0-9_-]{16,64}$/),
});

/** Domain separation: a signature made for anything else (an audit export) is never a snooze token. */
const signedMessage = (payloadB64: string) => `hibernation-snooze\n${payloadB64}`;

const invalidLink = () =>
  new DomainError(
    'SNOOZE_LINK_INVALID',
    'This snooze link is damaged or was not made by Spot Optimizer. Open it from the notification again, or wake the cluster on the Cluster Hibernation page.',
    400,
  );

export async function issueSnoozeToken(
  claims: Omit<SnoozeClaims, 'tokenId'>,
  keys: KeyServicePort = port('keyService'),
): Promise<string> {
  const payload = payloadSchema.parse({
    v: 1,
    o: claims.orgId,
    c: claims.clusterId,
    t: claims.transitionAt.toISOString(),
    e: claims.expiresAt.toISOString(),
    r: claims.recipient,
    n: randomBytes(16).toString('base64url'),
  });
  const payloadB64 = Buffer.from(JSON.stringify(payload)).toString('base64url');
  return `${payloadB64}.${await signDetached(signedMessage(payloadB64), keys)}`;
}

/**
 * The claims of a token this service signed, or a 400 (damaged, forged, altered: one answer for all,
 * so nothing tells which part failed) or a 410 once it has expired. The signature is checked before the
 * payload is even parsed.
 */
export async function readSnoozeToken(
  token: string,
  now: Date,
  keys: KeyServicePort = port('keyService'),
): Promise<SnoozeClaims> {
  const dot = token.indexOf('.');
  const payloadB64 = dot > 0 ? token.slice(0, dot) : '';
  if (!payloadB64 || Buffer.from(payloadB64, 'base64url').toString('base64url') !== payloadB64)
    throw invalidLink();
  if (!(await verifyDetached(signedMessage(payloadB64), token.slice(dot + 1), keys))) throw invalidLink();
  let parsed: z.infer<typeof payloadSchema>;
  try {
    parsed = payloadSchema.parse(JSON.parse(Buffer.from(payloadB64, 'base64url').toString('utf8')));
  } catch {
    // Signed by us but not a payload we write: a token of another version, never trusted.
    throw invalidLink();
  }
  const claims: SnoozeClaims = {
    orgId: parsed.o,
    clusterId: parsed.c,
    transitionAt: new Date(parsed.t),
    expiresAt: new Date(parsed.e),
    recipient: parsed.r,
    tokenId: parsed.n,
  };
  if (claims.expiresAt.getTime() <= now.getTime())
    throw new DomainError(
      'SNOOZE_LINK_EXPIRED',
      `This snooze link expired at ${claims.expiresAt.toISOString()}. Wake the cluster on the Cluster Hibernation page of Spot Optimizer instead.`,
      410,
    );
  return claims;
}

const usedLink = (usedAt: string) =>
  new ConflictError(
    'SNOOZE_LINK_USED',
    `This snooze link was already used (at ${usedAt}); each link works once. The cluster's state is on the Cluster Hibernation page.`,
  );

/**
 * The cluster the token names, in the organization it names (a 404 when either is gone), with the zone
 * its schedule is read in (the one the notice wrote its times in).
 */
async function clusterOf(claims: SnoozeClaims) {
  try {
    const [cluster, stored] = await Promise.all([
      loadCluster(claims.orgId, claims.clusterId),
      readSchedule(claims.orgId, claims.clusterId),
    ]);
    return { ...cluster, timeZone: scheduleOf(cluster, stored).timeZone };
  } catch (error) {
    if (isDomainError(error) && error.statusCode === 404)
      throw new DomainError(
        'SNOOZE_CLUSTER_GONE',
        'The cluster this snooze link was sent for is no longer in Spot Optimizer.',
        404,
      );
    throw error;
  }
}

/**
 * Until when a confirmation at `now` keeps the cluster awake: {@link snoozeHours} past the sleep it was
 * sent for (clicked before it) or past now (clicked once asleep), within the longest wake there is.
 */
export function snoozeUntil(claims: Pick<SnoozeClaims, 'transitionAt'>, now: Date): Date {
  const from = Math.max(now.getTime(), claims.transitionAt.getTime());
  return new Date(Math.min(from + snoozeHours * 3_600_000, now.getTime() + maxWakeHours * 3_600_000));
}

/** What the link would do; nothing changes (a GET: mail scanners and link previews open it). */
export async function previewSnooze(token: string, now: Date): Promise<SnoozePreview> {
  const claims = await readSnoozeToken(token, now);
  const [cluster, used] = await Promise.all([
    clusterOf(claims),
    getItem(snoozeLinkUseEntity, snoozeLinkUseKey(claims.orgId, claims.clusterId, claims.tokenId), true),
  ]);
  if (used) throw usedLink(used.usedAt);
  return {
    clusterName: cluster.name,
    region: cluster.region,
    timeZone: cluster.timeZone,
    sleepAt: claims.transitionAt.toISOString(),
    awakeUntil: snoozeUntil(claims, now).toISOString(),
    hours: snoozeHours,
    expiresAt: claims.expiresAt.toISOString(),
    recipient: claims.recipient,
  };
}

/** The audit note of the route (`AuditNote` of the HTTP adapter): filled once the token is known to be ours. */
export interface SnoozeAuditNote {
  orgId?: string;
  actorId?: string;
  actorName?: string;
  target: string | null;
  accountId: string | null;
  before?: unknown;
  after?: unknown;
}

/** The actor a snooze is recorded as: the link, and whom it was sent to. */
export const snoozeActorId = 'snooze-link';

/**
 * Confirms the link: marks it used (once), then wakes the cluster until {@link snoozeUntil}. A wake that
 * fails gives the link back, so it can be tried again.
 */
export async function confirmSnooze(token: string, now: Date, audit: SnoozeAuditNote): Promise<SnoozeResult> {
  const claims = await readSnoozeToken(token, now);
  Object.assign(audit, {
    orgId: claims.orgId,
    actorId: snoozeActorId,
    actorName: `snooze link sent to ${claims.recipient}`,
    target: `cluster/${claims.clusterId}`,
  });
  const cluster = await clusterOf(claims);
  audit.accountId = cluster.accountId;
  const use = {
    orgId: claims.orgId,
    clusterId: claims.clusterId,
    tokenId: claims.tokenId,
    recipient: claims.recipient,
    usedAt: now.toISOString(),
    expiresAtIso: claims.expiresAt.toISOString(),
  };
  try {
    await putItem(snoozeLinkUseEntity, use, where.itemNotExists());
  } catch (error) {
    if (!isConditionalCheckFailed(error)) throw error;
    const earlier = await getItem(
      snoozeLinkUseEntity,
      snoozeLinkUseKey(use.orgId, use.clusterId, use.tokenId),
      true,
    );
    throw usedLink(earlier?.usedAt ?? 'an earlier time');
  }
  const until = snoozeUntil(claims, now);
  try {
    const run = await wakeCluster(
      claims.orgId,
      claims.clusterId,
      { until: until.toISOString() },
      { kind: 'user', userId: snoozeActorId, email: claims.recipient },
      now,
    );
    Object.assign(audit, {
      before: run.before,
      after: { ...(run.after as object), snoozedUntil: until.toISOString() },
    });
    return {
      clusterName: cluster.name,
      timeZone: cluster.timeZone,
      awakeUntil: until.toISOString(),
      state: run.response.status.state,
    };
  } catch (error) {
    await deleteItem(snoozeLinkUseKey(use.orgId, use.clusterId, use.tokenId)).catch(() => undefined);
    throw error;
  }
}
