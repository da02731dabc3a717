import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clusterTimeZone, regionTimeZones } from '../src/model/time-zone';

describe('clusterTimeZone', () => {
  it('uses the region location by default', () => {
    expect(clusterTimeZone('eu-west-1', {})).toBe('Europe/Dublin');
    expect(clusterTimeZone('ap-southeast-1', { env: 'prod' })).toBe('Asia/Singapore');
  });

  it('lets a tag with an IANA zone win, in the documented key order', () => {
    expect(clusterTimeZone('eu-west-1', { timezone: 'Europe/Berlin' })).toBe('Europe/Berlin');
    expect(
      clusterTimeZone('us-east-1', {
        timezone: 'America/Chicago',
        'spot-optimizer.io/time-zone': 'Asia/Tokyo',
      }),
    ).toBe('Asia/Tokyo');
  });

  it('ignores tags that are not IANA zones, and falls back to UTC for unknown regions', () => {
    expect(clusterTimeZone('us-west-2', { timezone: 'PST' })).toBe('America/Los_Angeles');
    expect(clusterTimeZone('us-west-2', { timezone: 'Mars/Olympus' })).toBe('America/Los_Angeles');
    expect(clusterTimeZone('xx-nowhere-9', {})).toBe('UTC');
  });

  it('always answers a zone luxon accepts', () => {
    const regions = [...Object.keys(regionTimeZones), 'xx-nowhere-1'];
    fc.assert(
      fc.property(fc.constantFrom(...regions), fc.string(), (region, tag) => {
        const zone = clusterTimeZone(region, { timezone: tag });
        expect(zone === 'UTC' || zone.includes('/')).toBe(true);
      }),
    );
  });
});
