import type { NodeTemplateSpec } from '../model/node-template';
import { binPackingAggressiveness, type Policy } from '../model/policy';
import { filterInstanceTypes } from '../pricing/catalog';
import type { CatalogInstanceType } from '../pricing/catalog-types';
import { eksAllocatable } from '../pricing/eks-allocatable';
import {
  DO_NOT_DISRUPT_ANNOTATION,
  type ExemptionPolicy,
  exemptionReasonOf,
  type Pdb,
  type Pod,
} from '../savings/cluster';
import type { WorkloadUsage } from '../savings/cluster-summary/types';
import { type ConsolidationNode, planConsolidation, type ReplacementOption } from '../savings/consolidation';
import { toMonthlyUsd, unitPricesFromNodes } from '../savings/cost';
import { type ContainerUsage, CPU_USAGE_PERCENTILE, rightsizeContainers } from '../savings/rightsizing';
import type { ModelPod } from '../savings/snapshot-model';
import { combineSavings } from '../savings/summary';
import { templateInstanceFilter } from '../templates/packing-filter';

/**
 * Potential savings of a cluster's current inventory under a policy, card by card, for the policy page's
 * "Estimated impact" badges. Pure: the inventory, the catalog and the clock come in.
 *
 * - Bin packing: the consolidation planner (`planConsolidation`) under the policy's aggressiveness,
 *   method and exemptions, replacements drawn from the catalog types the node template allows (burstable
 *   families left out when the spot rules block them). The stabilization window delays actions, it does
 *   not change what they save, so every eligible node counts as past it. A looser level may always do
 *   what a stricter one does, so a level reports the best plan of itself and every stricter level.
 * - Rightsizing: the engine's recommendations from the stored usage, at the policy's safety buffer and
 *   severity threshold; 0 when the mode is off.
 * - Spot rules: the last snapshot's spot savings, in proportion to the cost of the spot-ready workloads
 *   the policy leaves managed; 0 when neither spot rule is on.
 * - Autoscaling: not expressible from the stored inventory (it needs the pods' scheduling constraints):
 *   `null` with the reason.
 * - Governance: exemptions save nothing; their cost is reported as unmanaged.
 * Exempt ("Unmanaged") workloads contribute to no card. The total combines the cards with the
 * dashboard's overlap rule (`combineSavings`), so they are never counted twice.
 */

export interface PreviewNode {
  name: string;
  instanceType: string;
  capacityType: 'on-demand' | 'spot';
  /** `null`: no known price (left out of both sides, as everywhere). */
  hourlyPriceUsd: number | null;
  allocatableCpuMilli: number;
  allocatableMemoryMiB: number;
  allocatablePods: number;
  requestedCpuMilli: number;
  requestedMemoryMiB: number;
  /**
   * Pods that can move (not DaemonSet or static), summed per workload (`workload`: its key; absent in
   * inventories summed per namespace); `null` when the inventory predates it.
   */
  movablePods:
    | readonly { namespace: string; workload?: string; count: number; cpuMilli: number; memoryMiB: number }[]
    | null;
  /** The node's labels (absent: none known), for label exemptions. */
  labels?: Readonly<Record<string, string>>;
  /** A movable pod on the node carries `karpenter.sh/do-not-disrupt`. */
  doNotDisrupt: boolean;
  /**
   * Since when the node may be a candidate (ISO): its launch or the optimizer's last action on it, for the
   * stabilization window of a consolidation run. Absent: long ago (the preview does not wait).
   */
  eligibleSince?: string;
}

export interface PreviewWorkload {
  key: string;
  namespace: string;
  /** Its pods' labels (absent: none known), for label exemptions. */
  labels?: Readonly<Record<string, string>>;
  replicas: number;
  /** Sums over the workload's pods, millicores / MiB. */
  requestCpuMilli: number;
  requestMemoryMiB: number;
  /** Sums of the declared limits over the pods; `null` or absent when some container declares none. */
  limitCpuMilli?: number | null;
  limitMemoryMiB?: number | null;
  /** Cost share of its requests, USD/month. */
  monthlyCostUsd: number;
  spotReady: boolean;
  hpaScaledResources: ('cpu' | 'memory')[];
  usage: WorkloadUsage | null;
  /** The PodDisruptionBudget over its pods and the disruptions it allowed at the snapshot (absent: none). */
  pdb?: { name: string; disruptionsAllowed: number } | null;
}

