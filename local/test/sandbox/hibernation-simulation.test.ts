/**
 * Issue 15's proof: 1,000 random sequences of schedule edits, dated overrides, wake-now, hibernate-now,
 * node groups changed by hand while asleep, DST days, and late and duplicated scheduler deliveries, replayed
 * through the product's run code against the sandbox cloud. After every run each node group must be exactly
 * where an independent model says (asleep at its sleeping size, or back at exactly the min/desired/max it
 * had when it went to sleep, or left alone when a person changed it while asleep), and between runs the
 * cluster must be in the state the engine wants at every sampled instant.
 *
 * The run store and the scheduler are in memory (see `hibernation-support.ts`); everything else is the code
 * the hibernation workflow runs.
 */
import type { StoredSchedule } from '@spot/functions/domain/hibernation';
import { hibernationScheduleName, noticeSettingsOf } from '@spot/functions/domain/hibernation';
import {
  armAfterSave,
  runHibernation,
  sleepCluster,
  wakeCluster,
} from '@spot/functions/domain/hibernation-run';
import type { CloudTarget } from '@spot/functions/ports/cloud';
import { configurePorts, resetPorts } from '@spot/functions/ports/index';
import type { DateOverride, HibernationSchedule, WeeklyGrid } from '@spot/shared';
import { desiredStateAt, localDateAt, runsNodes } from '@spot/shared/hibernation/engine';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SandboxCloud } from '../../src/sandbox/cloud';
import type { SandboxWorld } from '../../src/sandbox/world';
import { keyTarget } from './fixtures';
import { clusterId, MemoryRunStore, MemoryScheduler, orgId, runInputsOf } from './hibernation-support';

/** Berlin zone, managed node groups, a self-managed ASG and a Karpenter NodePool. */
const clusterName = 'staging-payments-euw1';
const minuteMs = 60_000;
const zones = [
  'Europe/Berlin',
  'America/New_York',
  'Australia/Sydney',
  'Asia/Kolkata',
  'UTC',
  'America/St_Johns',
  'Pacific/Chatham',
] as const;
/** Days with a change of clock in one of the zones above (2026). */
const dstDays = [
  '2026-03-08T00:00:00Z',
  '2026-03-29T00:00:00Z',
  '2026-04-05T00:00:00Z',
  '2026-09-27T00:00:00Z',
  '2026-10-04T00:00:00Z',
  '2026-10-25T00:00:00Z',
  '2026-11-01T00:00:00Z',
].map(Date.parse);

interface Size {
  minSize: number;
  desiredSize: number;
  maxSize: number;
  /** NodePools: `spec.limits.cpu`; their node count is `desiredSize` (and `maxSize`). */
  cpuLimit?: string | null;
}
type Kind = 'asg' | 'managed' | 'karpenter';
interface LiveGroup {
  id: string;
  kind: Kind;
  size: Size;
}

// ------------------------------------------------------------------------------------------------ events

const gridArb: fc.Arbitrary<WeeklyGrid> = fc.oneof(
  // Office hours: weekdays from..to (30-minute slots).
  fc
    .record({ from: fc.integer({ min: 0, max: 40 }), length: fc.integer({ min: 1, max: 30 }) })
    .map(({ from, length }) =>
      Array.from({ length: 7 }, (_, d) =>
        Array.from({ length: 48 }, (_, s) => d < 5 && s >= from && s < from + length),
      ),
    ),
  // Anything: random slots (runs of a few slots, so blocks and single half hours both appear).
  fc.array(fc.array(fc.boolean(), { minLength: 48, maxLength: 48 }), { minLength: 7, maxLength: 7 }),
  // Blocks around the hours a spring-forward or fall-back skips or repeats.
  fc
    .integer({ min: 2, max: 7 })
    .map((s) => Array.from({ length: 7 }, () => Array.from({ length: 48 }, (_, i) => i >= s && i < s + 2))),
);

const scheduleArb = fc.record({
  enabled: fc.boolean(),
  timeZone: fc.constantFrom(...zones),
  weeklyGrid: gridArb,
  preWarm: fc.boolean(),
  /** Indexes into the cluster's groups; empty = full scope. */
  scope: fc.uniqueArray(fc.integer({ min: 0, max: 7 }), { maxLength: 3 }),
});

