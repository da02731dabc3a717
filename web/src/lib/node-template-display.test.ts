import { type NodeTemplateSpec, validateNodeTemplate } from '@spot/shared';
import { loadCatalog } from '@spot/shared/pricing/catalog';
import { describe, expect, it } from 'vitest';
import {
  architectureFix,
  cloneName,
  computeSummary,
  conflictsOfStep,
  draftBody,
  familyPills,
  newDraft,
  searchTemplates,
  sortSizes,
  spotFix,
  storageSummary,
} from './node-template-display';

describe('node template display', () => {
  it('summarizes compute constraints as the specification writes them', () => {
    expect(computeSummary({ families: ['m5', 'c5', 'r5'], architecture: 'x86_64' })).toBe(
      '[ m5, c5, r5 ] • x86_64',
    );
    expect(familyPills(['a', 'b', 'c', 'd', 'e', 'f'], 4)).toEqual({ shown: ['a', 'b', 'c', 'd'], more: 2 });
    expect(familyPills(['a'], 4)).toEqual({ shown: ['a'], more: 0 });
  });

  it('summarizes storage with its size and, for io1, its IOPS', () => {
    expect(storageSummary({ type: 'gp3', sizeGiB: 100 })).toBe('gp3 (100 GiB)');
    expect(storageSummary({ type: 'io1', sizeGiB: 500, iops: 3000 })).toBe('io1 (500 GiB, 3,000 IOPS)');
    expect(storageSummary({ type: 'ephemeral', sizeGiB: 50 })).toBe('ephemeral (instance store)');
  });

  it('filters by every word of the query, case-insensitively', () => {
    const items = [{ name: 'GPU Workloads' }, { name: 'Production-General' }, { name: 'gpu batch' }];
    expect(searchTemplates(items, 'gpu').map((t) => t.name)).toEqual(['GPU Workloads', 'gpu batch']);
    expect(searchTemplates(items, 'GPU work')).toEqual([{ name: 'GPU Workloads' }]);
    expect(searchTemplates(items, '  ')).toHaveLength(3);
  });

  it('sends the spot strategy only where spot is bought and IOPS only for io1', () => {
    const draft = { ...newDraft(false), name: ' Web ', families: ['m5'] };
    expect(draftBody(draft)).toMatchObject({ name: 'Web', spotAllocationStrategy: 'capacity-optimized' });
    expect(draftBody({ ...draft, capacityType: 'on-demand' })).not.toHaveProperty('spotAllocationStrategy');
    expect(draftBody({ ...draft, disk: { type: 'gp3', sizeGiB: 50, iops: 4000 } }).disk).toEqual({
      type: 'gp3',
      sizeGiB: 50,
    });
    expect(draftBody({ ...draft, disk: { type: 'io1', sizeGiB: 50, iops: 2500 } }).disk).toEqual({
      type: 'io1',
      sizeGiB: 50,
      iops: 2500,
    });
  });

  it('makes the first template the default and excludes tiny sizes by default', () => {
    expect(newDraft(true).isDefault).toBe(true);
    expect(newDraft(false).isDefault).toBe(false);
    expect(newDraft(false).excludedSizes).toEqual(['nano', 'micro', 'small']);
  });

  it('names a clone after its source, unique case-insensitively and within 63 characters', () => {
    expect(cloneName('Web', ['Web'])).toBe('Web copy');
    expect(cloneName('Web', ['Web', 'web COPY'])).toBe('Web copy 2');
    expect(cloneName('Web', ['Web', 'web copy', 'Web copy 2'])).toBe('Web copy 3');
    const long = 'x'.repeat(63);
    expect(cloneName(long, [long]).length).toBeLessThanOrEqual(63);
    expect(cloneName(long, [long, cloneName(long, [long])]).length).toBeLessThanOrEqual(63);
  });

  it('orders sizes from the smallest up, metal last', () => {
    expect(
      sortSizes(['metal', '2xlarge', 'large', 'nano', 'xlarge', '16xlarge', 'metal-24xl', 'micro']),
    ).toEqual(['nano', 'micro', 'large', 'xlarge', '2xlarge', '16xlarge', 'metal', 'metal-24xl']);
  });

  it('files each conflict under the step that shows its field', () => {
    const conflicts = [
      { field: 'name', message: 'a' },
      { field: 'architecture', message: 'b' },
      { field: 'capacityType', message: 'c' },
      { field: 'disk.iops', message: 'd' },
      { field: 'excludedSizes', message: 'e' },
    ];
    expect(conflictsOfStep(conflicts, 1).map((c) => c.message)).toEqual(['a']);
    expect(conflictsOfStep(conflicts, 2).map((c) => c.message)).toEqual(['b', 'e']);
    expect(conflictsOfStep(conflicts, 3).map((c) => c.message)).toEqual(['c']);
    expect(conflictsOfStep(conflicts, 4).map((c) => c.message)).toEqual(['d']);
  });
});

describe('one-click conflict fixes', () => {
  const types = loadCatalog().instanceTypes;

  it('offers to drop exactly the families whose conflicts the validator reports', () => {
    const families = ['c5', 'c6g', 'm7g', 'c8ine', 'm5'];
    for (const architecture of ['x86_64', 'arm64'] as const) {
      const draft = { families, architecture, capacityType: 'spot' as const };
      const spec: NodeTemplateSpec = {
        ...draft,
        excludedSizes: [],
        spotAllocationStrategy: 'lowest-price',
        disk: { type: 'gp3', sizeGiB: 50 },
        securityGroupIds: [],
      };
      const conflicts = validateNodeTemplate(spec, types).conflicts;
      const archFamilies = conflicts
        .filter((c) => c.field === 'architecture')
        .map((c) => /Instance type (\S+) is/.exec(c.message)?.[1]);
      expect(architectureFix(draft, types)?.families ?? []).toEqual(archFamilies);
      const spotFamilies = conflicts
        .filter((c) => c.field === 'capacityType')
        .map((c) => /sell (\S+) as spot/.exec(c.message)?.[1]);
      expect(spotFix(draft, types)?.families ?? []).toEqual(spotFamilies);
    }
    expect(architectureFix({ families, architecture: 'arm64' }, types)?.families).toEqual([
      'c5',
      'c8ine',
      'm5',
    ]);
    expect(spotFix({ families: ['c5'], architecture: 'x86_64', capacityType: 'hybrid' }, types)).toBeNull();
  });
});
