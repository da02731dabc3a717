/**
 * EventBridge Scheduler expressions, evaluated the way the service does, as pure functions of an
 * injected time (no clock here).
 *
 * - `at(yyyy-mm-ddThh:mm:ss)`: one time, read as a wall-clock time in the schedule's IANA time zone.
 * - `rate(N minute|minutes|hour|hours|day|days)`: fixed durations (a day is 24 h even across a DST
 *   change, as EventBridge Scheduler documents), counted from the schedule's start.
 * - `cron(minutes hours day-of-month month day-of-week year)`: six fields, wall-clock times in the zone.
 *   `?` in exactly one of day-of-month / day-of-week; `,` `-` `*` `/`; names JAN-DEC and SUN-SAT
 *   (day-of-week 1 = SUN ... 7 = SAT); day-of-month `L`, `L-n`, `nW`, `LW`; day-of-week `L` (= SAT, every week),
 *   `nL` (last such weekday of the month) and `n#k` (k-th such weekday, e.g. `MON#1`).
 *
 * Daylight saving time, as EventBridge Scheduler documents it: a cron time that does not exist (skipped
 * by a spring-forward gap) does not fire that day; a time that occurs twice (fall back) fires once, at
 * its first occurrence. An `at()` time inside a gap is moved forward by the gap (02:30 becomes 03:30);
 * the service documents nothing for that case and dropping a one-time schedule would lose a transition.
 */
import { DateTime, IANAZone } from 'luxon';
import { ScheduleExpressionError } from './errors';

export const MIN_YEAR = 1970;
export const MAX_YEAR = 2199;

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

export interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

export interface DayOfMonthSpec {
  days: ReadonlySet<number>;
  /** `L`: the last day of the month. */
  last: boolean;
  /** `L-n`: n days before the last day. */
  lastOffsets: readonly number[];
  /** `nW`: the weekday (Mon-Fri) nearest to day n, within the month. */
  nearestWeekday: readonly number[];
  /** `LW`: the last weekday of the month. */
  lastWeekday: boolean;
}

export interface DayOfWeekSpec {
  /** 1 = SUN ... 7 = SAT. */
  days: ReadonlySet<number>;
  /** `nL`: the last day-of-week n of the month. */
  lastOf: readonly number[];
  /** `n#k`: the k-th day-of-week n of the month. */
  nth: readonly { dayOfWeek: number; n: number }[];
}

export interface CronSpec {
  minutes: readonly number[];
  hours: readonly number[];
  /** Undefined when the field is `?`. */
  dayOfMonth?: DayOfMonthSpec;
  months: ReadonlySet<number>;
  dayOfWeek?: DayOfWeekSpec;
  years: ReadonlySet<number>;
}

export type ScheduleExpression =
  | { kind: 'at'; wallTime: WallTime }
  | { kind: 'rate'; value: number; unit: 'minute' | 'hour' | 'day'; periodMs: number }
  | { kind: 'cron'; cron: CronSpec };

const MONTH_NAMES = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

/** Parses an expression; throws {@link ScheduleExpressionError} where EventBridge would reject it. */
export function parseScheduleExpression(expression: string): ScheduleExpression {
  const text = expression.trim();
  const at = /^at\((\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\)$/.exec(text);
  if (at) {
    const [year, month, day, hour, minute, second] = at.slice(1).map(Number) as [
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
      throw new ScheduleExpressionError(expression, 'the date does not exist');
    }
    if (hour > 23 || minute > 59 || second > 59) {
      throw new ScheduleExpressionError(expression, 'the time must be within 00:00:00-23:59:59');
    }
    return { kind: 'at', wallTime: { year, month, day, hour, minute, second } };
  }
  const rate = /^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$/.exec(text);
  if (rate) {
    const value = Number(rate[1]);
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new ScheduleExpressionError(expression, 'the rate must be a positive integer');
    }
    const unit = (rate[2] as string).replace(/s$/, '') as 'minute' | 'hour' | 'day';
    const unitMs = unit === 'minute' ? MINUTE_MS : unit === 'hour' ? HOUR_MS : DAY_MS;
    return { kind: 'rate', value, unit, periodMs: value * unitMs };
  }
  const cron = /^cron\((.*)\)$/.exec(text);
  if (cron) return { kind: 'cron', cron: parseCron(expression, cron[1] as string) };
  throw new ScheduleExpressionError(
    expression,
    'use at(yyyy-mm-ddThh:mm:ss), rate(value unit) or cron(fields)',
  );
}

