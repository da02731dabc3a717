import { ValidationError } from '../errors';
import { allowedInstanceTypes, type NodeTemplateSpec } from '../model/node-template';
import type { CatalogInstanceType } from '../pricing/catalog-types';

/**
 * A node template as the EC2 Auto Scaling `MixedInstancesPolicy` of a group Karpenter does not manage
 * (API / CloudFormation casing). The policy admits exactly `allowedInstanceTypes(spec, catalog, region)`.
 * Disk and security groups live in the group's launch template, not here.
 *
 * Types: up to 40 allowed types are listed as `Overrides` with `InstanceType`, AWS's limit for that form.
 * Beyond 40, a single override with `InstanceRequirements.AllowedInstanceTypes` (up to 400 entries) names
 * them, a family as `m5.*` when every catalog type of the family is allowed in the region (so the wildcard
 * admits nothing else the catalog knows), and every attribute filter AWS applies by default (no bare
 * metal, no burstable, price protection) is opened up so the list alone decides.
 */

export const maxInstanceTypeOverrides = 40;
export const maxAllowedInstanceTypes = 400;
/** AWS's advice for turning price protection off in attribute-based selection. */
export const priceProtectionOffPct = 999_999;
/**
 * Hybrid groups: on-demand nodes kept under the spot ones for pods that are not spot-ready. Two, so those
 * pods can spread over two nodes (and zones) and survive losing one; everything above the base is spot.
 */
export const defaultHybridOnDemandBaseCapacity = 2;

export type AsgSpotAllocationStrategy = 'lowest-price' | 'capacity-optimized' | 'price-capacity-optimized';

export interface LaunchTemplateSpecification {
  readonly LaunchTemplateId?: string;
  readonly LaunchTemplateName?: string;
  readonly Version?: string;
}

export interface InstanceRequirements {
  readonly VCpuCount: { readonly Min: number };
  readonly MemoryMiB: { readonly Min: number };
  readonly AllowedInstanceTypes: readonly string[];
  readonly BareMetal: 'included';
  readonly BurstablePerformance: 'included';
  readonly InstanceGenerations: readonly ('current' | 'previous')[];
  readonly LocalStorage: 'included';
  readonly SpotMaxPricePercentageOverLowestPrice: number;
  readonly OnDemandMaxPricePercentageOverLowestPrice: number;
}

export type LaunchTemplateOverride =
  | { readonly InstanceType: string }
  | { readonly InstanceRequirements: InstanceRequirements };

export interface InstancesDistribution {
  readonly OnDemandAllocationStrategy: 'lowest-price';
  readonly OnDemandBaseCapacity: number;
  readonly OnDemandPercentageAboveBaseCapacity: number;
  readonly SpotAllocationStrategy?: AsgSpotAllocationStrategy;
}

export interface MixedInstancesPolicy {
  readonly LaunchTemplate: {
    readonly LaunchTemplateSpecification?: LaunchTemplateSpecification;
    readonly Overrides: readonly LaunchTemplateOverride[];
  };
  readonly InstancesDistribution: InstancesDistribution;
}

export interface AsgRenderOptions {
  /** Included as given; the caller that owns the group knows its launch template. */
  readonly launchTemplate?: LaunchTemplateSpecification;
  readonly hybridOnDemandBaseCapacity?: number;
}

/** `AllowedInstanceTypes` entries: whole families as `family.*` where that is exact, else type names. */
export function allowedInstanceTypePatterns(
  allowed: readonly CatalogInstanceType[],
  catalogTypes: readonly CatalogInstanceType[],
): string[] {
  const allowedNames = new Set(allowed.map((t) => t.name));
  const families = [...new Set(allowed.map((t) => t.family))];
  return families.flatMap((family) => {
    const members = catalogTypes.filter((t) => t.family === family);
    return members.every((t) => allowedNames.has(t.name))
      ? [`${family}.*`]
      : members.filter((t) => allowedNames.has(t.name)).map((t) => t.name);
  });
}

function spotAllocationStrategy(spec: NodeTemplateSpec): AsgSpotAllocationStrategy {
  // Unset means "no preference": AWS's recommended default, which weighs price and interruption risk.
  return spec.spotAllocationStrategy ?? 'price-capacity-optimized';
}

function instancesDistribution(spec: NodeTemplateSpec, options: AsgRenderOptions): InstancesDistribution {
  switch (spec.capacityType) {
    case 'spot':
      return {
        OnDemandAllocationStrategy: 'lowest-price',
        OnDemandBaseCapacity: 0,
        OnDemandPercentageAboveBaseCapacity: 0,
        SpotAllocationStrategy: spotAllocationStrategy(spec),
      };
    case 'on-demand':
      return {
        OnDemandAllocationStrategy: 'lowest-price',
        OnDemandBaseCapacity: 0,
        OnDemandPercentageAboveBaseCapacity: 100,
      };
    case 'hybrid': {
      const base = options.hybridOnDemandBaseCapacity ?? defaultHybridOnDemandBaseCapacity;
      if (!Number.isInteger(base) || base < 0)
        throw new ValidationError('The on-demand base of a hybrid group is a whole number of instances.');
      return {
        OnDemandAllocationStrategy: 'lowest-price',
        OnDemandBaseCapacity: base,
        OnDemandPercentageAboveBaseCapacity: 0,
        SpotAllocationStrategy: spotAllocationStrategy(spec),
      };
    }
  }
}

export function renderMixedInstancesPolicy(
  spec: NodeTemplateSpec,
  catalogTypes: readonly CatalogInstanceType[],
  region: string,
  options: AsgRenderOptions = {},
): MixedInstancesPolicy {
  const allowed = allowedInstanceTypes(spec, catalogTypes, region);
  if (allowed.length === 0)
    throw new ValidationError(
      `The template allows no instance type with a known price in ${region}: widen its families or sizes.`,
    );
  let overrides: LaunchTemplateOverride[];
  if (allowed.length <= maxInstanceTypeOverrides) {
    overrides = allowed.map((t) => ({ InstanceType: t.name }));
  } else {
    const patterns = allowedInstanceTypePatterns(allowed, catalogTypes);
    if (patterns.length > maxAllowedInstanceTypes)
      throw new ValidationError(
        `The template allows too many instance types for one Auto Scaling group in ${region} (${patterns.length} entries, at most ${maxAllowedInstanceTypes}): split it or exclude sizes.`,
      );
    overrides = [
      {
        InstanceRequirements: {
          VCpuCount: { Min: 0 },
          MemoryMiB: { Min: 0 },
          AllowedInstanceTypes: patterns,
          BareMetal: 'included',
          BurstablePerformance: 'included',
          InstanceGenerations: ['current', 'previous'],
          LocalStorage: 'included',
          SpotMaxPricePercentageOverLowestPrice: priceProtectionOffPct,
          OnDemandMaxPricePercentageOverLowestPrice: priceProtectionOffPct,
        },
      },
    ];
  }
  return {
    LaunchTemplate: {
      ...(options.launchTemplate ? { LaunchTemplateSpecification: options.launchTemplate } : {}),
      Overrides: overrides,
    },
    InstancesDistribution: instancesDistribution(spec, options),
  };
}
