import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  allowedInstanceTypes,
  type NodeTemplateSpec,
  nodeTemplateSpecSchema,
} from '../../src/model/node-template';
import type { CatalogInstanceType } from '../../src/pricing/catalog-types';
import {
  type MixedInstancesPolicy,
  maxAllowedInstanceTypes,
  maxInstanceTypeOverrides,
  renderMixedInstancesPolicy,
} from '../../src/templates/asg';
import { catalogFamilies, catalogTypes, specArb } from './karpenter-fixtures';

const regions = ['us-east-1', 'us-gov-west-1', 'us-gov-east-1'] as const;

/** AWS's wildcard matching of `AllowedInstanceTypes`: `*` stands for any run of characters. */
const wildcard = (pattern: string) =>
  new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);

/** Whether an Auto Scaling group with this policy may launch the type, as EC2 Auto Scaling decides it. */
function policyAdmits(policy: MixedInstancesPolicy, type: CatalogInstanceType): boolean {
  return policy.LaunchTemplate.Overrides.some((o) => {
    if ('InstanceType' in o) return o.InstanceType === type.name;
    const r = o.InstanceRequirements;
    return (
      r.AllowedInstanceTypes.some((p) => wildcard(p).test(type.name)) &&
      type.vcpu >= r.VCpuCount.Min &&
      type.memoryMiB >= r.MemoryMiB.Min &&
      (r.BareMetal === 'included' || !type.bareMetal) &&
      (r.BurstablePerformance === 'included' || !type.burstable) &&
      r.InstanceGenerations.includes(type.currentGeneration ? 'current' : 'previous')
    );
  });
}

const spec = (overrides: Partial<NodeTemplateSpec>): NodeTemplateSpec =>
  nodeTemplateSpecSchema.parse({
    families: ['m5', 'c5'],
    architecture: 'x86_64',
    capacityType: 'spot',
    disk: { type: 'gp3', sizeGiB: 50 },
    ...overrides,
  });

/** AWS's limits on the policy that a rendering could break. */
function awsLimitViolations(policy: MixedInstancesPolicy): string[] {
  const out: string[] = [];
  const overrides = policy.LaunchTemplate.Overrides;
  if (overrides.length === 0 || overrides.length > maxInstanceTypeOverrides) out.push('1 to 40 overrides');
  for (const o of overrides) {
    if ('InstanceRequirements' in o) {
      const list = o.InstanceRequirements.AllowedInstanceTypes;
      if (list.length === 0 || list.length > maxAllowedInstanceTypes) out.push('1 to 400 allowed types');
      if (list.some((p) => p.length > 30)) out.push('allowed type entries are at most 30 characters');
      if (overrides.length !== 1) out.push('instance requirements stand alone');
    }
  }
  const d = policy.InstancesDistribution;
  if (d.OnDemandPercentageAboveBaseCapacity < 0 || d.OnDemandPercentageAboveBaseCapacity > 100)
    out.push('percentage 0..100');
  if (d.OnDemandBaseCapacity < 0) out.push('base >= 0');
  return out;
}

