import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { desiredStateAt, type EngineInput, nextTransitions, runsNodes } from '../../src/hibernation/engine';
import {
  type GroupSize,
  type NodeGroupKind,
  type PlannedGroup,
  planTransition,
  type SleepRecords,
  sameSize,
} from '../../src/hibernation/planner';
import type { DateOverride, HibernationScope, WeeklyGrid } from '../../src/model/hibernation';

/** Zones with DST both ways, 30-minute DST (Lord Howe), 45-minute offsets (Kathmandu, Chatham), none (UTC). */
const zones = [
  'UTC',
  'America/New_York',
  'America/St_Johns',
  'Europe/Berlin',
  'Europe/London',
  'Australia/Sydney',
  'Australia/Lord_Howe',
  'Asia/Kathmandu',
  'Pacific/Chatham',
  'America/Santiago',
];

const hourMs = 3_600_000;
/** 2026-01-01 .. 2028-01-01: every DST change of two years. */
const instantArb = fc
  .integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2028, 0, 1) })
  .map((ms) => new Date(ms));

/** Grids of a few random blocks (realistic) or random slots (adversarial). */
const gridArb: fc.Arbitrary<WeeklyGrid> = fc.oneof(
  fc.array(fc.array(fc.boolean(), { minLength: 48, maxLength: 48 }), { minLength: 7, maxLength: 7 }),
  fc
    .array(
      fc.record({
        day: fc.integer({ min: 0, max: 6 }),
        from: fc.integer({ min: 0, max: 47 }),
        length: fc.integer({ min: 1, max: 30 }),
      }),
      { maxLength: 6 },
    )
    .map((blocks) => {
      const grid = Array.from({ length: 7 }, () => Array<boolean>(48).fill(false));
      for (const b of blocks)
        for (let s = b.from; s < Math.min(48, b.from + b.length); s++) (grid[b.day] as boolean[])[s] = true;
      return grid;
    }),
);

const overridesArb: fc.Arbitrary<DateOverride[]> = fc
  .uniqueArray(
    fc.record({
      dayOffset: fc.integer({ min: 0, max: 730 }),
      kind: fc.constantFrom('holiday' as const, 'sprint-day' as const),
    }),
    { selector: (o) => o.dayOffset, maxLength: 12 },
  )
  .map((list) =>
    list.map((o) => ({
      date: new Date(Date.UTC(2026, 0, 1) + o.dayOffset * 24 * hourMs).toISOString().slice(0, 10),
      kind: o.kind,
      label: '',
    })),
  );

/** Manual wakes and sleeps near an instant, starting and ending anywhere (not on a quarter hour), some open-ended. */
const manualNear = (start: Date) =>
  fc.option(
    fc
      .record({
        state: fc.constantFrom('active' as const, 'sleep' as const),
        offsetMs: fc.integer({ min: -2 * 24 * hourMs, max: 2 * 24 * hourMs }),
        lengthMs: fc.option(fc.integer({ min: 1, max: 3 * 24 * hourMs }), { nil: null }),
      })
      .map(({ state, offsetMs, lengthMs }) => {
        const fromMs = start.getTime() + offsetMs;
        return {
          state,
          from: new Date(fromMs).toISOString(),
          until: lengthMs === null ? null : new Date(fromMs + lengthMs).toISOString(),
          by: 'user-1',
        };
      }),
    { nil: null },
  );

const inputArb: fc.Arbitrary<EngineInput> = fc.record({
  schedule: fc.record({
    enabled: fc.constant(true),
    timeZone: fc.constantFrom(...zones),
    weeklyGrid: gridArb,
    preWarm: fc.boolean(),
  }),
  overrides: overridesArb,
  manualOverride: fc.constant(null),
});

