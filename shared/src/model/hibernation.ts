import { DateTime } from 'luxon';
import { z } from 'zod';
import { emailSchema } from './user';

/**
 * Cluster hibernation: the contract. A cluster's schedule is a weekly grid of 30-minute slots in its IANA
 * time zone (active or sleep), a 30-minute pre-warm before each active block, dated overrides (holiday =
 * sleep the whole local day, sprint day = active the whole local day) that never alter the grid, the
 * scope (every node group, or the selected ones), what is protected, and who is told before it sleeps.
 * The engine that reads it lives in `shared/src/hibernation/`.
 */

/** Slots per day: the grid's resolution is 30 minutes. */
export const slotsPerDay = 48;
export const slotMinutes = 30;
/** Nodes start booting this long before each active block (the specification's "Soft Start"). */
export const preWarmMinutes = 30;
/** Notifications go out this long before the cluster sleeps. */
export const notifyBeforeSleepMinutes = 30;
/** Upcoming dated overrides a cluster may hold (one save changes them in one transaction). */
export const maxUpcomingOverrides = 48;

/** True for a name the IANA database knows (`Europe/Berlin`, `UTC`); offsets such as `+02:00` are refused. */
export function isIanaTimeZone(zone: string): boolean {
  if (zone.length === 0 || zone.length > 64) return false;
  if (zone !== 'UTC' && !zone.includes('/')) return false;
  return DateTime.fromMillis(0, { zone }).isValid;
}

export const ianaTimeZoneSchema = z
  .string({ error: 'The time zone is an IANA name such as Europe/Berlin.' })
  .trim()
  .refine(
    isIanaTimeZone,
    'Unknown time zone: use an IANA name such as Europe/Berlin or America/New_York (not an offset like UTC+2).',
  );

const daySchema = z
  .array(z.boolean({ error: 'A slot is true (active) or false (sleep).' }), {
    error: 'Each day is a list of 48 half-hour slots.',
  })
  .length(slotsPerDay, 'Each day has 48 half-hour slots (00:00-00:30 first).');

/** 7 days, Monday first, each 48 half-hour slots from local midnight; true = active. */
export const weeklyGridSchema = z
  .array(daySchema, { error: 'The weekly grid is 7 days of 48 half-hour slots.' })
  .length(7, 'The weekly grid has 7 days, Monday first.');
export type WeeklyGrid = z.infer<typeof weeklyGridSchema>;

export const isoDateSchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'A date is written YYYY-MM-DD, such as 2026-12-24.')
  .refine((d) => DateTime.fromISO(d, { zone: 'UTC' }).isValid, 'That date does not exist in the calendar.');

export const overrideKinds = ['holiday', 'sprint-day'] as const;
export type OverrideKind = (typeof overrideKinds)[number];

/** One dated exception in the cluster's zone: a holiday sleeps the whole day, a sprint day stays active. */
export const dateOverrideSchema = z.strictObject({
  date: isoDateSchema,
  kind: z.enum(overrideKinds, {
    error: 'An override is a holiday (sleep 24 h) or a sprint-day (active 24 h).',
  }),
  label: z.string().trim().max(100, 'Keep the label to 100 characters.').default(''),
});
export type DateOverride = z.infer<typeof dateOverrideSchema>;

/** Which node groups sleep: all of them, or only the ones listed (the rest keep running). */
export const hibernationScopeSchema = z.discriminatedUnion(
  'kind',
  [
    z.strictObject({ kind: z.literal('full') }),
    z.strictObject({
      kind: z.literal('selected'),
      nodeGroupIds: z
        .array(z.string().trim().min(1).max(200))
        .min(1, 'Select at least one node group to hibernate, or choose full hibernation.')
        .max(200, 'Select at most 200 node groups.'),
    }),
  ],
  { error: 'The scope is full or selected (with the node groups that sleep).' },
);
export type HibernationScope = z.infer<typeof hibernationScopeSchema>;

