import {
  ConflictError,
  type DateOverride,
  defaultWeeklyGrid,
  type HibernationFleetResponse,
  type HibernationSchedule,
  type HibernationStatus,
  type HibernationView,
  hibernationScheduleSchema,
  notifyBeforeSleepMinutes,
  type PutHibernationInput,
  ValidationError,
} from '@spot/shared';
import {
  desiredStateAt,
  type EngineInput,
  localDateAt,
  nextSleepTransition,
  nextTransition,
  type Transition,
} from '@spot/shared/hibernation/engine';
import { monthToDateSavingsUsd } from '@spot/shared/hibernation/savings';
import type { z } from 'zod';
import { clusterEntity, clustersOfOrgQuery } from '../data/entities/cluster';
import {
  hibernationOverrideEntity,
  hibernationOverrideKey,
  hibernationOverridesQuery,
} from '../data/entities/hibernation-override';
import {
  hibernationRuntimeEntity,
  hibernationRuntimeKey,
  hibernationRuntimesQuery,
} from '../data/entities/hibernation-runtime';
import {
  hibernationScheduleEntity,
  hibernationScheduleKey,
  hibernationSchedulesQuery,
} from '../data/entities/hibernation-schedule';
import {
  cancelledConditions,
  getItem,
  queryAll,
  type TransactItem,
  transactDelete,
  transactPut,
  transactWrite,
  where,
} from '../data/repository';
import { errorFields, logger } from '../lib/logger';
import { port } from '../ports';
import { loadCluster } from './clusters';
import { sealSecret } from './envelope';

/**
 * Cluster hibernation as the API shows and edits it. The schedule is a versioned item; its dated
 * overrides are items of the cluster's partition written in the same transaction; what runs did lives in
 * the runtime item (`hibernation-run.ts`). The engine in `shared/src/hibernation` computes every state.
 */

export type StoredSchedule = z.infer<typeof hibernationScheduleEntity.schema>;
export type StoredRuntime = z.infer<typeof hibernationRuntimeEntity.schema>;
type Cluster = z.infer<typeof clusterEntity.schema>;

/** The one schedule of a cluster in the product's EventBridge Scheduler group. */
export const hibernationScheduleName = (clusterId: string) => `hibernation-${clusterId}`;

/** The cluster's one notice schedule: the next sleep's notice (`hibernation-notify.ts`). */
export const hibernationNoticeScheduleName = (clusterId: string) => `hibernation-notify-${clusterId}`;

/** Whether and where notices go, as saved (the webhook only as "set": it stays sealed until sent). */
export interface NoticeSettings {
  enabled: boolean;
  emails: readonly string[];
  slackWebhookConfigured: boolean;
}

export const noticeSettingsOf = (stored: StoredSchedule | undefined): NoticeSettings => ({
  enabled: stored?.notifications.enabled ?? false,
  emails: stored?.notifications.emails ?? [],
  slackWebhookConfigured: Boolean(stored?.slackWebhook),
});

const minuteMs = 60_000;
/** A notice whose time has passed goes out this soon (EventBridge Scheduler fires with 60 s precision). */
const noticeSoonMs = minuteMs;
/** A sleep closer than this when its notice would be armed gets none: it could not arrive before it. */
export const noticeMinLeadMs = 2 * minuteMs;

export interface NoticePlan {
  /** The sleep the notice warns of. */
  transitionAt: Date;
  /** When the notice schedule fires. */
  sendAt: Date;
}

/**
 * The notice to arm: for the first sleep after `after`, {@link notifyBeforeSleepMinutes} before it; when
 * that instant has passed (a save or a wake less than 30 minutes before a sleep), at once; and none for
 * a sleep less than {@link noticeMinLeadMs} away (the one after it is planned instead). `null` when
 * notices are off, have nowhere to go, or no sleep is coming. A notice already sent for a sleep is not
 * sent again (the sender's claim), so planning one twice is harmless.
 */
