/**
 * Spot fallback to on-demand for capacity that Auto Scaling groups launch (issue 14, item 5; ADR 0046).
 * Karpenter falls back by itself once its NodePool allows both capacity types (ADR 0042); an ASG with a
 * mixed instances policy does not: while EC2 answers InsufficientInstanceCapacity for its spot launches
 * it keeps failing them and the group stays short. The optimizer then raises the group's on-demand
 * percentage above base to 100 (its base is kept), and puts the original distribution back once no spot
 * launch has failed for {@link spotRecoveryQuietMs} (after the switch the group launches no spot, so a
 * quiet period is the only sign AWS gives that spot is back; a new shortage switches it again).
 *
 * Pure: what to switch, given the groups, what was switched before and the cluster's guards.
 */

/** The on-demand part of a mixed instances policy's distribution. */
export interface OnDemandDistribution {
  onDemandBaseCapacity: number;
  /** 0-100: the share of on-demand above the base (100 = on-demand only). */
  onDemandPercentageAboveBase: number;
}

export interface FallbackGroup {
  name: string;
  /** null: no mixed instances policy (a plain launch template has one capacity type; nothing to switch). */
  distribution: OnDemandDistribution | null;
  /** The policy's exemptions cover the group (its tags match an excluded label selector). */
  exempt: boolean;
  /** The newest failed launch whose status names InsufficientInstanceCapacity, ISO; null if none. */
  lastSpotCapacityFailureAt: string | null;
  /** The optimizer switched this group earlier: since when, and the distribution it had before. */
  fallback: { since: string; original: OnDemandDistribution } | null;
}

export interface FallbackGuards {
  maintenance: boolean;
  /** The policy's exemptions cover the cluster as a whole. */
  clusterExempt: boolean;
  /** The policy's "Auto-fallback to On-Demand if Spot is unavailable". */
  spotFallbackToOnDemand: boolean;
}

export type FallbackSwitch = {
  group: string;
  kind: 'fall-back' | 'revert';
  from: OnDemandDistribution;
  to: OnDemandDistribution;
  /** What to remember for a later revert (the distribution before the first switch). */
  original: OnDemandDistribution;
};

export interface FallbackPlan {
  switches: FallbackSwitch[];
  /** Groups short of spot the optimizer leaves as they are, with why. */
  skipped: { group: string; reason: string }[];
  /** Groups someone else changed since the optimizer switched them: their change stands, the record goes. */
  forget: string[];
}

/** No failed spot launch for this long: spot capacity is treated as back. */
export const spotRecoveryQuietMs = 30 * 60_000;

export const onDemandOnly = (d: OnDemandDistribution): OnDemandDistribution => ({
  onDemandBaseCapacity: d.onDemandBaseCapacity,
  onDemandPercentageAboveBase: 100,
});

/** Whether spot launches of the group are failing now (a failure within the quiet period). */
export function spotShortOf(group: Pick<FallbackGroup, 'lastSpotCapacityFailureAt'>, now: Date): boolean {
  if (group.lastSpotCapacityFailureAt === null) return false;
  return now.getTime() - Date.parse(group.lastSpotCapacityFailureAt) < spotRecoveryQuietMs;
}

/**
 * Whether a distribution lets the group launch something EC2 can give now: on-demand when any share or
 * base is on-demand, spot when some share is spot and spot is not short.
 */
export function allowsAvailableCapacity(d: OnDemandDistribution, spotShort: boolean): boolean {
  const onDemand = d.onDemandPercentageAboveBase > 0 || d.onDemandBaseCapacity > 0;
  const spot = d.onDemandPercentageAboveBase < 100;
  return onDemand || (spot && !spotShort);
}

const sameDistribution = (a: OnDemandDistribution, b: OnDemandDistribution) =>
  a.onDemandBaseCapacity === b.onDemandBaseCapacity &&
  a.onDemandPercentageAboveBase === b.onDemandPercentageAboveBase;

export function planSpotFallback(
  groups: readonly FallbackGroup[],
  guards: FallbackGuards,
  now: Date,
): FallbackPlan {
  const plan: FallbackPlan = { switches: [], skipped: [], forget: [] };
  for (const g of groups) {
    const short = spotShortOf(g, now);
    const wants = g.distribution !== null && (g.fallback !== null ? !short : short);
    if (!wants || g.distribution === null) continue;
    const blocker = guards.maintenance
      ? 'the cluster is in maintenance mode'
      : guards.clusterExempt
        ? "the policy's exemptions cover the cluster"
        : g.exempt
          ? "the policy's exemptions cover the group"
          : g.fallback === null && !guards.spotFallbackToOnDemand
            ? 'the policy does not allow falling back to on-demand'
            : null;
    if (blocker) {
      plan.skipped.push({ group: g.name, reason: blocker });
      continue;
    }
    if (g.fallback === null) {
      const to = onDemandOnly(g.distribution);
      if (sameDistribution(to, g.distribution)) continue; // on-demand only already: spot is not what it launches
      plan.switches.push({
        group: g.name,
        kind: 'fall-back',
        from: g.distribution,
        to,
        original: g.distribution,
      });
    } else {
      const to = g.fallback.original;
      // Someone changed the group since the switch: theirs stands, and the record is dropped.
      if (!sameDistribution(g.distribution, onDemandOnly(to))) {
        plan.forget.push(g.name);
        continue;
      }
      if (!allowsAvailableCapacity(to, short)) continue;
      plan.switches.push({ group: g.name, kind: 'revert', from: g.distribution, to, original: to });
    }
  }
  return plan;
}
