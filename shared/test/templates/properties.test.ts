import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type NodeTemplateSpec,
  nodeTemplateSpecSchema,
  spotAllocationStrategies,
  templateArchitectures,
  templateCapacityTypes,
  templateDiskTypes,
} from '../../src/model/node-template';
import { loadCatalog } from '../../src/pricing';
import type { CatalogInstanceType } from '../../src/pricing/catalog-types';
import { estimateTemplateCost, type TemplatePriceStats, validateNodeTemplate } from '../../src/templates';
import { instanceType, syntheticCatalog } from './helpers';

const regions = ['r1', 'r2', 'r3'] as const;
const sizes = ['large', 'xlarge', '2xlarge', 'metal'] as const;

const typeArb = fc
  .record({
    family: fc.constantFrom('a', 'b', 'c'),
    size: fc.constantFrom(...sizes),
    vcpu: fc.integer({ min: 1, max: 64 }),
    architectures: fc.subarray(['x86_64', 'arm64', 'i386'], { minLength: 1 }),
    spotSupported: fc.boolean(),
    onDemandHourlyUsd: fc.dictionary(
      fc.constantFrom(...regions),
      fc.double({ min: 0.001, max: 50, noNaN: true, noDefaultInfinity: true }),
    ),
    spot: fc.dictionary(
      fc.constantFrom(...regions),
      fc.tuple(fc.integer({ min: 0, max: 90 }), fc.integer({ min: 0, max: 4 })),
    ),
  })
  .map(({ family, size, ...fields }) => instanceType(`${family}.${size}`, fields));

const typesArb = fc.uniqueArray(typeArb, { selector: (t) => t.name, maxLength: 12 });

const diskArb = fc.record(
  {
    type: fc.constantFrom(...templateDiskTypes),
    sizeGiB: fc.oneof(fc.constantFrom(1, 3, 4, 20, 100), fc.integer({ min: 1, max: 16_384 })),
    iops: fc.oneof(fc.constantFrom(100, 200, 3000), fc.integer({ min: 100, max: 64_000 })),
  },
  { requiredKeys: ['type', 'sizeGiB'] },
);

const specArb = (families: readonly string[], sizeNames: readonly string[]): fc.Arbitrary<NodeTemplateSpec> =>
  fc
    .record(
      {
        families: fc.uniqueArray(fc.constantFrom(...families), { minLength: 1, maxLength: 4 }),
        architecture: fc.constantFrom(...templateArchitectures),
        excludedSizes: fc.uniqueArray(fc.constantFrom(...sizeNames), { maxLength: 6 }),
        capacityType: fc.constantFrom(...templateCapacityTypes),
        spotAllocationStrategy: fc.constantFrom(...spotAllocationStrategies),
        disk: diskArb,
      },
      { requiredKeys: ['families', 'architecture', 'excludedSizes', 'capacityType', 'disk'] },
    )
    .map((raw) => nodeTemplateSpecSchema.parse(raw));

const syntheticSpecArb = specArb(['a', 'b', 'c', 'zz'], sizes);
const regionArb = fc.constantFrom(...regions, 'r4');

const real = loadCatalog();
const realFamilies = [...new Set(real.instanceTypes.map((t) => t.family)), 'zz9'];
const realSizes = [...new Set(real.instanceTypes.map((t) => t.size))];
const realRegionArb = fc.constantFrom('us-east-1', 'us-gov-east-1', 'us-gov-west-1', 'eu-west-1');
// Families of one architecture, so that many drafts are free of conflicts and (b) is not vacuous.
const familiesOfArch = (arch: string) =>
  [...new Set(real.instanceTypes.filter((t) => t.architectures.includes(arch)).map((t) => t.family))].sort();
const realSpecArb = fc.oneof(
  specArb(realFamilies, realSizes),
  specArb(familiesOfArch('arm64'), ['metal', 'large', 'xlarge']).map((s) => ({
    ...s,
    architecture: 'arm64' as const,
  })),
  specArb(familiesOfArch('x86_64'), ['metal', 'large', 'xlarge']).map((s) => ({
    ...s,
    architecture: 'x86_64' as const,
  })),
);

function expectAllowedExactly(spec: NodeTemplateSpec, types: readonly CatalogInstanceType[], region: string) {
  const { allowedInstanceTypes, allowedCountByRegion } = validateNodeTemplate(spec, types, { region });
  const byName = new Map(types.map((t) => [t.name, t]));
  const pricedHere = types.filter((t) => t.onDemandHourlyUsd[region] !== undefined).map((t) => t.name);
  // (a) allowed in the region ⊆ priced in the region, and each allowed type meets every constraint.
  for (const name of allowedInstanceTypes) {
    expect(pricedHere).toContain(name);
    const t = byName.get(name);
    expect(t && spec.families.includes(t.family)).toBe(true);
    expect(t?.architectures).toContain(spec.architecture);
    expect(spec.excludedSizes).not.toContain(t?.size);
    if (spec.capacityType === 'spot') expect(t?.spotSupported).toBe(true);
  }
  // ... and nothing that meets them is left out.
  const expected = types.filter(
    (t) =>
      t.onDemandHourlyUsd[region] !== undefined &&
      spec.families.includes(t.family) &&
      t.architectures.includes(spec.architecture) &&
      !spec.excludedSizes.includes(t.size) &&
      (spec.capacityType !== 'spot' || t.spotSupported),
  );
  expect(allowedInstanceTypes).toEqual(expected.map((t) => t.name));
  if (allowedCountByRegion[region] !== undefined) expect(allowedCountByRegion[region]).toBe(expected.length);
}