export function noticePlan(
  input: EngineInput,
  settings: NoticeSettings,
  now: Date,
  after: Date = now,
): NoticePlan | null {
  if (!settings.enabled || (settings.emails.length === 0 && !settings.slackWebhookConfigured)) return null;
  let from = after;
  for (;;) {
    const next = nextSleepTransition(input, from);
    if (!next) return null;
    const notifyAtMs = next.at.getTime() - notifyBeforeSleepMinutes * minuteMs;
    if (notifyAtMs > now.getTime()) return { transitionAt: next.at, sendAt: new Date(notifyAtMs) };
    if (next.at.getTime() - now.getTime() >= noticeMinLeadMs)
      return { transitionAt: next.at, sendAt: new Date(now.getTime() + noticeSoonMs) };
    from = next.at;
  }
}

/**
 * Arms the cluster's notice schedule for {@link noticePlan} (or deletes it when there is none); re-armed
 * after every save, every run and every notice, like the transition schedule. A failure is logged, not
 * thrown: the schedule saved or the run done stays done.
 */
export async function armNotice(
  orgId: string,
  clusterId: string,
  input: EngineInput,
  settings: NoticeSettings,
  now: Date,
  after: Date = now,
): Promise<NoticePlan | null> {
  const scheduler = port('scheduler');
  const name = hibernationNoticeScheduleName(clusterId);
  try {
    const plan = noticePlan(input, settings, now, after);
    if (!plan) await scheduler.deleteSchedule(name);
    else
      await scheduler.upsertSchedule({
        name,
        expression: `at(${plan.sendAt.toISOString().slice(0, 19)})`,
        timeZone: 'UTC',
        target: {
          workflow: 'hibernation-notify',
          input: { orgId, clusterId, transitionAt: plan.transitionAt.toISOString() },
        },
      });
    return plan;
  } catch (error) {
    logger.error('hibernation notice not armed', { clusterId, ...errorFields(error) });
    return null;
  }
}

/** Who saves: the caller's user id and the email the audit names them by. */
export interface HibernationAuthor {
  userId: string;
  email: string;
}

/** The schedule a cluster answers before its first save: weekdays 08:00-19:00 in its zone, disabled. */
export function defaultSchedule(cluster: Pick<Cluster, 'timeZone'>): HibernationSchedule {
  return hibernationScheduleSchema.parse({
    enabled: false,
    timeZone: cluster.timeZone,
    weeklyGrid: defaultWeeklyGrid(),
  });
}

export function scheduleOf(cluster: Pick<Cluster, 'timeZone'>, stored: StoredSchedule | undefined) {
  if (!stored) return defaultSchedule(cluster);
  const { enabled, timeZone, weeklyGrid, preWarm, scope, protection } = stored;
  return { enabled, timeZone, weeklyGrid, preWarm, scope, protection };
}

export const engineInputOf = (
  schedule: HibernationSchedule,
  overrides: readonly DateOverride[],
  runtime: StoredRuntime | undefined,
): EngineInput => ({ schedule, overrides, manualOverride: runtime?.manualOverride ?? null });

export function statusOf(
  input: EngineInput,
  runtime: StoredRuntime | undefined,
  now: Date,
  /** The next transition when the caller has it already (a 35-day search is not free). */
  next: Transition | null = nextTransition(input, now),
): HibernationStatus {
  const desired = desiredStateAt(input, now);
  const manual = input.manualOverride;
  const manualLive = manual && (manual.until === null || Date.parse(manual.until) > now.getTime());
  return {
    state: desired.state,
    reason: desired.reason,
    actual: runtime?.actual ?? null,
    nextTransition: next ? { at: next.at.toISOString(), state: next.state } : null,
    savingsRateUsdPerHour: runtime?.actual === 'sleeping' ? runtime.savingsRateUsdPerHour : 0,
    monthToDateSavingsUsd: monthToDateSavingsUsd(runtime?.sleepPeriods ?? [], now, input.schedule.timeZone),
    manualOverride: manualLive ? manual : null,
  };
}