export interface PolicyPreviewInput {
  region: string;
  nodes: readonly PreviewNode[];
  workloads: readonly PreviewWorkload[];
  /** The catalog's instance types (replacement candidates). */
  instanceTypes: readonly CatalogInstanceType[];
  /** The spec of the node template the policy names (`null`: none named, or none found). */
  template: Pick<NodeTemplateSpec, 'families' | 'architecture' | 'excludedSizes' | 'capacityType'> | null;
  /** Spot savings of the last snapshot (the dashboard's figure), USD/month; `null` before the first one. */
  lastSpotMonthlySavingUsd: number | null;
  now: Date;
}

export interface PreviewCard {
  monthlySavingUsd: number | null;
  note: string | null;
}

/** One workload's rightsizing recommendation under the draft, per replica, with its evidence. */
export interface PreviewRecommendation {
  namespace: string;
  workload: string;
  replicas: number;
  cpuRequestMilli: { current: number; recommended: number };
  memoryRequestMiB: { current: number; recommended: number };
  /**
   * Per replica, where the workload declares limits: the limit keeps its ratio to the request (a 2x burst
   * allowance stays 2x), so `recommended = current x recommendedRequest / currentRequest`; `null`: no limit.
   */
  cpuLimitMilli: { current: number; recommended: number } | null;
  memoryLimitMiB: { current: number; recommended: number } | null;
  /** Positive = cheaper, negative = the requests must grow (under-provisioned), USD/month. */
  monthlySavingUsd: number;
  status: 'apply' | 'below-threshold';
  evidence: {
    cpuPercentile: number;
    cpuP95Milli: number | null;
    memoryPeakMiB: number | null;
    /** Days of usage read (finished days, plus today when it has samples). */
    windowDays: number;
    oomKills: number;
    /** Resources left alone because an HPA scales on them. */
    hpaScaled: ('cpu' | 'memory')[];
  };
}

/** An exempt workload: its cost stays in the spend, it saves nothing anywhere. */
export interface PreviewUnmanagedWorkload {
  namespace: string;
  workload: string;
  monthlyCostUsd: number;
  /** Why it is exempt, e.g. "namespace kube-system". */
  reason: string;
}

export interface PolicyPreview {
  cards: Record<'autoscaling' | 'binPacking' | 'rightsizing' | 'spotRules' | 'governance', PreviewCard>;
  totalMonthlySavingUsd: number;
  monthlyRunRateUsd: number;
  unmanagedMonthlyCostUsd: number;
  /** The rightsizing changes worth making (above the severity threshold first), largest saving first. */
  recommendations: PreviewRecommendation[];
  unmanagedWorkloads: PreviewUnmanagedWorkload[];
  notes: string[];
}

/** The policy's exemptions in the savings engine's terms. */
const exemptionsOf = (policy: Policy): ExemptionPolicy => ({
  namespaces: policy.governance.excludedNamespaces,
  labels: policy.governance.excludedLabelSelectors,
});

/** Why the policy exempts the workload ("Unmanaged"), by namespace or by its pods' labels; `null`: managed. */
export const workloadExemptionOf = (policy: Policy, w: Pick<PreviewWorkload, 'namespace' | 'labels'>) =>
  exemptionReasonOf(w.namespace, w.labels ? [w.labels] : [], exemptionsOf(policy));

