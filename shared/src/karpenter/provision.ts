import { matchesNodeAffinity, matchesRequirement, type NodeSelectorTerm } from '../packing/selectors';
import type { NodeRequirement } from '../templates/karpenter';
import type { ProvisioningStrategy } from './managed';

/**
 * A Karpenter-like provisioner, pure (ADR 0042): which nodes to launch for the pending pods a NodePool may
 * host. It is what the sandbox's Karpenter pools run, and the one definition of "the cheapest fitting
 * type allowed by the NodePool".
 */

export type LaunchCapacityType = 'spot' | 'on-demand';

/** One instance type at one capacity type, as EC2 would sell it now. */
export interface LaunchOffering {
  readonly instanceType: string;
  readonly family: string;
  readonly size: string;
  /** `kubernetes.io/arch` value (amd64, arm64). */
  readonly arch: string;
  readonly capacityType: LaunchCapacityType;
  readonly hourlyPriceUsd: number;
  /** What pods may use on a node of this type (EKS allocatable less the DaemonSets), per node. */
  readonly allocatable: { readonly cpuMilli: number; readonly memoryMiB: number; readonly pods: number };
  /** Spot Instance Advisor interruption bucket (0: <5 % … 4: >20 %); `null` for on-demand or unknown. */
  readonly interruptionBucket: number | null;
}

export interface PendingPod {
  readonly name: string;
  readonly cpuMilli: number;
  readonly memoryMiB: number;
  readonly nodeSelector: Readonly<Record<string, string>>;
  /** Required node affinity terms (ORed); none: no constraint. */
  readonly requiredNodeAffinity?: readonly NodeSelectorTerm[] | undefined;
}

export interface ProvisionInput {
  readonly pods: readonly PendingPod[];
  /** The NodePool's requirements (instance family, arch, capacity type, sizes, types). */
  readonly requirements: readonly NodeRequirement[];
  /** Labels every node of the pool carries (the pool template's labels). */
  readonly poolLabels: Readonly<Record<string, string>>;
  readonly offerings: readonly LaunchOffering[];
  readonly strategy: ProvisioningStrategy;
  /** Instance types whose spot capacity has run out now (EC2 would answer InsufficientInstanceCapacity). */
  readonly spotShortage: ReadonlySet<string> | 'all';
  /**
   * How many nodes the pool may still launch under its `spec.limits.nodes` (the limit less the nodes it
   * runs); absent: no node limit. Pods that would need a node beyond it stay pending, as in Karpenter.
   */
  readonly nodesLeft?: number | undefined;
}

/** Why a pod stayed pending because the pool's node limit is reached. */
export const nodeLimitReason =
  "the NodePool's limits.nodes is reached: Karpenter launches no more nodes for it";

export interface Launch {
  readonly instanceType: string;
  readonly capacityType: LaunchCapacityType;
  readonly hourlyPriceUsd: number;
  readonly pods: readonly string[];
  /** Spot was wanted (allowed and cheaper) but EC2 had none: launched on-demand instead. */
  readonly fellBackToOnDemand: boolean;
}

export interface ProvisionResult {
  readonly launches: readonly Launch[];
  readonly unplaced: readonly { readonly pod: string; readonly reason: string }[];
}

/** Within this share above the cheapest spot price, capacity-optimized prefers the deeper pool. */
export const capacityOptimizedPriceSlack = 0.05;

/** The labels a node of this offering gets (what pods' selectors and the pool's requirements see). */
export function offeringLabels(
  offering: LaunchOffering,
  poolLabels: Readonly<Record<string, string>>,
): Record<string, string> {
  return {
    ...poolLabels,
    'node.kubernetes.io/instance-type': offering.instanceType,
    'karpenter.k8s.aws/instance-family': offering.family,
    'karpenter.k8s.aws/instance-size': offering.size,
    'kubernetes.io/arch': offering.arch,
    'kubernetes.io/os': 'linux',
    'karpenter.sh/capacity-type': offering.capacityType,
  };
}

const isShort = (shortage: ProvisionInput['spotShortage'], offering: LaunchOffering) =>
  offering.capacityType === 'spot' && (shortage === 'all' || shortage.has(offering.instanceType));

function podAllows(pod: PendingPod, labels: Readonly<Record<string, string>>): boolean {
  for (const [key, value] of Object.entries(pod.nodeSelector)) if (labels[key] !== value) return false;
  return matchesNodeAffinity(labels, pod.requiredNodeAffinity);
}

