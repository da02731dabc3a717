import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderSleepNotice } from '@spot/shared/hibernation/notice';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { LocalOutbox, localOutboxRoutes } from '../src/outbox';

const outboxIn = () => new LocalOutbox(join(mkdtempSync(join(tmpdir(), 'outbox-')), 'outbox.jsonl'));
const route = (outbox: LocalOutbox, method: string, path: string) => {
  const found = localOutboxRoutes(outbox).find((r) => r.method === method && r.path === path);
  if (!found) throw new Error(`no ${method} ${path}`);
  return (event: Partial<APIGatewayProxyEventV2> = {}) =>
    found.handler(event as APIGatewayProxyEventV2, {} as Context) as APIGatewayProxyStructuredResultV2;
};

const notice = renderSleepNotice({
  clusterName: 'prod <b>eu</b>',
  region: 'eu-central-1',
  timeZone: 'Europe/Berlin',
  now: new Date('2026-12-11T17:30:00Z'),
  sleepAt: new Date('2026-12-11T18:00:00Z'),
  wakeAt: null,
  groups: [],
  keptNamespaces: [],
  snooze: {
    url: 'http://127.0.0.1:3000/snooze?token=abc.v1.x.y.z',
    expiresAt: new Date('2026-12-12T06:00:00Z'),
  },
});

describe('the local outbox', () => {
  it('keeps every email and shows them newest first with clickable Snooze links, names escaped', async () => {
    const outbox = outboxIn();
    await outbox.send({ to: 'first@example.com', subject: 'first', text: 't', html: '<p>first</p>' });
    await outbox.send({
      to: 'ops@example.com',
      subject: notice.subject,
      text: notice.text,
      html: notice.html,
    });
    expect(outbox.list().map((m) => m.to)).toEqual(['ops@example.com', 'first@example.com']);
    const page = route(outbox, 'GET', '/local/outbox')();
    expect(page.statusCode).toBe(200);
    expect(page.headers?.['content-type']).toMatch(/^text\/html/);
    const body = String(page.body);
    expect(body).toContain('href="http://127.0.0.1:3000/snooze?token=abc.v1.x.y.z"');
    expect(body.indexOf('ops@example.com')).toBeLessThan(body.indexOf('first@example.com'));
    expect(body).not.toContain('<b>eu</b>');
    expect(body).toContain('prod &lt;b&gt;eu&lt;/b&gt;');
    const json = JSON.parse(String(route(outbox, 'GET', '/local/outbox/messages')().body));
    expect(json.items).toHaveLength(2);
  });

  it('receives Slack posts as Slack does (ok, or 400 invalid_payload) and shows their link', () => {
    const outbox = outboxIn();
    const slack = route(outbox, 'POST', '/local/slack');
    const ok = slack({
      body: JSON.stringify(notice.slack),
      headers: { 'content-type': 'application/json; charset=utf-8' },
    });
    expect(ok).toMatchObject({ statusCode: 200, body: 'ok' });
    expect(slack({ body: '{"blocks":[]}', headers: {} })).toMatchObject({
      statusCode: 400,
      body: 'invalid_payload',
    });
    expect(slack({ body: 'not json', headers: {} }).statusCode).toBe(400);
    const [post] = outbox.list();
    expect(post).toMatchObject({
      channel: 'slack',
      to: 'Slack',
      contentType: 'application/json; charset=utf-8',
    });
    const body = String(route(outbox, 'GET', '/local/outbox')().body);
    expect(body).toContain('<a href="http://127.0.0.1:3000/snooze?token=abc.v1.x.y.z">Snooze 2 hours</a>');
    expect(body).not.toContain('<b>eu</b>');
  });
});
