import type { DashboardRange, DashboardResource } from '../model/dashboard';
import type { PackingView } from './summary-view';

/**
 * The Resource Gap series of one cluster, downsampled from its hourly rollups when they are read (once an
 * hour) and stored compactly on a ClusterSeries item, then summed over clusters at read time.
 *
 * Buckets start at UTC epoch multiples of the step, so every cluster's buckets line up and clusters sum by
 * timestamp. A bucket holds the mean of the hours it covers (capacity and requests are gauges; a mean is
 * what the area under the line means at a coarser step).
 */

export interface SeriesResolution {
  stepMinutes: number;
  points: number;
}

/** 24 h hourly, 7 d two-hourly (84 points), 30 d six-hourly (120 points). */
export const seriesResolutions: Record<DashboardRange, SeriesResolution> = {
  '24h': { stepMinutes: 60, points: 24 },
  '7d': { stepMinutes: 120, points: 84 },
  '30d': { stepMinutes: 360, points: 120 },
};

const minuteMs = 60_000;

/** One hour of a cluster (a ClusterRollup), in stored units. `used*` is `null` when usage was unknown. */
export interface HourPoint {
  hourStartEpochMs: number;
  capacityCpuMilli: number;
  requestedCpuMilli: number;
  usedCpuMilli: number | null;
  capacityMemoryMiB: number;
  requestedMemoryMiB: number;
  usedMemoryMiB: number | null;
}

/** One bucket: means over `hours` hours (`used` over `usedHours` of them). */
export interface SeriesBucket {
  tEpochMs: number;
  capacity: number;
  requested: number;
  used: number | null;
  hours: number;
  usedHours: number;
}

export interface DecodedSeries {
  stepMinutes: number;
  buckets: SeriesBucket[];
}

/** The attribute of the ClusterSeries item holding one range x resource (read alone by projection). */
export const seriesAttribute = (range: DashboardRange, resource: DashboardResource) =>
  `gap${range}${resource === 'cpu' ? 'Cpu' : 'Memory'}`;

export const allSeriesAttributes = (['24h', '7d', '30d'] as const).flatMap((range) =>
  (['cpu', 'memory'] as const).map((resource) => seriesAttribute(range, resource)),
);

export const bucketStart = (epochMs: number, stepMinutes: number) =>
  Math.floor(epochMs / (stepMinutes * minuteMs)) * stepMinutes * minuteMs;

/** First and last bucket start of a range's window ending with the bucket that holds `now`. */
export function windowOf(range: DashboardRange, now: Date) {
  const { stepMinutes, points } = seriesResolutions[range];
  const endEpochMs = bucketStart(now.getTime(), stepMinutes);
  return {
    stepMinutes,
    points,
    startEpochMs: endEpochMs - (points - 1) * stepMinutes * minuteMs,
    endEpochMs,
  };
}

const pick = (p: HourPoint, resource: DashboardResource) =>
  resource === 'cpu'
    ? { capacity: p.capacityCpuMilli, requested: p.requestedCpuMilli, used: p.usedCpuMilli }
    : { capacity: p.capacityMemoryMiB, requested: p.requestedMemoryMiB, used: p.usedMemoryMiB };

/** Buckets of one range x resource from hourly points (any order; one point per hour is assumed). */
export function downsample(
  hours: readonly HourPoint[],
  range: DashboardRange,
  resource: DashboardResource,
  now: Date,
): DecodedSeries {
  const { stepMinutes, startEpochMs, endEpochMs } = windowOf(range, now);
  const acc = new Map<number, { c: number; r: number; u: number; h: number; uh: number }>();
  for (const p of hours) {
    const t = bucketStart(p.hourStartEpochMs, stepMinutes);
    if (t < startEpochMs || t > endEpochMs) continue;
    const v = pick(p, resource);
    const a = acc.get(t) ?? { c: 0, r: 0, u: 0, h: 0, uh: 0 };
    a.c += v.capacity;
    a.r += v.requested;
    a.h += 1;
    if (v.used !== null) {
      a.u += v.used;
      a.uh += 1;
    }
    acc.set(t, a);
  }
  const buckets = [...acc.entries()]
    .sort((x, y) => x[0] - y[0])
    .map(([t, a]) => ({
      tEpochMs: t,
      capacity: a.c / a.h,
      requested: a.r / a.h,
      used: a.uh > 0 ? a.u / a.uh : null,
      hours: a.h,
      usedHours: a.uh,
    }));
  return { stepMinutes, buckets };
}

/**
 * Adds the current hour (the latest snapshot) to a series built from the completed hours: merged into the
 * last bucket when it falls in it (weighted by the hours already there), appended otherwise.
 */