/** Replacement candidates: the catalog's types allowed by the template and the spot rules, priced in the region. */
export function replacementOptionsOf(input: PolicyPreviewInput, policy: Policy): ReplacementOption[] {
  const allowed = filterInstanceTypes(input.instanceTypes, {
    ...(input.template ? templateInstanceFilter(input.template, input.region) : {}),
    pricedInRegion: input.region,
    excludeBurstable: policy.workload.spotRules.blockBurstableFamilies,
    gpu: 'exclude',
  });
  const options: ReplacementOption[] = [];
  for (const t of allowed) {
    const onDemand = t.onDemandHourlyUsd[input.region];
    if (onDemand === undefined) continue;
    const capacity = eksAllocatable(t);
    if (capacity.cpuMilli <= 0 || capacity.memoryMiB <= 0) continue;
    const shape = {
      instanceType: t.name,
      allocatableCpuMilli: capacity.cpuMilli,
      allocatableMemoryMiB: capacity.memoryMiB,
      maxPods: capacity.pods,
    };
    if (input.template?.capacityType !== 'spot') {
      options.push({ ...shape, capacityType: 'on-demand', hourlyPriceUsd: onDemand });
    }
    const advisor = t.spot[input.region];
    if (t.spotSupported && advisor && input.template?.capacityType !== 'on-demand') {
      options.push({ ...shape, capacityType: 'spot', hourlyPriceUsd: onDemand * (1 - advisor[0] / 100) });
    }
  }
  return options;
}

/**
 * The nodes and synthetic pods the planner sees: one pod per movable pod, of its workload's mean size on
 * the node, with the node's and the workload's labels (so the planner applies label exemptions).
 */
export function consolidationInputOf(nodes: readonly PreviewNode[], workloads: readonly PreviewWorkload[]) {
  const labelsOf = new Map(workloads.map((w) => [w.key, w.labels ?? {}]));
  const pdbOf = new Map(workloads.flatMap((w) => (w.pdb ? [[w.key, w.pdb.name] as const] : [])));
  // One budget per PDB: workloads that share one share its budget.
  const pdbs = new Map<string, Pdb>();
  for (const w of workloads)
    if (w.pdb)
      pdbs.set(`${w.namespace}/${w.pdb.name}`, {
        namespace: w.namespace,
        name: w.pdb.name,
        disruptionsAllowed: w.pdb.disruptionsAllowed,
      });
  const longAgo = new Date(0).toISOString();
  const planNodes: ConsolidationNode[] = [];
  const pods: Pod[] = [];
  for (const n of nodes) {
    if (n.hourlyPriceUsd === null || n.allocatableCpuMilli <= 0 || n.allocatableMemoryMiB <= 0) continue;
    planNodes.push({
      name: n.name,
      instanceType: n.instanceType,
      capacityType: n.capacityType,
      hourlyPriceUsd: n.hourlyPriceUsd,
      allocatableCpuMilli: n.allocatableCpuMilli,
      allocatableMemoryMiB: n.allocatableMemoryMiB,
      ...(n.allocatablePods > 0 ? { maxPods: n.allocatablePods } : {}),
      labels: { ...n.labels },
      annotations: {},
      eligibleSince: n.eligibleSince ?? longAgo,
    });
    let movableCpu = 0;
    let movableMemory = 0;
    for (const [g, group] of (n.movablePods ?? []).entries()) {
      for (let i = 0; i < group.count; i++) {
        const owner = group.workload ?? group.namespace;
        const pdbName = group.workload ? pdbOf.get(group.workload) : undefined;
        pods.push({
          namespace: group.namespace,
          name: `${n.name}/${g}/${i}`,
          nodeName: n.name,
          cpuRequestMilli: group.cpuMilli / group.count,
          memoryRequestMiB: group.memoryMiB / group.count,
          labels: { ...(group.workload ? labelsOf.get(group.workload) : undefined) },
          annotations: n.doNotDisrupt && i === 0 ? { [DO_NOT_DISRUPT_ANNOTATION]: 'true' } : {},
          owner: { kind: 'ReplicaSet', name: owner },
          persistentVolumeClaimCount: 0,
          ...(pdbName === undefined ? {} : { pdbName }),
        });
      }
      movableCpu += group.cpuMilli;
      movableMemory += group.memoryMiB;
    }
    // What the movable pods do not request is the DaemonSet and static pods' share: it stays with the node.
    const boundCpu = Math.max(0, n.requestedCpuMilli - movableCpu);
    const boundMemory = Math.max(0, n.requestedMemoryMiB - movableMemory);
    if (boundCpu > 0 || boundMemory > 0) {
      pods.push({
        namespace: 'kube-system',
        name: `${n.name}/daemonsets`,
        nodeName: n.name,
        cpuRequestMilli: boundCpu,
        memoryRequestMiB: boundMemory,
        labels: {},
        annotations: {},
        owner: { kind: 'DaemonSet', name: 'daemonsets' },
        persistentVolumeClaimCount: 0,
      });
    }
  }
  return { nodes: planNodes, pods, pdbs: [...pdbs.values()] };
}

