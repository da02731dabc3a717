import { describe, expect, it } from 'vitest';
import { AsgSpotCapacity } from '../../src/sandbox/asg-spot-capacity';

describe('sandbox ASG spot capacity', () => {
  it('fails spot launches while short, stops failing once the group is on-demand only, and keeps the distribution', () => {
    const asg = new AsgSpotCapacity();
    expect(asg.activities('workers', 0, 0, 1_000, 'm5.large')).toEqual([]);
    asg.setShortage('workers', true, 1_000);
    const short = asg.activities('workers', 0, 0, 5_000, 'm5.large');
    expect(short.map((a) => [a.statusCode, a.startTime])).toEqual([
      ['Failed', new Date(5_000).toISOString()],
    ]);
    expect(short[0]?.statusMessage).toContain('InsufficientInstanceCapacity');
    asg.setDistribution('workers', { onDemandBaseCapacity: 0, onDemandPercentageAboveBase: 100 }, 6_000);
    expect(asg.distributionOf('workers')?.onDemandPercentageAboveBase).toBe(100);
    // On-demand only from 6 s: the last failure stays there however long the shortage lasts.
    expect(asg.activities('workers', 0, 0, 60_000, 'm5.large')[0]?.startTime).toBe(
      new Date(6_000).toISOString(),
    );
    asg.setShortage('workers', false, 70_000);
    expect(asg.activities('workers', 0, 10_000, 80_000, 'm5.large')).toEqual([]);
  });

  it('never fails a group that launches no spot', () => {
    const asg = new AsgSpotCapacity();
    asg.setShortage('od', true, 0);
    expect(asg.activities('od', 100, 0, 10_000, 'm5.large')).toEqual([]);
  });
});