export function mergeLatest(
  series: DecodedSeries,
  latest: HourPoint | null,
  resource: DashboardResource,
): DecodedSeries {
  if (!latest) return series;
  const t = bucketStart(latest.hourStartEpochMs, series.stepMinutes);
  const v = pick(latest, resource);
  const last = series.buckets.at(-1);
  if (last && last.tEpochMs > t) return series;
  if (last && last.tEpochMs === t) {
    const h = last.hours + 1;
    const uh = last.usedHours + (v.used === null ? 0 : 1);
    const merged: SeriesBucket = {
      tEpochMs: t,
      capacity: (last.capacity * last.hours + v.capacity) / h,
      requested: (last.requested * last.hours + v.requested) / h,
      used: v.used === null ? last.used : ((last.used ?? 0) * last.usedHours + v.used) / Math.max(1, uh),
      hours: h,
      usedHours: uh,
    };
    return { ...series, buckets: [...series.buckets.slice(0, -1), merged] };
  }
  return {
    ...series,
    buckets: [
      ...series.buckets,
      {
        tEpochMs: t,
        capacity: v.capacity,
        requested: v.requested,
        used: v.used,
        hours: 1,
        usedHours: v.used === null ? 0 : 1,
      },
    ],
  };
}

// ---------------------------------------------------------------------------------------------------
// Compact storage: one string per range x resource, `<step>;<firstBucketEpochMinutes>;` then one entry
// per step (`capacity,requested,used,hours,usedHours`, `used` empty when unknown, the entry empty for a
// bucket with no hour). Integers in the stored units (millicores, MiB): finer is noise at this scale.

const num = (v: number) => String(Math.round(v));

export function encodeSeries(series: DecodedSeries): string {
  const first = series.buckets[0];
  if (!first) return `${series.stepMinutes};0;`;
  const stepMs = series.stepMinutes * minuteMs;
  const byT = new Map(series.buckets.map((b) => [b.tEpochMs, b]));
  const last = series.buckets.at(-1) as SeriesBucket;
  const entries: string[] = [];
  for (let t = first.tEpochMs; t <= last.tEpochMs; t += stepMs) {
    const b = byT.get(t);
    entries.push(
      b
        ? `${num(b.capacity)},${num(b.requested)},${b.used === null ? '' : num(b.used)},${b.hours},${b.usedHours}`
        : '',
    );
  }
  return `${series.stepMinutes};${first.tEpochMs / minuteMs};${entries.join('|')}`;
}

/** The series a string holds; a malformed string reads as an empty series (never a wrong figure). */
export function decodeSeries(encoded: string | null | undefined): DecodedSeries | null {
  if (!encoded) return null;
  const [stepText, startText, body = ''] = encoded.split(';');
  const stepMinutes = Number(stepText);
  const startMinutes = Number(startText);
  if (!Number.isInteger(stepMinutes) || stepMinutes <= 0 || !Number.isFinite(startMinutes)) return null;
  const buckets: SeriesBucket[] = [];
  if (body !== '') {
    body.split('|').forEach((entry, i) => {
      if (entry === '') return;
      const [c, r, u, h, uh] = entry.split(',');
      const hours = Number(h);
      if (!(hours > 0)) return;
      buckets.push({
        tEpochMs: (startMinutes + i * stepMinutes) * minuteMs,
        capacity: Number(c),
        requested: Number(r),
        used: u === '' || u === undefined ? null : Number(u),
        hours,
        usedHours: Number(uh) || 0,
      });
    });
  }
  return { stepMinutes, buckets };
}

/** The latest hour as stored: `<hourEpochMinutes>,capCpu,reqCpu,usedCpu,capMem,reqMem,usedMem`. */
export function encodeLatest(p: HourPoint): string {
  const opt = (v: number | null) => (v === null ? '' : num(v));
  return [
    p.hourStartEpochMs / minuteMs,
    num(p.capacityCpuMilli),
    num(p.requestedCpuMilli),
    opt(p.usedCpuMilli),
    num(p.capacityMemoryMiB),
    num(p.requestedMemoryMiB),
    opt(p.usedMemoryMiB),
  ].join(',');
}

export function decodeLatest(encoded: string | null | undefined): HourPoint | null {
  if (!encoded) return null;
  const f = encoded.split(',');
  if (f.length !== 7) return null;
  const n = (s: string | undefined) => (s === '' || s === undefined ? null : Number(s));
  const minutes = Number(f[0]);
  if (!Number.isFinite(minutes)) return null;
  return {
    hourStartEpochMs: minutes * minuteMs,
    capacityCpuMilli: n(f[1]) ?? 0,
    requestedCpuMilli: n(f[2]) ?? 0,
    usedCpuMilli: n(f[3]),
    capacityMemoryMiB: n(f[4]) ?? 0,
    requestedMemoryMiB: n(f[5]) ?? 0,
    usedMemoryMiB: n(f[6]),
  };
}

