import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HibernationView } from '@spot/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditRecordEntity, auditRecordsQuery } from '../src/data/entities/audit-record';
import { hibernationNoticeEntity, hibernationNoticeKey } from '../src/data/entities/hibernation-notice';
import { getItem, queryAll } from '../src/data/repository';
import { hibernationNoticeScheduleName } from '../src/domain/hibernation';
import { issueSnoozeToken } from '../src/domain/hibernation-snooze';
import { configurePorts } from '../src/ports';
import { SlackWebhookSender } from '../src/ports/aws/slack';
import type { EmailMessage, EmailPort } from '../src/ports/types';
import {
  type DiscoveryHarness,
  installDiscoveryHarness,
  runDiscovery,
  seedSandboxAccount,
} from './discovery-support';
import { call, randomSourceIp, signUpAndIn, useLocalServices } from './support/services';

/**
 * Hibernation notices (issue 15, item 6; ADR 0032): the notice schedule is armed 30 minutes before each
 * sleep and re-armed after every save, run and notice; a notice goes once per sleep to every email
 * recipient and the Slack webhook, each with its own single-use Snooze link; the public snooze routes
 * show, then act, and refuse used, expired, damaged and foreign links with a 4xx.
 */
type User = Awaited<ReturnType<typeof signUpAndIn>>;
let harness: DiscoveryHarness;
let owner: User;
let stranger: User;
let clusterId: string;
let clusterName: string;
let clock = new Date('2027-01-04T06:00:00Z'); // a Monday

class RecordingEmail implements EmailPort {
  readonly sent: EmailMessage[] = [];
  async send(message: EmailMessage) {
    this.sent.push(message);
    return { delivered: true, message: 'Sent.' };
  }
}
const email = new RecordingEmail();

/** Stands for hooks.slack.com: records each post's content type and JSON body. */
const slackPosts: { contentType: string; body: { text: string; blocks: { text?: { text: string } }[] } }[] =
  [];
let slackReceiver: Server;

const slackUrl = 'https://hooks.slack.com/services/T0000000/B0000000/abcdefghijklmnopqrstuvwx';
const appUrl = 'https://app.spot.test';
/** Weekdays 08:00-19:00 UTC, the rest asleep. */
const officeHours = (endSlot = 38) =>
  Array.from({ length: 7 }, (_, day) =>
    Array.from({ length: 48 }, (_, s) => day < 5 && s >= 16 && s < endSlot),
  );

