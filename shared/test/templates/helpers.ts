import { type NodeTemplateSpec, nodeTemplateSpecSchema } from '../../src/model/node-template';
import { Catalog } from '../../src/pricing/catalog';
import type { CatalogFile, CatalogInstanceType } from '../../src/pricing/catalog-types';

/** A spec as the API would have parsed it: a gp3 root volume and on-demand unless told otherwise. */
export function spec(overrides: Partial<Record<keyof NodeTemplateSpec, unknown>>): NodeTemplateSpec {
  return nodeTemplateSpecSchema.parse({
    families: ['m5'],
    architecture: 'x86_64',
    capacityType: 'on-demand',
    disk: { type: 'gp3', sizeGiB: 20 },
    ...overrides,
  });
}

/** A catalog row with the fields a test cares about; the rest are plausible defaults. */
export function instanceType(
  name: string,
  fields: Partial<Omit<CatalogInstanceType, 'name' | 'family' | 'size'>> = {},
): CatalogInstanceType {
  const [family = name, size = 'large'] = name.split('.');
  return {
    name,
    family,
    size,
    vcpu: 2,
    memoryMiB: 8192,
    architectures: ['x86_64'],
    burstable: false,
    currentGeneration: true,
    bareMetal: false,
    spotSupported: true,
    maxPods: 29,
    maxPodsSource: 'eks-eni-max-pods',
    enis: 3,
    ipv4PerEni: 10,
    onDemandHourlyUsd: {},
    spot: {},
    ...fields,
  };
}

/** A `Catalog` over synthetic rows, dated like the vendored one. */
export function syntheticCatalog(instanceTypes: readonly CatalogInstanceType[]): Catalog {
  const regions = [...new Set(instanceTypes.flatMap((t) => Object.keys(t.onDemandHourlyUsd)))];
  const file: CatalogFile = {
    metadata: {
      schemaVersion: 1,
      generatedAt: '2026-08-22',
      sources: [
        {
          id: 'od',
          description: 'on-demand',
          repo: 'a/b',
          paths: [],
          commit: 'abcdef12',
          license: 'MIT',
          asOf: '2026-07-20',
        },
        {
          id: 'advisor',
          description: 'advisor',
          repo: 'c/d',
          paths: [],
          commit: 'abcdef34',
          license: 'MIT',
          asOf: '2025-06',
        },
      ],
      sourceIds: { specs: 'od', maxPods: 'od', onDemand: 'od', spotAdvisor: 'advisor' },
      onDemandAsOf: Object.fromEntries(regions.map((r) => [r, '2026-07-20T13:44:30Z'])),
      spotAdvisorRegions: [],
      interruptionBuckets: [],
      notes: [],
    },
    instanceTypes,
  };
  return new Catalog(file);
}