/** Every range x resource string of a cluster, from its completed hours (the current hour is `latest`). */
export function buildSeriesAttributes(hours: readonly HourPoint[], now: Date): Record<string, string> {
  const out: Record<string, string> = {};
  for (const range of ['24h', '7d', '30d'] as const)
    for (const resource of ['cpu', 'memory'] as const)
      out[seriesAttribute(range, resource)] = encodeSeries(downsample(hours, range, resource, now));
  return out;
}

export interface ClusterSeriesInput {
  /** The stored string of the requested range x resource (`null`: none yet). */
  encoded: string | null;
  latest: string | null;
  /** The cluster's bin-packing estimate (`decodePacking`; `null`: none). Not read by `sumSeries`. */
  packing?: PackingView | null;
}

export interface GapPoint {
  t: string;
  capacity: number;
  requested: number;
  used: number | null;
}

/**
 * The fleet's series over a range: per cluster, the stored buckets plus the latest hour, each bucket in
 * the window summed by timestamp. A cluster whose series ends before the window does (its last snapshot is
 * older) carries its last bucket forward, and so does a gap inside its series: a missing sync is not a dip
 * in capacity. Before its first bucket a cluster adds nothing. Points before any cluster has data are left
 * out. `used` is the sum over the clusters that measure usage at that time, `null` when none does.
 */
export function sumSeries(
  clusters: readonly ClusterSeriesInput[],
  range: DashboardRange,
  resource: DashboardResource,
  now: Date,
): { stepMinutes: number; points: GapPoint[] } {
  const { stepMinutes, points, startEpochMs } = windowOf(range, now);
  const stepMs = stepMinutes * minuteMs;
  const capacity = new Array<number>(points).fill(0);
  const requested = new Array<number>(points).fill(0);
  const used = new Array<number>(points).fill(0);
  const usedKnown = new Array<boolean>(points).fill(false);
  const hasData = new Array<boolean>(points).fill(false);
  for (const c of clusters) {
    const decoded = decodeSeries(c.encoded) ?? { stepMinutes, buckets: [] };
    // A series stored at another step (a resolution changed since) is skipped until its next rewrite.
    if (decoded.stepMinutes !== stepMinutes) continue;
    const series = mergeLatest(decoded, decodeLatest(c.latest), resource);
    const byIndex = new Map<number, SeriesBucket>();
    for (const b of series.buckets) {
      const i = Math.round((b.tEpochMs - startEpochMs) / stepMs);
      byIndex.set(i, b);
    }
    // The last bucket before the window seeds the carry, so a window opening in a gap is not a dip.
    let carry: SeriesBucket | null = null;
    for (const b of series.buckets) if (b.tEpochMs < startEpochMs) carry = b;
    for (let i = 0; i < points; i += 1) {
      const b = byIndex.get(i) ?? carry;
      if (!b) continue;
      carry = b;
      capacity[i] = (capacity[i] ?? 0) + b.capacity;
      requested[i] = (requested[i] ?? 0) + b.requested;
      hasData[i] = true;
      if (b.used !== null) {
        used[i] = (used[i] ?? 0) + b.used;
        usedKnown[i] = true;
      }
    }
  }
  const scale = resource === 'cpu' ? 1000 : 1024;
  const round3 = (v: number) => Math.round((v / scale) * 1000) / 1000;
  const first = hasData.indexOf(true);
  const out: GapPoint[] = [];
  if (first >= 0) {
    for (let i = first; i < points; i += 1) {
      out.push({
        t: new Date(startEpochMs + i * stepMs).toISOString(),
        capacity: round3(capacity[i] ?? 0),
        requested: round3(requested[i] ?? 0),
        used: usedKnown[i] ? round3(used[i] ?? 0) : null,
      });
    }
  }
  return { stepMinutes, points: out };
}

/**
 * One hour of a cluster's capacity (allocatable), requests and usage: what a rollup, a history sample and
 * a series point share. CPU in millicores, memory in MiB; `hour` is the hour's start, ISO 8601 UTC.
 */
export interface HourResourceFigures {
  hour: string;
  capacityCpuMilli: number;
  requestedCpuMilli: number;
  usedCpuMilli: number;
  capacityMemoryMiB: number;
  requestedMemoryMiB: number;
  usedMemoryMiB: number;
}

export const hourPointOf = (r: HourResourceFigures & { usageKnown: boolean }): HourPoint => ({
  hourStartEpochMs: Date.parse(r.hour),
  capacityCpuMilli: Math.max(0, r.capacityCpuMilli),
  requestedCpuMilli: Math.max(0, r.requestedCpuMilli),
  usedCpuMilli: r.usageKnown ? Math.max(0, r.usedCpuMilli) : null,
  capacityMemoryMiB: Math.max(0, r.capacityMemoryMiB),
  requestedMemoryMiB: Math.max(0, r.requestedMemoryMiB),
  usedMemoryMiB: r.usageKnown ? Math.max(0, r.usedMemoryMiB) : null,
});
