import { describe, expect, it } from 'vitest';
import { instanceCategory, loadCatalog } from '../../src/pricing';
import {
  categoryOfFamily,
  currentGenerationFamilies,
  familiesOfCategory,
  familyArchitectures,
  templateCategories,
  templateCategoryLabels,
} from '../../src/templates';
import { instanceType } from './helpers';

const types = loadCatalog().instanceTypes;
const catalogFamilies = [...new Set(types.map((t) => t.family))];

describe('family categories of the vendored catalog', () => {
  it('selects c5, c6i, c7i and their a/g/n variants as "compute optimized", and no older c family', () => {
    const compute = familiesOfCategory('compute-optimized', types);
    expect(templateCategoryLabels['compute-optimized']).toBe('Compute optimized');
    expect(compute).toEqual(expect.arrayContaining(['c5', 'c6i', 'c7i']));
    const variants = catalogFamilies.filter((f) => /^c[5-7][agn]/.test(f));
    expect(variants.length).toBeGreaterThan(10);
    expect(compute).toEqual(expect.arrayContaining(variants));
    for (const family of compute) expect(instanceCategory(family)).toBe('c');
    for (const old of ['c1', 'c3', 'c4']) expect(compute).not.toContain(old);
  });

  it('lists every family at most once, across all categories', () => {
    const listed = templateCategories.flatMap((c) => familiesOfCategory(c, types));
    expect(new Set(listed).size).toBe(listed.length);
  });

  it('puts burstable and m families in general purpose, r/x/z/u in memory, i/d/h in storage', () => {
    expect(familiesOfCategory('general-purpose', types)).toEqual(
      expect.arrayContaining(['m5', 'm7g', 't3', 't4g', 'm7i-flex']),
    );
    expect(familiesOfCategory('memory-optimized', types)).toEqual(
      expect.arrayContaining(['r5', 'r7g', 'x2gd', 'z1d', 'u-6tb1', 'u7i-12tb']),
    );
    expect(familiesOfCategory('storage', types)).toEqual(
      expect.arrayContaining(['i4i', 'i8g', 'd3', 'h1', 'im4gn', 'is4gen']),
    );
  });

  it('puts every current family with a GPU in gpu, and other accelerators nowhere', () => {
    const gpu = familiesOfCategory('gpu', types);
    const current = currentGenerationFamilies(types);
    const withGpu = catalogFamilies.filter(
      (f) => current.has(f) && types.some((t) => t.family === f && t.gpu !== undefined),
    );
    expect(withGpu).toContain('g4dn');
    expect(gpu).toEqual(expect.arrayContaining([...withGpu, 'g5g', 'g6f']));
    for (const family of ['inf2', 'trn1', 'dl2q', 'vt1', 'f2', 'mac2', 'hpc7g']) {
      expect(categoryOfFamily(family, types)).toBeUndefined();
    }
  });

  it('keeps families whose generation is older than any current one of their series out', () => {
    const all = templateCategories.flatMap((c) => familiesOfCategory(c, types));
    for (const old of ['m1', 'm3', 'm4', 'r3', 'r4', 't1', 'i2', 'd2', 'a1']) expect(all).not.toContain(old);
  });

  it('tells the template architectures of a family', () => {
    expect(familyArchitectures('g5g', types)).toEqual(['arm64']);
    expect(familyArchitectures('t2', types)).toEqual(['x86_64']);
    expect(familyArchitectures('mac2', types)).toEqual([]);
    expect(familyArchitectures('zz9', types)).toEqual([]);
  });
});

describe('current generation on a synthetic catalog', () => {
  it('counts a family current when its series has a current family of the same or an older generation', () => {
    const synthetic = [
      instanceType('c4.large', { currentGeneration: false }),
      instanceType('c5.large', { currentGeneration: false }),
      instanceType('c5a.large'),
      instanceType('c6g.large', { architectures: ['arm64'], currentGeneration: false }),
      instanceType('r4.large', { currentGeneration: false }),
      instanceType('u-6tb1.metal'),
    ];
    expect(familiesOfCategory('compute-optimized', synthetic)).toEqual(['c5', 'c5a', 'c6g']);
    expect(familiesOfCategory('memory-optimized', synthetic)).toEqual(['u-6tb1']);
    expect(familyArchitectures('c6g', synthetic)).toEqual(['arm64']);
  });

  it('derives gpu from the catalog: a new family with a GPU joins it', () => {
    const synthetic = [instanceType('q9.large', { gpu: { count: 1, model: 'NVIDIA T4' } })];
    expect(familiesOfCategory('gpu', synthetic)).toEqual(['q9']);
  });
});