const eventArb = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('advance' as const),
      minutes: fc.integer({ min: 1, max: 900 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('edit' as const), schedule: scheduleArb }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('override' as const),
      dayOffset: fc.integer({ min: 0, max: 4 }),
      type: fc.constantFrom('holiday' as const, 'sprint-day' as const, 'remove' as const),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('wake' as const),
      hours: fc.integer({ min: 1, max: 40 }).map((h) => h / 2),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('sleep' as const) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('hand-edit' as const),
      group: fc.nat(),
      min: fc.integer({ min: 0, max: 3 }),
      extra: fc.integer({ min: 0, max: 3 }),
      headroom: fc.integer({ min: 0, max: 4 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('stray-delivery' as const) }) },
);

const sequenceArb = fc.record({
  start: fc.record({
    day: fc.constantFrom(...dstDays),
    offsetMinutes: fc.integer({ min: -3 * 24 * 60, max: 2 * 24 * 60 }),
  }),
  schedule: scheduleArb,
  events: fc.array(eventArb, { minLength: 5, maxLength: 20 }),
  /** Minutes each delivery is late (cycled), and which deliveries come twice at once. */
  lateMinutes: fc.array(fc.constantFrom(0, 0, 0, 1, 7, 29, 61), { minLength: 1, maxLength: 5 }),
  duplicates: fc.array(fc.constantFrom(false, false, false, true), { minLength: 1, maxLength: 5 }),
});
type Sequence = typeof sequenceArb extends fc.Arbitrary<infer T> ? T : never;

// ------------------------------------------------------------------------------------------------ world

let world: SandboxWorld;
let scheduler: MemoryScheduler;
const actor = { kind: 'user' as const, userId: 'user-sim', email: 'sim@example.com' };

let inputs: Awaited<ReturnType<typeof runInputsOf>>;

beforeAll(async () => {
  // The one cluster alone: the sandbox answers every call for it without simulating the others.
  const full = new SandboxCloud({ seed: 42 }).world;
  world = { ...full, clusters: full.clusters.filter((c) => c.name === clusterName), standaloneInstances: [] };
  const cloud = new SandboxCloud({ seed: 42, world, clock: { now: () => new Date(dstDays[0] as number) } });
  // The node groups as discovery records them (names and kinds do not change with the clock).
  inputs = await runInputsOf(cloud, keyTarget(cloud, 0, 'eu-west-1'), clusterName);
});
afterAll(() => resetPorts());

const same = (a: Size, b: Size) =>
  a.minSize === b.minSize &&
  a.desiredSize === b.desiredSize &&
  a.maxSize === b.maxSize &&
  a.cpuLimit === b.cpuLimit;

/**
 * What the specification says a group sleeps at: ASGs 0/0/0, managed node groups 0/0 with their max,
 * NodePools with a CPU limit of 0 and no nodes.
 */
function sleepingSize(kind: Kind, size: Size): Size {
  if (kind === 'asg') return { minSize: 0, desiredSize: 0, maxSize: 0 };
  if (kind === 'karpenter') return { minSize: 0, desiredSize: 0, maxSize: 0, cpuLimit: '0' };
  return { minSize: 0, desiredSize: 0, maxSize: Math.max(1, size.maxSize) };
}

/** One replayed sequence: the cluster, its model, and the checks. */
class Replay {
  readonly store: MemoryRunStore;
  /** The model: per asleep group, what it must come back to, and whether a person changed it since. */
  readonly asleep = new Map<string, { restoreTo: Size; sleptAs: Size; editedByHand: boolean }>();
  /** Since when the cluster must be in the engine's state (the last run); `null` after a save. */
  checkedFrom: number | null = null;
  private deliveries = 0;
  readonly runs = { scheduled: 0, manual: 0, duplicated: 0 };

  constructor(
    readonly cloud: SandboxCloud,
    readonly target: CloudTarget,
    readonly inputs: Awaited<ReturnType<typeof runInputsOf>>,
    readonly sequence: Sequence,
    private readonly time: { ms: number },
  ) {
    this.store = new MemoryRunStore(inputs);
  }

  /** The instant of the replay; the sandbox cloud reads the same clock. */
  get now() {
    return this.time.ms;
  }
  set now(ms: number) {
    this.time.ms = ms;
  }

  get groupIds() {
    return this.inputs.nodeGroups.map((g) => g.nodeGroupId);
  }

