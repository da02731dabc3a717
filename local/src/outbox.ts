import { randomUUID } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { EmailMessage, EmailPort, NoticeDelivery } from '@spot/functions/ports/types';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { z } from 'zod';
import type { ExtraRoute } from './gateway';

/**
 * The local stand-in for SES and for Slack: every email the product sends, and every post to a Slack
 * incoming webhook (the local stack rewrites hooks.slack.com to this gateway's `/local/slack`), is
 * appended to `<dataDir>/outbox.jsonl`, and `GET /local/outbox` shows them newest first with their links,
 * so a developer can click a notice's Snooze link. `GET /local/outbox/messages` answers the same as JSON
 * (tests). Nothing here leaves the machine.
 */

const messageSchema = z.object({
  id: z.string(),
  channel: z.enum(['email', 'slack']),
  to: z.string(),
  subject: z.string(),
  text: z.string(),
  /** Email: the HTML body. */
  html: z.string().optional(),
  /** Slack: the JSON body as posted, and its content type. */
  slack: z.unknown().optional(),
  contentType: z.string().optional(),
  sentAt: z.string(),
});
export type OutboxMessage = z.infer<typeof messageSchema>;

export class LocalOutbox implements EmailPort {
  constructor(
    readonly file: string,
    private readonly clock: { now(): Date } = { now: () => new Date() },
  ) {}

  private append(message: Omit<OutboxMessage, 'id' | 'sentAt'>): OutboxMessage {
    const full = { id: randomUUID(), sentAt: this.clock.now().toISOString(), ...message };
    mkdirSync(dirname(this.file), { recursive: true });
    appendFileSync(this.file, `${JSON.stringify(full)}\n`, { mode: 0o600 });
    return full;
  }

  async send(message: EmailMessage): Promise<NoticeDelivery> {
    this.append({ channel: 'email', ...message });
    return { delivered: true, message: 'Written to the local outbox (/local/outbox).' };
  }

  /** A post received on `/local/slack`, as Slack would have received it. */
  recordSlack(body: unknown, contentType: string): OutboxMessage {
    const text =
      typeof (body as { text?: unknown })?.text === 'string' ? (body as { text: string }).text : '';
    return this.append({ channel: 'slack', to: 'Slack', subject: text, text, slack: body, contentType });
  }

  /** Every message, newest first; a torn last line (a stack killed mid-write) is skipped. */
  list(): OutboxMessage[] {
    if (!existsSync(this.file)) return [];
    return readFileSync(this.file, 'utf8')
      .split('\n')
      .flatMap((line) => {
        try {
          const parsed = messageSchema.safeParse(JSON.parse(line));
          return parsed.success ? [parsed.data] : [];
        } catch {
          return [];
        }
      })
      .reverse();
  }
}

export const localOutboxFile = (dataDir: string) => join(dataDir, 'outbox.jsonl');

const escapeHtml = (s: string) =>
  s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

/** The inside of an email's `<body>` (the renderer escaped every name in it). */
const bodyOf = (html: string) => html.replace(/^[\s\S]*?<body[^>]*>/i, '').replace(/<\/body>[\s\S]*$/i, '');

/** Slack's `<url|label>` links as HTML links, the rest of its mrkdwn as text. */
/** Slack shows `&amp;` `&lt;` `&gt;` as the characters; escapeHtml then makes them safe again. */
const slackToText = (s: string) => s.replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&amp;', '&');

function slackHtml(text: string): string {
  return text
    .split(/(<[^>|]+\|[^>]+>)/)
    .map((part) => {
      const link = part.match(/^<([^>|]+)\|([^>]+)>$/);
      return link
        ? `<a href="${escapeHtml(link[1] ?? '')}">${escapeHtml(slackToText(link[2] ?? ''))}</a>`
        : escapeHtml(slackToText(part));
    })
    .join('')
    .replaceAll('\n', '<br>');
}

function slackBody(message: OutboxMessage): string {
  const blocks = (
    message.slack as { blocks?: { text?: { text?: string }; elements?: { text?: string }[] }[] }
  )?.blocks;
  const texts = (blocks ?? []).map(
    (b) => b.text?.text ?? (b.elements ?? []).map((e) => e.text ?? '').join(' '),
  );
  // A block that is all `*bold*` (Slack's mrkdwn) is shown bold.
  return (texts.length ? texts : [message.text])
    .map((t) => {
      const bold = t.match(/^\*([^*]+)\*$/);
      return bold ? `<p><strong>${slackHtml(bold[1] ?? '')}</strong></p>` : `<p>${slackHtml(t)}</p>`;
    })
    .join('');
}

function page(messages: readonly OutboxMessage[]): string {
  const items = messages
    .map(
      (m) => `<article class="message" data-channel="${m.channel}">
  <header><h2>${escapeHtml(m.subject || '(no subject)')}</h2>
  <p class="meta">${m.channel === 'email' ? 'Email' : 'Slack'} to <strong>${escapeHtml(m.to)}</strong> · ${escapeHtml(m.sentAt)}</p></header>
  <div class="body">${m.channel === 'email' && m.html ? bodyOf(m.html) : slackBody(m)}</div>
</article>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Local outbox · Spot Optimizer</title>
<style>
body{font-family:Arial,Helvetica,sans-serif;color:#0f172a;background:#f8fafc;margin:0;padding:24px}
main{max-width:760px;margin:0 auto}
h1{font-size:22px;margin:0 0 4px}
.lead{color:#475569;margin:0 0 20px}
.message{background:#fff;border:1px solid #e2e8f0;border-radius:10px;padding:16px;margin-bottom:16px}
.message h2{font-size:16px;margin:0 0 4px}
.meta{color:#475569;font-size:13px;margin:0 0 12px}
</style></head>
<body><main>
<h1>Local outbox</h1>
<p class="lead">What the local stack sent instead of SES email and Slack posts, newest first (${messages.length} message${messages.length === 1 ? '' : 's'}).</p>
${items || '<p>No messages yet. Turn on notifications for a cluster on the Cluster Hibernation page; a notice goes out 30 minutes before it sleeps.</p>'}
</main></body></html>`;
}

const html = (statusCode: number, body: string): APIGatewayProxyStructuredResultV2 => ({
  statusCode,
  headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' },
  body,
});

export function localOutboxRoutes(outbox: LocalOutbox): ExtraRoute[] {
  return [
    { method: 'GET', path: '/local/outbox', handler: () => html(200, page(outbox.list())) },
    {
      method: 'GET',
      path: '/local/outbox/messages',
      handler: () => ({
        statusCode: 200,
        headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
        body: JSON.stringify({ items: outbox.list() }),
      }),
    },
    {
      // Stands for https://hooks.slack.com/services/...: answers as Slack does ("ok", or 400 invalid_payload).
      method: 'POST',
      path: '/local/slack',
      handler: (event) => {
        const text = event.body
          ? event.isBase64Encoded
            ? Buffer.from(event.body, 'base64').toString('utf8')
            : event.body
          : '';
        try {
          const body = JSON.parse(text) as unknown;
          if (typeof (body as { text?: unknown })?.text !== 'string') throw new Error('no text');
          outbox.recordSlack(body, event.headers?.['content-type'] ?? '');
          return { statusCode: 200, headers: { 'content-type': 'text/plain' }, body: 'ok' };
        } catch {
          return { statusCode: 400, headers: { 'content-type': 'text/plain' }, body: 'invalid_payload' };
        }
      },
    },
  ];
}
