import { describe, expect, it } from 'vitest';
import {
  Catalog,
  eksAllocatable,
  eksReservedCpuMilli,
  eksReservedMemoryMiB,
  filterInstanceTypes,
  instanceType,
  layeredPriceSource,
  loadCatalog,
  onDemandHourlyUsd,
  priceTableSource,
  spotHourlyEstimateUsd,
  UnknownInstanceTypeError,
} from '../../src/pricing';

describe('vendored catalog', () => {
  const catalog = loadCatalog();

  it('loads with more than 1,300 instance types and dated sources', () => {
    expect(catalog.instanceTypes.length).toBeGreaterThan(1300);
    expect(catalog.metadata.generatedAt).toBe('2026-08-22');
    for (const source of catalog.metadata.sources) {
      expect(source.commit).toMatch(/^[0-9a-f]{8,40}$/);
      expect(source.license).not.toBe('');
      expect(source.asOf).not.toBe('');
    }
  });

  it('knows m5.large: 2 vCPU, 8192 MiB, 29 max pods, $0.096/h on-demand in us-east-1', () => {
    const m5 = instanceType('m5.large');
    expect(m5).toMatchObject({ vcpu: 2, memoryMiB: 8192, maxPods: 29, family: 'm5', size: 'large' });
    const price = onDemandHourlyUsd('m5.large', 'us-east-1');
    expect(price?.hourlyUsd).toBe(0.096);
    expect(price?.asOf).toBe('2026-07-20T13:44:30Z');
    expect(price?.source.id).toBe('karpenter-generated-pricing');
  });

  it('reports a region without price data as unknown, not as us-east-1', () => {
    expect(onDemandHourlyUsd('m5.large', 'eu-west-1')).toBeUndefined();
    expect(spotHourlyEstimateUsd('m5.large', 'eu-west-1')).toBeUndefined();
    // The advisor does have eu-west-1 figures: only the on-demand base is missing.
    expect(instanceType('m5.large')?.spot['eu-west-1']).toBeDefined();
    expect(onDemandHourlyUsd('m5.large', 'us-gov-west-1')?.hourlyUsd).toBe(0.121);
  });

  it('estimates spot from the advisor savings and carries the interruption bucket and the older date', () => {
    const [savingsPct, bucket] = instanceType('m5.large')?.spot['us-east-1'] ?? [];
    const spot = spotHourlyEstimateUsd('m5.large', 'us-east-1');
    expect(spot?.hourlyUsd).toBeCloseTo(0.096 * (1 - (savingsPct ?? 0) / 100), 6);
    expect(spot?.interruptionBucket).toBe(bucket);
    expect(spot?.asOf).toBe('2025-06');
    expect(spot?.source.kind).toBe('estimate');
  });

  it('uses the ENI formula for types missing from eni-max-pods.txt', () => {
    const formula = catalog.instanceTypes.filter((t) => t.maxPodsSource === 'eni-formula');
    expect(formula.length).toBeGreaterThan(0);
    for (const t of formula) expect(t.maxPods).toBe(t.enis * (t.ipv4PerEni - 1) + 2);
  });

  it('throws a typed error for an unknown type when asked to', () => {
    expect(() => catalog.requireInstanceType('m5.enormous')).toThrow(UnknownInstanceTypeError);
    expect(instanceType('m5.enormous')).toBeUndefined();
  });
});

describe('EKS allocatable', () => {
  it('reserves CPU as bootstrap.sh does', () => {
    expect(eksReservedCpuMilli(1)).toBe(60);
    expect(eksReservedCpuMilli(2)).toBe(70);
    expect(eksReservedCpuMilli(4)).toBe(80);
    expect(eksReservedCpuMilli(8)).toBe(90);
    expect(eksReservedCpuMilli(96)).toBe(310);
  });

  it('reserves 255 MiB + 11 MiB per pod and 100 MiB eviction', () => {
    expect(eksReservedMemoryMiB(29)).toBe(574);
    const m5 = loadCatalog().requireInstanceType('m5.large');
    expect(eksAllocatable(m5)).toEqual({
      cpuMilli: 1930,
      memoryMiB: 8192 - 574 - 100,
      pods: 29,
      resources: {},
    });
    expect(eksAllocatable(m5, { vmMemoryOverheadPercent: 7.5 }).memoryMiB).toBe(
      Math.floor(8192 * 0.925) - 674,
    );
  });

  it('exposes GPUs as milli-unit extended resources', () => {
    const g4 = loadCatalog().requireInstanceType('g4dn.xlarge');
    expect(eksAllocatable(g4).resources).toEqual({ 'nvidia.com/gpu': 1000 });
  });
});

describe('filterInstanceTypes', () => {
  const types = loadCatalog().instanceTypes;

  it('keeps families, architectures and sizes asked for', () => {
    const kept = filterInstanceTypes(types, {
      families: ['m5', 'm6g'],
      architectures: ['amd64'],
      sizes: ['large'],
    });
    expect(kept.map((t) => t.name)).toEqual(['m5.large']);
  });

  it('excludes GPUs and unpriced regions when asked', () => {
    const kept = filterInstanceTypes(types, { gpu: 'exclude', pricedInRegion: 'us-east-1' });
    expect(kept.every((t) => !t.gpu && t.onDemandHourlyUsd['us-east-1'] !== undefined)).toBe(true);
    expect(kept.length).toBeGreaterThan(1000);
  });
});

describe('price sources', () => {
  it('prefers a live price and falls back to the catalog with its date', () => {
    const live = priceTableSource({
      onDemand: {
        'eu-west-1': {
          'm5.large': {
            hourlyUsd: 0.107,
            asOf: '2026-11-26T10:00:00Z',
            source: { kind: 'aws-live', id: 'aws-pricing-api', description: 'live' },
          },
        },
      },
      spot: {},
    });
    const prices = layeredPriceSource(live, loadCatalog());
    expect(prices.onDemandHourlyUsd('m5.large', 'eu-west-1')?.hourlyUsd).toBe(0.107);
    expect(prices.onDemandHourlyUsd('m5.large', 'us-east-1')?.source.kind).toBe('catalog');
    expect(prices.onDemandHourlyUsd('m5.large', 'ap-south-1')).toBeUndefined();
  });

  it('builds a catalog from any catalog file', () => {
    const small = new Catalog({ metadata: loadCatalog().metadata, instanceTypes: [] });
    expect(small.instanceType('m5.large')).toBeUndefined();
  });
});