describe('renderMixedInstancesPolicy', () => {
  it('lists a small template as InstanceType overrides, spot only with price-capacity-optimized by default', () => {
    const policy = renderMixedInstancesPolicy(
      spec({ families: ['m5'], excludedSizes: ['metal'] }),
      catalogTypes,
      'us-east-1',
      {
        launchTemplate: { LaunchTemplateName: 'nodes', Version: '$Latest' },
      },
    );
    expect(policy.LaunchTemplate.LaunchTemplateSpecification).toEqual({
      LaunchTemplateName: 'nodes',
      Version: '$Latest',
    });
    expect(policy.LaunchTemplate.Overrides).toContainEqual({ InstanceType: 'm5.large' });
    expect(policy.LaunchTemplate.Overrides).not.toContainEqual({ InstanceType: 'm5.metal' });
    expect(policy.InstancesDistribution).toEqual({
      OnDemandAllocationStrategy: 'lowest-price',
      OnDemandBaseCapacity: 0,
      OnDemandPercentageAboveBaseCapacity: 0,
      SpotAllocationStrategy: 'price-capacity-optimized',
    });
  });

  it('buys on-demand only for on-demand, and an on-demand base under spot for hybrid', () => {
    expect(
      renderMixedInstancesPolicy(spec({ capacityType: 'on-demand' }), catalogTypes, 'us-east-1')
        .InstancesDistribution,
    ).toEqual({
      OnDemandAllocationStrategy: 'lowest-price',
      OnDemandBaseCapacity: 0,
      OnDemandPercentageAboveBaseCapacity: 100,
    });
    const hybrid = spec({ capacityType: 'hybrid', spotAllocationStrategy: 'capacity-optimized' });
    expect(renderMixedInstancesPolicy(hybrid, catalogTypes, 'us-east-1').InstancesDistribution).toEqual({
      OnDemandAllocationStrategy: 'lowest-price',
      OnDemandBaseCapacity: 2,
      OnDemandPercentageAboveBaseCapacity: 0,
      SpotAllocationStrategy: 'capacity-optimized',
    });
    expect(
      renderMixedInstancesPolicy(hybrid, catalogTypes, 'us-east-1', { hybridOnDemandBaseCapacity: 5 })
        .InstancesDistribution.OnDemandBaseCapacity,
    ).toBe(5);
    expect(() =>
      renderMixedInstancesPolicy(hybrid, catalogTypes, 'us-east-1', { hybridOnDemandBaseCapacity: -1 }),
    ).toThrow(/whole number/);
    expect(
      renderMixedInstancesPolicy(spec({ spotAllocationStrategy: 'lowest-price' }), catalogTypes, 'us-east-1')
        .InstancesDistribution.SpotAllocationStrategy,
    ).toBe('lowest-price');
  });

  it('switches to instance requirements past 40 types, with whole families as wildcards', () => {
    const all = spec({ families: catalogFamilies, capacityType: 'hybrid' });
    const policy = renderMixedInstancesPolicy(all, catalogTypes, 'us-east-1');
    expect(policy.LaunchTemplate.Overrides).toHaveLength(1);
    const [only] = policy.LaunchTemplate.Overrides;
    expect(only && 'InstanceRequirements' in only).toBe(true);
    if (only && 'InstanceRequirements' in only) {
      expect(only.InstanceRequirements.AllowedInstanceTypes).toContain('m5.*');
      expect(only.InstanceRequirements.AllowedInstanceTypes.length).toBeLessThanOrEqual(
        maxAllowedInstanceTypes,
      );
    }
    expect(awsLimitViolations(policy)).toEqual([]);
    const admitted = catalogTypes.filter((t) => policyAdmits(policy, t)).map((t) => t.name);
    expect(admitted).toEqual(allowedInstanceTypes(all, catalogTypes, 'us-east-1').map((t) => t.name));
  });

  it('refuses a template with no type priced in the region', () => {
    expect(() => renderMixedInstancesPolicy(spec({}), catalogTypes, 'eu-west-1')).toThrow(/eu-west-1/);
  });

  it('admits exactly allowedInstanceTypes(spec, catalog, region), within AWS limits', () => {
    const forms = new Set<string>();
    fc.assert(
      fc.property(specArb, fc.constantFrom(...regions), (s, region) => {
        const allowed = allowedInstanceTypes(s, catalogTypes, region).map((t) => t.name);
        if (allowed.length === 0) {
          expect(() => renderMixedInstancesPolicy(s, catalogTypes, region)).toThrow(/no instance type/);
          return;
        }
        const policy = renderMixedInstancesPolicy(s, catalogTypes, region);
        expect(awsLimitViolations(policy)).toEqual([]);
        expect(catalogTypes.filter((t) => policyAdmits(policy, t)).map((t) => t.name)).toEqual(allowed);
        forms.add(Object.keys(policy.LaunchTemplate.Overrides[0] ?? {}).join());
      }),
      { numRuns: 300 },
    );
    // Both forms of the policy were exercised, not only the short list.
    expect([...forms].sort()).toEqual(['InstanceRequirements', 'InstanceType']);
  });
});
