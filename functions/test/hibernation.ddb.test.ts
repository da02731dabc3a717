import type { HibernationActionResponse, HibernationView } from '@spot/shared';
import { beforeAll, describe, expect, it } from 'vitest';
import { auditRecordEntity, auditRecordsQuery } from '../src/data/entities/audit-record';
import { clusterActionEntity, doneActionsQuery } from '../src/data/entities/cluster-action';
import { batchGet, putItem, queryAll } from '../src/data/repository';
import { cloudTargetOf } from '../src/domain/accounts-connect';
import { hibernationKeysOf, hibernationScheduleName } from '../src/domain/hibernation';
import { configurePorts, port } from '../src/ports';
import { seedCluster } from './clusters-support';
import {
  type DiscoveryHarness,
  installDiscoveryHarness,
  runDiscovery,
  seedSandboxAccount,
} from './discovery-support';
import { expectContractResponse } from './support/contract';
import { call, signUpAndIn, useLocalServices } from './support/services';

type User = Awaited<ReturnType<typeof signUpAndIn>>;
let harness: DiscoveryHarness;
let owner: User;
let stranger: User;
let accountId: string;
let clusterId: string;
let clusterName: string;
let clusterRegion: string;

const grid = (active: boolean) => Array.from({ length: 7 }, () => Array.from({ length: 48 }, () => active));
const isoDay = (offsetDays: number) =>
  new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);
const slackUrl = 'https://hooks.slack.com/services/T0000000/B0000000/abcdefghijklmnopqrstuvwx';

beforeAll(async () => {
  await useLocalServices();
  // The small world (account 0: two staging clusters, each with managed and self-managed groups): the
  // tests sleep and wake one cluster and put a second in maintenance; the default fleet adds nothing.
  harness = installDiscoveryHarness({ size: 'small' });
  owner = await signUpAndIn('Hibernation Org');
  stranger = await signUpAndIn('Someone Else');
  ({ accountId } = await seedSandboxAccount(harness, owner.orgId, 0));
  const run = await runDiscovery(harness, owner.orgId, accountId);
  expect(run.record.status, JSON.stringify(run.record.error)).toBe('SUCCEEDED');
  const clusters = await call('GET /api/client/clusters', { token: owner.accessToken });
  // Two at least: the maintenance test below takes the second.
  expect(clusters.body.items?.length).toBeGreaterThanOrEqual(2);
  const first = clusters.body.items?.[0] as { id: string; name: string; region: string };
  clusterId = first.id;
  clusterName = first.name;
  clusterRegion = first.region;
}, 180_000);

/** The live min/desired/max of every managed node group and ASG of the cluster, from the sandbox. */
async function liveSizes() {
  const target = { ...(await cloudTargetOf(owner.orgId, accountId)), region: clusterRegion };
  const cloud = port('cloud');
  const [managed, asgs] = await Promise.all([
    cloud.listNodegroups(target, clusterName),
    cloud.describeAutoScalingGroups(target),
  ]);
  return {
    managed: Object.fromEntries(managed.map((g) => [g.name, [g.minSize, g.desiredSize, g.maxSize]])),
    asgs: Object.fromEntries(
      asgs
        // Self-managed groups only: an ASG behind a managed node group is sized through EKS.
        .filter((a) => a.name.includes(clusterName) && a.tags['eks:nodegroup-name'] === undefined)
        .map((a) => [a.name, [a.minSize, a.desiredCapacity, a.maxSize]]),
    ),
  };
}

const path = () => ({ id: clusterId });
const put = (user: User, body: unknown) =>
  call('PUT /api/client/clusters/{id}/hibernation', { token: user.accessToken, path: path(), body });

