import { savings } from '@spot/shared';
import { describe, expect, it } from 'vitest';
import {
  clusterComparators,
  compareVersions,
  efficiencyTooltipLines,
  gradeRank,
  gradeScale,
  searchClusters,
} from './clusters';
import { clusterRow } from './fixtures.testing';

const rows = [
  clusterRow({ clusterId: 'a', name: 'prod-east', region: 'us-east-1', tags: { env: 'prod' } }),
  clusterRow({
    clusterId: 'b',
    name: 'dev-west',
    region: 'us-west-2',
    tags: { env: 'dev' },
    accountName: 'Dev',
  }),
  clusterRow({
    clusterId: 'c',
    name: 'batch',
    region: 'eu-west-1',
    kubernetesVersion: '1.29',
    tags: {},
    accountName: 'Batch',
  }),
];

describe('searchClusters', () => {
  it('keeps every row for an empty query', () => {
    expect(searchClusters(rows, '  ')).toHaveLength(3);
  });

  it('matches name, region, version, account and key=value tags, every word, any case', () => {
    expect(searchClusters(rows, 'PROD').map((r) => r.clusterId)).toEqual(['a']);
    expect(searchClusters(rows, 'west').map((r) => r.clusterId)).toEqual(['b', 'c']);
    expect(searchClusters(rows, 'west 1.29').map((r) => r.clusterId)).toEqual(['c']);
    expect(searchClusters(rows, 'env=dev').map((r) => r.clusterId)).toEqual(['b']);
    expect(searchClusters(rows, 'dev us-east')).toEqual([]);
  });
});

describe('sorting', () => {
  it('compares Kubernetes versions numerically', () => {
    expect(compareVersions('1.9', '1.30')).toBeLessThan(0);
    expect(compareVersions('v1.30', '1.30')).toBe(0);
    expect(compareVersions('1.30.2', '1.30.10')).toBeLessThan(0);
  });

  it('orders grades best first with ungraded clusters last', () => {
    const graded = (grade: 'A' | 'C' | 'F' | null, score: number | null) =>
      clusterRow({ efficiency: { ...clusterRow().efficiency, grade, score } });
    const list = [
      graded(null, null),
      graded('F', 0.2),
      graded('A', 0.9),
      graded('C', 0.55),
      graded('A', 0.95),
    ];
    const sorted = [...list].sort(clusterComparators.grade).map((r) => r.efficiency.score);
    expect(sorted).toEqual([0.95, 0.9, 0.55, 0.2, null]);
    expect(gradeRank(null)).toBeGreaterThan(gradeRank('F'));
  });

  it('sorts by run rate and nodes numerically', () => {
    const a = clusterRow({ monthlyRunRateUsd: 900, nodeCount: 9 });
    const b = clusterRow({ monthlyRunRateUsd: 10_000, nodeCount: 10 });
    expect(clusterComparators.runRate(a, b)).toBeLessThan(0);
    expect(clusterComparators.nodes(b, a)).toBeGreaterThan(0);
  });
});

describe('efficiency tooltip', () => {
  it('lists the score and its inputs', () => {
    const lines = efficiencyTooltipLines(clusterRow().efficiency);
    expect(lines.map((l) => l.label)).toEqual([
      'Score',
      'CPU utilization',
      'Memory utilization',
      'Cost weight',
      'Nodes graded',
      'Basis',
    ]);
    expect(lines[0]?.value).toBe('62.0% (grade C)');
    expect(lines[1]?.value).toBe('55.0%');
    expect(lines[3]?.value).toBe('$10.96/h ($8,001/month)');
    expect(lines[4]?.value).toBe('12');
  });

  it('says why a cluster without usage metrics has no grade', () => {
    const lines = efficiencyTooltipLines({
      ...clusterRow().efficiency,
      score: null,
      grade: null,
      cpuUtilization: null,
      memoryUtilization: null,
      basis: 'unavailable',
    });
    expect(lines[0]?.value).toMatch(/not graded: no usage metrics/);
    expect(lines[1]?.value).toBe('—');
  });

  it('states the same grading scale as shared/', () => {
    for (const t of savings.gradeThresholds) {
      if (Number.isFinite(t.minScore))
        expect(gradeScale).toContain(`${t.grade} ≥ ${Math.round(t.minScore * 100)}%`);
    }
  });
});
