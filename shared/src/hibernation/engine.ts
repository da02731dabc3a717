import { IANAZone } from 'luxon';
import {
  type DateOverride,
  type HibernationSchedule,
  type HibernationState,
  type ManualOverride,
  preWarmMinutes,
  type StateReason,
  slotMinutes,
} from '../model/hibernation';

/**
 * The hibernation engine: what a cluster should be at an instant, and when that changes next.
 *
 * The schedule is read on the cluster's wall clock: an instant is turned into its local date, weekday and
 * half-hour slot in the schedule's IANA zone, and the state follows from that slot, so
 *
 * - a spring-forward day simply has no 02:00 and 02:30 slots: a block that starts at 02:30 is active from
 *   03:00 (the first wall time that exists), a block that lies wholly inside the skipped hour does not
 *   happen that day, and no hour is counted twice;
 * - a fall-back day lives through 01:00-02:00 twice and each slot applies both times (a sleep block over
 *   that hour lasts two real hours).
 *
 * Pre-warm is measured in real time: an instant is pre-warm when it is asleep by the schedule but the
 * schedule is active 30 real minutes later, so the nodes get their full 30 minutes even across a change of
 * clock. A person's manual override (wake now / hibernate now) wins over everything until it ends; a dated
 * override (holiday: sleep all day; sprint day: active all day) wins over the weekly grid for its local
 * date; a disabled schedule is always active.
 *
 * Every current IANA zone's offset is a multiple of 15 minutes and clocks change on such a boundary, so
 * the state is constant on each UTC quarter hour: transitions are searched on that grid (plus the end of a
 * manual override, which may fall anywhere). Pure; the instant is always passed in.
 */

export interface EngineInput {
  schedule: Pick<HibernationSchedule, 'enabled' | 'timeZone' | 'weeklyGrid' | 'preWarm'>;
  /** Dated overrides in the schedule's zone; at most one per date. */
  overrides: readonly DateOverride[];
  manualOverride: ManualOverride | null;
}

export interface DesiredState {
  state: HibernationState;
  reason: StateReason;
}

export interface Transition {
  /** The first instant of the new state. */
  at: Date;
  state: HibernationState;
  reason: StateReason;
}

const minuteMs = 60_000;
const quarterHourMs = 15 * minuteMs;
const preWarmMs = preWarmMinutes * minuteMs;
/** How far ahead transitions are searched; past it the caller re-checks (an all-sleep grid has none). */
export const transitionHorizonMs = 35 * 24 * 60 * minuteMs;

interface LocalSlot {
  /** The date on the cluster's wall clock, as days since 1970-01-01 (a number: cheap to compare and index). */
  day: number;
  /** 0 = Monday. */
  weekday: number;
  /** 0 = 00:00-00:30. */
  slot: number;
}

/** The schedule's zone, checked once; an unknown zone is a programming error here (contracts refuse it). */
function zoneOf(timeZone: string): IANAZone {
  const zone = IANAZone.create(timeZone);
  if (!zone.isValid) throw new RangeError(`Unknown IANA time zone ${timeZone}`);
  return zone;
}

const dayMs = 24 * 60 * minuteMs;
/** Per zone and UTC day: the zone's offset when it holds all day, `null` on a day the clock changes. */
const dayOffsets = new Map<string, number | null>();

/**
 * The zone's UTC offset at an instant, minutes. Asking the IANA database (Intl, ~25 µs a call) for every
 * quarter hour of a 35-day search made one search take 160 ms; a zone changes its clock at most once a
 * UTC day, so a day whose first and last millisecond have the same offset has it throughout, and only a
 * day of change is asked instant by instant.
 */
function offsetMinutesAt(zone: IANAZone, instantMs: number): number {
  const day = Math.floor(instantMs / dayMs);
  const key = `${zone.name}|${day}`;
  let constant = dayOffsets.get(key);
  if (constant === undefined) {
    const first = zone.offset(day * dayMs);
    constant = first === zone.offset(day * dayMs + dayMs - 1) ? first : null;
    if (dayOffsets.size > 100_000) dayOffsets.clear();
    dayOffsets.set(key, constant);
  }
  return constant ?? zone.offset(instantMs);
}

/** The wall-clock slot of an instant in a zone. */
export function localSlotAt(zone: IANAZone, instantMs: number): LocalSlot {
  const wallMs = instantMs + offsetMinutesAt(zone, instantMs) * minuteMs;
  const day = Math.floor(wallMs / dayMs);
  return {
    day,
    // 1970-01-01 was a Thursday (3 with Monday = 0).
    weekday: (((day + 3) % 7) + 7) % 7,
    slot: Math.floor((wallMs - day * dayMs) / (slotMinutes * minuteMs)),
  };
}

/** Days since 1970-01-01 of a YYYY-MM-DD date. */
const dayOfDate = (date: string) => Math.floor(Date.parse(`${date}T00:00:00Z`) / dayMs);

/** A compiled input: the zone resolved, the overrides indexed by date, the manual override's ends parsed. */
interface Compiled {
  input: EngineInput;
  zone: IANAZone;
  overrides: ReadonlyMap<number, DateOverride>;
  manual: { state: ManualOverride['state']; fromMs: number; untilMs: number } | null;
}

function compile(input: EngineInput): Compiled {
  const m = input.manualOverride;
  return {
    input,
    zone: zoneOf(input.schedule.timeZone),
    overrides: new Map(input.overrides.map((o) => [dayOfDate(o.date), o])),
    manual: m && {
      state: m.state,
      fromMs: Date.parse(m.from),
      untilMs: m.until === null ? Number.POSITIVE_INFINITY : Date.parse(m.until),
    },
  };
}

