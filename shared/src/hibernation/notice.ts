import { DateTime } from 'luxon';

/**
 * The notice a cluster's people get before it goes to sleep (issue 15, "Notifications"): one message,
 * rendered for an email (subject, plain text and HTML) and for a Slack incoming webhook (`text` and
 * `blocks`). It names the cluster, when it sleeps on the cluster's clock and in UTC, when it wakes, what
 * scales down, and the single-use Snooze link. Pure: the instants and the link are passed in, and every
 * name that comes from a customer's cloud is escaped for the format it lands in.
 */

/** A Snooze keeps the cluster awake this much longer. */
export const snoozeHours = 2;

export interface NoticeGroup {
  name: string;
  kind: string;
  nodeCount: number;
  hourlyCostUsd: number;
}

export interface SleepNoticeInput {
  clusterName: string;
  region: string;
  timeZone: string;
  now: Date;
  sleepAt: Date;
  /** When the schedule wakes it again; `null` when not within the engine's horizon. */
  wakeAt: Date | null;
  /** The node groups that scale down (the schedule's scope). */
  groups: readonly NoticeGroup[];
  /** Namespaces whose nodes stay up. */
  keptNamespaces: readonly string[];
  /** The recipient's own single-use link, and until when it works; `null`: no link could be made. */
  snooze: { url: string; expiresAt: Date } | null;
}

/** Slack Block Kit, only the parts the notice uses. */
export type SlackBlock =
  | { type: 'section'; text: { type: 'mrkdwn'; text: string } }
  | { type: 'context'; elements: { type: 'mrkdwn'; text: string }[] };

export interface SleepNotice {
  subject: string;
  text: string;
  html: string;
  slack: { text: string; blocks: SlackBlock[] };
}

/** The groups listed one by one; the rest are counted. */
const listedGroups = 10;

const kindNames: Record<string, string> = {
  'managed-node-group': 'managed node group',
  asg: 'Auto Scaling group',
  'karpenter-nodepool': 'Karpenter NodePool',
};

const usdPerHour = (usd: number) =>
  `${new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' }).format(usd)}/h`;
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** "Friday 11 December 2026 at 19:00 Europe/Berlin (18:00 UTC)"; the UTC part says the day when it differs. */
export function formatNoticeTime(instant: Date, timeZone: string): string {
  const local = DateTime.fromJSDate(instant, { zone: timeZone });
  const utc = DateTime.fromJSDate(instant, { zone: 'UTC' });
  const utcPart =
    utc.toISODate() === local.toISODate() ? utc.toFormat('HH:mm') : utc.toFormat('ccc d LLL HH:mm');
  return `${local.toFormat("cccc d LLLL yyyy 'at' HH:mm", { locale: 'en-GB' })} ${timeZone} (${utcPart} UTC)`;
}

/** Whole minutes from now to the sleep, at least 1 (a notice sent late still says "in 1 minute"). */
export const minutesUntil = (now: Date, at: Date) =>
  Math.max(1, Math.round((at.getTime() - now.getTime()) / 60_000));

interface Lines {
  headline: string;
  sleeps: string;
  wakes: string;
  scope: string;
  groups: string[];
  kept: string | null;
  snoozeLead: string;
  snoozeNote: string | null;
}

function linesOf(n: SleepNoticeInput): Lines {
  const nodes = n.groups.reduce((sum, g) => sum + g.nodeCount, 0);
  const cost = n.groups.reduce((sum, g) => sum + g.hourlyCostUsd, 0);
  const shown = n.groups.slice(0, listedGroups);
  const more = n.groups.length - shown.length;
  return {
    headline: `⚠️ Cluster ${n.clusterName} (${n.region}) is going to sleep in ${plural(minutesUntil(n.now, n.sleepAt), 'minute')}. Save your work!`,
    sleeps: `Sleeps: ${formatNoticeTime(n.sleepAt, n.timeZone)}`,
    wakes: n.wakeAt
      ? `Wakes: ${formatNoticeTime(n.wakeAt, n.timeZone)}`
      : 'Wakes: not within the next 35 days by its schedule',
    scope:
      n.groups.length === 0
        ? 'What scales down: no node group is known yet (the next discovery lists them).'
        : `What scales down: ${plural(n.groups.length, 'node group')}, ${plural(nodes, 'node')} (${usdPerHour(cost)} while running):`,
    groups: [
      ...shown.map(
        (g) =>
          `${g.name} (${kindNames[g.kind] ?? g.kind}, ${plural(g.nodeCount, 'node')}, ${usdPerHour(g.hourlyCostUsd)})`,
      ),
      ...(more > 0 ? [`and ${plural(more, 'more node group')}`] : []),
    ],
    kept: n.keptNamespaces.length ? `Nodes running pods of ${n.keptNamespaces.join(', ')} stay up.` : null,
    snoozeLead: n.snooze
      ? `Need it longer? Snooze: keep it awake ${snoozeHours} more hours.`
      : 'Need it longer? Wake it from the Cluster Hibernation page of Spot Optimizer.',
    snoozeNote: n.snooze
      ? `The link works once, until ${formatNoticeTime(n.snooze.expiresAt, n.timeZone)}, and asks you to confirm.`
      : null,
  };
}

