import type { DateOverride, HibernationStatus } from '@spot/shared';

/**
 * The hibernation page's wording and date arithmetic: the status badge, the countdown, the months of the
 * calendar, and how imported holidays merge into the overrides. Pure; times are passed in.
 */

export type BadgeState = 'ACTIVE' | 'HIBERNATING' | 'WAKING';

/**
 * The badge of the command center. WAKING: pre-warm (nodes booting before a block), or the engine wants
 * nodes while the last run left them asleep (the wake run has not finished); HIBERNATING while the
 * schedule or a person keeps it asleep.
 */
export function badgeOf(status: Pick<HibernationStatus, 'state' | 'actual'>): BadgeState {
  if (status.state === 'sleep') return 'HIBERNATING';
  if (status.state === 'pre-warm' || status.actual === 'sleeping') return 'WAKING';
  return 'ACTIVE';
}

/** The fleet list's state: a cluster without an enabled schedule has none. */
export function fleetStateOf(item: {
  configured: boolean;
  enabled: boolean;
  status: Pick<HibernationStatus, 'state' | 'actual' | 'manualOverride'>;
}): BadgeState | 'NO SCHEDULE' {
  if (!item.enabled && !item.status.manualOverride && item.status.actual !== 'sleeping') return 'NO SCHEDULE';
  return badgeOf(item.status);
}

const pad = (n: number) => String(n).padStart(2, '0');

/**
 * A countdown as the specification writes it, "08h 12m 05s"; with days "2d 08h 12m"; never negative
 * (a transition just passed reads 00h 00m 00s until the status is reloaded).
 */
export function formatCountdown(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const days = Math.floor(total / 86_400);
  const hours = Math.floor((total % 86_400) / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  if (days > 0) return `${days}d ${pad(hours)}h ${pad(minutes)}m`;
  return `${pad(hours)}h ${pad(minutes)}m ${pad(seconds)}s`;
}

/** "Friday 8:00 PM" on the cluster's clock (with the zone's abbreviation when it differs from the viewer's). */
export function formatWhen(iso: string, timeZone: string, locale = 'en-US'): string {
  return new Intl.DateTimeFormat(locale, {
    weekday: 'long',
    hour: 'numeric',
    minute: '2-digit',
    timeZone,
    timeZoneName: 'short',
  }).format(new Date(iso));
}

/** "14:05" on a clock, for "your local time vs cluster time". */
export function clockIn(now: Date, timeZone: string, locale = 'en-GB'): string {
  return new Intl.DateTimeFormat(locale, {
    hour: '2-digit',
    minute: '2-digit',
    weekday: 'short',
    timeZone,
  }).format(now);
}

/** The difference between two zones at an instant, "+6 h" / "−5 h 30 min" / "same time". */
export function zoneDifference(now: Date, from: string, to: string): string {
  const offset = (zone: string) => {
    const parts = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
    }).formatToParts(now);
    const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
    const wall = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'));
    return Math.round((wall - Math.floor(now.getTime() / 60_000) * 60_000) / 60_000);
  };
  const minutes = offset(to) - offset(from);
  if (minutes === 0) return 'same time';
  const sign = minutes > 0 ? '+' : '−';
  const h = Math.floor(Math.abs(minutes) / 60);
  const m = Math.abs(minutes) % 60;
  return `${sign}${h} h${m ? ` ${m} min` : ''}`;
}

// ------------------------------------------------------------------------------------------ calendar

/** YYYY-MM-DD plus some days (calendar arithmetic in UTC, where every day has 24 hours). */
export function addDays(date: string, days: number): string {
  const ms = Date.parse(`${date}T00:00:00Z`) + days * 86_400_000;
  return new Date(ms).toISOString().slice(0, 10);
}

/** 0 = Monday. */
export const weekdayOf = (date: string) => (new Date(`${date}T00:00:00Z`).getUTCDay() + 6) % 7;

export interface CalendarMonth {
  /** YYYY-MM. */
  key: string;
  /** "December 2026". */
  title: string;
  /** Monday-first weeks; `null` pads before the 1st and after the last day. */
  weeks: (string | null)[][];
}

const monthTitle = new Intl.DateTimeFormat('en-US', { month: 'long', year: 'numeric', timeZone: 'UTC' });