beforeAll(async () => {
  await useLocalServices();
  // The small world (account 0: two staging clusters): the notices are about one discovered cluster; the
  // default fleet of seven up to 300 nodes only makes its discovery slower.
  harness = installDiscoveryHarness({ size: 'small' });
  slackReceiver = createServer((req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => {
      text += c.toString('utf8');
    });
    req.on('end', () => {
      slackPosts.push({ contentType: req.headers['content-type'] ?? '', body: JSON.parse(text) });
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((ok) => slackReceiver.listen(0, '127.0.0.1', ok));
  const receiverUrl = `http://127.0.0.1:${(slackReceiver.address() as AddressInfo).port}/slack`;
  configurePorts({
    email,
    slack: new SlackWebhookSender({ rewrite: () => receiverUrl }),
    site: { appUrl: async () => appUrl },
    clock: { now: () => clock },
  });
  owner = await signUpAndIn('Notify Org');
  stranger = await signUpAndIn('Notify Stranger');
  const { accountId } = await seedSandboxAccount(harness, owner.orgId, 0);
  const run = await runDiscovery(harness, owner.orgId, accountId);
  expect(run.record.status, JSON.stringify(run.record.error)).toBe('SUCCEEDED');
  const clusters = await call('GET /api/client/clusters', { token: owner.accessToken });
  const first = clusters.body.items?.[0] as { id: string; name: string };
  expect(first, 'a discovered cluster').toBeDefined();
  clusterId = first.id;
  clusterName = first.name;
}, 180_000);

afterAll(async () => {
  configurePorts({ clock: { now: () => new Date() } });
  await new Promise<void>((ok) => slackReceiver.close(() => ok()));
});

const armed = () => harness.scheduler.schedules.get(hibernationNoticeScheduleName(clusterId));
const notifyInput = (transitionAt: string) => ({ orgId: owner.orgId, clusterId, transitionAt });

async function currentVersion() {
  const view = await call('GET /api/client/clusters/{id}/hibernation', {
    token: owner.accessToken,
    path: { id: clusterId },
  });
  return (view.body as unknown as HibernationView).version;
}

async function save(notifications: Record<string, unknown>, weeklyGrid = officeHours()) {
  const res = await call('PUT /api/client/clusters/{id}/hibernation', {
    token: owner.accessToken,
    path: { id: clusterId },
    body: {
      version: await currentVersion(),
      schedule: { enabled: true, timeZone: 'UTC', weeklyGrid, preWarm: false },
      notifications,
    },
  });
  expect(res.status, res.raw).toBe(200);
  return res;
}

async function runWorkflow(workflow: 'hibernation' | 'hibernation-notify', input: Record<string, unknown>) {
  const { executionArn } = await harness.workflows.startExecution(workflow, input);
  const record = await harness.workflows.waitForExecution(executionArn);
  expect(record.status, JSON.stringify(record.error)).toBe('SUCCEEDED');
  return record.output as { outcome?: string; deliveries?: number };
}

const tokenOf = (text: string) => text.match(/\/snooze\?token=([A-Za-z0-9_.-]+)/)?.[1] ?? '';
const slackText = (i: number) => (slackPosts[i]?.body.blocks ?? []).map((b) => b.text?.text ?? '').join('\n');
const snooze = (token: string) =>
  call('POST /api/public/hibernation/snooze', { body: { token }, sourceIp: randomSourceIp() });
const preview = (token: string) =>
  call('GET /api/public/hibernation/snooze', { query: { token }, sourceIp: randomSourceIp() });

describe('hibernation notices: the notice schedule', () => {
  it('is armed 30 minutes before the next sleep on save, and removed when notices are off or have nowhere to go', async () => {
    await save({
      enabled: true,
      emails: ['alice@example.com', 'bob@example.com'],
      slackWebhookUrl: slackUrl,
    });
    expect(armed()).toEqual({
      name: `hibernation-notify-${clusterId}`,
      expression: 'at(2027-01-04T18:30:00)',
      timeZone: 'UTC',
      target: { workflow: 'hibernation-notify', input: notifyInput('2027-01-04T19:00:00.000Z') },
    });
    await save({ enabled: false, emails: ['alice@example.com'] });
    expect(armed()).toBeUndefined();
    await save({ enabled: true, emails: [], slackWebhookUrl: null });
    expect(armed()).toBeUndefined();
    await save({
      enabled: true,
      emails: ['alice@example.com', 'bob@example.com'],
      slackWebhookUrl: slackUrl,
    });
    expect(armed()?.expression).toBe('at(2027-01-04T18:30:00)');
  });

  it('goes out at once after a save less than 30 minutes before the sleep, and skips a sleep too close to warn of', async () => {
    clock = new Date('2027-01-04T18:45:00Z');
    await save({ enabled: true, emails: ['alice@example.com', 'bob@example.com'] });
    expect(armed()?.expression).toBe('at(2027-01-04T18:46:00)');
    expect(armed()?.target.input).toEqual(notifyInput('2027-01-04T19:00:00.000Z'));
    // One minute before the sleep: no notice could arrive in time, so the next sleep's is armed.
    clock = new Date('2027-01-04T18:59:00Z');
    await save({ enabled: true, emails: ['alice@example.com', 'bob@example.com'] });
    expect(armed()?.target.input).toEqual(notifyInput('2027-01-05T19:00:00.000Z'));
    clock = new Date('2027-01-04T18:00:00Z');
    await save({ enabled: true, emails: ['alice@example.com', 'bob@example.com'] });
    expect(armed()?.expression).toBe('at(2027-01-04T18:30:00)');
  });
});

describe('hibernation notices: sending', () => {
  it('sends each email recipient and Slack the notice with a Snooze link of their own, once', async () => {
    clock = new Date('2027-01-04T18:30:00Z');
    const out = await runWorkflow('hibernation-notify', notifyInput('2027-01-04T19:00:00.000Z'));
    expect(out).toEqual({ outcome: 'sent', deliveries: 3 });

    expect(email.sent.map((m) => m.to).sort()).toEqual(['alice@example.com', 'bob@example.com']);
    for (const m of email.sent) {
      expect(m.subject).toBe(`${clusterName} goes to sleep in 30 minutes`);
      expect(m.text).toContain(`⚠️ Cluster ${clusterName}`);
      expect(m.text).toContain('Sleeps: Monday 4 January 2027 at 19:00 UTC (19:00 UTC)');
      expect(m.text).toContain('Wakes: Tuesday 5 January 2027 at 08:00 UTC');
      expect(m.text).toMatch(/What scales down: \d+ node groups?, \d+ nodes?/);
      expect(m.text).toContain(`${appUrl}/snooze?token=`);
      expect(m.html).toContain(`href="${appUrl}/snooze?token=`);
    }
    const [alice, bob] = ['alice@example.com', 'bob@example.com'].map((to) =>
      tokenOf(email.sent.find((m) => m.to === to)?.text ?? ''),
    );
    expect(alice).not.toBe(bob);

    expect(slackPosts).toHaveLength(1);
    expect(slackPosts[0]?.contentType).toMatch(/^application\/json\b/);
    expect(slackPosts[0]?.body.text).toContain(`Cluster ${clusterName}`);
    expect(slackText(0)).toContain(`<${appUrl}/snooze?token=`);

    // Claimed and recorded: what each channel answered, never the webhook or a link.
    const notice = await getItem(
      hibernationNoticeEntity,
      hibernationNoticeKey(owner.orgId, clusterId, '2027-01-04T19:00:00.000Z'),
      true,
    );
    expect(notice?.status).toBe('sent');
    expect(notice?.deliveries.map((d) => `${d.channel}:${d.to}:${d.delivered}`).sort()).toEqual([
      'email:alice@example.com:true',
      'email:bob@example.com:true',
      'slack:Slack:true',
    ]);
    expect(JSON.stringify(notice)).not.toMatch(/hooks\.slack\.com|snooze\?token/);
    // Re-armed for the sleep after.
    expect(armed()?.expression).toBe('at(2027-01-05T18:30:00)');
    expect(armed()?.target.input).toEqual(notifyInput('2027-01-05T19:00:00.000Z'));

    // A duplicated delivery of the same notice (EventBridge delivers at least once) sends nothing.
    clock = new Date('2027-01-04T18:31:00Z');
    expect(await runWorkflow('hibernation-notify', notifyInput('2027-01-04T19:00:00.000Z'))).toEqual({
      outcome: 'already-sent',
      deliveries: 0,
    });
    expect(email.sent).toHaveLength(2);
    expect(slackPosts).toHaveLength(1);
  });
});

describe('hibernation notices: the Snooze link', () => {
  const tokenFor = (to: string) => tokenOf(email.sent.find((m) => m.to === to)?.text ?? '');

  it('shows what it would do without acting, then keeps the cluster awake 2 hours past the sleep, once', async () => {
    clock = new Date('2027-01-04T18:35:00Z');
    const token = tokenFor('alice@example.com');
    const shown = await preview(token);
    expect(shown.status, shown.raw).toBe(200);
    expect(shown.body).toEqual({
      clusterName,
      region: expect.any(String),
      timeZone: expect.any(String),
      sleepAt: '2027-01-04T19:00:00.000Z',
      awakeUntil: '2027-01-04T21:00:00.000Z',
      hours: 2,
      // The end of the sleep block (08:00 next morning), within a day.
      expiresAt: '2027-01-05T08:00:00.000Z',
      recipient: 'alice@example.com',
    });
    // Opening the link (a mail scanner's prefetch) changed nothing.
    const before = await call('GET /api/client/clusters/{id}/hibernation', {
      token: owner.accessToken,
      path: { id: clusterId },
    });
    expect((before.body as unknown as HibernationView).status.manualOverride).toBeNull();

    const done = await snooze(token);
    expect(done.status, done.raw).toBe(200);
    expect(done.body).toEqual({
      clusterName,
      timeZone: expect.any(String),
      awakeUntil: '2027-01-04T21:00:00.000Z',
      state: 'active',
    });
    const after = await call('GET /api/client/clusters/{id}/hibernation', {
      token: owner.accessToken,
      path: { id: clusterId },
    });
    const status = (after.body as unknown as HibernationView).status;
    expect(status).toMatchObject({
      state: 'active',
      reason: 'manual-wake',
      manualOverride: { state: 'active', until: '2027-01-04T21:00:00.000Z', by: 'snooze-link' },
      nextTransition: { at: '2027-01-04T21:00:00.000Z', state: 'sleep' },
    });
    // The snooze moved the sleep to 21:00: its notice follows, 30 minutes before it.
    expect(armed()?.target.input).toEqual(notifyInput('2027-01-04T21:00:00.000Z'));
    expect(armed()?.expression).toBe('at(2027-01-04T20:30:00)');

    const audit = await queryAll(auditRecordEntity, auditRecordsQuery(owner.orgId));
    expect(audit.find((r) => r.action === 'hibernation.snooze')).toMatchObject({
      actorType: 'user',
      actorId: 'snooze-link',
      actorName: 'snooze link sent to alice@example.com',
      target: `cluster/${clusterId}`,
      outcome: 'success',
    });

    // Used: a second click, or opening it again, is a 409 that says so.
    const again = await snooze(token);
    expect(again.status, again.raw).toBe(409);
    expect(again.body).toMatchObject({
      code: 'SNOOZE_LINK_USED',
      message: expect.stringMatching(/already used/),
    });
    expect((await preview(token)).status).toBe(409);
    const denied = await queryAll(auditRecordEntity, auditRecordsQuery(owner.orgId));
    expect(denied.filter((r) => r.action === 'hibernation.snooze').map((r) => r.outcome)).toEqual([
      'success',
      'failed',
    ]);
  });

  it('wakes a sleeping cluster for 2 hours from the click, and is re-armed after the run', async () => {
    // The snooze ended at 21:00: the scheduler's run puts the cluster to sleep and re-arms the notice.
    clock = new Date('2027-01-04T21:00:00Z');
    await runWorkflow('hibernation', { orgId: owner.orgId, clusterId });
    expect(armed()?.target.input).toEqual(notifyInput('2027-01-05T19:00:00.000Z'));
    expect(armed()?.expression).toBe('at(2027-01-05T18:30:00)');
    clock = new Date('2027-01-04T21:10:00Z');
    const slackToken = tokenOf(slackText(0));
    const done = await snooze(slackToken);
    expect(done.status, done.raw).toBe(200);
    expect(done.body).toMatchObject({ awakeUntil: '2027-01-04T23:10:00.000Z', state: 'active' });
    const view = await call('GET /api/client/clusters/{id}/hibernation', {
      token: owner.accessToken,
      path: { id: clusterId },
    });
    expect((view.body as unknown as HibernationView).status).toMatchObject({
      state: 'active',
      actual: 'running',
      manualOverride: { until: '2027-01-04T23:10:00.000Z' },
    });
  });

  it('refuses an expired, damaged, missing or foreign link with a 4xx that says what happened', async () => {
    const bob = tokenFor('bob@example.com');
    clock = new Date('2027-01-05T08:00:00Z');
    for (const res of [await snooze(bob), await preview(bob)]) {
      expect(res.status, res.raw).toBe(410);
      expect(res.body).toMatchObject({
        code: 'SNOOZE_LINK_EXPIRED',
        message: expect.stringMatching(/expired/),
      });
    }
    clock = new Date('2027-01-05T07:00:00Z');
    const flipped = `${bob.slice(0, 10)}${bob[10] === 'A' ? 'B' : 'A'}${bob.slice(11)}`;
    for (const res of [await snooze(flipped), await preview(flipped), await snooze('x'.repeat(40))]) {
      expect(res.status, res.raw).toBe(400);
      expect(res.body).toMatchObject({ code: 'SNOOZE_LINK_INVALID' });
    }
    for (const res of [
      await call('POST /api/public/hibernation/snooze', { body: {} }),
      await call('GET /api/public/hibernation/snooze', { query: {} }),
      await snooze('short'),
      await snooze(`${bob}<script>`),
    ]) {
      expect(res.status, res.raw).toBe(400);
      expect(res.body.message).toMatch(/snooze link/);
    }
  });

  it('acts only on the organization and cluster it was signed for (a cluster of another organization is 404)', async () => {
    clock = new Date('2027-01-05T07:00:00Z');
    const before = await call('GET /api/client/clusters/{id}/hibernation', {
      token: owner.accessToken,
      path: { id: clusterId },
    });
    // Signed by this installation but naming another organization with this cluster's id.
    const foreign = await issueSnoozeToken(
      {
        orgId: stranger.orgId,
        clusterId,
        transitionAt: new Date('2027-01-05T19:00:00Z'),
        expiresAt: new Date('2027-01-06T08:00:00Z'),
        recipient: 'mallory@example.com',
      },
      harness.keyService,
    );
    for (const res of [await snooze(foreign), await preview(foreign)]) {
      expect(res.status, res.raw).toBe(404);
      expect(res.body).toMatchObject({ code: 'SNOOZE_CLUSTER_GONE' });
      expect(res.raw).not.toContain(clusterId);
    }
    const after = await call('GET /api/client/clusters/{id}/hibernation', {
      token: owner.accessToken,
      path: { id: clusterId },
    });
    expect(after.body).toEqual(before.body);
    const strangerAudit = await queryAll(auditRecordEntity, auditRecordsQuery(stranger.orgId));
    expect(strangerAudit.filter((r) => r.action === 'hibernation.snooze').map((r) => r.outcome)).toEqual([
      'failed',
    ]);
  });
});

describe('hibernation notices: late and outdated deliveries', () => {
  it('sends nothing for a sleep the schedule no longer has, or one already past, and re-arms for the real one', async () => {
    clock = new Date('2027-01-05T18:00:00Z');
    // Tuesday's sleep moves from 19:00 to 20:00 (every weekday now ends at 20:00).
    await save({ enabled: true, emails: ['alice@example.com', 'bob@example.com'] }, officeHours(40));
    expect(armed()?.target.input).toEqual(notifyInput('2027-01-05T20:00:00.000Z'));
    const sent = email.sent.length;
    clock = new Date('2027-01-05T18:30:00Z');
    // The old schedule's delivery, already in flight when the schedule changed.
    expect(await runWorkflow('hibernation-notify', notifyInput('2027-01-05T19:00:00.000Z'))).toEqual({
      outcome: 'transition-gone',
      deliveries: 0,
    });
    expect(armed()?.target.input).toEqual(notifyInput('2027-01-05T20:00:00.000Z'));
    // A delivery arriving after its sleep.
    clock = new Date('2027-01-05T20:05:00Z');
    expect(await runWorkflow('hibernation-notify', notifyInput('2027-01-05T20:00:00.000Z'))).toEqual({
      outcome: 'transition-gone',
      deliveries: 0,
    });
    expect(email.sent).toHaveLength(sent);
    expect(armed()?.target.input).toEqual(notifyInput('2027-01-06T20:00:00.000Z'));
  });
});
