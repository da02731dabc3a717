import { loadCatalog } from '@spot/shared/pricing/index';
import { interruptionBucketRanges, interruptionBuckets } from '@spot/shared/savings/interruption';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { HOUR_MS, hourOf } from '../../src/sandbox/cycles';
import { spotAdvice, spotHourlyHazard } from '../../src/sandbox/prices';
import { hashString } from '../../src/sandbox/random';
import { Simulation, spotInterruptionDraw } from '../../src/sandbox/simulation';
import { buildWorld } from '../../src/sandbox/world';

const world = buildWorld(42);
const sim = new Simulation(world, { overridesFor: () => [] });
const cluster = (name: string) => {
  const found = sim.cluster(name);
  if (!found) throw new Error(`no cluster ${name}`);
  return found;
};

describe('time: daily and weekly cycles in the cluster time zone', { timeout: 30_000 }, () => {
  it('keeps dev clusters idle at night and at weekends, busy on weekday office hours', () => {
    const from = Date.parse('2026-03-02T00:00:00Z');
    for (const dev of world.clusters.filter((c) => c.env === 'dev')) {
      const day: number[] = [];
      const night: number[] = [];
      const weekend: number[] = [];
      const dayNodes: number[] = [];
      const nightNodes: number[] = [];
      // Two weeks around the US change to summer time (2026-03-08).
      for (let h = hourOf(from); h < hourOf(from) + 14 * 24; h++) {
        const local = DateTime.fromMillis(h * HOUR_MS + HOUR_MS / 2, { zone: dev.timeZone });
        let capacity = 0;
        let used = 0;
        let nodes = 0;
        for (const ng of dev.nodeGroups) {
          const usage = sim.groupUsage(ng, h);
          capacity += usage.capacityCpuMilli;
          used += usage.usedCpuMilli;
          nodes += usage.nodes;
        }
        const utilization = used / capacity;
        if (local.weekday >= 6) weekend.push(utilization);
        else if (local.hour >= 10 && local.hour < 16) {
          day.push(utilization);
          dayNodes.push(nodes);
        } else if (local.hour < 5) {
          night.push(utilization);
          nightNodes.push(nodes);
        }
      }
      const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
      expect(mean(night), dev.name).toBeLessThan(mean(day) / 3);
      expect(mean(weekend), dev.name).toBeLessThan(mean(day) / 3);
      expect(mean(nightNodes), dev.name).toBeLessThanOrEqual(mean(dayNodes));
    }
  });

  it('follows the wall clock across DST: the same UTC hour is early morning before, office time after', () => {
    const dev = cluster('dev-platform-use1');
    expect(dev.timeZone).toBe('America/New_York');
    // 13:00-14:00 UTC is 08:30 EST on Monday 2026-03-02 and 09:30 EDT on Monday 2026-03-09.
    const before = sim.hour(dev, hourOf(Date.parse('2026-03-02T13:00:00Z')));
    const after = sim.hour(dev, hourOf(Date.parse('2026-03-09T13:00:00Z')));
    expect(before.local.hour).toBe(8.5);
    expect(after.local.hour).toBe(9.5);
    expect(after.load).toBeGreaterThan(before.load);
    expect(sim.hour(dev, hourOf(Date.parse('2026-03-09T16:00:00Z'))).load).toBeGreaterThan(0.95);
    expect(sim.hour(dev, hourOf(Date.parse('2026-03-09T07:00:00Z'))).load).toBeLessThan(0.1);
    // Europe changes on 2026-03-29: 08:00 UTC is 09:30 CET on Friday the 27th, 10:30 CEST on Monday the 30th.
    const berlin = cluster('dev-storefront-euw1');
    expect(sim.hour(berlin, hourOf(Date.parse('2026-03-27T08:00:00Z'))).local.hour).toBe(9.5);
    expect(sim.hour(berlin, hourOf(Date.parse('2026-03-30T08:00:00Z'))).local.hour).toBe(10.5);
  });

  it('gives prod clusters a daily cycle that never drops to idle', () => {
    const prod = cluster('prod-storefront-use1');
    const loads = Array.from(
      { length: 7 * 24 },
      (_, i) => sim.hour(prod, hourOf(Date.parse('2026-03-02T00:00:00Z')) + i).load,
    );
    expect(Math.min(...loads)).toBeGreaterThanOrEqual(0.39);
    expect(Math.max(...loads)).toBeGreaterThan(0.95);
  });
});

