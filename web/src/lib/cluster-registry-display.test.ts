import { eksVersionStatus } from '@spot/shared/registry/index';
import { describe, expect, it } from 'vitest';
import {
  bulkSummary,
  complianceLines,
  extendedSupportCostText,
  hibernationPreset,
  nodesRangeText,
  regionFlag,
  sparklinePoints,
  trendArrow,
  versionBadge,
} from './cluster-registry-display';

describe('registry display', () => {
  it('lists the shield’s checks violations first, each with its kind, or says every check passes', () => {
    expect(complianceLines({ checks: [] })).toEqual(['Every check passes.']);
    expect(
      complianceLines({
        checks: [
          {
            rule: 'template-drift',
            kind: 'drift',
            message: '1 node runs a type the node template forbids: p3.2xlarge.',
          },
          {
            rule: '4.2.1',
            kind: 'violation',
            message:
              'CIS 4.2.1 Minimize the admission of privileged containers: Privileged containers in 3 pods of 1 workload.',
          },
        ],
      }),
    ).toEqual([
      'Violation: CIS 4.2.1 Minimize the admission of privileged containers: Privileged containers in 3 pods of 1 workload.',
      'Drift: 1 node runs a type the node template forbids: p3.2xlarge.',
    ]);
  });

  it('gives regions their country by the longest known prefix, dots for an unknown one', () => {
    expect(regionFlag('us-west-2')).toBe('US');
    expect(regionFlag('ap-northeast-2')).toBe('KR');
    expect(regionFlag('ap-northeast-1')).toBe('JP');
    expect(regionFlag('xx-nowhere-1')).toBe('··');
  });

  it('badges a version by its support status and says what extended support costs', () => {
    const base = {
      latestVersion: '1.34',
      endOfStandardSupport: '2025-11-26',
      endOfExtendedSupport: '2026-11-26',
    };
    expect(versionBadge({ ...base, status: 'current', extendedSupportExtraMonthlyUsd: 0 })).toBeNull();
    expect(
      versionBadge({ ...base, status: 'extended-support', extendedSupportExtraMonthlyUsd: 365 })?.title,
    ).toMatch(/\$365\/month/);
    expect(versionBadge({ ...base, status: 'end-of-life', extendedSupportExtraMonthlyUsd: 0 })?.label).toBe(
      'EOL',
    );
  });

  it('shows what extended support adds per month, and nothing outside extended support', () => {
    const base = {
      latestVersion: '1.34',
      endOfStandardSupport: '2025-11-26',
      endOfExtendedSupport: '2026-11-26',
    };
    // The shared calendar's own figure for a version in extended support: (0.60 - 0.10) x 730 h = $365.
    expect(extendedSupportCostText(eksVersionStatus('1.30', '2026-01-15'))).toBe('+$365/mo');
    expect(
      extendedSupportCostText({
        ...base,
        status: 'extended-support',
        extendedSupportExtraMonthlyUsd: 1234.56,
      }),
    ).toBe('+$1,235/mo');
    for (const status of ['current', 'upgrade-available', 'end-of-life', 'unknown'] as const) {
      expect(extendedSupportCostText({ ...base, status, extendedSupportExtraMonthlyUsd: 0 })).toBeNull();
    }
  });

  it('draws a sparkline inside its box, skipping hours without data', () => {
    const points = sparklinePoints([1, null, 3, 2], 60, 20)
      .split(' ')
      .map((p) => p.split(',').map(Number));
    expect(points).toHaveLength(3);
    for (const [x, y] of points) {
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThanOrEqual(60);
      expect(y).toBeGreaterThanOrEqual(0);
      expect(y).toBeLessThanOrEqual(20);
    }
    expect(sparklinePoints([5], 60, 20)).toBe('');
    expect(nodesRangeText([null, 3, 7])).toBe('Nodes over the last 24 hours: 3 to 7');
  });

  it('points the trend arrow up when costs rise and down when they fall', () => {
    expect(trendArrow(12)?.tone).toBe('up');
    expect(trendArrow(-4)?.tone).toBe('down');
    expect(trendArrow(0.5)?.tone).toBe('flat');
    expect(trendArrow(null)).toBeNull();
  });

  it('builds hibernation presets: weekdays 07:00-20:00 active, weekends asleep', () => {
    const p = hibernationPreset('nights-and-weekends', 'Europe/Paris');
    expect(p.weeklyGrid[0]?.filter(Boolean)).toHaveLength(26);
    expect(p.weeklyGrid[6]?.some(Boolean)).toBe(false);
    expect(hibernationPreset('weekends', 'UTC').weeklyGrid[4]?.every(Boolean)).toBe(true);
  });
});

describe('bulk results', () => {
  it('counts the queued apart from the succeeded, and only when some were queued', () => {
    expect(bulkSummary({ succeeded: 0, queued: 2, failed: 1 })).toBe('0 succeeded, 2 queued, 1 failed.');
    expect(bulkSummary({ succeeded: 2, queued: 0, failed: 1 })).toBe('2 succeeded, 1 failed.');
  });
});
