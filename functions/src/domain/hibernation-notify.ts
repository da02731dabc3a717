import { isDomainError } from '@spot/shared';
import { nextScheduledWake, nextSleepTransition } from '@spot/shared/hibernation/engine';
import { type NoticeGroup, renderSleepNotice, type SleepNoticeInput } from '@spot/shared/hibernation/notice';
import type { z } from 'zod';
import { hibernationNoticeEntity } from '../data/entities/hibernation-notice';
import { nodeGroupEntity } from '../data/entities/node-group';
import { clusterChildrenQuery } from '../data/entities/partitions';
import { isConditionalCheckFailed, putItem, queryAll, where } from '../data/repository';
import { errorFields, logger } from '../lib/logger';
import { port } from '../ports';
import { loadCluster } from './clusters';
import { openSecret } from './envelope';
import {
  armNotice,
  engineInputOf,
  hibernationNoticeScheduleName,
  noticeSettingsOf,
  readOverrides,
  readRuntime,
  readSchedule,
  type StoredSchedule,
  scheduleOf,
} from './hibernation';
import { excludedTagOf } from './hibernation-run';
import { issueSnoozeToken } from './hibernation-snooze';

/**
 * Sending a hibernation notice (issue 15, "Notifications"; ADR 0032): when the notice schedule fires, the
 * sleep it was armed for must still be the cluster's next one (a schedule edited since, a wake, a late
 * delivery: nothing is sent), the notice is claimed with a conditional write keyed by cluster and sleep
 * (a duplicated delivery sends nothing), then each email recipient and the Slack webhook get the notice
 * with a Snooze link of their own, what each channel answered is recorded, and the notice schedule is
 * re-armed for the sleep after.
 */

export type NoticeOutcome = 'sent' | 'already-sent' | 'transition-gone' | 'disabled' | 'cluster-gone';

/** A Snooze link works until the end of the sleep it was sent for, and never longer than a day. */
const maxLinkMs = 24 * 3_600_000;

type Delivery = z.infer<typeof hibernationNoticeEntity.schema>['deliveries'][number];

async function deliver(
  orgId: string,
  clusterId: string,
  stored: StoredSchedule,
  base: Omit<SleepNoticeInput, 'snooze'>,
  linkExpiresAt: Date,
): Promise<Delivery[]> {
  let appUrl: string | null = null;
  try {
    appUrl = await port('site').appUrl();
  } catch (error) {
    // The notice still goes out, without a link (it says to wake the cluster in the app instead).
    logger.error('hibernation notice: app URL unknown, sent without a snooze link', errorFields(error));
  }
  const noticeFor = async (recipient: string) => {
    const token = appUrl
      ? await issueSnoozeToken({
          orgId,
          clusterId,
          transitionAt: base.sleepAt,
          expiresAt: linkExpiresAt,
          recipient,
        })
      : null;
    return renderSleepNotice({
      ...base,
      snooze: token ? { url: `${appUrl}/snooze?token=${token}`, expiresAt: linkExpiresAt } : null,
    });
  };

  const emails = stored.notifications.emails.map(async (to): Promise<Delivery> => {
    const notice = await noticeFor(to);
    const sent = await port('email').send({
      to,
      subject: notice.subject,
      text: notice.text,
      html: notice.html,
    });
    return { channel: 'email', to, ...sent };
  });
  const slack = stored.slackWebhook
    ? [
        (async (): Promise<Delivery> => {
          try {
            const url = await openSecret(
              stored.slackWebhook as NonNullable<StoredSchedule['slackWebhook']>,
              port('keyService'),
              `${orgId}/${clusterId}/slack`,
            );
            const notice = await noticeFor('Slack');
            return { channel: 'slack', to: 'Slack', ...(await port('slack').post(url, notice.slack)) };
          } catch (error) {
            logger.error('hibernation notice: Slack webhook not opened', {
              clusterId,
              ...errorFields(error),
            });
            return {
              channel: 'slack',
              to: 'Slack',
              delivered: false,
              message: 'The webhook could not be read; save it again.',
            };
          }
        })(),
      ]
    : [];
  return Promise.all([...emails, ...slack]);
}