describe('hibernation: reading and saving the schedule', () => {
  it('lists every cluster, unconfigured and active, before any save', async () => {
    const fleet = await call('GET /api/client/hibernation', { token: owner.accessToken });
    expect(fleet.status, fleet.raw).toBe(200);
    expectContractResponse('GET /api/client/hibernation', fleet);
    const items = fleet.body.items as { clusterId: string; configured: boolean; status: { state: string } }[];
    expect(items.map((i) => i.clusterId)).toContain(clusterId);
    expect(items.every((i) => !i.configured && i.status.state === 'active')).toBe(true);
    const one = await call('GET /api/client/clusters/{id}/hibernation', {
      token: owner.accessToken,
      path: path(),
    });
    expect(one.status, one.raw).toBe(200);
    expect(one.body).toMatchObject({ version: 0, status: { reason: 'disabled' } });
  });

  it('saves the schedule with its overrides in one write, arms the cluster’s schedule and audits', async () => {
    const res = await put(owner, {
      version: 0,
      schedule: { enabled: true, timeZone: 'Europe/Berlin', weeklyGrid: grid(false), preWarm: true },
      overrides: [
        { date: isoDay(3), kind: 'sprint-day', label: 'Release' },
        { date: isoDay(5), kind: 'holiday', label: 'Offsite' },
      ],
      notifications: { enabled: true, emails: ['ops@example.com'], slackWebhookUrl: slackUrl },
    });
    expect(res.status, res.raw).toBe(200);
    expectContractResponse('PUT /api/client/clusters/{id}/hibernation', res);
    const view = res.body as unknown as HibernationView;
    expect(view.version).toBe(1);
    expect(view.overrides.map((o) => o.kind)).toEqual(['sprint-day', 'holiday']);
    expect(view.notifications).toEqual({
      enabled: true,
      emails: ['ops@example.com'],
      slackWebhookConfigured: true,
    });
    // The webhook is a credential: written sealed, never answered.
    expect(res.raw).not.toContain('hooks.slack.com');
    // An all-sleep grid: the cluster should sleep now, so the run is armed within a minute.
    const armed = harness.scheduler.schedules.get(hibernationScheduleName(clusterId));
    expect(armed?.target).toEqual({ workflow: 'hibernation', input: { orgId: owner.orgId, clusterId } });
    expect(armed?.expression).toMatch(/^at\(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\)$/);
    const audit = await queryAll(auditRecordEntity, auditRecordsQuery(owner.orgId));
    expect(
      audit.some((r) => r.action === 'hibernation.update' && r.target === `cluster/${clusterId}/hibernation`),
    ).toBe(true);
    expect(JSON.stringify(audit)).not.toContain('hooks.slack.com');

    // Removing an override and keeping the webhook (left out) in the next save.
    const next = await put(owner, {
      version: 1,
      schedule: view.schedule,
      overrides: [view.overrides[0]],
      notifications: { enabled: true, emails: [] },
    });
    expect(next.status, next.raw).toBe(200);
    expect((next.body as unknown as HibernationView).overrides).toHaveLength(1);
    expect((next.body as unknown as HibernationView).notifications.slackWebhookConfigured).toBe(true);
  });

  it('refuses a stale save with 409 and the current schedule', async () => {
    const res = await put(owner, {
      version: 1,
      schedule: { enabled: false, timeZone: 'UTC', weeklyGrid: grid(true) },
    });
    expect(res.status, res.raw).toBe(409);
    expectContractResponse('PUT /api/client/clusters/{id}/hibernation', res);
    expect(res.body).toMatchObject({
      code: 'HIBERNATION_VERSION_STALE',
      details: { current: { version: 2, schedule: { timeZone: 'Europe/Berlin' } } },
    });
  });

  it('answers bad input with a 400 that says what to fix', async () => {
    const base = {
      version: 2,
      schedule: { enabled: true, timeZone: 'Europe/Berlin', weeklyGrid: grid(false) },
    };
    const cases: [unknown, RegExp][] = [
      [{ ...base, schedule: { ...base.schedule, timeZone: 'Mars/Olympus' } }, /IANA name/],
      [{ ...base, schedule: { ...base.schedule, timeZone: 'UTC+2' } }, /IANA name/],
      [{ ...base, schedule: { ...base.schedule, weeklyGrid: grid(false).slice(0, 6) } }, /7 days/],
      [
        { ...base, schedule: { ...base.schedule, weeklyGrid: [...grid(false).slice(0, 6), [true]] } },
        /48 half-hour/,
      ],
      [
        {
          ...base,
          overrides: [
            { date: isoDay(4), kind: 'holiday' },
            { date: isoDay(4), kind: 'sprint-day' },
          ],
        },
        /two overrides/,
      ],
      [{ ...base, overrides: [{ date: isoDay(-3), kind: 'holiday' }] }, /in the past/],
      [{ ...base, overrides: [{ date: '2027-02-30', kind: 'holiday' }] }, /does not exist/],
      [{ ...base, notifications: { slackWebhookUrl: 'http://example.com/hook' } }, /hooks\.slack\.com/],
      [{ ...base, version: -1 }, /version/],
    ];
    for (const [body, message] of cases) {
      const res = await put(owner, body);
      expect(res.status, res.raw).toBe(400);
      expect(res.body.message).toMatch(message);
    }
    const wakes: [unknown, RegExp][] = [
      [{}, /either/],
      [{ hours: 100 }, /at most 72 hours/],
      [{ hours: 1, until: '2027-01-01T00:00:00Z' }, /either/],
      [{ until: '2020-01-01T00:00:00Z' }, /in the past/],
      [{ until: 'tomorrow' }, /offset/],
    ];
    for (const [body, message] of wakes) {
      const res = await call('POST /api/client/clusters/{id}/hibernation/wake', {
        token: owner.accessToken,
        path: path(),
        body,
      });
      expect(res.status, res.raw).toBe(400);
      expect(res.body.message).toMatch(message);
    }
  });

  it('answers 404 to another organization for every route naming the cluster', async () => {
    const token = stranger.accessToken;
    const results = await Promise.all([
      call('GET /api/client/clusters/{id}/hibernation', { token, path: path() }),
      put(stranger, { version: 0, schedule: { enabled: true, timeZone: 'UTC', weeklyGrid: grid(false) } }),
      call('POST /api/client/clusters/{id}/hibernation/wake', { token, path: path(), body: { hours: 1 } }),
      call('POST /api/client/clusters/{id}/hibernation/sleep', { token, path: path() }),
    ]);
    for (const res of results) expect(res.status, res.raw).toBe(404);
    const fleet = await call('GET /api/client/hibernation', { token });
    expect(fleet.raw).not.toContain(clusterId);
  });
});

