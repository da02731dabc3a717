import {
  allowedInstanceTypes,
  diskLimits,
  type NodeTemplateSpec,
  type TemplateArchitecture,
  type TemplateConflict,
  templateAllowsType,
} from '../model/node-template';
import type { CatalogInstanceType } from '../pricing/catalog-types';

export interface TemplateValidation {
  conflicts: TemplateConflict[];
  /** Names of the catalog types the template allows, in `region` when one was given, in catalog order. */
  allowedInstanceTypes: string[];
  /** Allowed types per region the catalog has on-demand prices for (zero included). */
  allowedCountByRegion: Record<string, number>;
}

export interface TemplateValidationOptions {
  /** The region the template is meant for: types without a price there are not allowed. */
  region?: string;
}

const architectureLabels: Readonly<Record<TemplateArchitecture, string>> = {
  x86_64: 'x86_64',
  arm64: 'ARM64',
};

const thousands = (n: number): string => n.toLocaleString('en-US');

/**
 * Every conflict of a template with the catalog and with AWS's limits, and what it allows. The same
 * function answers the API's validate endpoint and the form as the person types, so the two never
 * disagree. Conflicts are ordered by field as the form shows them; a template without conflicts allows
 * at least one type (in `region` when given).
 */
export function validateNodeTemplate(
  spec: NodeTemplateSpec,
  catalogTypes: readonly CatalogInstanceType[],
  options: TemplateValidationOptions = {},
): TemplateValidation {
  const { region } = options;
  const conflicts: TemplateConflict[] = [];
  const byFamily = new Map<string, CatalogInstanceType[]>();
  for (const t of catalogTypes) {
    if (!spec.families.includes(t.family)) continue;
    const list = byFamily.get(t.family) ?? [];
    list.push(t);
    byFamily.set(t.family, list);
  }

  const knownFamilies: string[] = [];
  for (const family of spec.families) {
    if (byFamily.has(family)) knownFamilies.push(family);
    else
      conflicts.push({
        field: 'families',
        message: `Instance family ${family} is not in the instance catalog.`,
      });
  }
  if (spec.families.length === 0) {
    conflicts.push({ field: 'families', message: 'Choose at least one instance family.' });
  }

  const archLabel = architectureLabels[spec.architecture];
  const compatibleFamilies = knownFamilies.filter((family) => {
    const compatible = (byFamily.get(family) ?? []).some((t) => t.architectures.includes(spec.architecture));
    if (!compatible) {
      conflicts.push({
        field: 'architecture',
        message: `Instance type ${family} is incompatible with ${archLabel}.`,
      });
    }
    return compatible;
  });

  // Stages of `templateAllowsType`, each narrowing the last: when one leaves nothing, say why, unless a
  // per-family conflict above already does (every family unknown or of the other architecture).
  const ofArchitecture = compatibleFamilies.flatMap((family) =>
    (byFamily.get(family) ?? []).filter((t) => t.architectures.includes(spec.architecture)),
  );
  const afterExclusions = ofArchitecture.filter((t) => !spec.excludedSizes.includes(t.size));
  if (ofArchitecture.length > 0 && afterExclusions.length === 0) {
    conflicts.push({
      field: 'excludedSizes',
      message: 'The excluded sizes leave no instance type to launch; remove an exclusion or add a family.',
    });
  }

  if (spec.capacityType === 'spot') {
    const neverSpot = new Set<string>();
    for (const family of compatibleFamilies) {
      if ((byFamily.get(family) ?? []).every((t) => !t.spotSupported)) {
        neverSpot.add(family);
        conflicts.push({
          field: 'capacityType',
          message: `EC2 does not sell ${family} as spot; remove it or choose on-demand or hybrid capacity.`,
        });
      }
    }
    // Families with some spot sizes can still end with none once sizes are excluded (t2 sells all but one).
    const spotLeft = afterExclusions.filter((t) => t.spotSupported);
    if (spotLeft.length === 0 && afterExclusions.some((t) => !neverSpot.has(t.family))) {
      conflicts.push({
        field: 'capacityType',
        message:
          'None of the instance types left is sold as spot; keep a size EC2 sells as spot or choose hybrid.',
      });
    }
  }

  if (spec.spotAllocationStrategy !== undefined && spec.capacityType === 'on-demand') {
    conflicts.push({
      field: 'spotAllocationStrategy',
      message:
        'A spot allocation strategy applies only to spot or hybrid capacity; clear it or change the capacity type.',
    });
  }

  conflicts.push(...diskConflicts(spec.disk));

  const allowedAnywhere = allowedInstanceTypes(spec, catalogTypes);
  const allowed = region === undefined ? allowedAnywhere : allowedInstanceTypes(spec, catalogTypes, region);
  if (region !== undefined && allowedAnywhere.length > 0 && allowed.length === 0) {
    conflicts.push({
      field: 'families',
      message: `None of the allowed instance types has a price in ${region}; choose families sold there or another region.`,
    });
  }

  const allowedCountByRegion: Record<string, number> = {};
  for (const r of pricedRegions(catalogTypes)) {
    allowedCountByRegion[r] = allowedAnywhere.filter((t) => templateAllowsType(spec, t, r)).length;
  }

  return { conflicts, allowedInstanceTypes: allowed.map((t) => t.name), allowedCountByRegion };
}

function diskConflicts(disk: NodeTemplateSpec['disk']): TemplateConflict[] {
  const conflicts: TemplateConflict[] = [];
  if (disk.type !== 'io1') {
    if (disk.iops !== undefined) {
      conflicts.push({
        field: 'disk.iops',
        message: `Provisioned IOPS apply only to io1 volumes; clear the IOPS or choose io1 instead of ${disk.type}.`,
      });
    }
    return conflicts;
  }
  const io1 = diskLimits.io1;
  if (disk.sizeGiB < io1.minSizeGiB) {
    conflicts.push({ field: 'disk.sizeGiB', message: `io1 volumes must be at least ${io1.minSizeGiB} GiB.` });
  }
  if (disk.iops === undefined || disk.iops < io1.minIops || disk.iops > io1.maxIops) {
    conflicts.push({
      field: 'disk.iops',
      message: `io1 volumes need provisioned IOPS (${thousands(io1.minIops)}–${thousands(io1.maxIops)}).`,
    });
  } else if (disk.iops > disk.sizeGiB * io1.maxIopsPerGiB) {
    const maxIops = disk.sizeGiB * io1.maxIopsPerGiB;
    const minSizeGiB = Math.ceil(disk.iops / io1.maxIopsPerGiB);
    // Lowering the IOPS is only a way out when the volume can hold the IOPS minimum at all.
    const remedy =
      maxIops >= io1.minIops
        ? `lower the IOPS to ${thousands(maxIops)} or grow the volume to ${thousands(minSizeGiB)} GiB`
        : `grow the volume to ${thousands(minSizeGiB)} GiB`;
    conflicts.push({
      field: 'disk.iops',
      message: `io1 volumes allow at most ${io1.maxIopsPerGiB} IOPS per GiB; ${remedy}.`,
    });
  }
  return conflicts;
}

/** Regions where the catalog has an on-demand price for at least one type, sorted. */
export function pricedRegions(types: readonly CatalogInstanceType[]): string[] {
  const regions = new Set<string>();
  for (const t of types) for (const r of Object.keys(t.onDemandHourlyUsd)) regions.add(r);
  return [...regions].sort();
}