function binPackingCard(input: PolicyPreviewInput, policy: Policy): PreviewCard {
  if (input.nodes.some((n) => n.movablePods === null)) {
    return {
      monthlySavingUsd: null,
      note: 'The inventory predates the per-node pod summary: the figure appears after the next sync.',
    };
  }
  const { aggressiveness, method } = policy.infrastructure.binPacking;
  const { nodes, pods } = consolidationInputOf(input.nodes, input.workloads);
  const exemptions = exemptionsOf(policy);
  const replacementOptions = replacementOptionsOf(input, policy);
  const levels = binPackingAggressiveness.slice(0, binPackingAggressiveness.indexOf(aggressiveness) + 1);
  let best = 0;
  for (const level of levels) {
    const plan = planConsolidation(
      {
        nodes,
        pods,
        pdbs: [],
        policy: {
          aggressiveness: level,
          method,
          stabilizationWindowMinutes: 0,
          exemptions,
          podDisruptionCostUsd: 0.25,
          movePaybackHours: 168,
        },
        replacementOptions,
      },
      input.now,
    );
    best = Math.max(best, plan.monthlySavingUsd);
  }
  return {
    monthlySavingUsd: best,
    note:
      method === 'delete-empty'
        ? 'Delete empty: only nodes with no movable pods count.'
        : 'Pods of one workload on one node are taken as equal in size; PodDisruptionBudgets are checked when the optimizer acts.',
  };
}

function rightsizingCard(input: PolicyPreviewInput, policy: Policy, managed: readonly PreviewWorkload[]) {
  const { mode, safetyBufferPct, severityThresholdUsdPerMonth } = policy.workload.rightsizing;
  if (mode === 'off') return { monthlySavingUsd: 0, note: 'Rightsizing is off.', recommendations: [] };
  const unit = unitPricesFromNodes(
    input.nodes
      .filter((n) => n.hourlyPriceUsd !== null && n.allocatableCpuMilli > 0 && n.allocatableMemoryMiB > 0)
      .map((n) => ({
        hourlyPriceUsd: n.hourlyPriceUsd ?? 0,
        allocatableCpuMilli: n.allocatableCpuMilli,
        allocatableMemoryMiB: n.allocatableMemoryMiB,
      })),
  );
  // One container per replica, as the dashboard's summary builds it (`containerUsageOf`): daily p95 CPU and
  // peak memory, then today's samples; OOM kills at the request per replica (the limit is not stored).
  const containers: ContainerUsage[] = managed
    .filter((w) => w.replicas > 0)
    .map((w) => {
      const days = w.usage?.days ?? [];
      const todayPeak = w.usage?.todayMemoryPeakMiB;
      const ooms = days.reduce((s, d) => s + d.oomKills, 0) + (w.usage?.todayOomKills ?? 0);
      return {
        namespace: w.namespace,
        workload: w.key,
        container: '*',
        replicas: w.replicas,
        cpuRequestMilli: w.requestCpuMilli / w.replicas,
        memoryRequestMiB: w.requestMemoryMiB / w.replicas,
        cpuUsageMilli: [...days.map((d) => d.cpuP95Milli), ...(w.usage?.todayCpuMilli ?? [])],
        memoryWorkingSetMiB: [
          ...days.map((d) => d.memoryPeakMiB),
          ...(todayPeak !== null && todayPeak !== undefined ? [todayPeak] : []),
        ],
        oomKills: Array.from({ length: ooms }, () => ({ memoryAtKillMiB: w.requestMemoryMiB / w.replicas })),
        hpaScaledResources: w.hpaScaledResources,
      };
    });
  const report = rightsizeContainers(
    containers,
    { headroomPercent: safetyBufferPct, severityThresholdMonthlyUsd: severityThresholdUsdPerMonth },
    unit,
  );
  const byWorkload = new Map(managed.map((w) => [w.key, w]));
  const recommendations: PreviewRecommendation[] = report.containers
    .filter((r): r is typeof r & { status: 'apply' | 'below-threshold' } => r.status !== 'no-change')
    .map((r) => {
      const usage = byWorkload.get(r.workload)?.usage;
      const days = usage?.days ?? [];
      const hasToday = (usage?.todayCpuMilli.length ?? 0) > 0 || (usage?.todayMemoryPeakMiB ?? null) !== null;
      const w = byWorkload.get(r.workload);
      const limitOf = (
        total: number | null | undefined,
        request: { current: number; recommended: number },
      ) =>
        total === null || total === undefined || r.replicas === 0 || request.current <= 0
          ? null
          : {
              current: total / r.replicas,
              // Tolerance: a ratio like 1.5 times a whole request must not round up on float noise.
              recommended: Math.ceil(request.recommended * (total / r.replicas / request.current) - 1e-9),
            };
      const cpuRequest = { current: r.cpu.currentMilli, recommended: r.cpu.recommendedMilli };
      const memoryRequest = { current: r.memory.currentMiB, recommended: r.memory.recommendedMiB };
      return {
        namespace: r.namespace,
        workload: r.workload,
        replicas: r.replicas,
        cpuRequestMilli: cpuRequest,
        memoryRequestMiB: memoryRequest,
        cpuLimitMilli: limitOf(w?.limitCpuMilli, cpuRequest),
        memoryLimitMiB: limitOf(w?.limitMemoryMiB, memoryRequest),
        monthlySavingUsd: r.monthlySavingUsd,
        status: r.status,
        evidence: {
          cpuPercentile: CPU_USAGE_PERCENTILE * 100,
          cpuP95Milli: r.cpu.p95Milli,
          memoryPeakMiB: r.memory.peakMiB,
          windowDays: days.length + (hasToday ? 1 : 0),
          oomKills: days.reduce((s, d) => s + d.oomKills, 0) + (usage?.todayOomKills ?? 0),
          hpaScaled: byWorkload.get(r.workload)?.hpaScaledResources ?? [],
        },
      };
    })
    .sort(
      (a, b) =>
        Number(b.status === 'apply') - Number(a.status === 'apply') ||
        Math.abs(b.monthlySavingUsd) - Math.abs(a.monthlySavingUsd) ||
        a.workload.localeCompare(b.workload),
    );
  return {
    monthlySavingUsd: report.monthlySavingUsd,
    note:
      mode === 'recommendations'
        ? 'Recommendations only: the saving is realised when someone applies them.'
        : null,
    recommendations,
  };
}

