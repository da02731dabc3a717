import { spotRuleText } from '../../dashboard/summary-view';
import type { ExemptionPolicy, Pod } from '../cluster';
import { toMonthlyUsd } from '../cost';
import { type LivePrices, typePrices } from '../node-pricing';
import type { SnapshotModel } from '../snapshot-model';
import {
  type NodeSpotPricing,
  type SpotReadinessReport,
  type SpotReadinessRule,
  type SpotSavingsReport,
  spotReadiness,
  spotSavings,
} from '../spot';
import type { WorkloadRef } from './common';
import type { WorkloadFigures } from './types';

/** Spot readiness of the scheduled pods (`spotReadiness`), with the snapshot's PDBs and the policy's exemptions. */
export function spotReadinessOf(
  model: SnapshotModel,
  pods: Pod[],
  exemptions: ExemptionPolicy,
): SpotReadinessReport {
  return spotReadiness({
    pods,
    pdbs: model.snapshot.pdbs.map((p) => ({
      namespace: p.namespace,
      name: p.name,
      disruptionsAllowed: p.disruptionsAllowed,
    })),
    exemptions,
  });
}

/**
 * Spot savings (`spotSavings`, USD/h and USD/month) of the ready pods on on-demand nodes with a capacity,
 * each node's type priced live first (`typePrices`); nodes without an on-demand price are left out.
 */
export function spotSavingsOf(
  model: SnapshotModel,
  live: LivePrices,
  readiness: SpotReadinessReport,
  pods: readonly Pod[],
): SpotSavingsReport {
  const pricing: NodeSpotPricing[] = [];
  for (const n of model.nodes) {
    const p = typePrices(live, model.region, n.instanceType);
    if (p.onDemandHourlyUsd === null || p.onDemandHourlyUsd <= 0) continue;
    pricing.push({
      nodeName: n.name,
      onDemandHourlyPriceUsd: p.onDemandHourlyUsd,
      spotHourlyPriceUsd: p.spotHourlyUsd,
    });
  }
  return spotSavings({
    readiness,
    nodes: model.nodes
      .filter((n) => n.allocatableCpuMilli > 0 && n.allocatableMemoryMiB > 0)
      .map((n) => ({
        name: n.name,
        capacityType: n.capacityType,
        allocatableCpuMilli: n.allocatableCpuMilli,
        allocatableMemoryMiB: n.allocatableMemoryMiB,
      })),
    pods,
    pricing,
  });
}

/** An eligible workload that is not spot-ready: its first failing rule and its CPU requests (millicores). */
export interface SpotBlocker {
  key: string;
  rule: SpotReadinessRule;
  cpuMilli: number;
}

/**
 * Per workload: eligible when one of its pods is, ready when every eligible pod is, and the first failing
 * rule of its first unready eligible pod (of its first pod when none is eligible). Eligible workloads that
 * are not ready are the blockers.
 */
export function workloadSpotStates(
  model: SnapshotModel,
  readiness: SpotReadinessReport,
): { figures: Map<string, WorkloadFigures>; blockers: SpotBlocker[] } {
  const readinessByPod = new Map(readiness.pods.map((r) => [r.pod, r]));
  const figures = new Map<string, WorkloadFigures>();
  const blockers: SpotBlocker[] = [];
  for (const w of model.workloads) {
    const states = w.pods.map((p) => readinessByPod.get(p.key)).filter((r) => r !== undefined);
    const eligible = states.filter((r) => r.eligible);
    const firstUnready = eligible.find((r) => !r.ready) ?? (eligible.length === 0 ? states[0] : undefined);
    const spotReady = eligible.length > 0 && eligible.every((r) => r.ready);
    figures.set(w.key, {
      unmanagedReason: null,
      spotEligible: eligible.length > 0,
      spotReady,
      spotReason: spotReady ? null : (firstUnready?.firstFailingRule ?? null),
      rightsizing: null,
    });
    if (eligible.length > 0 && !spotReady && firstUnready?.firstFailingRule) {
      blockers.push({ key: w.key, rule: firstUnready.firstFailingRule, cpuMilli: w.requestCpuMilli });
    }
  }
  return { figures, blockers };
}

const candidateReason = 'Replicated, no volume claims, disruption allowed: can move to spot nodes';

/** The 10 workloads whose pods save most on spot (per-pod hourly savings summed, x 730 per month). */
export function topSpotCandidates(
  model: SnapshotModel,
  savings: SpotSavingsReport,
  describe: (key: string) => WorkloadRef,
) {
  const podByKey = new Map(model.pods.map((p) => [p.key, p]));
  const savingByWorkload = new Map<string, number>();
  for (const s of savings.pods) {
    const wk = podByKey.get(s.pod)?.workloadKey;
    if (wk) savingByWorkload.set(wk, (savingByWorkload.get(wk) ?? 0) + s.hourlySavingUsd);
  }
  return [...savingByWorkload.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 10)
    .map(([key, hourly]) => ({
      ...describe(key),
      monthlySavingUsd: toMonthlyUsd(hourly),
      reason: candidateReason,
    }));
}

/** The 10 blockers with the most CPU requests, with the text of their rule. */
export function topSpotBlockers(blockers: readonly SpotBlocker[], describe: (key: string) => WorkloadRef) {
  return [...blockers]
    .sort((a, b) => b.cpuMilli - a.cpuMilli)
    .slice(0, 10)
    .map((b) => ({
      ...describe(b.key),
      rule: b.rule,
      reason: spotRuleText[b.rule],
      requestCpuMilli: b.cpuMilli,
    }));
}

/** The summary's spot section: readiness scores and counts, savings, top candidates and top blockers. */
export function spotSectionOf(
  model: SnapshotModel,
  readiness: SpotReadinessReport,
  savings: SpotSavingsReport,
  blockers: readonly SpotBlocker[],
  describe: (key: string) => WorkloadRef,
) {
  return {
    scoreByCount: readiness.scoreByCount,
    scoreByCpu: readiness.scoreByCpu,
    eligibleCount: readiness.eligibleCount,
    readyCount: readiness.readyCount,
    eligibleCpuMilli: readiness.eligibleCpuMilli,
    readyCpuMilli: readiness.readyCpuMilli,
    firstFailingRuleCounts: readiness.firstFailingRuleCounts,
    hourlySavingUsd: savings.hourlySavingUsd,
    monthlySavingUsd: savings.monthlySavingUsd,
    alreadyOnSpotCount: savings.alreadyOnSpotCount,
    noSpotPriceCount: savings.noSpotPriceCount,
    topCandidates: topSpotCandidates(model, savings, describe),
    topBlockers: topSpotBlockers(blockers, describe),
  };
}