describe('hibernation: acting on the sandbox', () => {
  it('hibernates now, then wakes for an hour with every node group back at exactly its size', async () => {
    const before = await liveSizes();
    // Both kinds, so that both the EKS and the Auto Scaling paths are put to sleep and woken.
    expect(Object.keys(before.managed).length).toBeGreaterThan(0);
    expect(Object.keys(before.asgs).length).toBeGreaterThan(0);

    const slept = await call('POST /api/client/clusters/{id}/hibernation/sleep', {
      token: owner.accessToken,
      path: path(),
    });
    expect(slept.status, slept.raw).toBe(200);
    expectContractResponse('POST /api/client/clusters/{id}/hibernation/sleep', slept);
    const sleepBody = slept.body as unknown as HibernationActionResponse;
    expect(sleepBody.status).toMatchObject({ state: 'sleep', reason: 'manual-sleep', actual: 'sleeping' });
    expect(sleepBody.actions.some((a) => a.outcome === 'scaled')).toBe(true);
    const asleep = await liveSizes();
    for (const [name, [, desired, max]] of Object.entries(asleep.managed)) {
      expect(desired, name).toBe(0);
      expect(max, name).toBe(before.managed[name]?.[2]); // EKS keeps its max
    }
    for (const [name, size] of Object.entries(asleep.asgs)) expect(size, name).toEqual([0, 0, 0]);

    // A duplicated run changes nothing and never records zeros as the sizes to restore.
    const again = await harness.workflows.startExecution('hibernation', { orgId: owner.orgId, clusterId });
    expect((await harness.workflows.waitForExecution(again.executionArn)).status).toBe('SUCCEEDED');
    expect(await liveSizes()).toEqual(asleep);

    const woken = await call('POST /api/client/clusters/{id}/hibernation/wake', {
      token: owner.accessToken,
      path: path(),
      body: { hours: 1 },
    });
    expect(woken.status, woken.raw).toBe(200);
    expectContractResponse('POST /api/client/clusters/{id}/hibernation/wake', woken);
    const wakeBody = woken.body as unknown as HibernationActionResponse;
    expect(wakeBody.status).toMatchObject({ state: 'active', reason: 'manual-wake', actual: 'running' });
    expect(await liveSizes()).toEqual(before);

    const audit = await queryAll(auditRecordEntity, auditRecordsQuery(owner.orgId));
    const actions = audit.map((r) => `${r.actorType}:${r.action}`);
    expect(actions).toEqual(
      expect.arrayContaining([
        'user:hibernation.sleep-now',
        'system:hibernation.sleep',
        'user:hibernation.wake-now',
      ]),
    );
    const fleet = await call('GET /api/client/hibernation', { token: owner.accessToken });
    const mine = (
      fleet.body.items as { clusterId: string; status: { monthToDateSavingsUsd: number } }[]
    ).find((i) => i.clusterId === clusterId);
    expect(mine?.status.monthToDateSavingsUsd).toBeGreaterThanOrEqual(0);
  });
});

