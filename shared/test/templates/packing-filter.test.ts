import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allowedInstanceTypes } from '../../src/model/node-template';
import { filterInstanceTypes } from '../../src/pricing/catalog';
import { templateInstanceFilter } from '../../src/templates/packing-filter';
import { catalogTypes, mixedSpotFamilies, specArb } from './karpenter-fixtures';

const names = (types: readonly { name: string }[]) => types.map((t) => t.name);

describe('templateInstanceFilter', () => {
  it('selects exactly allowedInstanceTypes, with or without a region', () => {
    fc.assert(
      fc.property(
        specArb,
        fc.option(fc.constantFrom('us-east-1', 'us-gov-west-1', 'eu-west-1'), { nil: undefined }),
        (spec, region) => {
          expect(names(filterInstanceTypes(catalogTypes, templateInstanceFilter(spec, region)))).toEqual(
            names(allowedInstanceTypes(spec, catalogTypes, region)),
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it('drops never-spot types for spot templates only', () => {
    const spec: Parameters<typeof templateInstanceFilter>[0] = {
      families: mixedSpotFamilies,
      architecture: 'x86_64',
      excludedSizes: [],
      capacityType: 'spot',
    };
    const spot = names(filterInstanceTypes(catalogTypes, templateInstanceFilter(spec)));
    const hybrid = names(
      filterInstanceTypes(catalogTypes, templateInstanceFilter({ ...spec, capacityType: 'hybrid' })),
    );
    expect(spot).not.toContain('hpc7a.96xlarge');
    expect(hybrid).toContain('hpc7a.96xlarge');
    expect(spot.every((n) => hybrid.includes(n))).toBe(true);
  });
});
