import { describe, expect, it } from 'vitest';
import type { NodeTemplateSpec } from '../../src/model/node-template';
import { loadCatalog } from '../../src/pricing';
import { validateNodeTemplate } from '../../src/templates';
import { spec } from './helpers';

const types = loadCatalog().instanceTypes;
const sizesOf = (family: string) => types.filter((t) => t.family === family).map((t) => t.size);
const conflictsOf = (s: NodeTemplateSpec, region?: string) =>
  validateNodeTemplate(s, types, { region }).conflicts;

describe('validateNodeTemplate conflicts', () => {
  it('accepts a plain template and lists what it allows', () => {
    const s = spec({ families: ['c5', 'c6i'] });
    const result = validateNodeTemplate(s, types, { region: 'us-east-1' });
    expect(result.conflicts).toEqual([]);
    const expected = types
      .filter((t) => ['c5', 'c6i'].includes(t.family) && t.onDemandHourlyUsd['us-east-1'] !== undefined)
      .map((t) => t.name);
    expect(result.allowedInstanceTypes).toEqual(expected);
    expect(result.allowedInstanceTypes).toContain('c6i.large');
  });

  it('names a family the catalog does not know', () => {
    expect(conflictsOf(spec({ families: ['m5', 'zz9'] }))).toEqual([
      { field: 'families', message: 'Instance family zz9 is not in the instance catalog.' },
    ]);
  });

  it('names each family without a type of the chosen architecture, GPU families included', () => {
    expect(conflictsOf(spec({ families: ['g4dn', 'p3dn', 'g5g'], architecture: 'arm64' }))).toEqual([
      { field: 'architecture', message: 'Instance type g4dn is incompatible with ARM64.' },
      { field: 'architecture', message: 'Instance type p3dn is incompatible with ARM64.' },
    ]);
    expect(conflictsOf(spec({ families: ['g5g', 'g4dn'], architecture: 'x86_64' }))).toEqual([
      { field: 'architecture', message: 'Instance type g5g is incompatible with x86_64.' },
    ]);
  });

  it('says when the excluded sizes leave nothing to launch', () => {
    const s = spec({ families: ['t4g'], architecture: 'arm64', excludedSizes: sizesOf('t4g') });
    expect(conflictsOf(s)).toEqual([
      {
        field: 'excludedSizes',
        message: 'The excluded sizes leave no instance type to launch; remove an exclusion or add a family.',
      },
    ]);
    // One size left is enough.
    expect(conflictsOf(spec({ ...s, excludedSizes: sizesOf('t4g').slice(1) }))).toEqual([]);
  });

  it('refuses spot-only families EC2 never sells as spot, but not for hybrid', () => {
    expect(sizesOf('u-6tb1').length).toBeGreaterThan(0);
    expect(conflictsOf(spec({ families: ['u-6tb1', 'm5'], capacityType: 'spot' }))).toEqual([
      {
        field: 'capacityType',
        message: 'EC2 does not sell u-6tb1 as spot; remove it or choose on-demand or hybrid capacity.',
      },
    ]);
    expect(conflictsOf(spec({ families: ['u-6tb1'], capacityType: 'hybrid' }))).toEqual([]);
  });

  it('says when the sizes left are none EC2 sells as spot', () => {
    const spotSizes = types.filter((t) => t.family === 't2' && t.spotSupported).map((t) => t.size);
    expect(spotSizes.length).toBeLessThan(sizesOf('t2').length);
    expect(conflictsOf(spec({ families: ['t2'], capacityType: 'spot', excludedSizes: spotSizes }))).toEqual([
      {
        field: 'capacityType',
        message:
          'None of the instance types left is sold as spot; keep a size EC2 sells as spot or choose hybrid.',
      },
    ]);
  });

  it('refuses a spot allocation strategy on on-demand capacity only', () => {
    expect(conflictsOf(spec({ spotAllocationStrategy: 'capacity-optimized' }))).toEqual([
      {
        field: 'spotAllocationStrategy',
        message:
          'A spot allocation strategy applies only to spot or hybrid capacity; clear it or change the capacity type.',
      },
    ]);
    expect(conflictsOf(spec({ spotAllocationStrategy: 'lowest-price', capacityType: 'hybrid' }))).toEqual([]);
  });

  it('asks io1 for provisioned IOPS', () => {
    expect(conflictsOf(spec({ disk: { type: 'io1', sizeGiB: 100 } }))).toEqual([
      { field: 'disk.iops', message: 'io1 volumes need provisioned IOPS (100–64,000).' },
    ]);
    expect(conflictsOf(spec({ disk: { type: 'io1', sizeGiB: 100, iops: 5000 } }))).toEqual([]);
  });

  it('keeps io1 within 50 IOPS per GiB', () => {
    expect(conflictsOf(spec({ disk: { type: 'io1', sizeGiB: 10, iops: 1000 } }))).toEqual([
      {
        field: 'disk.iops',
        message:
          'io1 volumes allow at most 50 IOPS per GiB; lower the IOPS to 500 or grow the volume to 20 GiB.',
      },
    ]);
    expect(conflictsOf(spec({ disk: { type: 'io1', sizeGiB: 100, iops: 64_000 } }))).toEqual([
      {
        field: 'disk.iops',
        message:
          'io1 volumes allow at most 50 IOPS per GiB; lower the IOPS to 5,000 or grow the volume to 1,280 GiB.',
      },
    ]);
  });

  it('keeps io1 at 4 GiB or more, and only suggests growing a volume too small for 100 IOPS', () => {
    expect(conflictsOf(spec({ disk: { type: 'io1', sizeGiB: 1, iops: 100 } }))).toEqual([
      { field: 'disk.sizeGiB', message: 'io1 volumes must be at least 4 GiB.' },
      { field: 'disk.iops', message: 'io1 volumes allow at most 50 IOPS per GiB; grow the volume to 2 GiB.' },
    ]);
    expect(conflictsOf(spec({ disk: { type: 'io1', sizeGiB: 3, iops: 150 } }))).toEqual([
      { field: 'disk.sizeGiB', message: 'io1 volumes must be at least 4 GiB.' },
    ]);
  });

  it('refuses IOPS on a disk that is not io1', () => {
    expect(conflictsOf(spec({ disk: { type: 'gp3', sizeGiB: 20, iops: 3000 } }))).toEqual([
      {
        field: 'disk.iops',
        message: 'Provisioned IOPS apply only to io1 volumes; clear the IOPS or choose io1 instead of gp3.',
      },
    ]);
  });

  it('says when the template allows nothing in the region, and counts each priced region', () => {
    const s = spec({ families: ['c7a'] });
    const result = validateNodeTemplate(s, types, { region: 'us-gov-west-1' });
    expect(result.conflicts).toEqual([
      {
        field: 'families',
        message:
          'None of the allowed instance types has a price in us-gov-west-1; choose families sold there or another region.',
      },
    ]);
    expect(result.allowedInstanceTypes).toEqual([]);
    expect(result.allowedCountByRegion).toEqual({
      'us-east-1': types.filter((t) => t.family === 'c7a' && t.onDemandHourlyUsd['us-east-1'] !== undefined)
        .length,
      'us-gov-east-1': 0,
      'us-gov-west-1': 0,
    });
    // Without a region the template is fine: it allows c7a where c7a is sold.
    const anywhere = validateNodeTemplate(s, types);
    expect(anywhere.conflicts).toEqual([]);
    expect(anywhere.allowedInstanceTypes).toEqual(types.filter((t) => t.family === 'c7a').map((t) => t.name));
  });

  it('reports every conflict of a draft at once, each on its field', () => {
    const s = spec({
      families: ['zz9', 'g4dn', 'g5g'],
      architecture: 'arm64',
      capacityType: 'on-demand',
      spotAllocationStrategy: 'lowest-price',
      disk: { type: 'io1', sizeGiB: 2 },
    });
    expect(conflictsOf(s).map((c) => c.field)).toEqual([
      'families',
      'architecture',
      'spotAllocationStrategy',
      'disk.sizeGiB',
      'disk.iops',
    ]);
    // One sentence each: a single full stop, at the end.
    for (const c of conflictsOf(s)) {
      expect(c.message.endsWith('.')).toBe(true);
      expect(c.message.slice(0, -1)).not.toMatch(/\.(\s|$)/);
    }
  });
});
