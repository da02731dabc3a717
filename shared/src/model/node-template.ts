import { z } from 'zod';
import type { CatalogInstanceType } from '../pricing/catalog-types';
import { awsRegionSchema } from './account';
import { displayNameSchema, unsafeTextReason } from './text';

/**
 * Node templates: blueprints of the nodes the optimizer and Karpenter may launch. This module is the
 * contract (the shapes the API accepts and returns) and the one definition of which catalog instance
 * types a template allows; validation, the estimator and the renderers build on it.
 */

export const templateArchitectures = ['x86_64', 'arm64'] as const;
export type TemplateArchitecture = (typeof templateArchitectures)[number];

/** `hybrid`: spot for spot-ready pods and on-demand for the rest, as the savings engine defines them. */
export const templateCapacityTypes = ['spot', 'on-demand', 'hybrid'] as const;
export type TemplateCapacityType = (typeof templateCapacityTypes)[number];

export const spotAllocationStrategies = ['lowest-price', 'capacity-optimized'] as const;
export type SpotAllocationStrategy = (typeof spotAllocationStrategies)[number];

/** `ephemeral`: the instance store (local NVMe) for pods' ephemeral storage, besides a small root volume. */
export const templateDiskTypes = ['gp2', 'gp3', 'io1', 'ephemeral'] as const;
export type TemplateDiskType = (typeof templateDiskTypes)[number];

/** EBS limits (AWS "Amazon EBS volume types"): size GiB per type; io1 IOPS and IOPS per GiB. */
export const diskLimits = {
  gp2: { minSizeGiB: 1, maxSizeGiB: 16_384 },
  gp3: { minSizeGiB: 1, maxSizeGiB: 16_384 },
  io1: { minSizeGiB: 4, maxSizeGiB: 16_384, minIops: 100, maxIops: 64_000, maxIopsPerGiB: 50 },
  ephemeral: { minSizeGiB: 1, maxSizeGiB: 16_384 },
} as const;

export const templateNameSchema = displayNameSchema({
  min: 1,
  max: 63,
  tooShort: 'Give the template a name.',
  tooLong: 'Keep the name to 63 characters or fewer.',
});

/** An EC2 family as the catalog names it (`m5`, `c7gn`, `g4dn`, `u-6tb1`). */
const familySchema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z][a-z0-9-]{0,15}$/, 'An instance family is a name such as m5, c7g or g4dn.');
/** A size as EC2 names it (`nano`, `large`, `2xlarge`, `metal`, `metal-24xl`). */
const sizeSchema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9-]{1,16}$/, 'A size is a name such as nano, large, 2xlarge or metal.');
export const securityGroupIdSchema = z
  .string()
  .trim()
  .regex(/^sg-[0-9a-f]{8,17}$/, 'A security group id looks like sg-0123456789abcdef0.');

export const templateDiskSchema = z.object({
  type: z.enum(templateDiskTypes),
  sizeGiB: z
    .number()
    .int('Use a whole number of GiB.')
    .min(1)
    .max(16_384, 'EBS volumes go up to 16,384 GiB.'),
  iops: z.number().int('Use a whole number of IOPS.').min(100).max(64_000).optional(),
});
export type TemplateDisk = z.infer<typeof templateDiskSchema>;

/** What a template constrains (everything but its name, description and default flag). */
export const nodeTemplateSpecSchema = z.object({
  families: z
    .array(familySchema)
    .min(1, 'Choose at least one instance family.')
    .max(200)
    .transform((fs) => [...new Set(fs)]),
  architecture: z.enum(templateArchitectures),
  excludedSizes: z
    .array(sizeSchema)
    .max(60)
    .default([])
    .transform((ss) => [...new Set(ss)]),
  capacityType: z.enum(templateCapacityTypes),
  spotAllocationStrategy: z.enum(spotAllocationStrategies).optional(),
  disk: templateDiskSchema,
  securityGroupIds: z
    .array(securityGroupIdSchema)
    .max(16, 'An instance takes at most 16 security groups.')
    .default([])
    .transform((ids) => [...new Set(ids)]),
});
export type NodeTemplateSpec = z.infer<typeof nodeTemplateSpecSchema>;

/** Body of create and validate. */
export const nodeTemplateDraftSchema = nodeTemplateSpecSchema.extend({
  name: templateNameSchema,
  description: z
    .string()
    .trim()
    .max(500, 'Keep the description to 500 characters or fewer.')
    .superRefine((value, ctx) => {
      const reason = unsafeTextReason(value);
      if (reason) ctx.addIssue({ code: 'custom', message: `The description ${reason}` });
    })
    .default(''),
  isDefault: z.boolean().default(false),
});
export type NodeTemplateDraft = z.infer<typeof nodeTemplateDraftSchema>;
export type NodeTemplateDraftInput = z.input<typeof nodeTemplateDraftSchema>;

/** Body of update: the draft plus the version it was read at (optimistic concurrency). */
export const nodeTemplateUpdateSchema = nodeTemplateDraftSchema.extend({
  version: z.number().int().min(1),
});