const namespaceSchema = z
  .string()
  .trim()
  .regex(
    /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/,
    'A namespace is 1-63 lowercase letters, digits and dashes, starting and ending with a letter or digit.',
  );

const tagSelectorSchema = z.strictObject({
  key: z.string().trim().min(1, 'A tag key is required.').max(128, 'A tag key is at most 128 characters.'),
  value: z.string().trim().max(256, 'A tag value is at most 256 characters.').optional(),
});

export const hibernationProtectionSchema = z.strictObject({
  /** Nodes running pods of these namespaces stay (as few as hold those pods' requests). */
  criticalNamespaces: z
    .array(namespaceSchema)
    .max(100, 'Protect at most 100 namespaces.')
    .transform((ns) => [...new Set(ns)])
    .default([]),
  /**
   * Node groups carrying one of these (with the value, when given) never sleep: matched against the group's
   * live AWS tags (ASG, EKS node group, or all of a NodePool's nodes) and its Kubernetes node labels. A node
   * whose instance carries one stays too: a NodePool keeps exactly those nodes, an ASG or managed node
   * group holding one is left as it is (ADR 0031).
   */
  excludedTags: z.array(tagSelectorSchema).max(50, 'Use at most 50 tag rules.').default([]),
});
export type HibernationProtection = z.infer<typeof hibernationProtectionSchema>;

export const hibernationNotificationsSchema = z.strictObject({
  /** Send an alert {@link notifyBeforeSleepMinutes} before each sleep. */
  enabled: z.boolean().default(false),
  emails: z.array(emailSchema).max(20, 'Notify at most 20 addresses.').default([]),
  /** Whether a Slack incoming webhook is set; the URL itself is write-only (it is a credential). */
  slackWebhookConfigured: z.boolean().default(false),
});

/** What a person edits: everything of the schedule except the dated overrides (sent beside it). */
export const hibernationScheduleSchema = z.strictObject({
  enabled: z.boolean({ error: 'enabled is true or false.' }),
  timeZone: ianaTimeZoneSchema,
  weeklyGrid: weeklyGridSchema,
  preWarm: z.boolean({ error: 'preWarm is true or false.' }).default(true),
  scope: hibernationScopeSchema.default({ kind: 'full' }),
  protection: hibernationProtectionSchema.prefault({}),
});
export type HibernationSchedule = z.infer<typeof hibernationScheduleSchema>;

/** A person's "Wake up now" / "Hibernate now": wins over the schedule until `until` (`null`: until undone). */
export const manualOverrideSchema = z.object({
  state: z.enum(['active', 'sleep']),
  from: z.string(),
  until: z.string().nullable(),
  by: z.string(),
});
export type ManualOverride = z.infer<typeof manualOverrideSchema>;

/** Every cell of the status: green, yellow, grey; WAKING is pre-warm or the minutes after a wake. */
export const hibernationStates = ['active', 'pre-warm', 'sleep'] as const;
export type HibernationState = (typeof hibernationStates)[number];
export const stateReasons = [
  'schedule',
  'holiday',
  'sprint-day',
  'manual-wake',
  'manual-sleep',
  'disabled',
] as const;
export type StateReason = (typeof stateReasons)[number];

// ------------------------------------------------------------------------------------------- routes

const transitionSchema = z.object({ at: z.string(), state: z.enum(hibernationStates) });

/** What the cluster is told to be now and why, and when that changes next. */
export const hibernationStatusSchema = z.object({
  state: z.enum(hibernationStates),
  reason: z.enum(stateReasons),
  /** What the last executed action left the node groups in (`null`: never acted). */
  actual: z.enum(['running', 'sleeping']).nullable(),
  nextTransition: transitionSchema.nullable(),
  /** Cost per hour of what sleeps while asleep (the savings rate shown while HIBERNATING), USD/h. */
  savingsRateUsdPerHour: z.number().nonnegative(),
  monthToDateSavingsUsd: z.number().nonnegative(),
  manualOverride: manualOverrideSchema.nullable(),
});
export type HibernationStatus = z.infer<typeof hibernationStatusSchema>;

