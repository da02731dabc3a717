import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  MessageRejected,
  SESv2Client,
  SendEmailCommand,
  SendingPausedException,
} from '@aws-sdk/client-sesv2';
import { GetParameterCommand, ParameterNotFound, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SesEmailSender } from '../src/ports/aws/email';
import { SsmSiteUrl } from '../src/ports/aws/site';
import { SlackWebhookSender } from '../src/ports/aws/slack';

/** The notice channels' AWS adapters: SES (mocked SDK), Slack (a real HTTP receiver), the app URL (SSM). */

const email = {
  to: 'ops@example.com',
  subject: 'prod goes to sleep in 30 minutes',
  text: 'plain',
  html: '<p>html</p>',
};

describe('SesEmailSender', () => {
  const ses = mockClient(SESv2Client);
  beforeEach(() => ses.reset());
  afterAll(() => ses.restore());

  it('sends one message per recipient from the deployment sender, text and HTML in UTF-8', async () => {
    ses.on(SendEmailCommand).resolves({ MessageId: 'm-1' });
    const out = await new SesEmailSender(new SESv2Client({}), 'notices@spot.example.com').send(email);
    expect(out).toEqual({ delivered: true, message: 'Sent.' });
    const input = ses.commandCalls(SendEmailCommand)[0]?.args[0].input;
    expect(input).toEqual({
      FromEmailAddress: 'notices@spot.example.com',
      Destination: { ToAddresses: ['ops@example.com'] },
      Content: {
        Simple: {
          Subject: { Data: email.subject, Charset: 'UTF-8' },
          Body: {
            Text: { Data: 'plain', Charset: 'UTF-8' },
            Html: { Data: '<p>html</p>', Charset: 'UTF-8' },
          },
        },
      },
    });
  });

  it('answers a refusal with what it means instead of throwing', async () => {
    const sender = new SesEmailSender(new SESv2Client({}), 'notices@spot.example.com');
    ses
      .on(SendEmailCommand)
      .rejects(new MessageRejected({ message: 'Email address is not verified.', $metadata: {} }));
    expect(await sender.send(email)).toEqual({
      delivered: false,
      message: 'SES rejected the message (in the SES sandbox, the recipient must be a verified address too).',
    });
    ses.on(SendEmailCommand).rejects(new SendingPausedException({ message: 'paused', $metadata: {} }));
    expect((await sender.send(email)).message).toBe('Sending email is paused for this AWS account in SES.');
    ses.on(SendEmailCommand).rejects(new Error('socket hang up'));
    expect((await sender.send(email)).message).toBe('SES did not accept the message; it was not sent.');
  });

  it('sends nothing and says how to set it up when the deployment has no sender', async () => {
    const out = await new SesEmailSender(new SESv2Client({}), undefined).send(email);
    expect(out.delivered).toBe(false);
    expect(out.message).toMatch(/notificationSender/);
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(0);
  });
});

/** A stand-in for hooks.slack.com on 127.0.0.1 that records what it is sent and answers like Slack. */
interface Received {
  method: string;
  contentType: string;
  body: unknown;
}
let receiver: Server;
let receiverUrl = '';
const received: Received[] = [];
let answer: { status: number; body: string } = { status: 200, body: 'ok' };