const escapeHtml = (s: string) =>
  s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
/** Slack's mrkdwn control characters (https://api.slack.com/reference/surfaces/formatting#escaping). */
const escapeSlack = (s: string) => s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

/** The notice for one recipient (each gets a Snooze link of their own). */
export function renderSleepNotice(n: SleepNoticeInput): SleepNotice {
  const l = linesOf(n);
  const subject = `${n.clusterName} goes to sleep in ${plural(minutesUntil(n.now, n.sleepAt), 'minute')}`;
  const text = [
    l.headline,
    '',
    l.sleeps,
    l.wakes,
    '',
    l.scope,
    ...l.groups.map((g) => `  - ${g}`),
    ...(l.kept ? [l.kept] : []),
    '',
    l.snoozeLead,
    ...(n.snooze ? [n.snooze.url] : []),
    ...(l.snoozeNote ? [l.snoozeNote] : []),
  ].join('\n');

  const p = (s: string) => `<p style="margin:0 0 12px">${s}</p>`;
  const html = [
    '<!doctype html><html lang="en"><body style="font-family:Arial,Helvetica,sans-serif;color:#0f172a;font-size:14px;line-height:1.5">',
    p(`<strong>${escapeHtml(l.headline)}</strong>`),
    p(`${escapeHtml(l.sleeps)}<br>${escapeHtml(l.wakes)}`),
    p(escapeHtml(l.scope)),
    l.groups.length
      ? `<ul style="margin:0 0 12px">${l.groups.map((g) => `<li>${escapeHtml(g)}</li>`).join('')}</ul>`
      : '',
    l.kept ? p(escapeHtml(l.kept)) : '',
    p(escapeHtml(l.snoozeLead)),
    n.snooze
      ? p(
          `<a href="${escapeHtml(n.snooze.url)}" style="display:inline-block;background:#15803d;color:#ffffff;padding:8px 16px;border-radius:6px;text-decoration:none;font-weight:bold">Snooze ${snoozeHours} hours</a>`,
        )
      : '',
    l.snoozeNote ? `<p style="margin:0;color:#475569;font-size:12px">${escapeHtml(l.snoozeNote)}</p>` : '',
    '</body></html>',
  ].join('');

  const blocks: SlackBlock[] = [
    { type: 'section', text: { type: 'mrkdwn', text: `*${escapeSlack(l.headline)}*` } },
    { type: 'section', text: { type: 'mrkdwn', text: `${escapeSlack(l.sleeps)}\n${escapeSlack(l.wakes)}` } },
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: [
          escapeSlack(l.scope),
          ...l.groups.map((g) => `• ${escapeSlack(g)}`),
          ...(l.kept ? [escapeSlack(l.kept)] : []),
        ].join('\n'),
      },
    },
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        // Slack's link syntax: the URL is ours (base64url and dots only), the label plain text.
        text: n.snooze
          ? `Need it longer? <${n.snooze.url}|Snooze ${snoozeHours} hours> keeps it awake ${snoozeHours} more hours.`
          : escapeSlack(l.snoozeLead),
      },
    },
    ...(l.snoozeNote
      ? [
          {
            type: 'context' as const,
            elements: [{ type: 'mrkdwn' as const, text: escapeSlack(l.snoozeNote) }],
          },
        ]
      : []),
  ];
  return { subject, text, html, slack: { text: l.headline, blocks } };
}