export const hibernationViewSchema = z.object({
  clusterId: z.string(),
  /** 0: no schedule saved yet (the answer then holds the suggested default, disabled). */
  version: z.number().int().nonnegative(),
  schedule: hibernationScheduleSchema,
  overrides: z.array(dateOverrideSchema),
  notifications: hibernationNotificationsSchema,
  status: hibernationStatusSchema,
  updatedAt: z.string().nullable(),
  updatedBy: z.string().nullable(),
});
export type HibernationView = z.infer<typeof hibernationViewSchema>;

/** `GET /api/client/hibernation`: every cluster of the organization. */
export const hibernationFleetItemSchema = z.object({
  clusterId: z.string(),
  name: z.string(),
  accountId: z.string(),
  region: z.string(),
  configured: z.boolean(),
  enabled: z.boolean(),
  timeZone: z.string(),
  status: hibernationStatusSchema,
});
export const hibernationFleetResponseSchema = z.object({
  items: z.array(hibernationFleetItemSchema),
  totalMonthToDateSavingsUsd: z.number().nonnegative(),
});
export type HibernationFleetResponse = z.infer<typeof hibernationFleetResponseSchema>;

const slackWebhookSchema = z
  .string()
  .trim()
  .regex(
    /^https:\/\/hooks\.slack\.com\/services\/[A-Za-z0-9/_-]{10,200}$/,
    'A Slack incoming webhook starts with https://hooks.slack.com/services/.',
  );

export const putHibernationInputSchema = z.strictObject({
  version: z
    .number({ error: 'Send the version you read (0 when there was none yet).' })
    .int('The version is a whole number.')
    .min(0, 'The version is 0 or more.'),
  schedule: hibernationScheduleSchema,
  /** The dated overrides from today (cluster time) on; earlier ones are history and stay as they are. */
  overrides: z
    .array(dateOverrideSchema)
    .max(maxUpcomingOverrides, `Keep at most ${maxUpcomingOverrides} upcoming dated overrides.`)
    .default([])
    .superRefine((list, ctx) => {
      const seen = new Set<string>();
      list.forEach((o, i) => {
        if (seen.has(o.date))
          ctx.addIssue({
            code: 'custom',
            path: [i, 'date'],
            message: `${o.date} has two overrides; a date is either a holiday or a sprint day.`,
          });
        seen.add(o.date);
      });
    }),
  notifications: z
    .strictObject({
      enabled: z.boolean().default(false),
      emails: hibernationNotificationsSchema.shape.emails,
      /** A new webhook, `null` to remove it; leave it out to keep the one set. */
      slackWebhookUrl: slackWebhookSchema.nullable().optional(),
    })
    .prefault({}),
});
export type PutHibernationInput = z.infer<typeof putHibernationInputSchema>;

/** `POST .../hibernation/wake`: for some hours, or until an instant (ISO 8601 with an offset); one of the two. */
export const wakeInputSchema = z
  .strictObject({
    hours: z
      .number({ error: 'hours is a number.' })
      .min(0.5, 'Wake for at least half an hour.')
      .max(72, 'Wake for at most 72 hours; edit the schedule for longer.')
      .optional(),
    until: z.iso
      .datetime({
        offset: true,
        error: 'until is a date and time with its offset, such as 2026-12-07T09:00:00+01:00.',
      })
      .optional(),
  })
  .refine((b) => (b.hours === undefined) !== (b.until === undefined), {
    message: 'Send either {"hours": 1} or {"until": "2026-12-07T09:00:00+01:00"}, not both or neither.',
  });