/** The node groups that scale down at the sleep, as the last discovery saw them. */
function groupsInScope(
  schedule: ReturnType<typeof scheduleOf>,
  groups: readonly z.infer<typeof nodeGroupEntity.schema>[],
): NoticeGroup[] {
  return (
    groups
      .filter((g) => schedule.scope.kind === 'full' || schedule.scope.nodeGroupIds.includes(g.nodeGroupId))
      .filter((g) => !excludedTagOf({ ...g.labels, ...g.tags }, schedule.protection.excludedTags))
      // A group with no node running has nothing to scale down.
      .filter((g) => g.nodeCount > 0)
      .sort((a, b) => b.hourlyCostUsd - a.hourlyCostUsd || a.name.localeCompare(b.name))
      .map((g) => ({ name: g.name, kind: g.kind, nodeCount: g.nodeCount, hourlyCostUsd: g.hourlyCostUsd }))
  );
}

/** The notice schedule fired for the sleep at `transitionAt`: send its notice once, if it is still due. */
export async function sendSleepNotice(
  orgId: string,
  clusterId: string,
  transitionAt: string,
  now: Date,
): Promise<{ outcome: NoticeOutcome; deliveries: number }> {
  let cluster: Awaited<ReturnType<typeof loadCluster>>;
  try {
    cluster = await loadCluster(orgId, clusterId);
  } catch (error) {
    if (!isDomainError(error) || error.statusCode !== 404) throw error;
    await port('scheduler').deleteSchedule(hibernationNoticeScheduleName(clusterId));
    return { outcome: 'cluster-gone', deliveries: 0 };
  }
  const [stored, overrides, runtime] = await Promise.all([
    readSchedule(orgId, clusterId, true),
    readOverrides(orgId, clusterId, true),
    readRuntime(orgId, clusterId, true),
  ]);
  const schedule = scheduleOf(cluster, stored);
  const input = engineInputOf(schedule, overrides, runtime);
  const settings = noticeSettingsOf(stored);
  const rearm = (after: Date = now) => armNotice(orgId, clusterId, input, settings, now, after);
  if (!stored || !settings.enabled || (settings.emails.length === 0 && !settings.slackWebhookConfigured)) {
    await rearm();
    return { outcome: 'disabled', deliveries: 0 };
  }
  // The sleep must still be the next one: a schedule edited, a wake or a late delivery moved it.
  const next = nextSleepTransition(input, now);
  if (!next || next.at.toISOString() !== new Date(transitionAt).toISOString()) {
    await rearm();
    return { outcome: 'transition-gone', deliveries: 0 };
  }

  const claim = {
    orgId,
    clusterId,
    transitionAt: next.at.toISOString(),
    status: 'sending' as const,
    claimedAt: now.toISOString(),
    deliveries: [],
  };
  try {
    await putItem(hibernationNoticeEntity, claim, where.itemNotExists());
  } catch (error) {
    if (!isConditionalCheckFailed(error)) throw error;
    await rearm(next.at);
    return { outcome: 'already-sent', deliveries: 0 };
  }

  const [groups, wakeAt] = await Promise.all([
    queryAll(nodeGroupEntity, clusterChildrenQuery(orgId, clusterId, 'NODEGROUP')),
    Promise.resolve(nextScheduledWake(input, next.at)),
  ]);
  const linkExpiresAt = new Date(
    Math.min(next.at.getTime() + maxLinkMs, wakeAt?.getTime() ?? Number.POSITIVE_INFINITY),
  );
  const deliveries = await deliver(
    orgId,
    clusterId,
    stored,
    {
      clusterName: cluster.name,
      region: cluster.region,
      timeZone: schedule.timeZone,
      now,
      sleepAt: next.at,
      wakeAt,
      groups: groupsInScope(schedule, groups),
      keptNamespaces: schedule.protection.criticalNamespaces,
    },
    linkExpiresAt,
  );
  await putItem(hibernationNoticeEntity, { ...claim, status: 'sent', deliveries });
  for (const d of deliveries.filter((x) => !x.delivered))
    logger.warn('hibernation notice not delivered', { clusterId, channel: d.channel, reason: d.message });
  await rearm(next.at);
  return { outcome: 'sent', deliveries: deliveries.filter((d) => d.delivered).length };
}
