import { describe, expect, it } from 'vitest';
import {
  consolidationHibernationBlock,
  type HibernationRuntimeFacts,
  hibernationTransitionWindowMs,
} from '../../src/hibernation/consolidation-guard';

const now = new Date('2026-03-10T02:00:00.000Z');
const awake: HibernationRuntimeFacts = {
  actual: 'running',
  sleepPeriods: [{ from: '2026-03-09T19:00:00.000Z', to: '2026-03-10T07:00:00.000Z' }],
  lastRunAt: '2026-03-09T07:00:00.000Z',
  nextRunAt: '2026-03-10T19:00:00.000Z',
};

describe('consolidationHibernationBlock', () => {
  it('lets a run act on a cluster hibernation never touched or that is awake', () => {
    expect(consolidationHibernationBlock(undefined, now)).toBeNull();
    expect(consolidationHibernationBlock(awake, now)).toBeNull();
  });

  it('holds a run back while the cluster is asleep, naming when the sleep started', () => {
    const asleep: HibernationRuntimeFacts = {
      ...awake,
      actual: 'sleeping',
      sleepPeriods: [
        { from: '2026-03-08T19:00:00.000Z', to: '2026-03-09T07:00:00.000Z' },
        { from: '2026-03-09T19:00:00.000Z', to: null },
      ],
      lastRunAt: '2026-03-09T19:00:05.000Z',
    };
    expect(consolidationHibernationBlock(asleep, now)).toEqual({
      phase: 'asleep',
      since: '2026-03-09T19:00:00.000Z',
      message:
        'The cluster is hibernating (asleep since 2026-03-09T19:00:00.000Z); consolidation resumes after it wakes.',
    });
    // A wake that is due but not done yet: still asleep (the records are only dropped once restored).
    const waking = { ...asleep, nextRunAt: '2026-03-10T01:59:00.000Z' };
    expect(consolidationHibernationBlock(waking, now)?.phase).toBe('asleep');
    // No open period recorded: the last run's time stands for the start.
    expect(consolidationHibernationBlock({ ...asleep, sleepPeriods: [] }, now)?.since).toBe(asleep.lastRunAt);
  });

  it('holds a run back while a hibernation run is due, and only within the transition window', () => {
    const due = (msAgo: number) => ({ ...awake, nextRunAt: new Date(now.getTime() - msAgo).toISOString() });
    expect(consolidationHibernationBlock(due(0), now)?.phase).toBe('transition');
    expect(consolidationHibernationBlock(due(hibernationTransitionWindowMs - 1), now)?.message).toContain(
      'hibernation transition',
    );
    // Stale (the schedule was switched off since, for one) or not due yet: no hold.
    expect(consolidationHibernationBlock(due(hibernationTransitionWindowMs), now)).toBeNull();
    expect(consolidationHibernationBlock(due(-60_000), now)).toBeNull();
    expect(consolidationHibernationBlock({ ...awake, nextRunAt: null }, now)).toBeNull();
  });
});