function spotCard(input: PolicyPreviewInput, policy: Policy, managed: readonly PreviewWorkload[]) {
  const { forceSpot, preferSpot } = policy.workload.spotRules;
  if (!forceSpot && !preferSpot) {
    return { monthlySavingUsd: 0, note: 'Neither spot rule is on: no workload is moved to spot.' };
  }
  if (input.lastSpotMonthlySavingUsd === null) {
    return { monthlySavingUsd: null, note: 'No snapshot yet: the spot figure appears after the first sync.' };
  }
  const readyCost = (ws: readonly PreviewWorkload[]) =>
    ws.filter((w) => w.spotReady).reduce((s, w) => s + w.monthlyCostUsd, 0);
  const all = readyCost(input.workloads);
  const share = all > 0 ? readyCost(managed) / all : 0;
  return {
    monthlySavingUsd: input.lastSpotMonthlySavingUsd * share,
    note: 'The last sync’s spot savings, in proportion to the spot-ready workloads this policy leaves managed.',
  };
}

export function previewPolicySavings(input: PolicyPreviewInput, policy: Policy): PolicyPreview {
  const reasons = new Map(input.workloads.map((w) => [w.key, workloadExemptionOf(policy, w)]));
  const managed = input.workloads.filter((w) => reasons.get(w.key) === null);
  const unmanaged = input.workloads.filter((w) => reasons.get(w.key) !== null);
  const unmanagedMonthlyCostUsd = unmanaged.reduce((s, w) => s + w.monthlyCostUsd, 0);
  const monthlyRunRateUsd = toMonthlyUsd(input.nodes.reduce((s, n) => s + (n.hourlyPriceUsd ?? 0), 0));
  const autoscaling: PreviewCard = policy.infrastructure.autoscaling.enabled
    ? {
        monthlySavingUsd: null,
        note: 'Provisioning savings need the pods’ scheduling constraints; the dashboard’s bin-packing figure shows them after each sync.',
      }
    : { monthlySavingUsd: 0, note: 'Autoscaling is off: no new nodes are launched, so none are cheaper.' };
  const binPacking = binPackingCard(input, policy);
  const rightsizing = rightsizingCard(input, policy, managed);
  const spotRules = spotCard(input, policy, managed);
  const unmanagedWorkloads: PreviewUnmanagedWorkload[] = unmanaged
    .map((w) => ({
      namespace: w.namespace,
      workload: w.key,
      monthlyCostUsd: w.monthlyCostUsd,
      reason: reasons.get(w.key) ?? '',
    }))
    .sort((a, b) => b.monthlyCostUsd - a.monthlyCostUsd || a.workload.localeCompare(b.workload));
  const governance: PreviewCard = {
    monthlySavingUsd: 0,
    note: `${unmanaged.length} workload(s) are Unmanaged: their cost stays in the spend, with no potential savings.`,
  };
  const combined = combineSavings({
    monthlyRunRateUsd,
    binPackingMonthlyUsd: binPacking.monthlySavingUsd ?? 0,
    spotMonthlyUsd: spotRules.monthlySavingUsd ?? 0,
    rightsizingMonthlyUsd: rightsizing.monthlySavingUsd ?? 0,
  });
  const unlabelled =
    policy.governance.excludedLabelSelectors.length > 0 &&
    input.workloads.length > 0 &&
    input.workloads.every((w) => w.labels === undefined);
  const notes = unlabelled
    ? [
        'This inventory predates the pods’ labels: the figures exempt by namespace only until the next sync; the optimizer applies both.',
      ]
    : [];
  return {
    cards: {
      autoscaling,
      binPacking,
      rightsizing: { monthlySavingUsd: rightsizing.monthlySavingUsd, note: rightsizing.note },
      spotRules,
      governance,
    },
    totalMonthlySavingUsd: combined.totalMonthlyUsd,
    monthlyRunRateUsd,
    unmanagedMonthlyCostUsd,
    recommendations: rightsizing.recommendations,
    unmanagedWorkloads,
    notes,
  };
}

