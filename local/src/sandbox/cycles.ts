/**
 * Daily and weekly rhythms of the sandbox's clusters, in the time zone of the team that uses them
 * (IANA zones through luxon, so DST days have 23 or 25 hours and the curves follow the wall clock).
 *
 * - prod: customer traffic, lowest at 04:00 (0.5 of peak), highest at 16:00; weekends x 0.8.
 * - staging: office hours (ramps 08-10 and 18-20) at 0.95, nights 0.25, a nightly CI run 02:00-03:00;
 *   weekends 0.15.
 * - dev: office hours 1.0, nights 0.05, weekends 0.04; one weekend day in twenty someone works 11-16.
 */
import { DateTime } from 'luxon';
import { unit } from './random';

export type Environment = 'prod' | 'staging' | 'dev';

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

export const hourOf = (timeMs: number): number => Math.floor(timeMs / HOUR_MS);

export interface LocalTime {
  /** Fractional hour of the local day, 0 <= hour < 24 (the wall clock, DST included). */
  hour: number;
  /** ISO weekday, Monday = 1 ... Sunday = 7. */
  weekday: number;
  /** Hour of the week for the trace mapping, Monday 00:00 = 0. */
  hourOfWeek: number;
  /** Weeks since 1970 in local time (changes on Monday 00:00 local). */
  week: number;
  /** Days since 1970 in local time. */
  day: number;
}

const localCache = new Map<string, LocalTime>();

/** Local wall-clock facts of an instant in an IANA zone (memoized; DST-safe through luxon). */
export function localTime(timeMs: number, zone: string): LocalTime {
  const key = `${zone}|${timeMs}`;
  const hit = localCache.get(key);
  if (hit) return hit;
  const dt = DateTime.fromMillis(timeMs, { zone });
  const hour = dt.hour + dt.minute / 60;
  // Local calendar day number: the local date read as if it were UTC.
  const day = Math.floor(Date.UTC(dt.year, dt.month - 1, dt.day) / DAY_MS);
  // 1970-01-05 was a Monday (day 4).
  const week = Math.floor((day - 4) / 7);
  const value: LocalTime = {
    hour,
    weekday: dt.weekday,
    hourOfWeek: (dt.weekday - 1) * 24 + dt.hour,
    week,
    day,
  };
  if (localCache.size > 200_000) localCache.clear();
  localCache.set(key, value);
  return value;
}

/** 0 -> 1 between `from` and `to` (smoothstep). */
function ramp(x: number, from: number, to: number): number {
  if (x <= from) return 0;
  if (x >= to) return 1;
  const t = (x - from) / (to - from);
  return t * t * (3 - 2 * t);
}

/** Share of office presence at a fractional local hour: up 08-09:30, down 18-20. */
const office = (hour: number): number => ramp(hour, 8, 9.5) * (1 - ramp(hour, 18, 20));

/**
 * Load factor of a cluster (1 = its weekday peak) at a local time. `clusterKey` only decides the rare
 * weekend work days of dev clusters.
 */
export function environmentLoad(env: Environment, local: LocalTime, clusterKey: number): number {
  const weekend = local.weekday >= 6;
  const h = local.hour;
  switch (env) {
    case 'prod': {
      const diurnal = 0.5 + 0.5 * ((1 - Math.cos((2 * Math.PI * (h - 4)) / 24)) / 2);
      return weekend ? diurnal * 0.8 : diurnal;
    }
    case 'staging': {
      const ci = h >= 2 && h < 3 ? 0.55 : 0;
      if (weekend) return Math.max(0.15, ci);
      return Math.max(0.25 + 0.7 * office(h), ci);
    }
    case 'dev': {
      if (weekend) {
        const worked = unit(clusterKey, local.day, 0x77) < 0.05;
        return worked ? 0.04 + 0.31 * ramp(h, 11, 12) * (1 - ramp(h, 15, 16)) : 0.04;
      }
      return 0.05 + 0.95 * office(h);
    }
  }
}

/** Share of the team at their desks (drives human API traffic and rollouts). */
export function officePresence(env: Environment, local: LocalTime): number {
  if (local.weekday >= 6) return env === 'prod' ? 0.05 : 0.02;
  return office(local.hour);
}
