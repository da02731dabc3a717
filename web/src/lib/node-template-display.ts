import type {
  NodeTemplateDraftInput,
  NodeTemplateView,
  TemplateCapacityType,
  TemplateConflict,
  TemplateDisk,
} from '@spot/shared';
import type { CatalogInstanceType } from '@spot/shared/pricing/catalog-types';

/**
 * How the node template screens show a template: the list's pills and badges, the wizard's starting
 * draft, and the order of EC2 sizes. Pure, so the unit tests pin them without a browser.
 */

/** The specification's colour code: SPOT orange, ON-DEMAND blue, HYBRID purple (AA contrast text). */
export const purchasingBadges: Readonly<
  Record<TemplateCapacityType, { label: string; className: string; description: string }>
> = {
  spot: { label: 'SPOT', className: 'badge-spot', description: 'Spot only' },
  'on-demand': { label: 'ON-DEMAND', className: 'badge-on-demand', description: 'On-demand only' },
  hybrid: {
    label: 'HYBRID',
    className: 'badge-hybrid',
    description: 'Spot for spot-ready pods, on-demand for the rest',
  },
};

export const architectureLabels = { x86_64: 'x86_64', arm64: 'arm64' } as const;

/** The pills of the "Compute constraints" column: the first `max` families, and how many more. */
export function familyPills(families: readonly string[], max = 4): { shown: string[]; more: number } {
  return { shown: families.slice(0, max), more: Math.max(0, families.length - max) };
}

/** `[ m5, c5, r5 ] • x86_64`: the compute constraints as one line (the row's accessible summary). */
export function computeSummary(template: Pick<NodeTemplateView, 'families' | 'architecture'>): string {
  return `[ ${template.families.join(', ')} ] • ${architectureLabels[template.architecture]}`;
}

/** `gp3 (100 GiB)`, `io1 (500 GiB, 3,000 IOPS)`, `ephemeral (instance store)`. */
export function storageSummary(disk: TemplateDisk): string {
  if (disk.type === 'ephemeral') return 'ephemeral (instance store)';
  const iops =
    disk.type === 'io1' && disk.iops !== undefined ? `, ${disk.iops.toLocaleString('en-US')} IOPS` : '';
  return `${disk.type} (${disk.sizeGiB.toLocaleString('en-US')} GiB${iops})`;
}

/** The list's real-time filter: every word of the query in the name (case-insensitive). */
export function searchTemplates<T extends { name: string }>(items: readonly T[], query: string): T[] {
  const words = query.trim().toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return [...items];
  return items.filter((t) => {
    const name = t.name.toLowerCase();
    return words.every((w) => name.includes(w));
  });
}

/** The wizard's draft: everything the API takes, as the form edits it. */
export interface TemplateDraftModel {
  name: string;
  description: string;
  isDefault: boolean;
  families: string[];
  architecture: NodeTemplateDraftInput['architecture'];
  excludedSizes: string[];
  capacityType: TemplateCapacityType;
  spotAllocationStrategy: 'lowest-price' | 'capacity-optimized';
  disk: { type: TemplateDisk['type']; sizeGiB: number; iops: number | null };
  securityGroupIds: string[];
}

/**
 * A new template's starting point: general purpose is chosen by the wizard from the catalog; here the
 * settings an experienced user would pick first (hybrid capacity, capacity-optimized spot, gp3 100 GiB,
 * no tiny sizes), and the default flag on when the organization has no template yet.
 */
export function newDraft(isFirstTemplate: boolean): TemplateDraftModel {
  return {
    name: '',
    description: '',
    isDefault: isFirstTemplate,
    families: [],
    architecture: 'x86_64',
    excludedSizes: ['nano', 'micro', 'small'],
    capacityType: 'hybrid',
    spotAllocationStrategy: 'capacity-optimized',
    disk: { type: 'gp3', sizeGiB: 100, iops: null },
    securityGroupIds: [],
  };
}

export function draftOf(template: NodeTemplateView): TemplateDraftModel {
  return {
    name: template.name,
    description: template.description,
    isDefault: template.isDefault,
    families: [...template.families],
    architecture: template.architecture,
    excludedSizes: [...template.excludedSizes],
    capacityType: template.capacityType,
    spotAllocationStrategy: template.spotAllocationStrategy ?? 'capacity-optimized',
    disk: { type: template.disk.type, sizeGiB: template.disk.sizeGiB, iops: template.disk.iops ?? null },
    securityGroupIds: [...template.securityGroupIds],
  };
}

/**
 * The body the API takes: the strategy only where spot is bought, IOPS only for io1 (the API calls
 * either one elsewhere a conflict).
 */