export type WakeInput = z.infer<typeof wakeInputSchema>;
/** The longest a wake may last: beyond that, edit the schedule. */
export const maxWakeHours = 72;

export const hibernationActionResponseSchema = z.object({
  clusterId: z.string(),
  status: hibernationStatusSchema,
  /** What was done to each node group (or why it was left). */
  actions: z.array(
    z.object({
      nodeGroupId: z.string(),
      outcome: z.enum(['scaled', 'unchanged', 'skipped']),
      reason: z.string().nullable(),
    }),
  ),
});
export type HibernationActionResponse = z.infer<typeof hibernationActionResponseSchema>;

/**
 * A Snooze link's token: `<payload>.<signature>`, base64url parts and dots (see
 * `functions/src/domain/hibernation-snooze.ts`). Bounded so a pasted page of text is a 400, not work.
 */
const snoozeTokenSchema = z
  .string({ error: 'The snooze link has no token: open the link from the notification again.' })
  .trim()
  .min(
    20,
    'The snooze link is incomplete: open it from the notification again (some mail apps cut long links).',
  )
  .max(2000, 'The snooze link is too long to be one of ours.')
  .regex(/^[A-Za-z0-9_.-]+$/, 'The snooze link is damaged: open it from the notification again.');

/** `GET /api/public/hibernation/snooze?token=`: what the link would do (nothing is changed). */
export const snoozeQuerySchema = z.strictObject({ token: snoozeTokenSchema });
/** `POST /api/public/hibernation/snooze`: the confirmation (a GET never acts: mail scanners open links). */
export const snoozeInputSchema = z.strictObject({ token: snoozeTokenSchema });

export const snoozePreviewSchema = z.object({
  clusterName: z.string(),
  region: z.string(),
  timeZone: z.string(),
  /** The sleep the notice was sent for. */
  sleepAt: z.string(),
  /** Until when a confirmation now keeps the cluster awake. */
  awakeUntil: z.string(),
  hours: z.number(),
  /** The link works until then. */
  expiresAt: z.string(),
  /** Who the link was sent to (an email address, or "Slack"). */
  recipient: z.string(),
});
export type SnoozePreview = z.infer<typeof snoozePreviewSchema>;

export const snoozeResultSchema = z.object({
  clusterName: z.string(),
  timeZone: z.string(),
  awakeUntil: z.string(),
  state: z.enum(hibernationStates),
});
export type SnoozeResult = z.infer<typeof snoozeResultSchema>;

export const holidayPreviewInputSchema = z.strictObject({
  country: z
    .string()
    .trim()
    .regex(/^[A-Za-z]{2}$/, 'The country is a two-letter ISO 3166-1 code, such as US or DE.')
    .transform((c) => c.toUpperCase()),
  region: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9]{1,3}$/, 'The region is the state or province code, such as BY or CA.')
    .transform((r) => r.toUpperCase())
    .optional(),
  year: z
    .number({ error: 'The year is a number such as 2027.' })
    .int('The year is a whole number.')
    .min(2000, 'Choose a year from 2000.')
    .max(2100, 'Choose a year up to 2100.'),
});
export type HolidayPreviewInput = z.infer<typeof holidayPreviewInputSchema>;

export const holidayPreviewResponseSchema = z.object({
  country: z.string(),
  region: z.string().nullable(),
  year: z.number().int(),
  /** Public holidays, as overrides ready to add (kind holiday). */
  holidays: z.array(dateOverrideSchema),
  source: z.string(),
});
export type HolidayPreviewResponse = z.infer<typeof holidayPreviewResponseSchema>;

/** The default a cluster answers before its first save: weekdays 08:00-19:00 active, disabled. */
export function defaultWeeklyGrid(): WeeklyGrid {
  return Array.from({ length: 7 }, (_, day) =>
    Array.from({ length: slotsPerDay }, (_, slot) => day < 5 && slot >= 16 && slot < 38),
  );
}
