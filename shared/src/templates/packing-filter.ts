import type { NodeTemplateSpec } from '../model/node-template';
import type { InstanceTypeFilter } from '../pricing/catalog';

/**
 * The packer's instance type filter for a node template, so savings can be computed "under this
 * template": `filterInstanceTypes(types, templateInstanceFilter(spec, region))` is
 * `allowedInstanceTypes(spec, types, region)`.
 */
export function templateInstanceFilter(
  spec: Pick<NodeTemplateSpec, 'families' | 'architecture' | 'excludedSizes' | 'capacityType'>,
  region?: string,
): InstanceTypeFilter {
  return {
    families: spec.families,
    architectures: [spec.architecture],
    excludeSizes: spec.excludedSizes,
    // Hybrid templates still launch never-spot types on demand; only spot-only templates lose them.
    ...(spec.capacityType === 'spot' ? { spotSupportedOnly: true } : {}),
    ...(region === undefined ? {} : { pricedInRegion: region }),
  };
}