describe('hibernation engine properties', () => {
  it('transitions are consistent: the state holds between them and changes exactly at each one', () => {
    fc.assert(
      fc.property(
        fc
          .tuple(inputArb, instantArb)
          .chain(([input, start]) =>
            manualNear(start).map((manualOverride) => [{ ...input, manualOverride }, start] as const),
          ),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 8, maxLength: 8 }),
        ([input, start], fractions) => {
          const transitions = nextTransitions(input, start, 3, { horizonMs: 9 * 24 * hourMs });
          let from = start.getTime();
          let state = desiredStateAt(input, start).state;
          for (const t of transitions) {
            const atMs = t.at.getTime();
            expect(atMs).toBeGreaterThan(from);
            expect(t.state).not.toBe(state);
            expect(desiredStateAt(input, t.at).state).toBe(t.state);
            expect(desiredStateAt(input, new Date(atMs - 1)).state).toBe(state);
            // Anywhere strictly between two transitions (not only on the quarter hours searched).
            for (const f of fractions) {
              const probe = from + Math.floor(f * (atMs - from - 1));
              expect(desiredStateAt(input, new Date(probe)).state).toBe(state);
            }
            from = atMs;
            state = t.state;
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('dated overrides never change the grid: away from their dates the state is the grid’s', () => {
    fc.assert(
      fc.property(inputArb, instantArb, (input, instant) => {
        const gridBefore = JSON.stringify(input.schedule.weeklyGrid);
        const without: EngineInput = { ...input, overrides: [] };
        if (input.manualOverride) return;
        const dates = new Set(input.overrides.map((o) => o.date));
        const localDate = (ms: number) =>
          new Date(ms).toLocaleDateString('en-CA', { timeZone: input.schedule.timeZone });
        const ms = instant.getTime();
        const touched = dates.has(localDate(ms)) || dates.has(localDate(ms + 30 * 60_000));
        const withState = desiredStateAt(input, instant);
        if (!touched) expect(withState.state).toBe(desiredStateAt(without, instant).state);
        else if (dates.has(localDate(ms))) {
          const kind = input.overrides.find((o) => o.date === localDate(ms))?.kind;
          if (kind === 'sprint-day') expect(withState.state).toBe('active');
          else expect(withState.state).not.toBe('active');
        }
        expect(JSON.stringify(input.schedule.weeklyGrid)).toBe(gridBefore);
      }),
      { numRuns: 300 },
    );
  });

  it('across DST a week’s active time differs from the grid’s by at most the clock change', () => {
    fc.assert(
      fc.property(
        inputArb.map((i) => ({
          ...i,
          overrides: [],
          manualOverride: null,
          schedule: { ...i.schedule, preWarm: false },
        })),
        instantArb,
        (input, start) => {
          const weekMs = 7 * 24 * hourMs;
          const endMs = start.getTime() + weekMs;
          let activeMs = 0;
          let cursor = start.getTime();
          let state = desiredStateAt(input, start).state;
          for (const t of nextTransitions(input, start, 1000, { horizonMs: weekMs })) {
            if (state === 'active') activeMs += t.at.getTime() - cursor;
            cursor = t.at.getTime();
            state = t.state;
          }
          if (state === 'active') activeMs += endMs - cursor;
          const gridMs = input.schedule.weeklyGrid.flat().filter(Boolean).length * 30 * 60_000;
          expect(Math.abs(activeMs - gridMs)).toBeLessThanOrEqual(hourMs);
        },
      ),
      { numRuns: 120 },
    );
  });
});

// ------------------------------------------------------------------------------------- exact restore

const kinds: NodeGroupKind[] = ['asg', 'managed', 'asg', 'managed', 'karpenter'];
const sizeArb = (_kind: NodeGroupKind): fc.Arbitrary<GroupSize> =>
  fc
    .tuple(fc.integer({ min: 0, max: 10 }), fc.integer({ min: 0, max: 10 }), fc.integer({ min: 1, max: 20 }))
    .map(([a, b, max]) => {
      const min = Math.min(a, b, max);
      const desired = Math.min(Math.max(a, b), max);
      return { minSize: min, desiredSize: desired, maxSize: max };
    });

type Step =
  | { kind: 'advance'; duplicate: boolean }
  | { kind: 'late' }
  | { kind: 'edit'; group: number; size: GroupSize }
  | { kind: 'wake-now'; hours: number }
  | { kind: 'sleep-now' }
  | { kind: 'override'; dayOffset: number; override: 'holiday' | 'sprint-day' }
  | { kind: 'scope'; selected: number[] | null };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('advance' as const), duplicate: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('late' as const) }) },
  {
    weight: 3,
    arbitrary: fc
      .integer({ min: 0, max: kinds.length - 1 })
      .chain((group) =>
        sizeArb(kinds[group] as NodeGroupKind).map((size) => ({ kind: 'edit' as const, group, size })),
      ),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('wake-now' as const), hours: fc.integer({ min: 1, max: 8 }) }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('sleep-now' as const) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('override' as const),
      dayOffset: fc.integer({ min: 0, max: 6 }),
      override: fc.constantFrom('holiday' as const, 'sprint-day' as const),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('scope' as const),
      selected: fc.option(fc.uniqueArray(fc.integer({ min: 0, max: kinds.length - 1 }), { minLength: 1 }), {
        nil: null,
      }),
    }),
  },
);