async function readBody(req: IncomingMessage) {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

beforeAll(async () => {
  receiver = createServer(async (req, res) => {
    const text = await readBody(req);
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // Recorded as text: the assertion below fails on it.
    }
    received.push({ method: req.method ?? '', contentType: req.headers['content-type'] ?? '', body });
    res.writeHead(answer.status, { 'content-type': 'text/plain' }).end(answer.body);
  });
  await new Promise<void>((ok) => receiver.listen(0, '127.0.0.1', ok));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/receiver`;
});
afterAll(() => new Promise<void>((ok) => receiver.close(() => ok())));

describe('SlackWebhookSender', () => {
  const webhook = 'https://hooks.slack.com/services/T0000000/B0000000/abcdefghijklmnopqrstuvwx';
  const message = {
    text: '⚠️ Cluster prod is going to sleep in 30 minutes. Save your work!',
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text: '*prod*' } }],
  };

  beforeEach(() => {
    received.length = 0;
    answer = { status: 200, body: 'ok' };
  });

  it('POSTs JSON {text, blocks} with a JSON content type, as an incoming webhook takes it', async () => {
    const sender = new SlackWebhookSender({ rewrite: () => receiverUrl });
    expect(await sender.post(webhook, message)).toEqual({ delivered: true, message: 'Posted.' });
    expect(received).toHaveLength(1);
    expect(received[0]?.method).toBe('POST');
    expect(received[0]?.contentType).toMatch(/^application\/json\b/);
    expect(received[0]?.body).toEqual(message);
  });

  it('reports a revoked webhook or an archived channel without the URL, and a dead receiver', async () => {
    const sender = new SlackWebhookSender({ rewrite: () => receiverUrl });
    answer = { status: 404, body: 'no_service' };
    const revoked = await sender.post(webhook, message);
    expect(revoked.delivered).toBe(false);
    expect(revoked.message).toMatch(/refused the webhook.*\(HTTP 404\)/);
    answer = { status: 410, body: 'channel_is_archived' };
    expect((await sender.post(webhook, message)).message).toMatch(/archived/);
    for (const out of [revoked]) expect(out.message).not.toContain('hooks.slack.com');
    const unreachable = new SlackWebhookSender({
      rewrite: () => 'http://127.0.0.1:9/receiver',
      timeoutMs: 2000,
    });
    expect((await unreachable.post(webhook, message)).message).toBe(
      'Slack could not be reached; the notice was not posted.',
    );
  });

  it('never posts anywhere but a Slack incoming webhook (no SSRF), even with a rewrite', async () => {
    const sender = new SlackWebhookSender({ rewrite: () => receiverUrl });
    for (const url of [
      'https://hooks.slack.com.evil.example/services/T0/B0/x',
      'http://hooks.slack.com/services/T0000000/B0000000/abc',
      'https://169.254.169.254/latest/meta-data',
      'https://hooks.slack.com/api/other',
    ]) {
      const out = await sender.post(url, message);
      expect(out.delivered, url).toBe(false);
    }
    expect(received).toHaveLength(0);
  });
});

describe('SsmSiteUrl', () => {
  const ssm = mockClient(SSMClient);
  const saved = { APP_URL: process.env.APP_URL, APP_URL_PARAMETER: process.env.APP_URL_PARAMETER };
  beforeEach(() => {
    ssm.reset();
    delete process.env.APP_URL;
    process.env.APP_URL_PARAMETER = '/spot-optimizer/test/app-url';
  });
  afterAll(() => {
    ssm.restore();
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  it('reads the web stack’s parameter once per cold start, without a trailing slash', async () => {
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: 'https://d111.cloudfront.net/' } });
    const site = new SsmSiteUrl(new SSMClient({}));
    expect(await site.appUrl()).toBe('https://d111.cloudfront.net');
    expect(await site.appUrl()).toBe('https://d111.cloudfront.net');
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(1);
    expect(ssm.commandCalls(GetParameterCommand)[0]?.args[0].input).toEqual({
      Name: '/spot-optimizer/test/app-url',
    });
  });

  it('asks again after a failure (the web stack may not be deployed yet), and APP_URL wins when set', async () => {
    ssm
      .on(GetParameterCommand)
      .rejectsOnce(new ParameterNotFound({ message: 'nope', $metadata: {} }))
      .resolves({ Parameter: { Value: 'https://app.example.com' } });
    const site = new SsmSiteUrl(new SSMClient({}));
    await expect(site.appUrl()).rejects.toThrow();
    expect(await site.appUrl()).toBe('https://app.example.com');
    process.env.APP_URL = 'http://127.0.0.1:3000/';
    expect(await new SsmSiteUrl(new SSMClient({})).appUrl()).toBe('http://127.0.0.1:3000');
  });
});