  /** Every group's min/desired/max (a NodePool's CPU limit and nodes) now, as the sandbox holds them. */
  live(): Map<string, LiveGroup> {
    const out = new Map<string, LiveGroup>();
    for (const g of this.inputs.nodeGroups) {
      const ng = this.sandboxGroup(g.nodeGroupId);
      if (g.kind === 'karpenter-nodepool') {
        const nodes = this.cloud.simulation.desiredAt(ng, this.now);
        const cpuLimit = this.cloud.nodePoolCpuLimitAt(ng, this.now);
        out.set(g.nodeGroupId, {
          id: g.nodeGroupId,
          kind: 'karpenter',
          size: { minSize: 0, desiredSize: nodes, maxSize: nodes, cpuLimit },
        });
        continue;
      }
      const kind = g.kind === 'asg' ? 'asg' : 'managed';
      out.set(g.nodeGroupId, {
        id: g.nodeGroupId,
        kind,
        size: this.cloud.simulation.scalingAt(ng, this.now),
      });
    }
    return out;
  }

  sandboxGroup(nodeGroupId: string) {
    const g = this.inputs.nodeGroups.find((n) => n.nodeGroupId === nodeGroupId);
    const ng = this.cloud.simulation
      .cluster(clusterName)
      ?.nodeGroups.find((n) => n.name === g?.name || n.autoScalingGroupName === g?.name);
    if (!ng) throw new Error(`no sandbox group for ${nodeGroupId}`);
    return ng;
  }

  scheduleFrom(s: Sequence['schedule']): HibernationSchedule {
    const ids = this.groupIds;
    const selected = [...new Set(s.scope.map((i) => ids[i % ids.length] as string))];
    return {
      enabled: s.enabled,
      timeZone: s.timeZone,
      weeklyGrid: s.weeklyGrid,
      preWarm: s.preWarm,
      scope: selected.length ? { kind: 'selected', nodeGroupIds: selected } : { kind: 'full' },
      protection: { criticalNamespaces: [], excludedTags: [] },
    };
  }

  engineInput(at: number) {
    const schedule = this.currentSchedule();
    const manual = this.store.runtime?.manualOverride ?? null;
    const live = manual && (manual.until === null || Date.parse(manual.until) > at) ? manual : null;
    return { schedule, overrides: this.store.overrides, manualOverride: live };
  }

  currentSchedule(): HibernationSchedule {
    const s = this.store.stored;
    if (!s) throw new Error('no schedule saved');
    const { enabled, timeZone, weeklyGrid, preWarm, scope, protection } = s;
    return { enabled, timeZone, weeklyGrid, preWarm, scope, protection };
  }

  /** A save as the PUT route makes it: the schedule item, then the armed schedule. */
  async save(schedule: HibernationSchedule, overrides: DateOverride[]) {
    const version = (this.store.stored?.version ?? 0) + 1;
    const stored: StoredSchedule = {
      orgId,
      clusterId,
      version,
      ...schedule,
      notifications: { enabled: false, emails: [] },
      slackWebhook: null,
      updatedAt: new Date(this.now).toISOString(),
      updatedBy: actor.userId,
      updatedByEmail: actor.email,
    };
    this.store.stored = stored;
    this.store.overrides = [...overrides].sort((a, b) => a.date.localeCompare(b.date));
    await armAfterSave(
      orgId,
      clusterId,
      this.engineInput(this.now),
      this.store.runtime,
      noticeSettingsOf(stored),
      new Date(this.now),
    );
    this.checkedFrom = null;
  }

