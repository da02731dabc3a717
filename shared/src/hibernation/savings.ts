import { DateTime } from 'luxon';

/** One stretch asleep: from the sleep to the wake (`null`: still asleep) at a rate, USD/h. */
export interface SleepPeriod {
  from: string;
  to: string | null;
  savedUsdPerHour: number;
}

const hourMs = 3_600_000;

/**
 * This month's savings against a 24/7 baseline, USD: Σ over sleep periods of (hours asleep within the
 * month so far) × (what the sleeping nodes cost per hour). The month starts at local midnight of the 1st
 * in the cluster's zone; rounded to cents.
 */
export function monthToDateSavingsUsd(periods: readonly SleepPeriod[], now: Date, timeZone: string): number {
  const monthStartMs = DateTime.fromJSDate(now, { zone: timeZone }).startOf('month').toMillis();
  const nowMs = now.getTime();
  let total = 0;
  for (const p of periods) {
    const from = Math.max(Date.parse(p.from), monthStartMs);
    const to = Math.min(p.to === null ? nowMs : Date.parse(p.to), nowMs);
    if (to > from) total += ((to - from) / hourMs) * p.savedUsdPerHour;
  }
  return Math.round(total * 100) / 100;
}

/** Periods that can still count this month or the next view (ended within the last ~62 days). */
export function recentPeriods(periods: readonly SleepPeriod[], now: Date): SleepPeriod[] {
  const keepAfterMs = now.getTime() - 62 * 24 * hourMs;
  return periods.filter((p) => p.to === null || Date.parse(p.to) >= keepAfterMs).slice(-500);
}