describe('hibernation: scheduled runs across a change of clock', () => {
  it('sleeps and wakes at the grid’s wall-clock times on the spring-forward night (Berlin, 2027-03-28)', async () => {
    let clock = new Date('2027-03-27T12:00:00Z');
    configurePorts({ clock: { now: () => clock } });
    try {
      const current = await call('GET /api/client/clusters/{id}/hibernation', {
        token: owner.accessToken,
        path: path(),
      });
      const version = (current.body as unknown as HibernationView).version;
      // Sunday 03:00-05:00 local (slots 6..9); the clock jumps from 02:00 CET to 03:00 CEST that night.
      const weeklyGrid = grid(false);
      for (let slot = 6; slot < 10; slot++) (weeklyGrid[6] as boolean[])[slot] = true;
      const saved = await put(owner, {
        version,
        schedule: { enabled: true, timeZone: 'Europe/Berlin', weeklyGrid, preWarm: false },
      });
      expect(saved.status, saved.raw).toBe(200);
      const before = await liveSizes();

      const run = async (at: string) => {
        clock = new Date(at);
        const started = await harness.workflows.startExecution('hibernation', {
          orgId: owner.orgId,
          clusterId,
        });
        expect((await harness.workflows.waitForExecution(started.executionArn)).status).toBe('SUCCEEDED');
        return harness.scheduler.schedules.get(hibernationScheduleName(clusterId))?.expression;
      };
      // 01:30 CET: asleep; the next run is armed at 03:00 CEST = 01:00Z (no lost or doubled hour).
      expect(await run('2027-03-28T00:30:00Z')).toBe('at(2027-03-28T01:00:00)');
      const asleep = await liveSizes();
      for (const [name, [, desired]] of Object.entries(asleep.managed)) expect(desired, name).toBe(0);
      // 03:00 CEST: awake at exactly the sizes recorded; armed for 05:00 CEST = 03:00Z.
      expect(await run('2027-03-28T01:00:00Z')).toBe('at(2027-03-28T03:00:00)');
      expect(await liveSizes()).toEqual(before);
      // A late, duplicated delivery of the same transition changes nothing.
      await run('2027-03-28T01:07:00Z');
      expect(await liveSizes()).toEqual(before);
    } finally {
      configurePorts({ clock: { now: () => new Date() } });
    }
  });
});

describe('hibernation: maintenance mode (ADR 0037)', () => {
  it('skips scheduled runs with a recorded reason, still runs a person’s Hibernate Now, and catches up when switched off', async () => {
    const clusters = await call('GET /api/client/clusters', { token: owner.accessToken });
    const second = clusters.body.items?.[1] as { id: string; name: string; region: string };
    const target = { ...(await cloudTargetOf(owner.orgId, accountId)), region: second.region };
    const sizes = async () =>
      Object.fromEntries(
        (await port('cloud').listNodegroups(target, second.name)).map((g) => [g.name, g.desiredSize]),
      );
    const running = await sizes();
    expect(Object.values(running).some((d) => d > 0)).toBe(true);
    const p = { id: second.id };
    const saved = await call('PUT /api/client/clusters/{id}/hibernation', {
      token: owner.accessToken,
      path: p,
      body: { version: 0, schedule: { enabled: true, timeZone: 'UTC', weeklyGrid: grid(false) } },
    });
    expect(saved.status, saved.raw).toBe(200);
    const on = await call('PUT /api/client/clusters/{id}/maintenance', {
      token: owner.accessToken,
      path: p,
      body: { enabled: true, reason: 'EKS upgrade' },
    });
    expect(on.status, on.raw).toBe(200);

    // The scheduler's run: the schedule wants sleep, maintenance says no; skipped, audited, re-armed.
    harness.scheduler.schedules.delete(hibernationScheduleName(second.id));
    const started = await harness.workflows.startExecution('hibernation', {
      orgId: owner.orgId,
      clusterId: second.id,
    });
    expect((await harness.workflows.waitForExecution(started.executionArn)).status).toBe('SUCCEEDED');
    expect(await sizes()).toEqual(running);
    const skipped = (await queryAll(auditRecordEntity, auditRecordsQuery(owner.orgId))).filter(
      (r) => r.action === 'hibernation.skipped' && r.target === `cluster/${second.id}`,
    );
    expect(skipped).toHaveLength(1);
    expect(JSON.stringify(skipped[0]?.after)).toContain('maintenance mode');
    expect(harness.scheduler.schedules.has(hibernationScheduleName(second.id))).toBe(true);

    // A person's explicit Hibernate Now still acts in maintenance, and Wake Up Now brings it back.
    const slept = await call('POST /api/client/clusters/{id}/hibernation/sleep', {
      token: owner.accessToken,
      path: p,
    });
    expect(slept.status, slept.raw).toBe(200);
    expect(Object.values(await sizes()).every((d) => d === 0)).toBe(true);
    const woken = await call('POST /api/client/clusters/{id}/hibernation/wake', {
      token: owner.accessToken,
      path: p,
      body: { hours: 1 },
    });
    expect(woken.status, woken.raw).toBe(200);
    expect(await sizes()).toEqual(running);

    // Switched off: a run is armed within a minute to catch up on what the schedule wants.
    harness.scheduler.schedules.delete(hibernationScheduleName(second.id));
    const off = await call('PUT /api/client/clusters/{id}/maintenance', {
      token: owner.accessToken,
      path: p,
      body: { enabled: false },
    });
    expect(off.status, off.raw).toBe(200);
    const armed = harness.scheduler.schedules.get(hibernationScheduleName(second.id))?.expression ?? '';
    const armedAt = Date.parse(`${armed.slice(3, -1)}Z`);
    expect(armedAt - Date.now()).toBeLessThanOrEqual(61_000);
  }, 60_000);
});