function parseCron(expression: string, body: string): CronSpec {
  const fields = body.trim().split(/\s+/);
  if (fields.length !== 6) {
    throw new ScheduleExpressionError(
      expression,
      `cron takes 6 fields (minutes hours day-of-month month day-of-week year), got ${fields.length}`,
    );
  }
  const [min, hour, dom, month, dow, year] = fields as [string, string, string, string, string, string];
  const fail = (reason: string) => new ScheduleExpressionError(expression, reason);
  if ((dom === '?') === (dow === '?')) {
    throw fail('use ? in exactly one of day-of-month and day-of-week');
  }
  return {
    minutes: [...parseField(min, { min: 0, max: 59, field: 'minutes', fail })].sort((a, b) => a - b),
    hours: [...parseField(hour, { min: 0, max: 23, field: 'hours', fail })].sort((a, b) => a - b),
    ...(dom === '?' ? {} : { dayOfMonth: parseDayOfMonth(dom, fail) }),
    months: parseField(month, { min: 1, max: 12, field: 'month', names: MONTH_NAMES, fail }),
    ...(dow === '?' ? {} : { dayOfWeek: parseDayOfWeek(dow, fail) }),
    years: parseField(year, { min: MIN_YEAR, max: MAX_YEAR, field: 'year', fail }),
  };
}

interface FieldRules {
  min: number;
  max: number;
  field: string;
  names?: readonly string[];
  fail: (reason: string) => Error;
}

function parseValue(token: string, rules: FieldRules): number {
  const upper = token.toUpperCase();
  const named = rules.names?.indexOf(upper) ?? -1;
  const value = named >= 0 ? named + rules.min : /^\d+$/.test(token) ? Number(token) : Number.NaN;
  if (!Number.isInteger(value) || value < rules.min || value > rules.max) {
    throw rules.fail(`"${token}" is not a valid ${rules.field} value (${rules.min}-${rules.max})`);
  }
  return value;
}

/** `*`, `n`, `a-b`, `a/s`, `*\/s`, `a-b/s`, comma lists; a range may wrap (`FRI-MON`, `22-2`). */
function parseField(text: string, rules: FieldRules): Set<number> {
  const values = new Set<number>();
  for (const item of text.split(',')) {
    if (item === '') throw rules.fail(`empty item in the ${rules.field} field`);
    const [rangePart, stepPart, extra] = item.split('/');
    if (extra !== undefined || rangePart === undefined || rangePart === '') {
      throw rules.fail(`"${item}" is not a valid ${rules.field} item`);
    }
    let step = 1;
    if (stepPart !== undefined) {
      if (!/^\d+$/.test(stepPart) || Number(stepPart) < 1) {
        throw rules.fail(`"${item}": the increment must be a positive integer`);
      }
      step = Number(stepPart);
    }
    let start: number;
    let end: number;
    if (rangePart === '*') {
      start = rules.min;
      end = rules.max;
    } else if (rangePart.includes('-')) {
      const [a, b, more] = rangePart.split('-');
      if (more !== undefined || a === undefined || b === undefined) {
        throw rules.fail(`"${item}" is not a valid range`);
      }
      start = parseValue(a, rules);
      end = parseValue(b, rules);
    } else {
      start = parseValue(rangePart, rules);
      end = stepPart === undefined ? start : rules.max;
    }
    const span = rules.max - rules.min + 1;
    const length = end >= start ? end - start : end + span - start;
    for (let offset = 0; offset <= length; offset += step) {
      values.add(((start - rules.min + offset) % span) + rules.min);
    }
  }
  return values;
}