/** Active by the grid and the dated overrides alone (no pre-warm, no manual override). */
function baseAt(c: Compiled, instantMs: number): { active: boolean; override: DateOverride | undefined } {
  const local = localSlotAt(c.zone, instantMs);
  const override = c.overrides.get(local.day);
  if (override) return { active: override.kind === 'sprint-day', override };
  return { active: c.input.schedule.weeklyGrid[local.weekday]?.[local.slot] === true, override };
}

function scheduledAt(c: Compiled, instantMs: number): DesiredState {
  if (!c.input.schedule.enabled) return { state: 'active', reason: 'disabled' };
  const now = baseAt(c, instantMs);
  if (now.active) return { state: 'active', reason: now.override ? 'sprint-day' : 'schedule' };
  if (c.input.schedule.preWarm) {
    const soon = baseAt(c, instantMs + preWarmMs);
    if (soon.active) return { state: 'pre-warm', reason: soon.override ? 'sprint-day' : 'schedule' };
  }
  return { state: 'sleep', reason: now.override ? 'holiday' : 'schedule' };
}

function manualAt(m: Compiled['manual'], instantMs: number): DesiredState | null {
  if (!m || instantMs < m.fromMs || instantMs >= m.untilMs) return null;
  return m.state === 'active'
    ? { state: 'active', reason: 'manual-wake' }
    : { state: 'sleep', reason: 'manual-sleep' };
}

function stateOf(c: Compiled, instantMs: number): DesiredState {
  return manualAt(c.manual, instantMs) ?? scheduledAt(c, instantMs);
}

/** What the cluster should be at `instant`, and why. */
export function desiredStateAt(input: EngineInput, instant: Date): DesiredState {
  return stateOf(compile(input), instant.getTime());
}

/** The state by the schedule and dated overrides only, ignoring any manual override. */
export function scheduledStateAt(input: EngineInput, instant: Date): DesiredState {
  return scheduledAt(compile(input), instant.getTime());
}

/** The instants after `afterMs` where the state may change: UTC quarter hours and the manual override's ends. */
function* candidates(c: Compiled, afterMs: number, untilMs: number): Generator<number> {
  const edges = [c.input.manualOverride?.from, c.input.manualOverride?.until]
    .filter((x): x is string => typeof x === 'string')
    .map(Date.parse)
    .filter((ms) => ms > afterMs && ms <= untilMs)
    .sort((a, b) => a - b);
  let quarter = Math.floor(afterMs / quarterHourMs) * quarterHourMs + quarterHourMs;
  while (quarter <= untilMs || edges.length > 0) {
    const edge = edges[0];
    if (edge !== undefined && edge <= quarter) {
      edges.shift();
      if (edge === quarter) quarter += quarterHourMs;
      yield edge;
    } else if (quarter <= untilMs) {
      yield quarter;
      quarter += quarterHourMs;
    } else break;
  }
}

/**
 * The next `limit` changes of state after `instant` (only changes of `state`; a change of reason alone is
 * not a transition), within {@link transitionHorizonMs}. Fewer (or none) when the state holds that long.
 */
export function nextTransitions(
  input: EngineInput,
  instant: Date,
  limit = 1,
  options: { ignoreManual?: boolean; horizonMs?: number } = {},
): Transition[] {
  const c = compile(options.ignoreManual ? { ...input, manualOverride: null } : input);
  const startMs = instant.getTime();
  const out: Transition[] = [];
  let current = stateOf(c, startMs).state;
  for (const ms of candidates(c, startMs, startMs + (options.horizonMs ?? transitionHorizonMs))) {
    const next = stateOf(c, ms);
    if (next.state !== current) {
      out.push({ at: new Date(ms), state: next.state, reason: next.reason });
      current = next.state;
      if (out.length >= limit) break;
    }
  }
  return out;
}

/** The next transition after `instant`, or `null` when the state holds past the horizon. */
export function nextTransition(input: EngineInput, instant: Date): Transition | null {
  return nextTransitions(input, instant, 1)[0] ?? null;
}

/**
 * The next instant after `instant` at which the cluster goes to sleep (the schedule, a dated holiday or
 * the end of a manual wake), or `null` when it does not within the horizon: what a sleep notification is
 * sent before. A gap of 30 minutes between active blocks is pre-warm, not sleep, so the first sleep may
 * come after several transitions.
 */
export function nextSleepTransition(input: EngineInput, instant: Date): Transition | null {
  const endMs = instant.getTime() + transitionHorizonMs;
  let from = instant;
  for (;;) {
    const next = nextTransition(input, from);
    if (!next || next.at.getTime() > endMs) return null;
    if (next.state === 'sleep') return next;
    from = next.at;
  }
}

/**
 * Until when "Hibernate now" lasts: the first instant after `instant` at which the schedule (without any
 * manual override) wants nodes up, pre-warm included; `null` when it does not within the horizon.
 */
export function nextScheduledWake(input: EngineInput, instant: Date): Date | null {
  const c = compile({ ...input, manualOverride: null });
  const startMs = instant.getTime();
  for (const ms of candidates(c, startMs, startMs + transitionHorizonMs)) {
    if (scheduledAt(c, ms).state !== 'sleep' && scheduledAt(c, ms - 1).state === 'sleep') return new Date(ms);
  }
  return null;
}

/** Whether nodes should run in a state: pre-warm boots them, so it counts as running. */
export const runsNodes = (state: HibernationState) => state !== 'sleep';

/** The date (YYYY-MM-DD) on the wall clock of `timeZone` at `instant`. */
export function localDateAt(timeZone: string, instant: Date): string {
  return new Date(localSlotAt(zoneOf(timeZone), instant.getTime()).day * dayMs).toISOString().slice(0, 10);
}
