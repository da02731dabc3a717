import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/pricing/catalog';
import {
  instanceFamily,
  noLivePrices,
  priceNode,
  spotHistoryPoints,
  spotPricesOf,
  typePrices,
} from '../../src/savings/node-pricing';
import { live } from './snapshot-fixtures';

const catalog = loadCatalog();

describe('priceNode', () => {
  it('takes the live price of the node’s capacity type first', () => {
    expect(
      priceNode(live, 'us-east-1', { instanceType: 'm5.large', capacityType: 'on-demand', zone: 'x' }),
    ).toEqual({ hourlyPriceUsd: 0.1, priceSource: 'live-on-demand' });
    expect(
      priceNode(live, 'us-east-1', { instanceType: 'm5.large', capacityType: 'spot', zone: 'us-east-1b' }),
    ).toEqual({ hourlyPriceUsd: 0.04, priceSource: 'live-spot' });
  });

  it('prices a spot node in an AZ without a live price at the mean of the region’s AZs', () => {
    const prices = { ...noLivePrices, spot: { 'm5.large|us-east-1a': 0.03, 'm5.large|us-east-1b': 0.05 } };
    const p = priceNode(prices, 'us-east-1', {
      instanceType: 'm5.large',
      capacityType: 'spot',
      zone: 'us-east-1c',
    });
    expect(p.priceSource).toBe('live-spot');
    expect(p.hourlyPriceUsd).toBeCloseTo(0.04, 12);
  });

  it('falls back to the dated catalog, and says unknown (never $0) where the catalog has no price', () => {
    const quote = catalog.onDemandHourlyUsd('m5.large', 'us-east-1');
    expect(
      priceNode(noLivePrices, 'us-east-1', {
        instanceType: 'm5.large',
        capacityType: 'on-demand',
        zone: null,
      }),
    ).toEqual({ hourlyPriceUsd: quote?.hourlyUsd, priceSource: 'catalog', catalogAsOf: quote?.asOf });
    expect(
      priceNode(noLivePrices, 'ap-south-2', {
        instanceType: 'm5.large',
        capacityType: 'on-demand',
        zone: null,
      }),
    ).toEqual({ hourlyPriceUsd: null, priceSource: 'unknown' });
  });
});

describe('typePrices', () => {
  it('gives the live on-demand and mean live spot price, else the catalog’s, with the advisor bucket', () => {
    expect(typePrices(live, 'us-east-1', 'm5.large')).toEqual({
      onDemandHourlyUsd: 0.1,
      spotHourlyUsd: 0.04,
      interruptionBucket: catalog.instanceType('m5.large')?.spot['us-east-1']?.[1],
      spotHistory: [],
    });
    const fromCatalog = typePrices(noLivePrices, 'us-east-1', 'c5.large');
    expect(fromCatalog.onDemandHourlyUsd).toBe(catalog.onDemandHourlyUsd('c5.large', 'us-east-1')?.hourlyUsd);
    expect(fromCatalog.spotHourlyUsd).toBe(catalog.spotHourlyEstimateUsd('c5.large', 'us-east-1')?.hourlyUsd);
    expect(typePrices(noLivePrices, 'us-east-1', 'zz9.huge')).toEqual({
      onDemandHourlyUsd: null,
      spotHourlyUsd: null,
      interruptionBucket: null,
      spotHistory: [],
    });
  });
});

describe('spotPricesOf', () => {
  it('keeps the latest price per type and AZ and the history per type, oldest first', () => {
    const at = (h: number) => `2026-07-01T${String(h).padStart(2, '0')}:00:00.000Z`;
    expect(
      spotPricesOf([
        { instanceType: 'm5.large', availabilityZone: 'a', priceUsdPerHour: 0.05, timestamp: at(2) },
        { instanceType: 'm5.large', availabilityZone: 'a', priceUsdPerHour: 0.04, timestamp: at(1) },
        { instanceType: 'm5.large', availabilityZone: 'b', priceUsdPerHour: 0.06, timestamp: at(0) },
      ]),
    ).toEqual({
      spot: { 'm5.large|a': 0.05, 'm5.large|b': 0.06 },
      spotHistory: { 'm5.large': [0.06, 0.04, 0.05] },
    });
  });

  it('property: the latest point wins per key; history is the last 48 prices of the type in time order', () => {
    const point = fc.record({
      instanceType: fc.constantFrom('m5.large', 'c5.large'),
      availabilityZone: fc.constantFrom('a', 'b', 'c'),
      priceUsdPerHour: fc.double({ min: 0.001, max: 1, noNaN: true }),
      timestamp: fc.integer({ min: 0, max: 10_000 }).map((s) => new Date(s * 60_000).toISOString()),
    });
    fc.assert(
      fc.property(
        fc.uniqueArray(point, { selector: (p) => `${p.instanceType}|${p.timestamp}`, maxLength: 120 }),
        (points) => {
          const { spot, spotHistory } = spotPricesOf(points);
          for (const [key, price] of Object.entries(spot)) {
            const ofKey = points.filter((p) => `${p.instanceType}|${p.availabilityZone}` === key);
            const latest = ofKey.reduce((a, b) => (b.timestamp > a.timestamp ? b : a));
            expect(price).toBe(latest.priceUsdPerHour);
          }
          for (const [type, history] of Object.entries(spotHistory)) {
            const ofType = points
              .filter((p) => p.instanceType === type)
              .sort((a, b) => a.timestamp.localeCompare(b.timestamp));
            expect(history).toEqual(ofType.slice(-spotHistoryPoints).map((p) => p.priceUsdPerHour));
          }
        },
      ),
    );
  });
});

it('instanceFamily is the part before the first dot', () => {
  expect(instanceFamily('m5.large')).toBe('m5');
  expect(instanceFamily('g4dn.12xlarge')).toBe('g4dn');
  expect(instanceFamily('odd')).toBe('odd');
});