function parseDayOfMonth(text: string, fail: (reason: string) => Error): DayOfMonthSpec {
  const plain: string[] = [];
  let last = false;
  let lastWeekday = false;
  const lastOffsets: number[] = [];
  const nearestWeekday: number[] = [];
  for (const item of text.split(',')) {
    const upper = item.toUpperCase();
    if (upper === 'L') last = true;
    else if (upper === 'LW') lastWeekday = true;
    else if (/^L-\d+$/.test(upper)) {
      const offset = Number(upper.slice(2));
      if (offset > 30) throw fail(`"${item}": the offset from the last day must be 0-30`);
      lastOffsets.push(offset);
    } else if (/^\d+W$/.test(upper)) {
      const day = Number(upper.slice(0, -1));
      if (day < 1 || day > 31) throw fail(`"${item}": W needs a day of 1-31`);
      nearestWeekday.push(day);
    } else if (/[LW]/.test(upper)) {
      throw fail(`"${item}" is not a valid day-of-month item`);
    } else plain.push(item);
  }
  const days = plain.length
    ? parseField(plain.join(','), { min: 1, max: 31, field: 'day-of-month', fail })
    : new Set<number>();
  return { days, last, lastOffsets, nearestWeekday, lastWeekday };
}

function parseDayOfWeek(text: string, fail: (reason: string) => Error): DayOfWeekSpec {
  const rules: FieldRules = { min: 1, max: 7, field: 'day-of-week', names: DAY_NAMES, fail };
  const plain: string[] = [];
  const lastOf: number[] = [];
  const nth: { dayOfWeek: number; n: number }[] = [];
  for (const item of text.split(',')) {
    const upper = item.toUpperCase();
    // `L` alone is the last day of the week, Saturday (Quartz semantics, which EventBridge follows).
    if (upper === 'L') plain.push('7');
    else if (/^[A-Z0-9]+L$/.test(upper) && upper.length > 1) {
      lastOf.push(parseValue(upper.slice(0, -1), rules));
    } else if (upper.includes('#')) {
      const [day, n, more] = upper.split('#');
      if (more !== undefined || day === undefined || n === undefined || !/^[1-5]$/.test(n)) {
        throw fail(`"${item}": use day#n with n from 1 to 5, e.g. MON#1`);
      }
      nth.push({ dayOfWeek: parseValue(day, rules), n: Number(n) });
    } else plain.push(item);
  }
  const days = plain.length ? parseField(plain.join(','), rules) : new Set<number>();
  return { days, lastOf, nth };
}

/** Days in a month of the proleptic Gregorian calendar (month 1-12). */
export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** EventBridge day of week: 1 = Sunday ... 7 = Saturday. */
export function dayOfWeek(year: number, month: number, day: number): number {
  return new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 1;
}

function nearestWeekdayOf(year: number, month: number, day: number): number | undefined {
  const last = daysInMonth(year, month);
  if (day > last) return undefined;
  const dow = dayOfWeek(year, month, day);
  if (dow === 7) return day === 1 ? 3 : day - 1; // Saturday: Friday before, or Monday if that leaves the month
  if (dow === 1) return day === last ? day - 2 : day + 1; // Sunday: Monday after, or Friday before
  return day;
}

function lastWeekdayOf(year: number, month: number): number {
  const last = daysInMonth(year, month);
  const dow = dayOfWeek(year, month, last);
  return dow === 7 ? last - 1 : dow === 1 ? last - 2 : last;
}

/** Whether a calendar day matches the day-of-month or day-of-week field of a cron spec. */
export function cronMatchesDay(cron: CronSpec, year: number, month: number, day: number): boolean {
  if (!cron.months.has(month) || !cron.years.has(year)) return false;
  const last = daysInMonth(year, month);
  if (day > last) return false;
  const dom = cron.dayOfMonth;
  if (dom) {
    return (
      dom.days.has(day) ||
      (dom.last && day === last) ||
      dom.lastOffsets.some((offset) => day === last - offset) ||
      dom.nearestWeekday.some((n) => nearestWeekdayOf(year, month, n) === day) ||
      (dom.lastWeekday && day === lastWeekdayOf(year, month))
    );
  }
  const dow = cron.dayOfWeek;
  if (!dow) return false;
  const weekday = dayOfWeek(year, month, day);
  return (
    dow.days.has(weekday) ||
    dow.lastOf.some((d) => d === weekday && day + 7 > last) ||
    dow.nth.some(({ dayOfWeek: d, n }) => d === weekday && Math.ceil(day / 7) === n)
  );
}

/** The zone, or an error naming it: only IANA names (and UTC) are accepted, as by the service. */
export function ianaZone(timeZone: string): IANAZone {
  if (!IANAZone.isValidZone(timeZone)) {
    throw new ScheduleExpressionError(timeZone, 'not an IANA time zone name (e.g. Europe/Berlin)');
  }
  return IANAZone.create(timeZone);
}