export async function readOverrides(orgId: string, clusterId: string, consistent = false) {
  const items = await queryAll(hibernationOverrideEntity, hibernationOverridesQuery(orgId, clusterId), {
    consistent,
  });
  return items.map(({ date, kind, label }) => ({ date, kind, label }));
}

export const readSchedule = (orgId: string, clusterId: string, consistent = false) =>
  getItem(hibernationScheduleEntity, hibernationScheduleKey(orgId, clusterId), consistent);
export const readRuntime = (orgId: string, clusterId: string, consistent = false) =>
  getItem(hibernationRuntimeEntity, hibernationRuntimeKey(orgId, clusterId), consistent);

function toView(
  cluster: Cluster,
  stored: StoredSchedule | undefined,
  overrides: DateOverride[],
  runtime: StoredRuntime | undefined,
  now: Date,
): HibernationView {
  const schedule = scheduleOf(cluster, stored);
  return {
    clusterId: cluster.clusterId,
    version: stored?.version ?? 0,
    schedule,
    overrides,
    notifications: {
      enabled: stored?.notifications.enabled ?? false,
      emails: stored?.notifications.emails ?? [],
      slackWebhookConfigured: Boolean(stored?.slackWebhook),
    },
    status: statusOf(engineInputOf(schedule, overrides, runtime), runtime, now),
    updatedAt: stored?.updatedAt ?? null,
    updatedBy: stored?.updatedBy ?? null,
  };
}

export async function getHibernation(orgId: string, clusterId: string, now: Date): Promise<HibernationView> {
  const cluster = await loadCluster(orgId, clusterId);
  const [stored, overrides, runtime] = await Promise.all([
    readSchedule(orgId, clusterId),
    readOverrides(orgId, clusterId),
    readRuntime(orgId, clusterId),
  ]);
  return toView(cluster, stored, overrides, runtime, now);
}

/** Every cluster of the organization with its schedule's state and this month's savings. */
export async function listHibernation(orgId: string, now: Date): Promise<HibernationFleetResponse> {
  const [clusters, schedules, runtimes] = await Promise.all([
    queryAll(clusterEntity, clustersOfOrgQuery(orgId)),
    queryAll(hibernationScheduleEntity, hibernationSchedulesQuery(orgId)),
    queryAll(hibernationRuntimeEntity, hibernationRuntimesQuery(orgId)),
  ]);
  const scheduleById = new Map(schedules.map((s) => [s.clusterId, s]));
  const runtimeById = new Map(runtimes.map((r) => [r.clusterId, r]));
  const items = await Promise.all(
    clusters.map(async (cluster) => {
      const stored = scheduleById.get(cluster.clusterId);
      const runtime = runtimeById.get(cluster.clusterId);
      const schedule = scheduleOf(cluster, stored);
      // Only configured clusters have overrides worth reading (one query each).
      const overrides = stored ? await readOverrides(orgId, cluster.clusterId) : [];
      return {
        clusterId: cluster.clusterId,
        name: cluster.name,
        accountId: cluster.accountId,
        region: cluster.region,
        configured: stored !== undefined,
        enabled: schedule.enabled,
        timeZone: schedule.timeZone,
        status: statusOf(engineInputOf(schedule, overrides, runtime), runtime, now),
      };
    }),
  );
  const total = items.reduce((sum, i) => sum + i.status.monthToDateSavingsUsd, 0);
  return { items, totalMonthToDateSavingsUsd: Math.round(total * 100) / 100 };
}

const staleVersion = (view: HibernationView) =>
  new ConflictError(
    'HIBERNATION_VERSION_STALE',
    'Someone saved this hibernation schedule since you opened it. Review their changes and save again.',
    { details: { current: view } },
  );

/** Today on the cluster's wall clock: overrides before it are history. */
const todayIn = (timeZone: string, now: Date) => localDateAt(timeZone, now);

/**
 * Save: the schedule from the version read, and the upcoming dated overrides as sent (added, changed and
 * removed ones), in one transaction. Dates before today (cluster time) cannot be added or changed: they
 * are history and stay as they were.
 */
