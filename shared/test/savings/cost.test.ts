import { describe, expect, it } from 'vitest';
import {
  monthlyRunRate,
  nodePriceSchema,
  requestHourlyCostUsd,
  resolveNodeHourlyPrice,
  toMonthlyUsd,
  unitPricesFromNodes,
} from '../../src/savings/cost';
import { parseSavingsInput, SavingsError } from '../../src/savings/errors';

describe('node hourly price', () => {
  it('uses the live price of the node capacity type and falls back to the dated catalog', () => {
    expect(resolveNodeHourlyPrice({ capacityType: 'on-demand', liveOnDemandHourlyPriceUsd: 0.096 })).toEqual({
      hourlyPriceUsd: 0.096,
      source: 'live-on-demand',
    });
    expect(
      resolveNodeHourlyPrice({
        capacityType: 'spot',
        liveOnDemandHourlyPriceUsd: 0.096,
        liveSpotHourlyPriceUsd: 0.0371,
      }),
    ).toEqual({ hourlyPriceUsd: 0.0371, source: 'live-spot' });
    expect(
      resolveNodeHourlyPrice({
        capacityType: 'spot',
        liveOnDemandHourlyPriceUsd: 0.096,
        liveSpotHourlyPriceUsd: null,
        catalog: { hourlyPriceUsd: 0.04, asOf: '2025-06-01' },
      }),
    ).toEqual({ hourlyPriceUsd: 0.04, source: 'catalog', catalogAsOf: '2025-06-01' });
  });

  it('refuses to price a node at 0 when nothing is known', () => {
    const attempt = () => resolveNodeHourlyPrice({ capacityType: 'on-demand' });
    expect(attempt).toThrow(SavingsError);
    try {
      attempt();
    } catch (error) {
      expect((error as SavingsError).code).toBe('SAVINGS_PRICE_UNKNOWN');
      expect((error as SavingsError).statusCode).toBe(400);
    }
  });

  it('requires a date on catalog prices at the boundary', () => {
    expect(() =>
      parseSavingsInput(nodePriceSchema, { hourlyPriceUsd: 0.1, source: 'catalog' }, 'Node price'),
    ).toThrow(/catalogAsOf/);
  });
});

describe('monthly run rate', () => {
  it('is the sum of node hourly prices x 730, split by price source', () => {
    const rate = monthlyRunRate([
      { hourlyPriceUsd: 0.096, source: 'live-on-demand' },
      { hourlyPriceUsd: 0.192, source: 'live-on-demand' },
      { hourlyPriceUsd: 0.035, source: 'catalog', catalogAsOf: '2026-07-20' },
      { hourlyPriceUsd: 0.04, source: 'catalog', catalogAsOf: '2025-06-01' },
    ]);
    // 0.096 + 0.192 + 0.035 + 0.04 = 0.363 USD/h; x 730 = 264.99 USD/month
    expect(rate.hourlyCostUsd).toBeCloseTo(0.363, 10);
    expect(rate.monthlyRunRateUsd).toBeCloseTo(264.99, 8);
    expect(rate.bySource.catalog).toEqual({ nodeCount: 2, hourlyCostUsd: expect.closeTo(0.075, 10) });
    expect(rate.bySource['live-on-demand'].nodeCount).toBe(2);
    expect(rate.oldestCatalogAsOf).toBe('2025-06-01');
    expect(toMonthlyUsd(1)).toBe(730);
  });

  it('is 0 for an empty cluster', () => {
    expect(monthlyRunRate([]).monthlyRunRateUsd).toBe(0);
  });
});

describe('unit prices', () => {
  it('splits a node price so that cores and GiB add back up to it', () => {
    // m5.large: 0.096 / (2 + 0.1 x 8) = 0.0342857 per vCPU-h; 0.00342857 per GiB-h
    const unit = unitPricesFromNodes([
      { hourlyPriceUsd: 0.096, allocatableCpuMilli: 2000, allocatableMemoryMiB: 8192 },
    ]);
    expect(unit.cpuCoreHourlyUsd).toBeCloseTo(0.0342857, 6);
    expect(unit.memoryGiBHourlyUsd).toBeCloseTo(0.00342857, 7);
    expect(requestHourlyCostUsd(2000, 8192, unit)).toBeCloseTo(0.096, 12);
  });

  it('blends a cluster of nodes and is zero for none', () => {
    const unit = unitPricesFromNodes([
      { hourlyPriceUsd: 0.096, allocatableCpuMilli: 2000, allocatableMemoryMiB: 8192 },
      { hourlyPriceUsd: 0.17, allocatableCpuMilli: 4000, allocatableMemoryMiB: 8192 },
    ]);
    // (0.096 + 0.17) / (2 + 0.8 + 4 + 0.8) = 0.266 / 7.6 = 0.035
    expect(unit.cpuCoreHourlyUsd).toBeCloseTo(0.035, 12);
    expect(unitPricesFromNodes([])).toEqual({ cpuCoreHourlyUsd: 0, memoryGiBHourlyUsd: 0 });
  });
});
