import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { eksVersionCalendar, eksVersionStatus } from '../../src/registry/eks-versions';

describe('the EKS version calendar', () => {
  it('is the vendored TSV, row for row (scripts/vendor-data.ts copies it from the reference data)', () => {
    const tsv = readFileSync(new URL('../../data/eks_versions/eks_versions.tsv', import.meta.url), 'utf8');
    const rows = tsv
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => {
        const [version, releaseDate, endOfStandardSupport, endOfExtendedSupport] = line.split('\t');
        return { version, releaseDate, endOfStandardSupport, endOfExtendedSupport };
      });
    expect(eksVersionCalendar).toEqual(rows);
  });

  it('places a version on a day: current, upgrade available, extended support (costing more), end of life', () => {
    expect(eksVersionStatus('1.34', '2026-06-01').status).toBe('current');
    expect(eksVersionStatus('v1.33.2-eks-931bdca', '2026-06-01')).toMatchObject({
      status: 'upgrade-available',
      latestVersion: '1.34',
      extendedSupportExtraMonthlyUsd: 0,
    });
    // (0.60 - 0.10) USD/h x 730 h.
    expect(eksVersionStatus('1.31', '2026-06-01')).toMatchObject({
      status: 'extended-support',
      endOfStandardSupport: '2025-11-26',
      extendedSupportExtraMonthlyUsd: 365,
    });
    expect(eksVersionStatus('1.29', '2026-06-01').status).toBe('end-of-life');
    // The last day of standard support is still standard.
    expect(eksVersionStatus('1.32', '2026-03-23').status).toBe('upgrade-available');
    expect(eksVersionStatus('1.32', '2026-03-24').status).toBe('extended-support');
  });

  it('never calls a version newer than the calendar end-of-life, and does not guess about unreadable ones', () => {
    expect(eksVersionStatus('1.40', '2030-01-01').status).toBe('current');
    expect(eksVersionStatus('2.0', '2030-01-01').status).toBe('current');
    expect(eksVersionStatus('1.10', '2026-01-01').status).toBe('unknown');
    expect(eksVersionStatus('', '2026-01-01').status).toBe('unknown');
  });
});
