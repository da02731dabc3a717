/** Time ranges of the audit page: the trail's time filter and the export's range, as [from, to) instants. */

const dayMs = 86_400_000;

export interface InstantRange {
  /** Inclusive ISO instant. */
  from: string;
  /** Exclusive ISO instant. */
  to: string;
}

export const trailRangePresets = [
  { value: 'any', label: 'Any time' },
  { value: '1h', label: 'Last hour' },
  { value: '24h', label: 'Last 24 hours' },
  { value: '7d', label: 'Last 7 days' },
  { value: '30d', label: 'Last 30 days' },
  { value: 'custom', label: 'Custom range' },
] as const;
export type TrailRangePreset = (typeof trailRangePresets)[number]['value'];

const presetMs: Record<Exclude<TrailRangePreset, 'any' | 'custom'>, number> = {
  '1h': 3_600_000,
  '24h': dayMs,
  '7d': 7 * dayMs,
  '30d': 30 * dayMs,
};

/**
 * The trail's time filter: nothing for "any time"; the last hour/day/week/month up to a minute after
 * `now` (records written while the page is open stay in); for a custom range, the local calendar days
 * picked (`days` are the pickers' local-midnight timestamps) from the first day's start to the last day's end.
 */
export function trailRange(
  preset: TrailRangePreset,
  now: Date,
  days: [number, number] | null = null,
): InstantRange | null {
  if (preset === 'any') return null;
  if (preset === 'custom') return days ? customDaysRange(days) : null;
  const to = now.getTime() + 60_000;
  return { from: new Date(now.getTime() - presetMs[preset]).toISOString(), to: new Date(to).toISOString() };
}

/** Local calendar days [first, last] picked in a date-range picker, as [first day 00:00, day after last 00:00). */
export function customDaysRange([first, last]: [number, number]): InstantRange {
  const start = new Date(Math.min(first, last));
  const end = new Date(Math.max(first, last));
  const from = new Date(start.getFullYear(), start.getMonth(), start.getDate());
  const to = new Date(end.getFullYear(), end.getMonth(), end.getDate() + 1);
  return { from: from.toISOString(), to: to.toISOString() };
}

export const exportRangeChoices = [
  { value: 'last30', label: 'Last 30 days' },
  { value: 'lastQuarter', label: 'Last quarter' },
  { value: 'custom', label: 'Custom range' },
] as const;
export type ExportRangeChoice = (typeof exportRangeChoices)[number]['value'];

/**
 * The previous full calendar quarter in UTC (on 6 Dec 2026: 1 Jul – 1 Oct 2026), the period an auditor
 * asks for by name.
 */
export function lastQuarter(now: Date): InstantRange {
  const quarterStartMonth = Math.floor(now.getUTCMonth() / 3) * 3;
  const to = Date.UTC(now.getUTCFullYear(), quarterStartMonth, 1);
  const from = Date.UTC(now.getUTCFullYear(), quarterStartMonth - 3, 1);
  return { from: new Date(from).toISOString(), to: new Date(to).toISOString() };
}

/** The export's range: the 30 days up to now, the last calendar quarter, or the custom days picked. */
export function exportRange(
  choice: ExportRangeChoice,
  now: Date,
  days: [number, number] | null = null,
): InstantRange | null {
  if (choice === 'last30')
    return {
      from: new Date(now.getTime() - 30 * dayMs).toISOString(),
      to: new Date(now.getTime() + 1).toISOString(),
    };
  if (choice === 'lastQuarter') return lastQuarter(now);
  return days ? customDaysRange(days) : null;
}

/** "Jul 1, 2026 – Sep 30, 2026": a [from, to) range in days as a person reads it (`to` is exclusive). */
export function describeRange(range: InstantRange, timeZone?: string): string {
  const format = new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', ...(timeZone ? { timeZone } : {}) });
  const lastMs = Math.max(Date.parse(range.from), Date.parse(range.to) - 1);
  return `${format.format(new Date(range.from))} – ${format.format(new Date(lastMs))}`;
}

/** The local midnight of a date input's value (`2026-11-03`), or null for an empty or malformed one. */
export function localDayOf(dateInput: string): number | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(dateInput);
  if (!match) return null;
  const [, y, m, d] = match.map(Number) as [number, number, number, number];
  const day = new Date(y, m - 1, d);
  return day.getMonth() === m - 1 ? day.getTime() : null;
}

/** A date input's value (`2026-11-03`) for an instant, in local time. */
export function dateInputOf(at: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}`;
}
