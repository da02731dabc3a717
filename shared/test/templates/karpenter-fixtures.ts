import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { parse } from 'yaml';
import { type NodeTemplateSpec, nodeTemplateSpecSchema } from '../../src/model/node-template';
import { loadCatalog } from '../../src/pricing/catalog';

/** Generators shared by the renderer tests: templates drawn from the vendored catalog's own names. */

export const catalogTypes = loadCatalog().instanceTypes;
export const catalogFamilies = [...new Set(catalogTypes.map((t) => t.family))].sort();
export const catalogSizes = [...new Set(catalogTypes.map((t) => t.size))].sort();
/** Families where some type is never sold as spot: where a spot template needs more than its families. */
export const mixedSpotFamilies = [
  ...new Set(catalogTypes.filter((t) => !t.spotSupported).map((t) => t.family)),
];

const familiesArb = fc
  .tuple(
    fc.subarray(catalogFamilies, { minLength: 0, maxLength: 12 }),
    fc.subarray(mixedSpotFamilies, { minLength: 0, maxLength: 3 }),
  )
  .map(([a, b]) => [...a, ...b])
  .filter((fs) => fs.length > 0);

const diskArb = fc.oneof(
  fc.record({
    type: fc.constantFrom('gp2', 'gp3', 'ephemeral'),
    sizeGiB: fc.integer({ min: 1, max: 16_384 }),
  }),
  fc.integer({ min: 4, max: 16_384 }).chain((sizeGiB) =>
    fc.record({
      type: fc.constant('io1'),
      sizeGiB: fc.constant(sizeGiB),
      iops: fc.integer({ min: 100, max: Math.min(64_000, 50 * sizeGiB) }),
    }),
  ),
);

export const specArb: fc.Arbitrary<NodeTemplateSpec> = fc
  .record({
    families: familiesArb,
    architecture: fc.constantFrom('x86_64', 'arm64'),
    excludedSizes: fc.subarray(catalogSizes, { maxLength: 8 }),
    capacityType: fc.constantFrom('spot', 'on-demand', 'hybrid'),
    spotAllocationStrategy: fc.option(fc.constantFrom('lowest-price', 'capacity-optimized'), {
      nil: undefined,
    }),
    disk: diskArb,
    securityGroupIds: fc.array(
      fc.stringMatching(/^[0-9a-f]{17}$/).map((hex) => `sg-${hex}`),
      { maxLength: 3 },
    ),
  })
  .map((draft) => nodeTemplateSpecSchema.parse(draft));

export const templateArb = fc.record({
  id: fc.uuid(),
  name: fc.oneof(fc.string({ minLength: 1, maxLength: 63 }), fc.constantFrom('GPU nodes', 'Général — ARM')),
  spec: specArb,
});

const crdDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'data', 'karpenter_crds');

/** `spec.versions[name=v1].schema.openAPIV3Schema` of a vendored CRD, and the CRD itself. */
export function crdSchema(file: string): { schema: object; crdText: string } {
  const crdText = readFileSync(join(crdDir, file), 'utf8');
  const crd = parse(crdText) as {
    spec: { versions: { name: string; schema: { openAPIV3Schema: object } }[] };
  };
  const v1 = crd.spec.versions.find((v) => v.name === 'v1');
  if (!v1) throw new Error(`${file} has no v1 version`);
  return { schema: v1.schema.openAPIV3Schema, crdText };
}