describe('exact restore', () => {
  it('after any sequence of sleeps, wakes, overrides, edits and DST changes every group is back at exactly its size', () => {
    fc.assert(
      fc.property(
        inputArb,
        instantArb,
        fc.tuple(...kinds.map(sizeArb)),
        fc.array(stepArb, { minLength: 1, maxLength: 40 }),
        (engineInput, start, initialSizes, steps) => {
          let input: EngineInput = { ...engineInput, manualOverride: null };
          let now = start;
          const cloud = initialSizes.map((s) => ({ ...s }));
          /** What each group must be when the cluster is awake: its size, or a person's edit. */
          const expected = initialSizes.map((s) => ({ ...s }));
          let records: SleepRecords = {};
          let scope: HibernationScope = { kind: 'full' };
          const ids = kinds.map((_, i) => `g${i}`);
          const groups = (): PlannedGroup[] =>
            kinds.map((kind, i) => ({
              nodeGroupId: ids[i] as string,
              kind,
              size: { ...(cloud[i] as GroupSize) },
              tags: {},
              protectedNodeCount: 0,
              hourlyPricePerNodeUsd: 0.1,
            }));
          const run = (at: Date) => {
            const desired = desiredStateAt(input, at);
            const plan = planTransition(
              runsNodes(desired.state),
              groups(),
              scope,
              { criticalNamespaces: [], excludedTags: [] },
              records,
            );
            for (const a of plan.actions) {
              const i = ids.indexOf(a.nodeGroupId);
              expect(sameSize(cloud[i] as GroupSize, a.from)).toBe(true);
              // EKS refuses a managed node group with max 0; sizes are never negative.
              if (a.kind === 'managed') expect(a.to.maxSize).toBeGreaterThanOrEqual(1);
              expect(a.to.minSize).toBeGreaterThanOrEqual(0);
              cloud[i] = { ...a.to };
            }
            records = plan.records;
          };
          for (const step of steps) {
            switch (step.kind) {
              case 'advance': {
                const t = nextTransitions(input, now, 1, { horizonMs: 8 * 24 * 3_600_000 })[0];
                now = t ? t.at : new Date(now.getTime() + 8 * 24 * 3_600_000);
                run(now);
                if (step.duplicate) run(now);
                break;
              }
              case 'late':
                now = new Date(now.getTime() + 7 * 60_000);
                run(now);
                break;
              case 'edit': {
                const id = ids[step.group] as string;
                const record = records[id];
                cloud[step.group] = { ...step.size };
                // A person's edit while asleep is kept on wake, unless it is exactly the sleeping size: then
                // the group looks untouched and wakes at its recorded size, whatever was edited before.
                expected[step.group] = {
                  ...(record && sameSize(step.size, record.sleptAs) ? record.size : step.size),
                };
                break;
              }
              case 'wake-now':
                input = {
                  ...input,
                  manualOverride: {
                    state: 'active',
                    from: now.toISOString(),
                    until: new Date(now.getTime() + step.hours * 3_600_000).toISOString(),
                    by: 'u',
                  },
                };
                run(now);
                break;
              case 'sleep-now':
                input = {
                  ...input,
                  manualOverride: { state: 'sleep', from: now.toISOString(), until: null, by: 'u' },
                };
                run(now);
                break;
              case 'override': {
                const date = new Date(now.getTime() + step.dayOffset * 86_400_000).toISOString().slice(0, 10);
                input = {
                  ...input,
                  overrides: [
                    ...input.overrides.filter((o) => o.date !== date),
                    { date, kind: step.override, label: '' },
                  ],
                };
                break;
              }
              case 'scope':
                scope =
                  step.selected === null
                    ? { kind: 'full' }
                    : { kind: 'selected', nodeGroupIds: step.selected.map((i) => ids[i] as string) };
                break;
            }
          }
          // Wake now: everything recorded comes back.
          input = {
            ...input,
            manualOverride: { state: 'active', from: now.toISOString(), until: null, by: 'u' },
          };
          run(now);
          run(now);
          expect(records).toEqual({});
          cloud.forEach((size, i) => {
            expect(size).toEqual(expected[i]);
          });
        },
      ),
      { numRuns: 300 },
    );
  });
});