describe('hibernation: a cluster gone from EKS', () => {
  it('loses its schedule, overrides, run record and armed schedule with the next discovery', async () => {
    const gone = await seedCluster(owner.orgId, { accountId, region: clusterRegion, name: 'gone' });
    const saved = await call('PUT /api/client/clusters/{id}/hibernation', {
      token: owner.accessToken,
      path: { id: gone.clusterId },
      body: {
        version: 0,
        schedule: { enabled: true, timeZone: 'UTC', weeklyGrid: grid(true) },
        overrides: [{ date: isoDay(2), kind: 'holiday' }],
      },
    });
    expect(saved.status, saved.raw).toBe(200);
    expect(harness.scheduler.schedules.has(hibernationScheduleName(gone.clusterId))).toBe(true);
    // The optimizer's action history goes with the cluster too (its audit records stay).
    await putItem(clusterActionEntity, {
      orgId: owner.orgId,
      clusterId: gone.clusterId,
      actionId: 'a1',
      runId: 'r1',
      kind: 'remove-node',
      node: 'n1',
      instanceId: 'i-1',
      instanceType: 'm5.large',
      nodeGroupId: null,
      state: 'done',
      result: 'Terminated.',
      predictedMonthlySavingUsd: 70,
      realizedMonthlySavingUsd: 70,
      startedAt: '2026-06-01T10:00:00.000Z',
      finishedAt: '2026-06-01T10:10:00.000Z',
    });
    const run = await runDiscovery(harness, owner.orgId, accountId);
    expect(run.record.status, JSON.stringify(run.record.error)).toBe('SUCCEEDED');
    expect(await hibernationKeysOf(owner.orgId, gone.clusterId).then((keys) => batchGet(keys))).toEqual([]);
    expect(harness.scheduler.schedules.has(hibernationScheduleName(gone.clusterId))).toBe(false);
    expect(await queryAll(clusterActionEntity, doneActionsQuery(owner.orgId, gone.clusterId))).toEqual([]);
  }, 120_000);
});

describe('hibernation: holiday import preview', () => {
  it('lists a country’s public holidays (and a region’s) from the holiday calendar', async () => {
    const us = await call('POST /api/client/hibernation/holidays/preview', {
      token: owner.accessToken,
      body: { country: 'us', year: 2027 },
    });
    expect(us.status, us.raw).toBe(200);
    expectContractResponse('POST /api/client/hibernation/holidays/preview', us);
    expect(us.body.holidays).toEqual(
      expect.arrayContaining([{ date: '2027-12-25', kind: 'holiday', label: 'Christmas Day' }]),
    );
    const bavaria = await call('POST /api/client/hibernation/holidays/preview', {
      token: owner.accessToken,
      body: { country: 'DE', region: 'BY', year: 2027 },
    });
    const berlin = await call('POST /api/client/hibernation/holidays/preview', {
      token: owner.accessToken,
      body: { country: 'DE', region: 'BE', year: 2027 },
    });
    const labels = (r: typeof bavaria) => (r.body.holidays as { label: string }[]).map((h) => h.label);
    expect(labels(bavaria)).toContain('Epiphany');
    expect(labels(berlin)).not.toContain('Epiphany');
  });

  it('refuses an unknown country or region with a 400 naming the fix', async () => {
    const country = await call('POST /api/client/hibernation/holidays/preview', {
      token: owner.accessToken,
      body: { country: 'QQ', year: 2027 },
    });
    expect(country.status, country.raw).toBe(400);
    expect(country.body.message).toMatch(/ISO 3166-1/);
    const region = await call('POST /api/client/hibernation/holidays/preview', {
      token: owner.accessToken,
      body: { country: 'DE', region: 'ZZ', year: 2027 },
    });
    expect(region.status, region.raw).toBe(400);
    expect(region.body.message).toMatch(/known regions: .*BY/);
  });
});
