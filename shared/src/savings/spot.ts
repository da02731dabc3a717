import { z } from 'zod';
import {
  type ClusterNode,
  type ExemptionPolicy,
  exemptionPolicySchema,
  hasDoNotDisrupt,
  indexPdbs,
  isPodExempt,
  type Pdb,
  type Pod,
  pdbAllowsDisruption,
  pdbSchema,
  podKey,
  podSchema,
} from './cluster';
import {
  DEFAULT_MEMORY_TO_CPU_PRICE_RATIO,
  requestHourlyCostUsd,
  toMonthlyUsd,
  unitPricesFromNodes,
} from './cost';

/**
 * Spot readiness of pods and the spot savings of the ready ones.
 *
 * Rules, in the order they are reported (`firstFailingRule` is the first that fails):
 * - `exempt`: namespace or label exempted by the policy (the pod is "Unmanaged": not eligible);
 * - `daemonset`: a DaemonSet or static pod runs wherever its node runs; it has no placement of its own to
 *   move to spot (not eligible);
 * - `not-replicated-controller`: not owned by a Deployment/ReplicaSet with >= 2 replicas or a Job/CronJob;
 * - `persistent-volume-claim`: mounts a PVC (an EBS volume is zonal and the pod must wait for re-attach);
 * - `do-not-disrupt`: annotated `karpenter.sh/do-not-disrupt: "true"`;
 * - `pdb-blocks-disruption`: its PDB allows no disruption now (or the named PDB is unknown).
 * Eligible = not `exempt` and not `daemonset`. Ready = eligible and no rule fails.
 */

export const spotReadinessRules = [
  'exempt',
  'daemonset',
  'not-replicated-controller',
  'persistent-volume-claim',
  'do-not-disrupt',
  'pdb-blocks-disruption',
] as const;
export type SpotReadinessRule = (typeof spotReadinessRules)[number];

/** Rules that take a pod out of the score's denominator. */
const ineligibleRules: ReadonlySet<SpotReadinessRule> = new Set(['exempt', 'daemonset']);

export interface PodSpotReadiness {
  pod: string;
  nodeName: string;
  cpuRequestMilli: number;
  eligible: boolean;
  ready: boolean;
  firstFailingRule: SpotReadinessRule | null;
  failingRules: SpotReadinessRule[];
}

/** True for a controller whose pods can be replaced elsewhere on an interruption without losing service. */
function isReplicatedController(pod: Pod): boolean {
  const owner = pod.owner;
  if (owner === null) return false;
  if (owner.kind === 'Job' || owner.kind === 'CronJob') return true;
  if (owner.kind === 'Deployment' || owner.kind === 'ReplicaSet') return (owner.replicas ?? 0) >= 2;
  return false;
}

/** Evaluates every readiness rule on one pod; see the module comment for the rules. */
export function assessPodSpotReadiness(
  pod: Pod,
  context: { exemptions: ExemptionPolicy; pdbs: ReadonlyMap<string, Pdb> },
): PodSpotReadiness {
  const failing: SpotReadinessRule[] = [];
  if (isPodExempt(pod, context.exemptions)) failing.push('exempt');
  if (pod.owner?.kind === 'DaemonSet' || pod.owner?.kind === 'Node') failing.push('daemonset');
  if (!isReplicatedController(pod)) failing.push('not-replicated-controller');
  if (pod.persistentVolumeClaimCount > 0) failing.push('persistent-volume-claim');
  if (hasDoNotDisrupt(pod.annotations)) failing.push('do-not-disrupt');
  if (!pdbAllowsDisruption(pod, context.pdbs)) failing.push('pdb-blocks-disruption');
  const eligible = !failing.some((r) => ineligibleRules.has(r));
  return {
    pod: podKey(pod),
    nodeName: pod.nodeName,
    cpuRequestMilli: pod.cpuRequestMilli,
    eligible,
    ready: eligible && failing.length === 0,
    firstFailingRule: failing[0] ?? null,
    failingRules: failing,
  };
}

export const spotReadinessInputSchema = z.object({
  pods: z.array(podSchema),
  pdbs: z.array(pdbSchema).default([]),
  exemptions: exemptionPolicySchema.default({ namespaces: [], labels: [] }),
});
export type SpotReadinessInput = z.infer<typeof spotReadinessInputSchema>;

export interface SpotReadinessReport {
  pods: PodSpotReadiness[];
  eligibleCount: number;
  readyCount: number;
  /** ready / eligible by count (fraction), `null` when nothing is eligible. */
  scoreByCount: number | null;
  eligibleCpuMilli: number;
  readyCpuMilli: number;
  /** sum(ready CPU requests) / sum(eligible CPU requests) (fraction), `null` when eligible CPU is 0. */
  scoreByCpu: number | null;
  /** Pods whose first failing rule is each rule (one count per pod). */
  firstFailingRuleCounts: Record<SpotReadinessRule, number>;
}

/**
 * Spot readiness score of a cluster:
 *   scoreByCount = ready pods / eligible pods
 *   scoreByCpu   = sum(CPU requests of ready pods, millicores) / sum(CPU requests of eligible pods)
 * Eligible = not exempted and not DaemonSet/static (see the module comment).
 */