  /** Runs `run` at `this.now` and checks every group against the model. */
  async checkedRun(run: () => Promise<unknown>) {
    const at = this.now;
    const before = this.live();
    await run();
    const after = this.live();
    const runtime = this.store.runtime;
    if (!runtime) throw new Error('a run wrote no runtime');
    const wantsNodes = runsNodes(desiredStateAt(this.engineInput(at), new Date(at)).state);
    const scope = this.currentSchedule().scope;
    for (const [id, now] of after) {
      const was = before.get(id) as LiveGroup;
      const model = this.asleep.get(id);
      const where = `${id} at ${new Date(at).toISOString()}`;
      if (wantsNodes) {
        if (model && !model.editedByHand && now.kind === 'karpenter') {
          // A NodePool is restored by its limit; Karpenter brings the nodes its pending pods ask for.
          expect(now.size.cpuLimit, `${where}: limit restored exactly`).toBe(model.restoreTo.cpuLimit);
          const ng = this.sandboxGroup(id);
          const needed = this.cloud.simulation.neededNodes(ng, Math.floor(at / 3_600_000));
          // Unless the limit restored (a person's, from before the sleep) is below one node.
          const limit = model.restoreTo.cpuLimit;
          const room = limit === null || Number(limit) * 1000 >= ng.podCapacityPerNode.cpuMilli;
          expect(now.size.desiredSize > 0, `${where}: nodes back for its pods`).toBe(needed > 0 && room);
        } else if (model && !model.editedByHand)
          expect(now.size, `${where}: restored exactly`).toEqual(model.restoreTo);
        else expect(now.size, `${where}: left as it was`).toEqual(was.size);
      } else if (model) {
        expect(now.size, `${where}: stays asleep or as a person left it`).toEqual(was.size);
      } else if (scope.kind === 'full' || scope.nodeGroupIds.includes(id)) {
        const target = sleepingSize(now.kind, was.size);
        expect(now.size, `${where}: asleep`).toEqual(target);
        this.asleep.set(id, { restoreTo: was.size, sleptAs: target, editedByHand: false });
      } else {
        expect(now.size, `${where}: out of scope, untouched`).toEqual(was.size);
      }
    }
    if (wantsNodes) this.asleep.clear();
    expect(runtime.actual, `actual after the run at ${new Date(at).toISOString()}`).toBe(
      this.asleep.size > 0 ? 'sleeping' : 'running',
    );
    expect(Object.keys(runtime.records).sort()).toEqual([...this.asleep.keys()].sort());
    const armed = scheduler.armed.get(hibernationScheduleName(clusterId));
    expect(armed ?? null).toBe(runtime.nextRunAt === null ? null : Date.parse(runtime.nextRunAt));
    this.checkedFrom = at;
  }

  /** Between the last run and `until`, the cluster is what the engine wants at every sampled instant. */
  checkStates(until: number) {
    if (this.checkedFrom === null || !this.store.runtime) return;
    const span = until - this.checkedFrom;
    const step = Math.max(15 * minuteMs, Math.ceil(span / 48));
    for (let t = this.checkedFrom; t < until; t += step) this.expectState(t);
    if (until > this.checkedFrom) this.expectState(until - 1);
  }

  /** Awake: nothing recorded asleep. Asleep: every group in scope that hibernation acts on is asleep. */
  private expectState(t: number) {
    const desired = desiredStateAt(this.engineInput(t), new Date(t));
    const asleep = Object.keys(this.store.runtime?.records ?? {}).sort();
    const where = `state at ${new Date(t).toISOString()} (${desired.state}, ${desired.reason})`;
    if (runsNodes(desired.state)) expect(asleep, where).toEqual([]);
    else expect(asleep, where).toEqual(expect.arrayContaining(this.sleepableInScope()));
  }

  /** The groups in scope that a sleep acts on. */
  private sleepableInScope(): string[] {
    const scope = this.currentSchedule().scope;
    return this.inputs.nodeGroups
      .map((g) => g.nodeGroupId)
      .filter((id) => scope.kind === 'full' || scope.nodeGroupIds.includes(id));
  }

  /** Moves the clock, delivering the armed schedule on the way (late or twice, as the sequence says). */
  async advance(minutes: number) {
    const end = this.now + minutes * minuteMs;
    for (;;) {
      const armed = scheduler.armed.get(hibernationScheduleName(clusterId));
      const late =
        (this.sequence.lateMinutes[this.deliveries % this.sequence.lateMinutes.length] ?? 0) * minuteMs;
      if (armed === undefined || armed + late > end) break;
      this.checkStates(armed);
      this.now = Math.max(this.now, armed + late);
      const twice = this.sequence.duplicates[this.deliveries % this.sequence.duplicates.length] ?? false;
      this.deliveries++;
      await this.scheduledRun(twice);
    }
    // A late delivery is still pending: the state is only due from the armed instant on.
    const armed = scheduler.armed.get(hibernationScheduleName(clusterId));
    this.checkStates(Math.min(end, armed ?? end));
    this.now = end;
  }

  async scheduledRun(twice: boolean) {
    const run = () =>
      runHibernation(orgId, clusterId, new Date(this.now), { kind: 'system' }, undefined, this.store);
    this.runs.scheduled++;
    if (twice) this.runs.duplicated++;
    await this.checkedRun(() => (twice ? Promise.all([run(), run()]) : run()));
  }