describe('nodes', { timeout: 30_000 }, () => {
  const t = Date.parse('2026-03-04T17:20:00Z');

  it('keeps node identities unless a node was replaced in between, and launches them in the past', () => {
    const later = t + 10 * 60_000;
    let kept = 0;
    const problems: string[] = [];
    for (const c of world.clusters.slice(0, 4)) {
      for (const ng of c.nodeGroups) {
        const before = sim.nodesAt(ng, t);
        const after = sim.nodesAt(ng, later);
        for (const [i, node] of before.entries()) {
          if (node.launchTimeMs > t) problems.push(`${node.name} launches after now`);
          if (!/^i-0[0-9a-f]{16}$/.test(node.instanceId))
            problems.push(`${node.instanceId} is not an instance id`);
          const next = after[i];
          if (!next) continue;
          if (next.instanceId === node.instanceId) kept++;
          // A new identity only with a launch in between (interruption, roll-out, scale-up).
          else if (!(next.launchTimeMs > t && next.launchTimeMs <= later))
            problems.push(`${ng.key}[${i}] changed`);
        }
        if (new Set(before.map((n) => n.instanceId)).size !== before.length)
          problems.push(`${ng.key}: duplicate ids`);
      }
    }
    expect(problems).toEqual([]);
    expect(kept).toBeGreaterThan(400);
  });

  it('replaces a reclaimed spot node with a new one launched at the interruption', () => {
    const spotGroups = world.clusters.flatMap((c) => c.nodeGroups).filter((g) => g.capacity !== 'on-demand');
    const found = spotGroups
      .flatMap((ng) => sim.interruptionsBetween(ng, t - 30 * 24 * HOUR_MS, t))
      .find((i) => i.atMs < t - HOUR_MS);
    expect(found).toBeDefined();
    if (!found) return;
    const after = sim.nodesAt(found.nodeGroup, found.atMs + 1)[found.slot];
    expect(after?.launchTimeMs).toBe(found.atMs);
    expect(after?.instanceId).not.toBe(found.node.instanceId);
    expect(found.node.slot.capacityType).toBe('spot');
  });
});

describe('spot interruptions', { timeout: 30_000 }, () => {
  it('happen per node-month at the rate of the advisor bucket', () => {
    const catalog = loadCatalog();
    for (let bucket = 0; bucket < interruptionBuckets.length; bucket++) {
      const type = catalog.instanceTypes.find((t) => spotAdvice(t.name, 'us-east-1')?.bucket === bucket);
      if (!type) throw new Error(`no type in bucket ${bucket}`);
      const hazard = spotHourlyHazard(type.name, 'us-east-1');
      const range =
        interruptionBucketRanges[interruptionBuckets[bucket] as (typeof interruptionBuckets)[number]];
      const nodes = 2_000;
      const groupHash = hashString(`bucket-${bucket}`);
      const firstHour = hourOf(Date.parse('2026-01-01T00:00:00Z'));
      let interrupted = 0;
      for (let slot = 0; slot < nodes; slot++) {
        for (let h = firstHour; h < firstHour + 730; h++) {
          if (spotInterruptionDraw(groupHash, slot, h, hazard) !== null) {
            interrupted++;
            break;
          }
        }
      }
      const monthly = interrupted / nodes;
      const sd = Math.sqrt((range.midpoint * (1 - range.midpoint)) / nodes);
      expect(monthly, `bucket ${interruptionBuckets[bucket]}`).toBeGreaterThanOrEqual(range.lower);
      expect(monthly, `bucket ${interruptionBuckets[bucket]}`).toBeLessThanOrEqual(range.upper);
      expect(Math.abs(monthly - range.midpoint)).toBeLessThan(4 * sd);
    }
  });

  it('never hit on-demand nodes, and hit the world at a plausible rate over a month', () => {
    const end = hourOf(Date.parse('2026-03-04T00:00:00Z'));
    let spotNodeHours = 0;
    let interruptions = 0;
    let onDemandHits = 0;
    for (const ng of world.clusters.flatMap((c) => c.nodeGroups)) {
      for (let h = end - 730; h < end; h++) {
        const n = sim.nodesInHour(ng, h);
        for (let i = 0; i < n; i++) {
          const slot = sim.slot(ng, i);
          const hit = sim.interruptionIn(ng, slot, h) !== null;
          if (slot.capacityType === 'on-demand') onDemandHits += hit ? 1 : 0;
          else {
            spotNodeHours++;
            if (hit) interruptions++;
          }
        }
      }
    }
    expect(onDemandHits).toBe(0);
    const perNodeMonth = interruptions / (spotNodeHours / 730);
    // Between the lowest and highest bucket midpoints, as expected hits per node-month.
    expect(perNodeMonth).toBeGreaterThan(0.02);
    expect(perNodeMonth).toBeLessThan(-Math.log(1 - 0.3));
  });
});