/**
 * Per node: its movable pods (not DaemonSet or static) summed per workload, and whether one carries
 * `karpenter.sh/do-not-disrupt`. Discovery stores this on each Node item so the preview can plan
 * consolidation (and apply label exemptions through the workload's labels) without the whole snapshot.
 */
export function movablePodsByNode(
  pods: readonly Pick<
    ModelPod,
    | 'namespace'
    | 'nodeName'
    | 'owner'
    | 'cpuRequestMilli'
    | 'memoryRequestMiB'
    | 'annotations'
    | 'workloadKey'
  >[],
): Map<string, { movablePods: NonNullable<PreviewNode['movablePods']>; doNotDisrupt: boolean }> {
  const out = new Map<
    string,
    {
      byWorkload: Map<string, { namespace: string; count: number; cpuMilli: number; memoryMiB: number }>;
      doNotDisrupt: boolean;
    }
  >();
  for (const p of pods) {
    if (!p.nodeName || p.owner?.kind === 'DaemonSet' || p.owner?.kind === 'Node') continue;
    let node = out.get(p.nodeName);
    if (!node) {
      node = { byWorkload: new Map(), doNotDisrupt: false };
      out.set(p.nodeName, node);
    }
    const group = node.byWorkload.get(p.workloadKey) ?? {
      namespace: p.namespace,
      count: 0,
      cpuMilli: 0,
      memoryMiB: 0,
    };
    group.count += 1;
    group.cpuMilli += p.cpuRequestMilli;
    group.memoryMiB += p.memoryRequestMiB;
    node.byWorkload.set(p.workloadKey, group);
    if (p.annotations[DO_NOT_DISRUPT_ANNOTATION] === 'true') node.doNotDisrupt = true;
  }
  return new Map(
    [...out].map(([name, n]) => [
      name,
      {
        movablePods: [...n.byWorkload]
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([workload, g]) => ({ ...g, workload })),
        doNotDisrupt: n.doNotDisrupt,
      },
    ]),
  );
}
