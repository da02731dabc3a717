import { port } from '../ports';
import type { CloudTarget, Ec2Instance } from '../ports/cloud';

/**
 * What the customer's cloud bills per hour for the instances of one node group of a cluster, read through
 * the cloud port (ADR 0044): the running instances of the group (its Auto Scaling group, or its Karpenter
 * NodePool's tag), each at its live price: the latest spot price of its type in its zone, or the
 * on-demand price of its type in the region. A consolidation step reads it before and after a termination;
 * the drop is the step's realized saving. Scoped to the group so that the rest of the cluster scaling
 * meanwhile does not count as the step's saving.
 */

/** The group a node is billed under: its Auto Scaling group, or its Karpenter NodePool. */
export type BillScope = { kind: 'asg' | 'nodepool'; name: string };

/** How far back a spot price is still the current one (spot prices change a few times a day at most). */
const spotLookbackMs = 24 * 3600_000;

const inScope = (clusterName: string, scope: BillScope) => (i: Ec2Instance) =>
  (i.state === 'running' || i.state === 'pending') &&
  i.clusterName === clusterName &&
  (scope.kind === 'asg'
    ? i.autoScalingGroupName === scope.name
    : i.tags['karpenter.sh/nodepool'] === scope.name);

/** USD/h of the group's running instances now; an instance whose price the cloud does not know counts 0. */
export async function groupHourlyBillUsd(
  target: CloudTarget,
  clusterName: string,
  scope: BillScope,
  now: Date,
): Promise<number> {
  const cloud = port('cloud');
  const instances = (await cloud.describeInstances(target)).filter(inScope(clusterName, scope));
  const onDemandTypes = [
    ...new Set(instances.filter((i) => i.capacityType === 'on-demand').map((i) => i.instanceType)),
  ];
  const spotTypes = [
    ...new Set(instances.filter((i) => i.capacityType === 'spot').map((i) => i.instanceType)),
  ];
  const [onDemand, spotPoints] = await Promise.all([
    onDemandTypes.length ? cloud.onDemandPrices(target, onDemandTypes) : Promise.resolve({}),
    spotTypes.length
      ? cloud.spotPriceHistory(target, spotTypes, new Date(now.getTime() - spotLookbackMs))
      : Promise.resolve([]),
  ]);
  // The latest point per type and zone, and per type as the fallback for a zone without one.
  const latest = new Map<string, { at: string; usd: number }>();
  for (const p of spotPoints) {
    for (const key of [`${p.instanceType}@${p.availabilityZone}`, p.instanceType]) {
      const seen = latest.get(key);
      if (!seen || seen.at < p.timestamp) latest.set(key, { at: p.timestamp, usd: p.priceUsdPerHour });
    }
  }
  const onDemandUsd = onDemand as Record<string, number>;
  return instances.reduce((sum, i) => {
    const usd =
      i.capacityType === 'spot'
        ? (latest.get(`${i.instanceType}@${i.availabilityZone}`) ?? latest.get(i.instanceType))?.usd
        : onDemandUsd[i.instanceType];
    return sum + (usd ?? 0);
  }, 0);
}
