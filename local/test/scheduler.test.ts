import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ScheduleSpec } from '@spot/functions/ports/types';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalScheduler } from '../src/scheduler';

class FakeClock {
  constructor(private current: Date) {}
  now = () => new Date(this.current);
  set(iso: string) {
    this.current = new Date(iso);
  }
}

const target = { workflow: 'discovery' as const, input: { accountId: 'acc-1' } };
const spec = (name: string, expression: string, timeZone = 'UTC'): ScheduleSpec => ({
  name,
  expression,
  timeZone,
  target,
});

let dir: string;
let clock: FakeClock;
let fired: { target: ScheduleSpec['target']; name: string; at: string }[];

const make = (options: { dataFile?: string | null; fail?: boolean } = {}) =>
  new LocalScheduler({
    clock,
    dataFile: options.dataFile === null ? undefined : (options.dataFile ?? join(dir, 'schedules.json')),
    fire: async (t, s) => {
      fired.push({ target: t, name: s.name, at: clock.now().toISOString() });
      if (options.fail) throw new Error('target down');
    },
  });

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'spot-scheduler-'));
  clock = new FakeClock(new Date('2026-03-27T12:00:00Z'));
  fired = [];
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('LocalScheduler', () => {
  it('fires a cron schedule at its times in its zone, once per time', async () => {
    const scheduler = make();
    await scheduler.upsertSchedule(spec('wake', 'cron(0 8 ? * MON-FRI *)', 'Europe/Berlin'));
    expect(scheduler.getSchedule('wake')?.nextFireAt).toBe('2026-03-30T06:00:00.000Z'); // Monday, CEST
    clock.set('2026-03-30T05:59:59Z');
    expect(await scheduler.tick()).toBe(0);
    clock.set('2026-03-30T06:00:00Z');
    expect(await scheduler.tick()).toBe(1);
    expect(await scheduler.tick()).toBe(0);
    expect(fired).toEqual([{ target, name: 'wake', at: '2026-03-30T06:00:00.000Z' }]);
    expect(scheduler.getSchedule('wake')).toMatchObject({
      lastFiredAt: '2026-03-30T06:00:00.000Z',
      nextFireAt: '2026-03-31T06:00:00.000Z',
    });
  });

  it('fires a one-time schedule once and keeps it listed until re-armed or deleted', async () => {
    const scheduler = make();
    await scheduler.upsertSchedule(spec('hibernate', 'at(2026-03-27T18:00:00)', 'America/New_York'));
    clock.set('2026-03-27T22:00:00Z');
    expect(await scheduler.tick()).toBe(1);
    clock.set('2026-03-28T22:00:00Z');
    expect(await scheduler.tick()).toBe(0);
    expect(scheduler.getSchedule('hibernate')?.nextFireAt).toBeNull();
    // Re-armed for the next transition with the same name.
    await scheduler.upsertSchedule(spec('hibernate', 'at(2026-03-29T08:00:00)', 'America/New_York'));
    expect(scheduler.getSchedule('hibernate')?.nextFireAt).toBe('2026-03-29T12:00:00.000Z');
  });

  it('fires a one-time schedule created after its time at the next tick', async () => {
    const scheduler = make();
    await scheduler.upsertSchedule(spec('late', 'at(2026-03-27T11:00:00)'));
    expect(await scheduler.tick()).toBe(1);
    expect(await scheduler.tick()).toBe(0);
  });

  it('starts a rate schedule at once and keeps its cadence from the creation time', async () => {
    const scheduler = make();
    await scheduler.upsertSchedule(spec('poll', 'rate(15 minutes)'));
    expect(await scheduler.tick()).toBe(1);
    clock.set('2026-03-27T12:14:59Z');
    expect(await scheduler.tick()).toBe(0);
    clock.set('2026-03-27T12:15:20Z');
    expect(await scheduler.tick()).toBe(1);
    expect(scheduler.getSchedule('poll')?.nextFireAt).toBe('2026-03-27T12:30:00.000Z');
  });

  it('starts a rate schedule with a start date at that date, not at creation (StartDate)', async () => {
    const scheduler = make();
    await scheduler.upsertSchedule({
      ...spec('discovery-acc-1', 'rate(15 minutes)'),
      startAt: new Date('2026-03-27T12:15:00Z'),
    });
    expect(scheduler.getSchedule('discovery-acc-1')?.nextFireAt).toBe('2026-03-27T12:15:00.000Z');
    expect(await scheduler.tick()).toBe(0);
    clock.set('2026-03-27T12:14:59Z');
    expect(await scheduler.tick()).toBe(0);
    clock.set('2026-03-27T12:15:00Z');
    expect(await scheduler.tick()).toBe(1);
    expect(scheduler.getSchedule('discovery-acc-1')?.nextFireAt).toBe('2026-03-27T12:30:00.000Z');
    expect(fired.map((f) => f.at)).toEqual(['2026-03-27T12:15:00.000Z']);
  });

  it('re-times a rate schedule upserted with a later start date; a past start date means now', async () => {
    const scheduler = make();
    const upsert = (startAt: string) =>
      scheduler.upsertSchedule({ ...spec('poll', 'rate(15 minutes)'), startAt: new Date(startAt) });
    await upsert('2026-03-27T12:15:00Z');
    clock.set('2026-03-27T12:05:00Z');
    // The run fired meanwhile (a Re-Sync) finished: the next one is a period after it.
    await upsert('2026-03-27T12:20:00Z');
    expect(scheduler.getSchedule('poll')?.nextFireAt).toBe('2026-03-27T12:20:00.000Z');
    await upsert('2026-03-27T12:20:00Z');
    expect(scheduler.getSchedule('poll')?.nextFireAt).toBe('2026-03-27T12:20:00.000Z');
    await upsert('2026-03-27T11:00:00Z');
    expect(scheduler.getSchedule('poll')?.nextFireAt).toBe('2026-03-27T12:05:00.000Z');
  });

  it('starts a cron schedule with a start date at its first match from then', async () => {
    const scheduler = make();
    await scheduler.upsertSchedule({
      ...spec('hourly', 'cron(0 * * * ? *)'),
      startAt: new Date('2026-03-27T15:00:00Z'),
    });
    expect(scheduler.getSchedule('hourly')?.nextFireAt).toBe('2026-03-27T15:00:00.000Z');
  });

  it('keeps the start date across a restart', async () => {
    const first = make();
    await first.upsertSchedule({
      ...spec('poll', 'rate(15 minutes)'),
      startAt: new Date('2026-03-27T12:15:00Z'),
    });
    const second = make();
    expect(second.getSchedule('poll')?.spec.startAt).toEqual(new Date('2026-03-27T12:15:00Z'));
    // Same timing: upserting it again does not re-time it.
    clock.set('2026-03-27T12:15:00Z');
    expect(await second.tick()).toBe(1);
    await second.upsertSchedule({
      ...spec('poll', 'rate(15 minutes)'),
      startAt: new Date('2026-03-27T12:15:00Z'),
    });
    expect(second.getSchedule('poll')?.nextFireAt).toBe('2026-03-27T12:30:00.000Z');
  });

  it('coalesces missed fires into one', async () => {
    const scheduler = make();
    await scheduler.upsertSchedule(spec('hourly', 'cron(0 * * * ? *)'));
    clock.set('2026-03-27T18:30:00Z');
    expect(await scheduler.tick()).toBe(1);
    expect(scheduler.getSchedule('hourly')?.nextFireAt).toBe('2026-03-27T19:00:00.000Z');
  });

  it('keeps the timing when only the target changes, re-times when the expression changes', async () => {
    const scheduler = make();
    await scheduler.upsertSchedule(spec('poll', 'rate(1 hour)'));
    await scheduler.tick();
    clock.set('2026-03-27T12:10:00Z');
    await scheduler.upsertSchedule({
      ...spec('poll', 'rate(1 hour)'),
      target: { workflow: 'discovery', input: { x: 1 } },
    });
    expect(scheduler.getSchedule('poll')?.nextFireAt).toBe('2026-03-27T13:00:00.000Z');
    await scheduler.upsertSchedule(spec('poll', 'rate(2 hours)'));
    expect(scheduler.getSchedule('poll')?.nextFireAt).toBe('2026-03-27T12:10:00.000Z');
  });

  it('deletes schedules', async () => {
    const scheduler = make();
    await scheduler.upsertSchedule(spec('gone', 'rate(1 minute)'));
    await scheduler.deleteSchedule('gone');
    expect(await scheduler.tick()).toBe(0);
    expect(scheduler.listSchedules()).toEqual([]);
    await scheduler.deleteSchedule('never-existed');
  });

  it('rejects invalid expressions and zones without storing them', async () => {
    const scheduler = make();
    await expect(scheduler.upsertSchedule(spec('bad', 'cron(0 8 * * * *)'))).rejects.toMatchObject({
      code: 'INVALID_SCHEDULE_EXPRESSION',
    });
    await expect(scheduler.upsertSchedule(spec('bad', 'rate(1 day)', 'CET+1'))).rejects.toThrow('IANA');
    expect(scheduler.listSchedules()).toEqual([]);
  });

  it('survives a failing target and keeps going', async () => {
    const scheduler = make({ fail: true });
    await scheduler.upsertSchedule(spec('poll', 'rate(1 minute)'));
    expect(await scheduler.tick()).toBe(1);
    clock.set('2026-03-27T12:01:00Z');
    expect(await scheduler.tick()).toBe(1);
    expect(fired).toHaveLength(2);
  });

  it('persists schedules, so a restart keeps them and their next fire time', async () => {
    const first = make();
    await first.upsertSchedule(spec('wake', 'cron(0 8 ? * MON-FRI *)', 'Europe/Berlin'));
    await first.upsertSchedule(spec('once', 'at(2026-04-01T10:00:00)', 'Europe/Berlin'));
    const file = JSON.parse(readFileSync(join(dir, 'schedules.json'), 'utf8'));
    expect(file.version).toBe(1);
    expect(file.schedules).toHaveLength(2);
    const second = make();
    expect(second.listSchedules()).toEqual(first.listSchedules());
    clock.set('2026-03-30T06:00:00Z');
    expect(await second.tick()).toBe(1);
  });

  it('records a fire before its target starts: a stack killed mid-fire does not fire that slot again', async () => {
    // The first scheduler's target never returns, as when the process is killed while it runs.
    const killed = new LocalScheduler({
      clock,
      dataFile: join(dir, 'schedules.json'),
      fire: (t, s) => {
        fired.push({ target: t, name: s.name, at: clock.now().toISOString() });
        return new Promise(() => {});
      },
    });
    await killed.upsertSchedule(spec('wake', 'cron(0 8 ? * * *)'));
    clock.set('2026-03-28T08:00:00Z');
    void killed.tick();
    await new Promise((r) => setTimeout(r, 10));
    expect(fired).toHaveLength(1);
    // Restarted from the file at the same instant: that 08:00 already fired; the next is tomorrow's.
    const restarted = make();
    expect(await restarted.tick()).toBe(0);
    expect(restarted.getSchedule('wake')?.nextFireAt).toBe('2026-03-29T08:00:00.000Z');
    clock.set('2026-03-29T08:00:00Z');
    expect(await restarted.tick()).toBe(1);
    expect(fired.map((f) => f.at)).toEqual(['2026-03-28T08:00:00.000Z', '2026-03-29T08:00:00.000Z']);
  });

  it('works without a data file', async () => {
    const scheduler = make({ dataFile: null });
    await scheduler.upsertSchedule(spec('poll', 'rate(1 minute)'));
    expect(await scheduler.tick()).toBe(1);
  });

  it('runs its loop on a timer until stopped', async () => {
    const scheduler = new LocalScheduler({
      clock: { now: () => new Date() },
      tickMs: 10,
      fire: async (t, s) => {
        fired.push({ target: t, name: s.name, at: new Date().toISOString() });
      },
    });
    await scheduler.upsertSchedule(spec('now', 'rate(1 day)'));
    scheduler.start();
    await expect.poll(() => fired.length, { timeout: 2_000 }).toBe(1);
    await scheduler.stop();
  });
});