describe('allowed instance types (property a)', () => {
  it('are exactly the priced types of the region that meet family, architecture, size and spot (synthetic)', () => {
    fc.assert(
      fc.property(typesArb, syntheticSpecArb, regionArb, (types, spec, region) => {
        expectAllowedExactly(spec, types, region);
      }),
    );
  });

  it('are exactly the priced types of the region that meet family, architecture, size and spot (catalog)', () => {
    fc.assert(
      fc.property(realSpecArb, realRegionArb, (spec, region) => {
        expectAllowedExactly(spec, real.instanceTypes, region);
      }),
      { numRuns: 200 },
    );
  });
});

describe('a draft without conflicts (property b)', () => {
  it('allows at least one instance type in its region (synthetic)', () => {
    fc.assert(
      fc.property(
        typesArb,
        syntheticSpecArb,
        fc.option(regionArb, { nil: undefined }),
        (types, spec, region) => {
          const result = validateNodeTemplate(spec, types, { region });
          if (result.conflicts.length === 0) expect(result.allowedInstanceTypes.length).toBeGreaterThan(0);
          else expect(new Set(result.conflicts.map((c) => c.message)).size).toBe(result.conflicts.length);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('allows at least one instance type in its region (catalog), and some drafts are free of conflicts', () => {
    let clean = 0;
    fc.assert(
      fc.property(realSpecArb, realRegionArb, (spec, region) => {
        const result = validateNodeTemplate(spec, real.instanceTypes, { region });
        if (result.conflicts.length > 0) return;
        clean += 1;
        expect(result.allowedInstanceTypes.length).toBeGreaterThan(0);
      }),
      { numRuns: 300 },
    );
    expect(clean).toBeGreaterThan(10);
  });
});

const liveArb = fc.option(
  fc.dictionary(
    fc.constantFrom(...sizes.flatMap((s) => ['a', 'b', 'c'].map((f) => `${f}.${s}`))),
    fc.double({ min: 0.0001, max: 50, noNaN: true, noDefaultInfinity: true }),
  ),
  { nil: undefined },
);

const expectOrdered = (stats: TemplatePriceStats | null) => {
  if (!stats) return;
  expect(stats.typeCount).toBeGreaterThan(0);
  expect(stats.minHourlyUsd).toBeLessThanOrEqual(stats.avgHourlyUsdPerInstance);
  expect(stats.avgHourlyUsdPerInstance).toBeLessThanOrEqual(stats.maxHourlyUsd);
  expect(stats.avgHourlyUsdPerVcpu).toBeGreaterThan(0);
};

const only = <V>(record: Readonly<Record<string, V>>, region: string): Record<string, V> =>
  Object.fromEntries(Object.entries(record).filter(([r]) => r === region));

/** The same catalog with every other region's prices and advisor figures replaced (even seed) or dropped. */
const otherRegionsMutated = (types: readonly CatalogInstanceType[], region: string, seed: number) =>
  types.map((t, i): CatalogInstanceType => {
    const noise = ((seed + i * 7919) % 997) / 10 + 0.01;
    const others = seed % 2 === 0 ? regions.filter((r) => r !== region) : [];
    return {
      ...t,
      onDemandHourlyUsd: {
        ...only(t.onDemandHourlyUsd, region),
        ...Object.fromEntries(others.map((r) => [r, noise])),
      },
      spot: { ...only(t.spot, region), ...Object.fromEntries(others.map((r) => [r, [i % 90, 1] as const])) },
    };
  });

describe('the estimator (property c)', () => {
  it('keeps min <= avg <= max, and reads no region but its own', () => {
    fc.assert(
      fc.property(
        typesArb,
        syntheticSpecArb,
        regionArb,
        liveArb,
        fc.nat(),
        (types, spec, region, live, seed) => {
          const options = live ? { liveSpotHourlyUsd: live, liveAsOf: '2026-12-05T10:00:00Z' } : {};
          const estimate = estimateTemplateCost(spec, syntheticCatalog(types), region, options);
          expectOrdered(estimate.onDemand);
          expectOrdered(estimate.spot);
          expect(estimate.typeCount).toBe(
            validateNodeTemplate(spec, types, { region }).allowedInstanceTypes.length,
          );
          if (spec.capacityType === 'spot') expect(estimate.onDemand).toBeNull();
          if (spec.capacityType === 'on-demand') expect(estimate.spot).toBeNull();

          const mutated = syntheticCatalog(otherRegionsMutated(types, region, seed));
          expect(estimateTemplateCost(spec, mutated, region, options)).toEqual(estimate);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('keeps min <= avg <= max on the vendored catalog', () => {
    fc.assert(
      fc.property(realSpecArb, realRegionArb, (spec, region) => {
        const estimate = estimateTemplateCost(spec, real, region);
        expectOrdered(estimate.onDemand);
        expectOrdered(estimate.spot);
      }),
      { numRuns: 100 },
    );
  });
});