export function spotReadiness(input: SpotReadinessInput): SpotReadinessReport {
  const pdbs = indexPdbs(input.pdbs);
  const pods = input.pods.map((pod) => assessPodSpotReadiness(pod, { exemptions: input.exemptions, pdbs }));
  const firstFailingRuleCounts = Object.fromEntries(spotReadinessRules.map((r) => [r, 0])) as Record<
    SpotReadinessRule,
    number
  >;
  let eligibleCount = 0;
  let readyCount = 0;
  let eligibleCpuMilli = 0;
  let readyCpuMilli = 0;
  for (const p of pods) {
    if (p.firstFailingRule !== null) firstFailingRuleCounts[p.firstFailingRule] += 1;
    if (!p.eligible) continue;
    eligibleCount += 1;
    eligibleCpuMilli += p.cpuRequestMilli;
    if (p.ready) {
      readyCount += 1;
      readyCpuMilli += p.cpuRequestMilli;
    }
  }
  return {
    pods,
    eligibleCount,
    readyCount,
    scoreByCount: eligibleCount === 0 ? null : readyCount / eligibleCount,
    eligibleCpuMilli,
    readyCpuMilli,
    scoreByCpu: eligibleCpuMilli === 0 ? null : readyCpuMilli / eligibleCpuMilli,
    firstFailingRuleCounts,
  };
}

/** On-demand and spot price of a node's instance type in its region/AZ, USD/h (from the pricing module). */
export const nodeSpotPricingSchema = z.object({
  nodeName: z.string().min(1),
  onDemandHourlyPriceUsd: z.number().positive().finite(),
  /** Current spot price (or catalog spot estimate) of the same type; `null` when the type has no spot offer. */
  spotHourlyPriceUsd: z.number().nonnegative().finite().nullable(),
});
export type NodeSpotPricing = z.infer<typeof nodeSpotPricingSchema>;

export interface PodSpotSaving {
  pod: string;
  nodeName: string;
  /** Cost share of the pod's requests on its node at the on-demand price, USD/h. */
  onDemandHourlyCostUsd: number;
  /** 1 - spot / on-demand of the node's type, in [0, 1]. */
  spotDiscount: number;
  hourlySavingUsd: number;
}

export interface SpotSavingsReport {
  pods: PodSpotSaving[];
  hourlySavingUsd: number;
  monthlySavingUsd: number;
  /** Ready pods skipped because their node is already spot (saving already realised). */
  alreadyOnSpotCount: number;
  /** Ready pods skipped because their node's type has no known spot price. */
  noSpotPriceCount: number;
}

/**
 * Spot savings of the spot-ready pods that run on on-demand nodes (USD/h and USD/month):
 *   pod on-demand cost = cpuMilli / 1000 x c_node + memoryMiB / 1024 x m_node
 *     where c_node = onDemandPrice / (allocatable cores + 0.1 x allocatable GiB), m_node = 0.1 x c_node
 *     (the node's on-demand price split over its allocatable capacity, see `unitPricesFromNodes`)
 *   pod saving = pod on-demand cost x max(0, 1 - spotPrice / onDemandPrice)
 *   monthly    = sum(pod savings) x 730
 * Pods already on spot nodes, or on types without a spot price, add 0 and are counted separately.
 */
export function spotSavings(input: {
  readiness: SpotReadinessReport;
  nodes: readonly Pick<
    ClusterNode,
    'name' | 'capacityType' | 'allocatableCpuMilli' | 'allocatableMemoryMiB'
  >[];
  pods: readonly Pod[];
  pricing: readonly NodeSpotPricing[];
  memoryToCpuPriceRatio?: number;
}): SpotSavingsReport {
  const ratio = input.memoryToCpuPriceRatio ?? DEFAULT_MEMORY_TO_CPU_PRICE_RATIO;
  const nodes = new Map(input.nodes.map((n) => [n.name, n]));
  const pricing = new Map(input.pricing.map((p) => [p.nodeName, p]));
  const podsByKey = new Map(input.pods.map((p) => [podKey(p), p]));
  const result: PodSpotSaving[] = [];
  let alreadyOnSpotCount = 0;
  let noSpotPriceCount = 0;
  let hourlySavingUsd = 0;
  for (const readiness of input.readiness.pods) {
    if (!readiness.ready) continue;
    const node = nodes.get(readiness.nodeName);
    const pod = podsByKey.get(readiness.pod);
    if (node === undefined || pod === undefined) continue;
    if (node.capacityType === 'spot') {
      alreadyOnSpotCount += 1;
      continue;
    }
    const price = pricing.get(node.name);
    if (price === undefined || price.spotHourlyPriceUsd === null) {
      noSpotPriceCount += 1;
      continue;
    }
    const unit = unitPricesFromNodes(
      [
        {
          hourlyPriceUsd: price.onDemandHourlyPriceUsd,
          allocatableCpuMilli: node.allocatableCpuMilli,
          allocatableMemoryMiB: node.allocatableMemoryMiB,
        },
      ],
      ratio,
    );
    const onDemandHourlyCostUsd = requestHourlyCostUsd(pod.cpuRequestMilli, pod.memoryRequestMiB, unit);
    const spotDiscount = Math.max(0, 1 - price.spotHourlyPriceUsd / price.onDemandHourlyPriceUsd);
    const saving = onDemandHourlyCostUsd * spotDiscount;
    hourlySavingUsd += saving;
    result.push({
      pod: readiness.pod,
      nodeName: node.name,
      onDemandHourlyCostUsd,
      spotDiscount,
      hourlySavingUsd: saving,
    });
  }
  return {
    pods: result,
    hourlySavingUsd,
    monthlySavingUsd: toMonthlyUsd(hourlySavingUsd),
    alreadyOnSpotCount,
    noSpotPriceCount,
  };
}
