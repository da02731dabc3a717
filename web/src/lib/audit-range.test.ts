import { auditExportInputSchema } from '@spot/shared';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  customDaysRange,
  dateInputOf,
  describeRange,
  exportRange,
  lastQuarter,
  localDayOf,
  trailRange,
} from './audit-range';

const now = new Date('2026-12-06T02:30:00.000Z');

describe('audit time ranges', () => {
  it('takes the previous calendar quarter in UTC', () => {
    expect(lastQuarter(now)).toEqual({ from: '2026-07-01T00:00:00.000Z', to: '2026-10-01T00:00:00.000Z' });
    expect(lastQuarter(new Date('2026-02-10T00:00:00Z'))).toEqual({
      from: '2025-10-01T00:00:00.000Z',
      to: '2026-01-01T00:00:00.000Z',
    });
    expect(describeRange(lastQuarter(now), 'UTC')).toBe('Jul 1, 2026 – Sep 30, 2026');
  });

  it('exports the last 30 days up to now, and custom days from the first start to the last end', () => {
    const last30 = exportRange('last30', now);
    expect(last30 && Date.parse(last30.to) - Date.parse(last30.from)).toBe(30 * 86_400_000 + 1);
    expect(exportRange('custom', now)).toBeNull();
    const first = new Date(2026, 10, 3).getTime();
    const last = new Date(2026, 10, 1).getTime();
    expect(customDaysRange([first, last])).toEqual({
      from: new Date(2026, 10, 1).toISOString(),
      to: new Date(2026, 10, 4).toISOString(),
    });
  });

  it('filters the trail by presets and leaves "any time" open', () => {
    expect(trailRange('any', now)).toBeNull();
    const day = trailRange('24h', now);
    expect(day?.from).toBe('2026-12-05T02:30:00.000Z');
    expect(Date.parse(day?.to ?? '')).toBeGreaterThan(now.getTime());
  });

  it('every preset range is one the export API accepts (from before to, within its limit)', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }),
        (at) => {
          for (const choice of ['last30', 'lastQuarter'] as const) {
            const range = exportRange(choice, at);
            expect(auditExportInputSchema.safeParse({ format: 'csv', ...range }).success).toBe(true);
          }
        },
      ),
    );
  });

  it('reads date inputs as local days and writes them back', () => {
    expect(localDayOf('2026-11-03')).toBe(new Date(2026, 10, 3).getTime());
    expect(localDayOf('2026-02-30')).toBeNull();
    expect(localDayOf('')).toBeNull();
    expect(dateInputOf(new Date(2026, 0, 5, 23, 59))).toBe('2026-01-05');
  });
});
