import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/pricing';
import { estimateTemplateCost } from '../../src/templates';
import { instanceType, spec, syntheticCatalog } from './helpers';

// r1: a.large 0.1 (spot -50%), a.xlarge 0.2 (spot -25%), a.metal not sold as spot; r2 prices only a.2xlarge.
const catalog = syntheticCatalog([
  instanceType('a.large', { vcpu: 2, onDemandHourlyUsd: { r1: 0.1, r2: 0.5 }, spot: { r1: [50, 0] } }),
  instanceType('a.xlarge', { vcpu: 4, onDemandHourlyUsd: { r1: 0.2 }, spot: { r1: [25, 1], r2: [10, 0] } }),
  instanceType('a.2xlarge', { vcpu: 8, onDemandHourlyUsd: { r2: 1 }, spot: { r2: [40, 2] } }),
  instanceType('a.metal', { vcpu: 16, spotSupported: false, onDemandHourlyUsd: { r1: 0.9 } }),
  instanceType('b.large', {
    architectures: ['arm64'],
    onDemandHourlyUsd: { r1: 0.05 },
    spot: { r1: [60, 0] },
  }),
]);

describe('estimateTemplateCost on a synthetic catalog', () => {
  it("prices the catalog's unpriced types from live on-demand prices of the region, spot via the advisor", () => {
    // r2: the catalog prices a.large and a.2xlarge; a.xlarge only live (0.3, advisor -10% in r2).
    const estimate = estimateTemplateCost(spec({ families: ['a'], capacityType: 'hybrid' }), catalog, 'r2', {
      liveOnDemandHourlyUsd: { 'a.xlarge': 0.3, 'a.large': 0.4 },
      liveAsOf: '2026-12-01T00:00:00Z',
    });
    expect(estimate.typeCount).toBe(3);
    // Live wins over the catalog for a.large (0.4, not 0.5); a.2xlarge stays the catalog's 1.
    expect(estimate.onDemand).toMatchObject({ typeCount: 3, minHourlyUsd: 0.3, maxHourlyUsd: 1 });
    expect(estimate.onDemand?.avgHourlyUsdPerInstance).toBeCloseTo(1.7 / 3, 9);
    // Spot: a.xlarge 0.3 x 0.9 = 0.27 (live + advisor); a.2xlarge 1 x 0.6 = 0.6 (catalog); a.large has no
    // advisor entry in r2 and gets no spot figure.
    expect(estimate.spot).toMatchObject({ typeCount: 2, minHourlyUsd: 0.27, maxHourlyUsd: 0.6 });
    expect(estimate.priceSource.kind).toBe('live');
    // Nothing live: r2 has only the catalog's two types.
    expect(estimateTemplateCost(spec({ families: ['a'] }), catalog, 'r2').typeCount).toBe(2);
  });

  it("prices a hybrid template both ways, over the region's priced types only", () => {
    const estimate = estimateTemplateCost(
      spec({ families: ['a', 'b'], capacityType: 'hybrid' }),
      catalog,
      'r1',
    );
    expect(estimate.region).toBe('r1');
    expect(estimate.typeCount).toBe(3);
    expect(estimate.onDemand).toEqual({
      typeCount: 3,
      avgHourlyUsdPerInstance: expect.closeTo(1.2 / 3, 9),
      minHourlyUsd: 0.1,
      maxHourlyUsd: 0.9,
      avgHourlyUsdPerVcpu: expect.closeTo(1.2 / 22, 9),
    });
    // a.metal has no spot price: spot covers two types.
    expect(estimate.spot).toEqual({
      typeCount: 2,
      avgHourlyUsdPerInstance: expect.closeTo(0.1, 9),
      minHourlyUsd: 0.05,
      maxHourlyUsd: 0.15,
      avgHourlyUsdPerVcpu: expect.closeTo(0.2 / 6, 9),
    });
    expect(estimate.priceSource).toEqual({ kind: 'catalog', asOf: '2025-06' });
  });

  it('shows only on-demand for on-demand templates and only spot for spot templates', () => {
    const onDemand = estimateTemplateCost(spec({ families: ['a'] }), catalog, 'r1');
    expect(onDemand.spot).toBeNull();
    expect(onDemand.onDemand?.typeCount).toBe(3);
    expect(onDemand.priceSource).toEqual({ kind: 'catalog', asOf: '2026-07-20T13:44:30Z' });

    const spot = estimateTemplateCost(spec({ families: ['a'], capacityType: 'spot' }), catalog, 'r1');
    expect(spot.onDemand).toBeNull();
    // Spot templates do not allow a.metal at all.
    expect(spot.typeCount).toBe(2);
    expect(spot.spot?.minHourlyUsd).toBe(0.05);
  });

  it('never prices a type from another region', () => {
    const r2 = estimateTemplateCost(spec({ families: ['a'], capacityType: 'hybrid' }), catalog, 'r2');
    // a.xlarge has an advisor figure in r2 but no on-demand price there: not counted.
    expect(r2.typeCount).toBe(2);
    expect(r2.onDemand).toMatchObject({ typeCount: 2, minHourlyUsd: 0.5, maxHourlyUsd: 1 });
    // a.large has no advisor figure in r2: spot only knows a.2xlarge.
    expect(r2.spot).toMatchObject({ typeCount: 1, minHourlyUsd: 0.6, maxHourlyUsd: 0.6 });

    const nowhere = estimateTemplateCost(spec({ families: ['a'], capacityType: 'hybrid' }), catalog, 'r9');
    expect(nowhere).toMatchObject({ typeCount: 0, onDemand: null, spot: null });
  });

  it('lets live spot prices win over the catalog estimate, and dates the result by its oldest input', () => {
    const s = spec({ families: ['a'], capacityType: 'spot' });
    const live = estimateTemplateCost({ ...s, capacityType: 'hybrid' }, catalog, 'r1', {
      liveSpotHourlyUsd: { 'a.large': 0.03, 'a.metal': 0.01, 'zz.large': 0 },
      liveAsOf: '2026-12-05T10:00:00Z',
    });
    // a.xlarge keeps the catalog estimate; a.metal is never sold as spot, whatever the feed says.
    expect(live.spot).toMatchObject({ typeCount: 2, minHourlyUsd: 0.03, maxHourlyUsd: 0.15 });
    expect(live.priceSource).toEqual({ kind: 'live', asOf: '2025-06' });

    const allLive = estimateTemplateCost(s, catalog, 'r1', {
      liveSpotHourlyUsd: { 'a.large': 0.03, 'a.xlarge': 0.07 },
      liveAsOf: '2026-12-05T10:00:00Z',
    });
    expect(allLive.spot?.avgHourlyUsdPerInstance).toBeCloseTo(0.05, 9);
    expect(allLive.priceSource).toEqual({ kind: 'live', asOf: '2026-12-05T10:00:00Z' });

    // On-demand templates show no spot figure, so live spot prices change nothing.
    const onDemand = estimateTemplateCost(spec({ families: ['a'] }), catalog, 'r1', {
      liveSpotHourlyUsd: { 'a.large': 0.03 },
      liveAsOf: '2026-12-05T10:00:00Z',
    });
    expect(onDemand.priceSource.kind).toBe('catalog');
  });
});