export const nodeTemplateViewSchema = nodeTemplateSpecSchema.extend({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  isDefault: z.boolean(),
  version: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type NodeTemplateView = z.infer<typeof nodeTemplateViewSchema>;

/** One conflict of a draft with the catalog or with AWS's limits: the field and a sentence to act on. */
export interface TemplateConflict {
  field: string;
  message: string;
}

/**
 * The catalog instance types a template allows: its families, its architecture, not an excluded size,
 * sold as spot when the template buys only spot, and priced in `region` when one is given. The
 * renderers (Karpenter NodePool, ASG mixed instances policy) must admit exactly these.
 */
export function templateAllowsType(
  spec: Pick<NodeTemplateSpec, 'families' | 'architecture' | 'excludedSizes' | 'capacityType'>,
  type: CatalogInstanceType,
  region?: string,
): boolean {
  return (
    spec.families.includes(type.family) &&
    type.architectures.includes(spec.architecture) &&
    !spec.excludedSizes.includes(type.size) &&
    (spec.capacityType !== 'spot' || type.spotSupported) &&
    (region === undefined || type.onDemandHourlyUsd[region] !== undefined)
  );
}

export function allowedInstanceTypes(
  spec: Pick<NodeTemplateSpec, 'families' | 'architecture' | 'excludedSizes' | 'capacityType'>,
  types: readonly CatalogInstanceType[],
  region?: string,
): CatalogInstanceType[] {
  return types.filter((t) => templateAllowsType(spec, t, region));
}

// ------------------------------------------------------------------------------------------- routes

/** Path parameter of the per-template routes; an id that cannot exist is a 404, not a 400. */
export const nodeTemplatePathSchema = z.object({ id: z.string().min(1).max(64) });

export const listNodeTemplatesQuerySchema = z.object({
  search: z.string().trim().max(63, 'Search for at most 63 characters.').optional(),
});
export const nodeTemplateListResponseSchema = z.object({ items: z.array(nodeTemplateViewSchema) });

export const cloneNodeTemplateInputSchema = z.object({ name: templateNameSchema });

/** Validate takes a draft whose name may still be empty (the wizard validates from its first step). */
export const validateNodeTemplateInputSchema = nodeTemplateSpecSchema.extend({
  name: z.string().trim().max(63).optional(),
  /** The template being edited (its own name is not a duplicate). */
  templateId: z.string().max(64).optional(),
});
export const validateNodeTemplateQuerySchema = z.object({
  /** The account whose region prices the estimate; default: the organization's first connected account. */
  accountId: z.string().min(1).max(64).optional(),
  region: awsRegionSchema.optional(),
});

const priceRangeSchema = z.object({
  typeCount: z.number().int(),
  avgHourlyUsdPerInstance: z.number(),
  minHourlyUsd: z.number(),
  maxHourlyUsd: z.number(),
  avgHourlyUsdPerVcpu: z.number(),
});
export const templateEstimateSchema = z.object({
  region: z.string(),
  typeCount: z.number().int(),
  onDemand: priceRangeSchema.nullable(),
  spot: priceRangeSchema.nullable(),
  priceSource: z.object({ kind: z.enum(['catalog', 'live']), asOf: z.string() }),
});
export const validateNodeTemplateResponseSchema = z.object({
  conflicts: z.array(z.object({ field: z.string(), message: z.string() })),
  allowedInstanceTypes: z.array(z.string()),
  allowedCountByRegion: z.record(z.string(), z.number().int()),
  /** Null when no region is known (no connected account and none asked for). */
  estimate: templateEstimateSchema.nullable(),
});

export const karpenterQuerySchema = z.object({
  clusterName: z
    .string()
    .regex(/^[0-9A-Za-z][A-Za-z0-9\-_]{0,99}$/, 'An EKS cluster name is 1-100 letters, digits, - and _.')
    .optional(),
  region: awsRegionSchema.optional(),
});
export const karpenterResponseSchema = z.object({
  nodePool: z.record(z.string(), z.unknown()),
  ec2NodeClass: z.record(z.string(), z.unknown()),
  /** Both objects as one multi-document YAML file, ready for `kubectl apply -f`. */
  yaml: z.string(),
  /** The same template as an EC2 Auto Scaling mixed instances policy, for groups Karpenter does not manage. */
  mixedInstancesPolicy: z.record(z.string(), z.unknown()).nullable(),
  /** Why there is no policy (no allowed type priced in the region, or more than AWS's 400 entries). */
  mixedInstancesPolicyNote: z.string().nullable(),
  region: z.string(),
  clusterName: z.string(),
});

export const securityGroupsQuerySchema = z.object({
  region: awsRegionSchema,
});
export const securityGroupListResponseSchema = z.object({
  items: z.array(
    z.object({
      groupId: z.string(),
      groupName: z.string(),
      vpcId: z.string().nullable(),
      description: z.string(),
    }),
  ),
});