/** `count` months from the month of `today` (YYYY-MM-DD), each as Monday-first weeks of dates. */
export function calendarMonths(today: string, count: number): CalendarMonth[] {
  const [year, month] = today.split('-').map(Number) as [number, number];
  return Array.from({ length: count }, (_, i) => {
    const first = new Date(Date.UTC(year, month - 1 + i, 1));
    const key = first.toISOString().slice(0, 7);
    const days = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 0)).getUTCDate();
    const cells: (string | null)[] = Array(weekdayOf(`${key}-01`)).fill(null);
    for (let d = 1; d <= days; d++) cells.push(`${key}-${pad(d)}`);
    while (cells.length % 7) cells.push(null);
    const weeks = Array.from({ length: cells.length / 7 }, (_, w) => cells.slice(w * 7, w * 7 + 7));
    return { key, title: monthTitle.format(first), weeks };
  });
}

/** "Thursday, 24 December 2026". */
export const longDate = (date: string) =>
  new Intl.DateTimeFormat('en-GB', { dateStyle: 'full', timeZone: 'UTC' }).format(
    new Date(`${date}T00:00:00Z`),
  );

/** The overrides with one date set to a kind (or cleared with `null`), sorted by date. */
export function setOverride(
  overrides: readonly DateOverride[],
  date: string,
  kind: DateOverride['kind'] | null,
  label = '',
): DateOverride[] {
  const rest = overrides.filter((o) => o.date !== date);
  const next = kind ? [...rest, { date, kind, label }] : rest;
  return next.sort((a, b) => a.date.localeCompare(b.date));
}

export interface HolidayMerge {
  overrides: DateOverride[];
  added: DateOverride[];
  /** Before today on the cluster's clock: history, not added. */
  past: DateOverride[];
  /** A date that already has an override keeps it. */
  kept: DateOverride[];
}

/** Imported holidays merged into the overrides: past dates and dates already set are left out. */
export function mergeHolidays(
  overrides: readonly DateOverride[],
  holidays: readonly DateOverride[],
  today: string,
): HolidayMerge {
  const taken = new Set(overrides.map((o) => o.date));
  const past = holidays.filter((h) => h.date < today);
  const kept = holidays.filter((h) => h.date >= today && taken.has(h.date));
  const added = holidays.filter((h) => h.date >= today && !taken.has(h.date));
  const merged = [...overrides, ...added].sort((a, b) => a.date.localeCompare(b.date));
  return { overrides: merged, added, past, kept };
}

/** Overrides from today on (the ones a save may hold at most `maxUpcomingOverrides` of). */
export const upcomingOverrides = (overrides: readonly DateOverride[], today: string) =>
  overrides.filter((o) => o.date >= today);

// ------------------------------------------------------------------------------------------ settings

/** "env=critical" → { key: 'env', value: 'critical' }; "env" → { key: 'env' }. */
export function parseTag(text: string): { key: string; value?: string } {
  const i = text.indexOf('=');
  if (i < 0) return { key: text.trim() };
  return { key: text.slice(0, i).trim(), value: text.slice(i + 1).trim() };
}

export const formatTag = (tag: { key: string; value?: string | undefined }) =>
  tag.value === undefined ? tag.key : `${tag.key}=${tag.value}`;

/**
 * Country choices for the holiday import: every two-letter code `Intl.DisplayNames` knows a region name
 * for (the browser's CLDR data, not a list kept here); the API says when its calendar lacks one.
 */
export function countryOptions(locale = 'en'): { value: string; label: string }[] {
  const names = new Intl.DisplayNames([locale], { type: 'region', fallback: 'none' });
  const out: { value: string; label: string }[] = [];
  for (let a = 65; a <= 90; a++) {
    for (let b = 65; b <= 90; b++) {
      const code = String.fromCharCode(a, b);
      let name: string | undefined;
      try {
        name = names.of(code);
      } catch {
        name = undefined;
      }
      // Unassigned codes have no name; "ZZ" names "Unknown Region", and groupings (EU, UN) are not countries.
      if (name && name !== code && !['ZZ', 'EU', 'EZ', 'UN', 'QO', 'XA', 'XB'].includes(code)) {
        out.push({ value: code, label: `${name} (${code})` });
      }
    }
  }
  return out.sort((x, y) => x.label.localeCompare(y.label, locale));
}
