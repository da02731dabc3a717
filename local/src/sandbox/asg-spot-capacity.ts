import type { ScalingActivity } from '@spot/functions/ports/cloud';

/**
 * Spot capacity of the sandbox's Auto Scaling groups (ADR 0046). A shortage is switched on and off per
 * group (`PUT /sandbox/clusters/{name}/spot-capacity` with `autoScalingGroup`); while it lasts and the
 * group's distribution still asks for spot, its spot launches fail with InsufficientInstanceCapacity, as
 * DescribeScalingActivities shows in AWS. Once the group is on-demand only, it launches no spot and no
 * new failure appears, so the last failure is when it was switched (or when the shortage ended).
 * Distributions set through UpdateAutoScalingGroup are kept here and shown by DescribeAutoScalingGroups;
 * the simulated nodes keep their capacity types (the sandbox's bill does not move with them).
 */
export interface Distribution {
  onDemandBaseCapacity: number;
  onDemandPercentageAboveBase: number;
}

interface Shortage {
  sinceMs: number;
  untilMs: number | null;
}

export class AsgSpotCapacity {
  private readonly shortages = new Map<string, Shortage[]>();
  private readonly distributions = new Map<string, { atMs: number; value: Distribution }[]>();

  /** Spot capacity of the group runs out (`short`) or comes back, at `atMs`. */
  setShortage(group: string, short: boolean, atMs: number): void {
    const list = this.shortages.get(group) ?? [];
    const open = list.find((s) => s.untilMs === null);
    if (short && !open) list.push({ sinceMs: atMs, untilMs: null });
    if (!short && open) open.untilMs = atMs;
    this.shortages.set(group, list);
  }

  setDistribution(group: string, value: Distribution, atMs: number): void {
    const list = this.distributions.get(group) ?? [];
    list.push({ atMs, value: { ...value } });
    this.distributions.set(group, list);
  }

  /** The distribution set last through the port, or null (the world's own). */
  distributionOf(group: string): Distribution | null {
    return this.distributions.get(group)?.at(-1)?.value ?? null;
  }

  /**
   * The failed spot launches of the group since `sinceMs`, newest first: one per shortage, at the last
   * moment it failed (the end of the shortage, now, or when the group stopped launching spot).
   */
  activities(
    group: string,
    basePercentage: number,
    sinceMs: number,
    nowMs: number,
    instanceType: string,
  ): ScalingActivity[] {
    const out: ScalingActivity[] = [];
    const changes = this.distributions.get(group) ?? [];
    for (const s of this.shortages.get(group) ?? []) {
      let last = Math.min(s.untilMs ?? nowMs, nowMs);
      // When the group went on-demand only during the shortage, its spot launches stopped then.
      const percentageAt = (ms: number) =>
        changes.filter((c) => c.atMs <= ms).at(-1)?.value.onDemandPercentageAboveBase ?? basePercentage;
      if (percentageAt(s.sinceMs) >= 100) continue;
      const stop = changes.find(
        (c) => c.atMs >= s.sinceMs && c.atMs <= last && c.value.onDemandPercentageAboveBase >= 100,
      );
      if (stop) last = stop.atMs;
      if (last < sinceMs) continue;
      out.push({
        activityId: `sandbox-ice-${group}-${s.sinceMs}`,
        statusCode: 'Failed',
        statusMessage: `InsufficientInstanceCapacity: We currently do not have sufficient ${instanceType} capacity in the Availability Zone you requested for Spot. Launching EC2 instance failed.`,
        description: 'Launching a new EC2 instance.  Status Reason: InsufficientInstanceCapacity.',
        startTime: new Date(last).toISOString(),
      });
    }
    return out.sort((a, b) => b.startTime.localeCompare(a.startTime));
  }
}