describe('estimateTemplateCost on the vendored catalog', () => {
  it('matches figures recomputed from the raw catalog rows for c7g in us-east-1', () => {
    const real = loadCatalog();
    const rows = real.instanceTypes.filter(
      (t) => t.family === 'c7g' && t.size !== 'metal' && t.onDemandHourlyUsd['us-east-1'] !== undefined,
    );
    const estimate = estimateTemplateCost(
      spec({ families: ['c7g'], architecture: 'arm64', capacityType: 'hybrid', excludedSizes: ['metal'] }),
      real,
      'us-east-1',
    );
    const onDemand = rows.map((t) => t.onDemandHourlyUsd['us-east-1'] ?? Number.NaN);
    const spot = rows
      .filter((t) => t.spotSupported && t.spot['us-east-1'])
      .map((t) => {
        const [savingsPct = 0] = t.spot['us-east-1'] ?? [];
        return {
          vcpu: t.vcpu,
          usd: (t.onDemandHourlyUsd['us-east-1'] ?? Number.NaN) * (1 - savingsPct / 100),
        };
      });
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    const vcpus = sum(rows.map((t) => t.vcpu));

    expect(estimate.typeCount).toBe(rows.length);
    expect(estimate.onDemand?.minHourlyUsd).toBe(Math.min(...onDemand));
    expect(estimate.onDemand?.maxHourlyUsd).toBe(Math.max(...onDemand));
    expect(estimate.onDemand?.avgHourlyUsdPerInstance).toBeCloseTo(sum(onDemand) / onDemand.length, 9);
    expect(estimate.onDemand?.avgHourlyUsdPerVcpu).toBeCloseTo(sum(onDemand) / vcpus, 9);
    expect(estimate.spot?.typeCount).toBe(spot.length);
    expect(estimate.spot?.avgHourlyUsdPerInstance).toBeCloseTo(sum(spot.map((s) => s.usd)) / spot.length, 5);
    expect(estimate.spot?.avgHourlyUsdPerVcpu).toBeCloseTo(
      sum(spot.map((s) => s.usd)) / sum(spot.map((s) => s.vcpu)),
      5,
    );
    expect(estimate.priceSource.kind).toBe('catalog');
  });
});
