import { type TemplateArchitecture, templateArchitectures } from '../model/node-template';
import { instanceCategory } from '../pricing/catalog';
import type { CatalogInstanceType } from '../pricing/catalog-types';

/**
 * Family categories the template form offers as shortcuts ("compute optimized" selects every current
 * c family). The families are derived from the catalog, so a new family (c9g, m9gd) joins its category
 * when the catalog is regenerated, with no list to update here.
 */
export const templateCategories = [
  'general-purpose',
  'compute-optimized',
  'memory-optimized',
  'gpu',
  'storage',
] as const;
export type TemplateCategory = (typeof templateCategories)[number];

export const templateCategoryLabels: Readonly<Record<TemplateCategory, string>> = {
  'general-purpose': 'General purpose',
  'compute-optimized': 'Compute optimized',
  'memory-optimized': 'Memory optimized',
  gpu: 'GPU',
  storage: 'Storage optimized',
};

/**
 * Series letters (Karpenter's `instance-category`: the family's leading letters) of each category but
 * GPU. Families whose letters are in no list stay out of every category on purpose; a template can still
 * name them one by one:
 * - `inf`, `trn` (AWS Neuron), `dl` (Habana Gaudi), `vt` (video transcoding), `f` (FPGA): accelerators
 *   that need their own device plugin and AMI, so a "GPU" template would not run their pods;
 * - `hpc`: AWS's own "HPC optimized" category, on-demand only and in few regions;
 * - `mac`: macOS dedicated hosts, which cannot join an EKS cluster.
 * `im` and `is` (im4gn, is4gen) are storage families despite their leading `i` being followed by more
 * letters; `u` covers both `u-6tb1` and `u7i-12tb` (high memory).
 */
const seriesOfCategory: Readonly<Record<Exclude<TemplateCategory, 'gpu'>, readonly string[]>> = {
  'general-purpose': ['m', 't', 'a'],
  'compute-optimized': ['c'],
  'memory-optimized': ['r', 'x', 'z', 'u'],
  storage: ['i', 'im', 'is', 'd', 'h'],
};

/**
 * `g` and `gr` are GPU series even where the catalog records no GPU: the fractional-GPU families g6f and
 * gr6f have an L4 slice that moto's DescribeInstanceTypes dump does not list.
 */
const gpuSeries: readonly string[] = ['g', 'gr', 'p'];

/** Generation number of a family (`c7gn` -> 7, `u7i-12tb` -> 7); undefined for `u-6tb1`. */
const generationOf = (family: string): number | undefined => {
  const match = /^[a-z]+(\d+)/.exec(family);
  return match?.[1] === undefined ? undefined : Number(match[1]);
};

/** Category of a family, or undefined when it belongs to none (see `seriesOfCategory`). */
export function categoryOfFamily(
  family: string,
  types: readonly CatalogInstanceType[],
): TemplateCategory | undefined {
  const series = instanceCategory(family);
  if (gpuSeries.includes(series) || types.some((t) => t.family === family && t.gpu !== undefined)) {
    return 'gpu';
  }
  for (const category of templateCategories) {
    if (category !== 'gpu' && seriesOfCategory[category].includes(series)) return category;
  }
  return undefined;
}

/**
 * The families of the current generation, by the catalog. EC2's `CurrentGeneration` flag alone is too
 * strict: it marks c5, m5, r5, m6i, r6i, g5 and c6gn as previous generation while their same-generation
 * siblings (c5a, m5d, r6id, c6gd ...) are current and all of them are still sold in every region. So a
 * family is current when the catalog flags one of its types current, or when its generation number is
 * at least that of a flagged-current family of the same series (c5 because c5a is current; not c4).
 */
export function currentGenerationFamilies(types: readonly CatalogInstanceType[]): Set<string> {
  const flagged = new Set<string>();
  const lowestCurrentGeneration = new Map<string, number>();
  const families = new Set<string>();
  for (const t of types) {
    families.add(t.family);
    if (!t.currentGeneration) continue;
    flagged.add(t.family);
    const generation = generationOf(t.family);
    if (generation === undefined) continue;
    const series = instanceCategory(t.family);
    const lowest = lowestCurrentGeneration.get(series);
    if (lowest === undefined || generation < lowest) lowestCurrentGeneration.set(series, generation);
  }
  const current = new Set<string>();
  for (const family of families) {
    const generation = generationOf(family);
    const lowest = lowestCurrentGeneration.get(instanceCategory(family));
    if (flagged.has(family) || (generation !== undefined && lowest !== undefined && generation >= lowest)) {
      current.add(family);
    }
  }
  return current;
}

const byFamilyName = (a: string, b: string): number => a.localeCompare(b, 'en', { numeric: true });

/** The current-generation families of a category the catalog has, sorted (`c5`, `c5a`, ..., `c7i-flex`). */
export function familiesOfCategory(
  category: TemplateCategory,
  types: readonly CatalogInstanceType[],
): string[] {
  return [...currentGenerationFamilies(types)]
    .filter((family) => categoryOfFamily(family, types) === category)
    .sort(byFamilyName);
}

/**
 * The template architectures a family has a type of (`g5g` -> arm64; `t2` -> x86_64, its i386 dropped;
 * `mac2` -> none), or empty for a family the catalog does not know.
 */
export function familyArchitectures(
  family: string,
  types: readonly CatalogInstanceType[],
): TemplateArchitecture[] {
  const found = new Set<string>();
  for (const t of types) if (t.family === family) for (const a of t.architectures) found.add(a);
  return templateArchitectures.filter((a) => found.has(a));
}
