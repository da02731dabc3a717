import { describe, expect, it } from 'vitest';
import { decodeCard, decodePacking, encodeCard, encodePacking } from '../../src/dashboard/card';

const row = {
  clusterId: 'eks-1',
  name: 'prod',
  accountId: 'acct',
  region: 'eu-west-1',
  kubernetesVersion: '1.30',
  nodeCount: 3,
  podCount: 20,
  monthlyRunRateUsd: 730,
  timeZone: 'Europe/Berlin',
  tags: { env: 'prod' },
  lastSyncedAt: '2026-07-01T12:00:00.000Z',
  collection: { status: 'ok' as const, reason: null, source: 'agent' as const },
};

describe('dashboard card', () => {
  it('keeps the row and only the summary parts the dashboard reads', () => {
    const summary = {
      computedAt: '2026-07-01T12:00:00.000Z',
      cost: { hourlyCostUsd: 1, monthlyRunRateUsd: 730, bySource: { catalog: { nodeCount: 3 } } },
      rightsizing: { monthlySavingUsd: 5, top: [{ name: 'big list the dashboard never shows' }] },
    };
    const encoded = encodeCard({ ...row, summary });
    expect(encoded).not.toContain('big list');
    const card = decodeCard(encoded);
    expect(card).toMatchObject(row);
    expect(card?.summary?.cost).toEqual({ hourlyCostUsd: 1, monthlyRunRateUsd: 730 });
    expect(card?.summary?.rightsizing).toEqual({ monthlySavingUsd: 5 });
  });

  it('reads a cluster never read (no summary), and nothing from an unreadable string', () => {
    expect(decodeCard(encodeCard({ ...row, summary: null }))?.summary).toBeNull();
    expect(decodeCard('{not json')).toBeNull();
    expect(decodeCard(JSON.stringify({ name: 'no id' }))).toBeNull();
    expect(decodeCard(null)).toBeNull();
  });

  it('copies the card’s bin-packing estimate for the series item, figure for figure', () => {
    const binPacking = {
      currentHourlyCostUsd: 1.25,
      planHourlyCostUsd: 0.75,
      lowerBoundHourlyCostUsd: 0.5,
      monthlySavingUsd: 365,
      nodesNow: 3,
      nodesInPlan: 2,
    };
    const card = encodeCard({ ...row, summary: { binPacking } });
    expect(decodePacking(encodePacking(card))).toEqual(decodeCard(card)?.summary?.binPacking);
    expect(decodePacking(encodePacking(card))).toEqual(binPacking);
    // No estimate (or no summary): nothing to copy, and nothing read from an unreadable string.
    expect(encodePacking(encodeCard({ ...row, summary: { binPacking: null } }))).toBeNull();
    expect(encodePacking(encodeCard({ ...row, summary: null }))).toBeNull();
    expect(decodePacking('1,2,x,4,5,6')).toBeNull();
    expect(decodePacking('1,2')).toBeNull();
    expect(decodePacking(null)).toBeNull();
  });
});