export async function saveHibernation(
  orgId: string,
  clusterId: string,
  body: PutHibernationInput,
  author: HibernationAuthor,
  now: Date,
) {
  const cluster = await loadCluster(orgId, clusterId);
  const [before, storedOverrides, runtime] = await Promise.all([
    readSchedule(orgId, clusterId, true),
    readOverrides(orgId, clusterId, true),
    readRuntime(orgId, clusterId, true),
  ]);
  const beforeView = toView(cluster, before, storedOverrides, runtime, now);
  if ((before?.version ?? 0) !== body.version) throw staleVersion(beforeView);

  const today = todayIn(body.schedule.timeZone, now);
  const storedByDate = new Map(storedOverrides.map((o) => [o.date, o]));
  const sentByDate = new Map(body.overrides.map((o) => [o.date, o]));
  const issues = body.overrides.flatMap((o, i) => {
    const same = storedByDate.get(o.date);
    if (o.date >= today || (same && same.kind === o.kind && same.label === o.label)) return [];
    return [
      {
        field: `overrides.${i}.date`,
        message: `${o.date} is in the past (today is ${today} in ${body.schedule.timeZone}); choose today or a later date.`,
      },
    ];
  });
  if (issues.length) throw new ValidationError(`${issues[0]?.field}: ${issues[0]?.message}`, { issues });

  const changed = body.overrides.filter((o) => {
    const same = storedByDate.get(o.date);
    return !same || same.kind !== o.kind || same.label !== o.label;
  });
  const removed = storedOverrides.filter((o) => o.date >= today && !sentByDate.has(o.date));

  const slackWebhook =
    body.notifications.slackWebhookUrl === undefined
      ? (before?.slackWebhook ?? null)
      : body.notifications.slackWebhookUrl === null
        ? null
        : await sealSecret(
            body.notifications.slackWebhookUrl,
            port('keyService'),
            `${orgId}/${clusterId}/slack`,
          );

  const stored: StoredSchedule = {
    orgId,
    clusterId,
    version: body.version + 1,
    ...body.schedule,
    notifications: { enabled: body.notifications.enabled, emails: body.notifications.emails },
    slackWebhook,
    updatedAt: now.toISOString(),
    updatedBy: author.userId,
    updatedByEmail: author.email,
  };
  const writes: TransactItem[] = [
    transactPut(
      hibernationScheduleEntity,
      stored,
      body.version === 0 ? where.itemNotExists() : where.eq('version', body.version),
    ),
    ...changed.map((o) => transactPut(hibernationOverrideEntity, { orgId, clusterId, ...o })),
    ...removed.map((o) => transactDelete(hibernationOverrideKey(orgId, clusterId, o.date))),
  ];
  try {
    await transactWrite(writes);
  } catch (error) {
    if (cancelledConditions(error)?.[0]) {
      const [current, overrides, rt] = await Promise.all([
        readSchedule(orgId, clusterId, true),
        readOverrides(orgId, clusterId, true),
        readRuntime(orgId, clusterId, true),
      ]);
      throw staleVersion(toView(cluster, current, overrides, rt, now));
    }
    throw error;
  }
  const overrides = [
    ...storedOverrides.filter((o) => o.date < today && !sentByDate.has(o.date)),
    ...body.overrides,
  ].sort((a, b) => a.date.localeCompare(b.date));
  return {
    before: beforeView,
    view: toView(cluster, stored, overrides, runtime, now),
    cluster,
    engineInput: engineInputOf(scheduleOf(cluster, stored), overrides, runtime),
    runtime,
  };
}

/** The keys of a cluster's hibernation items, for removing a cluster that no longer exists. */
export async function hibernationKeysOf(orgId: string, clusterId: string) {
  const overrides = await readOverrides(orgId, clusterId);
  return [
    hibernationScheduleKey(orgId, clusterId),
    hibernationRuntimeKey(orgId, clusterId),
    ...overrides.map((o) => hibernationOverrideKey(orgId, clusterId, o.date)),
  ];
}