/**
 * The instants (epoch ms) at which the zone's clocks show `wall`: none inside a spring-forward gap, two
 * inside a fall-back overlap (earlier first), one otherwise.
 */
export function instantsOfWallTime(zone: IANAZone, wall: WallTime): number[] {
  const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
  const offsets = new Set([
    zone.offset(asUtc - 2 * DAY_MS),
    zone.offset(asUtc),
    zone.offset(asUtc + 2 * DAY_MS),
  ]);
  const instants = new Set<number>();
  for (const offset of offsets) {
    const instant = asUtc - offset * MINUTE_MS;
    if (zone.offset(instant) === offset) instants.add(instant);
  }
  return [...instants].sort((a, b) => a - b);
}

/** Wall-clock time of an instant in a zone. */
export function wallTimeOf(zone: IANAZone, instant: number): WallTime {
  const local = new Date(instant + zone.offset(instant) * MINUTE_MS);
  return {
    year: local.getUTCFullYear(),
    month: local.getUTCMonth() + 1,
    day: local.getUTCDate(),
    hour: local.getUTCHours(),
    minute: local.getUTCMinutes(),
    second: local.getUTCSeconds(),
  };
}

export interface NextFireOptions {
  /**
   * rate(): the schedule's first occurrence; fires are `startDate + k x period`. Without it, `after` is
   * taken as the last invocation and the result is `after + period`.
   */
  startDate?: Date;
}

/**
 * The first time strictly after `after` at which the schedule fires, or null when it never fires again
 * (a past `at()`, a cron whose years are over). Pure: the time is injected.
 */
export function nextFireTime(
  expression: string,
  timeZone: string,
  after: Date,
  options: NextFireOptions = {},
): Date | null {
  const parsed = parseScheduleExpression(expression);
  const zone = ianaZone(timeZone);
  const afterMs = after.getTime();
  if (Number.isNaN(afterMs)) throw new RangeError('nextFireTime: `after` is an invalid date');
  switch (parsed.kind) {
    case 'at': {
      const instant = atInstant(zone, parsed.wallTime);
      return instant > afterMs ? new Date(instant) : null;
    }
    case 'rate': {
      const start = options.startDate?.getTime() ?? afterMs;
      if (start > afterMs) return new Date(start);
      const periods = Math.floor((afterMs - start) / parsed.periodMs) + 1;
      return new Date(start + periods * parsed.periodMs);
    }
    case 'cron': {
      const next = nextCronInstant(parsed.cron, zone, afterMs);
      return next === null ? null : new Date(next);
    }
  }
}

/** The instant of a one-time schedule: a gap moves it forward by the gap, an overlap takes the first. */
export function atInstant(zone: IANAZone, wall: WallTime): number {
  const instants = instantsOfWallTime(zone, wall);
  if (instants[0] !== undefined) return instants[0];
  // Luxon resolves a non-existent local time by moving it forward by the size of the gap.
  return DateTime.fromObject(wall, { zone }).toMillis();
}

function nextCronInstant(cron: CronSpec, zone: IANAZone, afterMs: number): number | null {
  const start = wallTimeOf(zone, afterMs);
  if (start.year > MAX_YEAR) return null;
  for (let year = Math.max(start.year, MIN_YEAR); year <= MAX_YEAR; year++) {
    if (!cron.years.has(year)) continue;
    const firstMonth = year === start.year ? start.month : 1;
    for (let month = firstMonth; month <= 12; month++) {
      if (!cron.months.has(month)) continue;
      const sameMonth = year === start.year && month === start.month;
      const last = daysInMonth(year, month);
      for (let day = sameMonth ? start.day : 1; day <= last; day++) {
        if (!cronMatchesDay(cron, year, month, day)) continue;
        const sameDay = sameMonth && day === start.day;
        for (const hour of cron.hours) {
          if (sameDay && hour < start.hour) continue;
          for (const minute of cron.minutes) {
            if (sameDay && hour === start.hour && minute < start.minute) continue;
            // A wall time that does not exist is skipped; one that occurs twice fires at the first.
            const instant = instantsOfWallTime(zone, { year, month, day, hour, minute, second: 0 })[0];
            if (instant !== undefined && instant > afterMs) return instant;
          }
        }
      }
    }
  }
  return null;
}
