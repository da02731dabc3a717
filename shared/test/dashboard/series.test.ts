import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildSeriesAttributes,
  type ClusterSeriesInput,
  decodeLatest,
  decodeSeries,
  downsample,
  encodeLatest,
  encodeSeries,
  type HourPoint,
  mergeLatest,
  seriesAttribute,
  seriesResolutions,
  sumSeries,
  windowOf,
} from '../../src/dashboard/series';

const hourMs = 3_600_000;
const now = new Date('2026-07-01T12:34:00.000Z');
const currentHour = Date.parse('2026-07-01T12:00:00.000Z');

const point = (hourStartEpochMs: number, cpu: number, usedKnown = true): HourPoint => ({
  hourStartEpochMs,
  capacityCpuMilli: cpu,
  requestedCpuMilli: Math.round(cpu / 2),
  usedCpuMilli: usedKnown ? Math.round(cpu / 4) : null,
  capacityMemoryMiB: cpu * 4,
  requestedMemoryMiB: cpu * 2,
  usedMemoryMiB: usedKnown ? cpu : null,
});

/** `hours` completed hours before the current one, integer values, plus the current hour as `latest`. */
const clusterArb = fc.record({
  hours: fc.integer({ min: 1, max: 30 * 24 }),
  lagHours: fc.integer({ min: 0, max: 12 }),
  values: fc.array(fc.integer({ min: 0, max: 200_000 }), { minLength: 1, maxLength: 50 }),
  usageKnown: fc.boolean(),
});

function clusterOf(c: { hours: number; lagHours: number; values: number[]; usageKnown: boolean }) {
  const end = currentHour - c.lagHours * hourMs;
  const points: HourPoint[] = [];
  for (let i = c.hours; i >= 1; i -= 1)
    points.push(point(end - i * hourMs, c.values[i % c.values.length] ?? 0, c.usageKnown));
  const latest = point(end, c.values[0] ?? 0, c.usageKnown);
  return { points, latest };
}

describe('series resolutions and storage', () => {
  it('uses 24 hourly, 84 two-hourly and 120 six-hourly buckets aligned on UTC epoch multiples', () => {
    expect(seriesResolutions).toEqual({
      '24h': { stepMinutes: 60, points: 24 },
      '7d': { stepMinutes: 120, points: 84 },
      '30d': { stepMinutes: 360, points: 120 },
    });
    const w = windowOf('30d', now);
    expect(new Date(w.endEpochMs).toISOString()).toBe('2026-07-01T12:00:00.000Z');
    expect((w.endEpochMs - w.startEpochMs) / hourMs).toBe(119 * 6);
    expect(seriesAttribute('7d', 'memory')).toBe('gap7dMemory');
  });

  it('round-trips buckets and the latest point through the compact strings (integers, gaps kept)', () => {
    fc.assert(
      fc.property(clusterArb, (c) => {
        const { points, latest } = clusterOf(c);
        for (const range of ['24h', '7d', '30d'] as const) {
          const series = downsample(points, range, 'cpu', now);
          const decoded = decodeSeries(encodeSeries(series));
          expect(decoded?.stepMinutes).toBe(series.stepMinutes);
          expect(decoded?.buckets.map((b) => [b.tEpochMs, b.hours, b.usedHours])).toEqual(
            series.buckets.map((b) => [b.tEpochMs, b.hours, b.usedHours]),
          );
          decoded?.buckets.forEach((b, i) => {
            expect(Math.abs(b.capacity - (series.buckets[i]?.capacity ?? 0))).toBeLessThanOrEqual(0.5);
          });
        }
        expect(decodeLatest(encodeLatest(latest))).toEqual(latest);
      }),
      { numRuns: 60 },
    );
  });

  it('reads a malformed string as no series rather than a wrong one', () => {
    expect(decodeSeries('garbage')).toBeNull();
    expect(decodeSeries(null)).toBeNull();
    expect(decodeLatest('1,2')).toBeNull();
  });

  it('merging the current hour gives the same buckets as downsampling it with the completed hours', () => {
    fc.assert(
      fc.property(clusterArb, (c) => {
        const { points, latest } = clusterOf(c);
        for (const range of ['24h', '7d', '30d'] as const) {
          const merged = mergeLatest(downsample(points, range, 'memory', now), latest, 'memory');
          const whole = downsample([...points, latest], range, 'memory', now);
          expect(merged.buckets.map((b) => [b.tEpochMs, b.hours])).toEqual(
            whole.buckets.map((b) => [b.tEpochMs, b.hours]),
          );
          merged.buckets.forEach((b, i) => {
            const w = whole.buckets[i];
            expect(Math.abs(b.capacity - (w?.capacity ?? 0))).toBeLessThan(1e-6);
            expect(b.used === null).toBe(w?.used === null);
          });
        }
      }),
      { numRuns: 60 },
    );
  });
});

describe('sumSeries (the fleet line)', () => {
  const stored = (
    points: HourPoint[],
    latest: HourPoint | null,
    range: '24h' | '7d' | '30d',
  ): ClusterSeriesInput => ({
    encoded: buildSeriesAttributes(points, now)[seriesAttribute(range, 'cpu')] ?? null,
    latest: latest ? encodeLatest(latest) : null,
  });

  it('sums clusters by timestamp: hourly, each point is the sum of the clusters’ hours (in vCPU)', () => {
    fc.assert(
      fc.property(
        fc.array(
          clusterArb.map((c) => ({ ...c, lagHours: 0, hours: 30 })),
          { minLength: 1, maxLength: 6 },
        ),
        (cs) => {
          const clusters = cs.map(clusterOf);
          const summed = sumSeries(
            clusters.map((c) => stored(c.points, c.latest, '24h')),
            '24h',
            'cpu',
            now,
          );
          expect(summed.points).toHaveLength(24);
          for (const p of summed.points) {
            const t = Date.parse(p.t);
            const expected = clusters
              .map(
                (c) => [...c.points, c.latest].find((x) => x.hourStartEpochMs === t)?.capacityCpuMilli ?? 0,
              )
              .reduce((s, v) => s + v, 0);
            expect(Math.abs(p.capacity - expected / 1000)).toBeLessThanOrEqual(0.001 * clusters.length);
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it('never shows a false dip at the end for a cluster whose latest bucket lags', () => {
    const steady = (lag: number) => {
      const points: HourPoint[] = [];
      for (let i = 48; i >= 1; i -= 1) points.push(point(currentHour - (lag + i) * hourMs, 4000));
      return stored(points, point(currentHour - lag * hourMs, 4000), '24h');
    };
    const summed = sumSeries([steady(0), steady(5)], '24h', 'cpu', now);
    expect(summed.points.map((p) => p.capacity)).toEqual(new Array(24).fill(8));
  });

  it('starts at the first point any cluster has, and uses null only where no cluster measures usage', () => {
    const young: HourPoint[] = [
      point(currentHour - 3 * hourMs, 2000, false),
      point(currentHour - 2 * hourMs, 2000, false),
    ];
    const summed = sumSeries(
      [stored(young, point(currentHour - hourMs, 2000, false), '24h')],
      '24h',
      'cpu',
      now,
    );
    expect(summed.points.map((p) => p.t)).toEqual([
      new Date(currentHour - 3 * hourMs).toISOString(),
      new Date(currentHour - 2 * hourMs).toISOString(),
      new Date(currentHour - hourMs).toISOString(),
      new Date(currentHour).toISOString(),
    ]);
    expect(summed.points.every((p) => p.used === null && p.capacity === 2)).toBe(true);
    expect(sumSeries([], '30d', 'memory', now).points).toEqual([]);
  });
});