  async handEdit(e: { group: number; min: number; extra: number; headroom: number }) {
    const live = this.live();
    const id = this.groupIds.filter((g) => live.has(g))[e.group % live.size] as string;
    const group = live.get(id) as LiveGroup;
    const stored = this.inputs.nodeGroups.find((g) => g.nodeGroupId === id);
    if (!stored) return;
    const size = {
      minSize: e.min,
      desiredSize: e.min + e.extra,
      maxSize: Math.max(1, e.min + e.extra + e.headroom),
    };
    if (group.kind === 'karpenter') {
      // A person's change of a NodePool: its CPU limit.
      const cpuLimit = String(e.extra * 4);
      this.cloud.setNodePoolCpuLimit(this.target, clusterName, stored.name, cpuLimit);
      const model = this.asleep.get(id);
      if (model) model.editedByHand = cpuLimit !== model.sleptAs.cpuLimit;
      return;
    }
    if (group.kind === 'asg')
      await this.cloud.updateAutoScalingGroup(this.target, {
        name: stored.autoScalingGroupNames[0] as string,
        minSize: size.minSize,
        desiredCapacity: size.desiredSize,
        maxSize: size.maxSize,
      });
    else
      await this.cloud.updateNodegroupScaling(this.target, {
        clusterName,
        nodegroupName: stored.name,
        ...size,
      });
    const model = this.asleep.get(id);
    // A change back to exactly what the sleep set is no change: the wake restores as usual.
    if (model) model.editedByHand = !same(size, model.sleptAs);
  }
}

async function replay(sequence: Sequence) {
  const time = { ms: sequence.start.day + sequence.start.offsetMinutes * minuteMs };
  const cloud = new SandboxCloud({ seed: 42, world, clock: { now: () => new Date(time.ms) } });
  const target = keyTarget(cloud, 0, 'eu-west-1');
  scheduler = new MemoryScheduler();
  configurePorts({ cloud, scheduler, kubernetes: cloud.kubernetesPort });
  const r = new Replay(cloud, target, inputs, sequence, time);
  await r.save(r.scheduleFrom(sequence.schedule), []);
  for (const event of sequence.events) {
    switch (event.kind) {
      case 'advance':
        await r.advance(event.minutes);
        break;
      case 'edit':
        await r.save(r.scheduleFrom(event.schedule), r.store.overrides);
        break;
      case 'override': {
        const schedule = r.currentSchedule();
        const date = localDateAt(schedule.timeZone, new Date(r.now + event.dayOffset * 24 * 60 * minuteMs));
        const rest = r.store.overrides.filter((o) => o.date !== date);
        await r.save(
          schedule,
          event.type === 'remove' ? rest : [...rest, { date, kind: event.type, label: '' }],
        );
        break;
      }
      case 'wake':
        r.runs.manual++;
        await r.checkedRun(() =>
          wakeCluster(orgId, clusterId, { hours: event.hours }, actor, new Date(r.now), r.store),
        );
        break;
      case 'sleep':
        r.runs.manual++;
        await r.checkedRun(() => sleepCluster(orgId, clusterId, actor, new Date(r.now), r.store));
        break;
      case 'hand-edit':
        await r.handEdit(event);
        break;
      case 'stray-delivery':
        // A delivery of an earlier transition arriving now (EventBridge's at-least-once).
        await r.scheduledRun(false);
        break;
    }
  }
  // Whatever happened, the cluster ends where the engine says once the pending deliveries arrive.
  await r.advance(26 * 60);
  return r.runs;
}

describe('hibernation simulation (issue 15, proof)', () => {
  it('restores every node group exactly and keeps the engine state over 1,000 random sequences', async () => {
    const totals = { sequences: 0, scheduled: 0, manual: 0, duplicated: 0 };
    await fc.assert(
      fc.asyncProperty(sequenceArb, async (sequence) => {
        const runs = await replay(sequence);
        totals.sequences++;
        totals.scheduled += runs.scheduled;
        totals.manual += runs.manual;
        totals.duplicated += runs.duplicated;
      }),
      { numRuns: Number(process.env.HIB_SIM_RUNS ?? 1000), seed: 15_2026 },
    );
    console.log(
      `hibernation simulation: ${totals.sequences} sequences, ${totals.scheduled} scheduled runs (${totals.duplicated} delivered twice), ${totals.manual} wake/sleep-now runs`,
    );
    expect(totals.scheduled).toBeGreaterThan(totals.sequences);
  }, 300_000);
});