/**
 * The offering to launch among those that can host the pod: spot first when any spot offering is
 * available (Karpenter's preference), then by strategy. `lowest-cost`: the lowest hourly price.
 * `capacity-optimized`: among spot offerings within {@link capacityOptimizedPriceSlack} of the cheapest,
 * the lowest interruption bucket (the deepest pools), then price; on-demand by price.
 */
export function chooseOffering(
  candidates: readonly LaunchOffering[],
  strategy: ProvisioningStrategy,
): LaunchOffering | undefined {
  const spot = candidates.filter((o) => o.capacityType === 'spot');
  const pool = spot.length > 0 ? spot : candidates;
  const byPrice = [...pool].sort(
    (a, b) =>
      a.hourlyPriceUsd - b.hourlyPriceUsd ||
      (a.instanceType < b.instanceType ? -1 : a.instanceType > b.instanceType ? 1 : 0),
  );
  const cheapest = byPrice[0];
  if (!cheapest || strategy === 'lowest-cost' || cheapest.capacityType !== 'spot') return cheapest;
  const ceiling = cheapest.hourlyPriceUsd * (1 + capacityOptimizedPriceSlack);
  return byPrice
    .filter((o) => o.hourlyPriceUsd <= ceiling)
    .sort((a, b) => (a.interruptionBucket ?? 5) - (b.interruptionBucket ?? 5))[0];
}

/**
 * Pure: the nodes to launch for the pending pods. Pods are taken largest first (CPU, then memory), as
 * Karpenter sorts them; for the largest pod left, the offering is chosen among the pool's allowed ones
 * that fit it ({@link chooseOffering}); the pods left that fit on that node (first fit) go with it. A
 * spot offering whose capacity ran out is skipped: when the pool also allows on-demand, the pod gets an
 * on-demand node (`fellBackToOnDemand`), otherwise it stays pending with EC2's reason. Once the pool's
 * node limit is reached ({@link ProvisionInput.nodesLeft}) the pods left stay pending.
 */
export function provisionPendingPods(input: ProvisionInput): ProvisionResult {
  const allowed = input.offerings.filter((o) => {
    const labels = offeringLabels(o, input.poolLabels);
    return input.requirements.every((r) => matchesRequirement(labels, r));
  });
  const remaining = [...input.pods].sort(
    (a, b) => b.cpuMilli - a.cpuMilli || b.memoryMiB - a.memoryMiB || (a.name < b.name ? -1 : 1),
  );
  const launches: Launch[] = [];
  const unplaced: { pod: string; reason: string }[] = [];
  while (remaining.length > 0) {
    const head = remaining.shift() as PendingPod;
    if (input.nodesLeft !== undefined && launches.length >= input.nodesLeft) {
      unplaced.push({ pod: head.name, reason: nodeLimitReason });
      continue;
    }
    const hosts = allowed.filter(
      (o) =>
        o.allocatable.cpuMilli >= head.cpuMilli &&
        o.allocatable.memoryMiB >= head.memoryMiB &&
        o.allocatable.pods >= 1 &&
        podAllows(head, offeringLabels(o, input.poolLabels)),
    );
    const available = hosts.filter((o) => !isShort(input.spotShortage, o));
    const chosen = chooseOffering(available, input.strategy);
    if (!chosen) {
      unplaced.push({
        pod: head.name,
        reason:
          hosts.length > 0
            ? 'InsufficientInstanceCapacity: EC2 has no spot capacity for the types that fit, and the NodePool allows no on-demand'
            : 'no instance type the NodePool allows fits the pod (requests, node selector, affinity)',
      });
      continue;
    }
    const labels = offeringLabels(chosen, input.poolLabels);
    const free = { ...chosen.allocatable };
    const take = (p: PendingPod) => {
      free.cpuMilli -= p.cpuMilli;
      free.memoryMiB -= p.memoryMiB;
      free.pods -= 1;
    };
    take(head);
    const pods = [head.name];
    for (let i = 0; i < remaining.length; ) {
      const p = remaining[i] as PendingPod;
      if (
        free.pods >= 1 &&
        free.cpuMilli >= p.cpuMilli &&
        free.memoryMiB >= p.memoryMiB &&
        podAllows(p, labels)
      ) {
        take(p);
        pods.push(p.name);
        remaining.splice(i, 1);
      } else i++;
    }
    launches.push({
      instanceType: chosen.instanceType,
      capacityType: chosen.capacityType,
      hourlyPriceUsd: chosen.hourlyPriceUsd,
      pods,
      fellBackToOnDemand:
        chosen.capacityType === 'on-demand' &&
        hosts.some((o) => o.capacityType === 'spot' && isShort(input.spotShortage, o)),
    });
  }
  return { launches, unplaced };
}
