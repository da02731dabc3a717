/**
 * Issue 15's figure: a dev cluster of the sandbox on a weekday 08:00-19:00 schedule (pre-warm on) for four
 * weeks. The sandbox bill (what its nodes cost, node by node, quarter hour by quarter hour) with hibernation
 * against the same four weeks without it, and the savings the product predicts from its own records (each
 * sleep period's hours x the savings rate taken when it fell asleep, the month-to-date figure of the page).
 * Both shares are logged; they must agree within 2 percentage points.
 */
import type { StoredSchedule } from '@spot/functions/domain/hibernation';
import { hibernationScheduleName, noticeSettingsOf } from '@spot/functions/domain/hibernation';
import { armAfterSave, runHibernation } from '@spot/functions/domain/hibernation-run';
import { configurePorts, resetPorts } from '@spot/functions/ports/index';
import { defaultWeeklyGrid } from '@spot/shared';
import { desiredStateAt, runsNodes } from '@spot/shared/hibernation/engine';
import { afterAll, describe, expect, it } from 'vitest';
import { SandboxCloud } from '../../src/sandbox/cloud';
import { HOUR_MS } from '../../src/sandbox/cycles';
import { keyTarget } from './fixtures';
import { clusterId, MemoryRunStore, MemoryScheduler, orgId, runInputsOf } from './hibernation-support';

const clusterName = 'dev-platform-use1';
/** Monday 2026-04-06 00:00 in New York, four whole weeks with no change of clock. */
const from = Date.parse('2026-04-06T04:00:00Z');
const to = from + 28 * 24 * HOUR_MS;
const quarterMs = HOUR_MS / 4;

afterAll(() => resetPorts());

/** What the cluster's nodes cost in [from, to), USD: each running node at its price in each quarter hour. */
function sandboxBillUsd(cloud: SandboxCloud, time: { ms: number }): number {
  const sim = cloud.simulation;
  const cluster = sim.cluster(clusterName);
  if (!cluster) throw new Error(`no sandbox cluster ${clusterName}`);
  let total = 0;
  for (let t = from; t < to; t += quarterMs) {
    time.ms = t;
    const hour = Math.floor(t / HOUR_MS);
    for (const ng of cluster.nodeGroups) {
      const nodes = sim.desiredAt(ng, t);
      for (let i = 0; i < nodes; i++) total += sim.slotHourlyUsd(sim.slot(ng, i), hour) / 4;
    }
  }
  return total;
}

function sandboxFor(time: { ms: number }) {
  const full = new SandboxCloud({ seed: 42 }).world;
  const world = {
    ...full,
    clusters: full.clusters.filter((c) => c.name === clusterName),
    standaloneInstances: [],
  };
  return new SandboxCloud({ seed: 42, world, clock: { now: () => new Date(time.ms) } });
}

describe('hibernation bill (issue 15, figure)', () => {
  it('the sandbox bill drops by the share the product predicts', async () => {
    const baselineTime = { ms: from };
    const baselineUsd = sandboxBillUsd(sandboxFor(baselineTime), baselineTime);

    const time = { ms: from - HOUR_MS };
    const cloud = sandboxFor(time);
    const target = keyTarget(cloud, 1, 'us-east-1');
    const inputs = await runInputsOf(cloud, target, clusterName);
    // What discovery records for each group: its nodes' cost now (the savings rate is taken from it).
    const cluster = cloud.simulation.cluster(clusterName);
    for (const g of inputs.nodeGroups) {
      const ng = cluster?.nodeGroups.find((n) => n.name === g.name || n.autoScalingGroupName === g.name);
      if (!ng) continue;
      const nodes = cloud.simulation.desiredAt(ng, time.ms);
      const hour = Math.floor(time.ms / HOUR_MS);
      g.nodeCount = nodes;
      g.hourlyCostUsd = Array.from({ length: nodes }, (_, i) =>
        cloud.simulation.slotHourlyUsd(cloud.simulation.slot(ng, i), hour),
      ).reduce((a, b) => a + b, 0);
    }
    const store = new MemoryRunStore(inputs);
    const scheduler = new MemoryScheduler();
    configurePorts({ cloud, scheduler, kubernetes: cloud.kubernetesPort });
    const schedule = {
      enabled: true,
      timeZone: 'America/New_York',
      weeklyGrid: defaultWeeklyGrid(),
      preWarm: true,
      scope: { kind: 'full' as const },
      protection: { criticalNamespaces: [], excludedTags: [] },
    };
    store.stored = {
      orgId,
      clusterId,
      version: 1,
      ...schedule,
      notifications: { enabled: false, emails: [] },
      slackWebhook: null,
      updatedAt: new Date(time.ms).toISOString(),
      updatedBy: 'user-bill',
      updatedByEmail: 'bill@example.com',
    } satisfies StoredSchedule;
    await armAfterSave(
      orgId,
      clusterId,
      { schedule, overrides: [], manualOverride: null },
      undefined,
      noticeSettingsOf(store.stored),
      new Date(time.ms),
    );
    // Every delivery on time, until the four weeks are over.
    for (;;) {
      const armed = scheduler.armed.get(hibernationScheduleName(clusterId));
      if (armed === undefined || armed >= to) break;
      time.ms = armed;
      await runHibernation(orgId, clusterId, new Date(armed), { kind: 'system' }, undefined, store);
    }
    const hibernatedUsd = sandboxBillUsd(cloud, time);

    // The product's prediction: the sleep periods it recorded, clipped to the four weeks.
    const predictedUsd = (store.runtime?.sleepPeriods ?? []).reduce((sum, p) => {
      const start = Math.max(from, Date.parse(p.from));
      const end = Math.min(to, p.to === null ? to : Date.parse(p.to));
      return end > start ? sum + ((end - start) / HOUR_MS) * p.savedUsdPerHour : sum;
    }, 0);
    // The engine alone: the share of the four weeks the schedule wants the cluster asleep.
    let asleepQuarters = 0;
    for (let t = from; t < to; t += quarterMs)
      if (!runsNodes(desiredStateAt({ schedule, overrides: [], manualOverride: null }, new Date(t)).state))
        asleepQuarters++;
    const asleepShare = asleepQuarters / ((to - from) / quarterMs);
    const actualShare = (baselineUsd - hibernatedUsd) / baselineUsd;
    const predictedShare = predictedUsd / baselineUsd;
    console.log(
      `hibernation bill, ${clusterName}, weekdays 08:00-19:00 America/New_York, 4 weeks: ` +
        `24/7 $${baselineUsd.toFixed(2)}, hibernated $${hibernatedUsd.toFixed(2)}, ` +
        `sandbox bill drops ${(100 * actualShare).toFixed(1)} %, product predicts ${(100 * predictedShare).toFixed(1)} % ($${predictedUsd.toFixed(2)}); ` +
        `asleep ${(100 * asleepShare).toFixed(1)} % of the hours (the bill drops less: the apps group runs more nodes by day than by night)`,
    );
    expect(actualShare).toBeGreaterThan(0.3);
    expect(Math.abs(actualShare - predictedShare)).toBeLessThan(0.02);
  }, 120_000);
});
