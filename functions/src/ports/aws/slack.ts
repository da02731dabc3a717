import type { NoticeDelivery, SlackMessage, SlackPort } from '../types';

/** The only host a webhook may name: Slack's incoming webhooks (no SSRF into anything else). */
const slackWebhook = /^https:\/\/hooks\.slack\.com\/services\/[A-Za-z0-9/_-]+$/;

/** What Slack's answers mean for a person (https://api.slack.com/messaging/webhooks#handling_errors). */
function refusal(status: number): string {
  if (status === 403 || status === 404)
    return 'Slack refused the webhook (revoked, or its channel is gone): set a new one in the notification settings.';
  if (status === 410)
    return 'The webhook’s Slack channel is archived: set a new webhook in the notification settings.';
  if (status === 429) return 'Slack was rate limiting the webhook; the notice was not posted.';
  if (status === 400) return 'Slack refused the message as malformed.';
  return 'Slack answered an error; the notice was not posted.';
}

/**
 * Posts a notice to a Slack incoming webhook: JSON `{text, blocks}`, a timeout, no redirects, and only to
 * `https://hooks.slack.com/services/...`. The URL is a credential: nothing here logs it or puts it in an
 * answer. `rewrite` exists for the local stack and tests, whose receivers run on 127.0.0.1: the URL is
 * checked as the customer gave it, then sent where `rewrite` says.
 */
export class SlackWebhookSender implements SlackPort {
  constructor(
    private readonly options: {
      fetchImpl?: typeof fetch;
      rewrite?: (url: string) => string;
      timeoutMs?: number;
    } = {},
  ) {}

  async post(webhookUrl: string, message: SlackMessage): Promise<NoticeDelivery> {
    if (!slackWebhook.test(webhookUrl))
      return {
        delivered: false,
        message: 'The webhook is not a Slack incoming webhook (https://hooks.slack.com/services/…).',
      };
    const target = this.options.rewrite ? this.options.rewrite(webhookUrl) : webhookUrl;
    const timeoutMs = this.options.timeoutMs ?? 5000;
    try {
      const res = await (this.options.fetchImpl ?? fetch)(target, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body: JSON.stringify({ text: message.text, ...(message.blocks ? { blocks: message.blocks } : {}) }),
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
      // Drained so the connection is released; Slack answers "ok" or an error word.
      await res.text().catch(() => '');
      return res.ok
        ? { delivered: true, message: 'Posted.' }
        : { delivered: false, message: `${refusal(res.status)} (HTTP ${res.status})` };
    } catch (error) {
      return {
        delivered: false,
        message:
          (error as Error)?.name === 'TimeoutError'
            ? `Slack did not answer within ${timeoutMs / 1000} s; the notice was not posted.`
            : 'Slack could not be reached; the notice was not posted.',
      };
    }
  }
}