export function draftBody(draft: TemplateDraftModel): NodeTemplateDraftInput {
  return {
    name: draft.name.trim(),
    description: draft.description.trim(),
    isDefault: draft.isDefault,
    families: draft.families,
    architecture: draft.architecture,
    excludedSizes: draft.excludedSizes,
    capacityType: draft.capacityType,
    ...(draft.capacityType === 'on-demand' ? {} : { spotAllocationStrategy: draft.spotAllocationStrategy }),
    disk: {
      type: draft.disk.type,
      sizeGiB: draft.disk.sizeGiB,
      ...(draft.disk.type === 'io1' && draft.disk.iops !== null ? { iops: draft.disk.iops } : {}),
    },
    securityGroupIds: draft.securityGroupIds,
  };
}

/** `Production copy`, or `Production copy 2` ... when taken (names are unique case-insensitively). */
export function cloneName(name: string, taken: readonly string[]): string {
  const used = new Set(taken.map((t) => t.toLowerCase()));
  const base = `${name} copy`.slice(0, 63);
  if (!used.has(base.toLowerCase())) return base;
  for (let i = 2; ; i++) {
    const candidate = `${name.slice(0, 63 - ` copy ${i}`.length)} copy ${i}`;
    if (!used.has(candidate.toLowerCase())) return candidate;
  }
}

const sizeRank = (size: string): number => {
  const fixed = ['nano', 'micro', 'small', 'medium', 'large', 'xlarge'];
  const index = fixed.indexOf(size);
  if (index !== -1) return index;
  const multiple = /^(\d+)xlarge$/.exec(size);
  if (multiple) return 5 + Number(multiple[1]);
  const metal = /^metal(?:-(\d+)xl)?$/.exec(size);
  if (metal) return 1_000 + Number(metal[1] ?? 0);
  return 10_000;
};

/** EC2 sizes from the smallest up (`nano`, `micro` ... `48xlarge`, `metal`), for the exclusion list. */
export function sortSizes(sizes: Iterable<string>): string[] {
  return [...new Set(sizes)].sort((a, b) => sizeRank(a) - sizeRank(b) || a.localeCompare(b));
}

/** Which wizard step shows a conflict's field (1: general, 2: compute, 3: purchasing, 4: storage). */
export function stepOfField(field: string): 1 | 2 | 3 | 4 {
  if (field === 'name' || field === 'description') return 1;
  if (field === 'capacityType' || field === 'spotAllocationStrategy') return 3;
  if (field.startsWith('disk') || field === 'securityGroupIds') return 4;
  return 2;
}

export const conflictsOfStep = (conflicts: readonly TemplateConflict[], step: number): TemplateConflict[] =>
  conflicts.filter((c) => stepOfField(c.field) === step);

/** A one-click way out of a conflict: the chosen families that cause it, to remove together. */
export interface FamilyFix {
  label: string;
  families: string[];
}

const typesOfFamilies = (families: readonly string[], types: readonly CatalogInstanceType[]) => {
  const byFamily = new Map<string, CatalogInstanceType[]>(families.map((f) => [f, []]));
  for (const t of types) byFamily.get(t.family)?.push(t);
  return byFamily;
};

/** The chosen families with no type of the chosen architecture (each one a conflict on step 2). */
export function architectureFix(
  draft: Pick<TemplateDraftModel, 'families' | 'architecture'>,
  types: readonly CatalogInstanceType[],
): FamilyFix | null {
  const families = [...typesOfFamilies(draft.families, types)]
    .filter(([, list]) => list.length > 0 && !list.some((t) => t.architectures.includes(draft.architecture)))
    .map(([family]) => family);
  if (families.length === 0) return null;
  const arch = draft.architecture === 'arm64' ? 'ARM64' : 'x86_64';
  return {
    label: `Remove the ${families.length} ${families.length === 1 ? 'family' : 'families'} without ${arch} types`,
    families,
  };
}

/** On a spot-only template, the chosen families EC2 sells no size of as spot (each one a conflict on step 3). */
export function spotFix(
  draft: Pick<TemplateDraftModel, 'families' | 'architecture' | 'capacityType'>,
  types: readonly CatalogInstanceType[],
): FamilyFix | null {
  if (draft.capacityType !== 'spot') return null;
  const families = [...typesOfFamilies(draft.families, types)]
    // As validateNodeTemplate decides it: a family of the architecture with no size sold as spot.
    .filter(
      ([, list]) =>
        list.some((t) => t.architectures.includes(draft.architecture)) && list.every((t) => !t.spotSupported),
    )
    .map(([family]) => family);
  if (families.length === 0) return null;
  return { label: `Remove ${families.join(', ')}`, families };
}
